"""Rollout and disruption figures derived from a resolved model, shared by the emitters, the lint rules,
the review and the capacity plan."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Mapping

from servespec.spec.model import BlueGreenAnalysis, CanaryAnalysis
from servespec.spec.types import duration_seconds

if TYPE_CHECKING:
    from servespec.spec.resolve import ResolvedModel


def rollout_seconds(model: ResolvedModel) -> int:
    """Time from the first analysis to promotion: steps to maxWeight (canary) or iterations (blue/green),
    times the interval (0 for a rolling update)."""
    settings = model.analysis
    if isinstance(settings, CanaryAnalysis):
        steps = math.ceil(settings.max_weight / settings.step_weight)
    elif isinstance(settings, BlueGreenAnalysis):
        steps = settings.iterations
    else:
        return 0
    return steps * duration_seconds(settings.interval)


def allowed_disruptions(budget: Mapping[str, int | str], replicas: int) -> int:
    """Pods the PDB lets go at once when `replicas` pods are healthy (percentages as Kubernetes rounds them:
    minAvailable up, maxUnavailable down)."""
    def count(value: int | str, round_up: bool) -> int:
        if isinstance(value, str) and value.endswith("%"):
            share = replicas * int(value[:-1])
            return -(-share // 100) if round_up else share // 100
        return int(value)

    if "minAvailable" in budget:
        return max(0, replicas - count(budget["minAvailable"], True))
    return max(0, count(budget["maxUnavailable"], False))
