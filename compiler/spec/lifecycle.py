"""A model's lifecycle timings, derived from its spec: weight load time, startup probe budget, progress
deadline and termination grace. Pure functions of one `Model`, shared by the checks and by `resolve`."""

from __future__ import annotations

import math

from servespec.catalog.downloads import DEFAULT_PULL_RATE_MBPS, DEFAULT_RATE_MBPS
from servespec.spec.container import request_seconds, warmup_seconds
from servespec.spec.model import Model

STARTUP_SAFETY_FACTOR = 2.0
"""The startup probe allows twice the estimated weight-load time ..."""

STARTUP_BASE_SECONDS = 60
"""... plus 60 s for process start and CUDA initialisation, plus the engine's warm-up."""

STARTUP_PERIOD_SECONDS = 10
"""Startup probe period; failureThreshold = ceil(budget / period)."""

PROGRESS_DEADLINE_MARGIN_SECONDS = 300
"""progressDeadlineSeconds = weights delivery + startup budget + 300 s (image pull and scheduling), at least
the default 600."""

_BEYOND_ANY_BUDGET = float(2**62)
"""Load-time estimates are capped here: far above int32 (checks reject that), never infinite."""

TERMINATION_MARGIN_SECONDS = 15
"""terminationGracePeriodSeconds = maxRequestSeconds + 15 s for the endpoint removal to propagate."""


def load_seconds(model: Model) -> float:
    """Estimated time to read the weights from the model volume into the GPU: size / load rate (0 without
    an artifact)."""
    return model.artifact.size_gb * 1000 / model.artifact.load_mbps if model.artifact else 0.0


def delivery_seconds(model: Model) -> float:
    """Estimated time to bring the weights to the node before the server starts: the download (init
    container) or the image volume pull; 0 for a PersistentVolumeClaim. The startup probe does not run yet
    then, so this counts towards the progress deadline only."""
    artifact = model.artifact
    if artifact is None:
        return 0.0
    if artifact.source == "download":
        rate = artifact.download.rate_mbps if artifact.download else DEFAULT_RATE_MBPS
    elif artifact.source == "image":
        rate = artifact.image.pull_mbps if artifact.image else DEFAULT_PULL_RATE_MBPS
    else:
        return 0.0
    return min(artifact.size_gb * 1000 / rate, _BEYOND_ANY_BUDGET)


def startup_budget_seconds(model: Model) -> int:
    """The startup probe's budget: `server.startupSeconds`, else 60 s + the engine's warm-up + 2 x the load
    time, in whole periods."""
    loading = min(load_seconds(model) * STARTUP_SAFETY_FACTOR, _BEYOND_ANY_BUDGET)  # finite for ceil()
    startup = model.server.startup_seconds or STARTUP_BASE_SECONDS + warmup_seconds(model) + math.ceil(loading)
    return math.ceil(startup / STARTUP_PERIOD_SECONDS) * STARTUP_PERIOD_SECONDS


def progress_deadline_seconds(model: Model) -> int:
    """Deployment progressDeadlineSeconds: the override, else delivery + the startup budget + 300 s, at least
    600."""
    delivery = math.ceil(delivery_seconds(model))
    return (model.rollout.progress_deadline_seconds
            or max(600, delivery + startup_budget_seconds(model) + PROGRESS_DEADLINE_MARGIN_SECONDS))


RAY_INIT_MARGIN_SECONDS = 300
"""The multi-node script's own default wait for the Ray cluster (vLLM multi-node-serving.sh)."""


def ray_init_timeout_seconds(model: Model) -> int:
    """How long the leader of a multi-node replica waits for its workers to join Ray: the script's 300 s plus
    the weights delivery, which every worker pod does before its server container starts."""
    return RAY_INIT_MARGIN_SECONDS + math.ceil(delivery_seconds(model))


def termination_grace_seconds(model: Model) -> int:
    """terminationGracePeriodSeconds: the override, else maxRequestSeconds + 15 s."""
    grace = model.server.termination_grace_seconds
    return grace if grace is not None else request_seconds(model) + TERMINATION_MARGIN_SECONDS
