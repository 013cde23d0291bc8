"""Defaults, derived values and catalog look-ups: the immutable fleet every later stage reads."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Mapping, Optional, Union

from compiler.catalog import GPUType
from compiler.loader import SourceMap
from compiler.model import BlueGreenAnalysis, CanaryAnalysis, FleetSpec, GPUPool, Model
from compiler.semantics import gpu_types
from compiler.types import ImageRef, format_bytes, parse_image, parse_version_tuple, quantity_value

MEMORY_LIMIT_FACTOR = Decimal("1.2")
"""Memory limit = 1.2 x request unless `resources.memoryLimit` is set."""

STARTUP_SAFETY_FACTOR = 2.0
"""The startup probe allows twice the estimated weight-load time ..."""

STARTUP_BASE_SECONDS = 60
"""... plus 60 s for process start and CUDA initialisation."""

STARTUP_PERIOD_SECONDS = 10
"""Startup probe period; failureThreshold = ceil(budget / period)."""

PROGRESS_DEADLINE_MARGIN_SECONDS = 300
"""progressDeadlineSeconds = startup budget + 300 s (image pull and scheduling), at least the default 600."""

TERMINATION_MARGIN_SECONDS = 15
"""terminationGracePeriodSeconds = maxRequestSeconds + 15 s for the endpoint removal to propagate."""

POOL_LABEL = "servespec.dev/gpu-pool"
"""Default node label selecting a pool's nodes."""


@dataclass(frozen=True)
class ResolvedPool:
    spec: GPUPool
    gpu: GPUType
    driver: tuple[int, ...]
    node_selector: Mapping[str, str]

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True)
class ResolvedModel:
    spec: Model
    index: int
    pool: ResolvedPool
    image: ImageRef
    cuda: Optional[tuple[int, int]]
    gpu_resources: Mapping[str, int]
    node_selector: Mapping[str, str]
    memory_limit: str
    load_seconds: float
    startup_budget_seconds: int
    progress_deadline_seconds: int
    termination_grace_seconds: int
    disruption: Optional[Mapping[str, Union[int, str]]]
    analysis: Optional[Union[CanaryAnalysis, BlueGreenAnalysis]]
    """Canary or blue/green settings (defaults filled in); None for rolling updates."""

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True)
class ResolvedFleet:
    spec: FleetSpec
    file: str
    environment: Optional[str]
    namespace: str
    pools: Mapping[str, ResolvedPool]
    models: tuple[ResolvedModel, ...]
    source_map: SourceMap

    @property
    def name(self) -> str:
        return self.spec.metadata.name


def resolve(spec: FleetSpec, source_map: SourceMap, file: str, environment: Optional[str] = None) -> ResolvedFleet:
    """Resolve a spec that passed `check_semantics`."""
    known = gpu_types(spec)
    pools = {
        pool.name: ResolvedPool(pool, known[pool.gpu], parse_version_tuple(pool.driver_version),
                                MappingProxyType(dict(pool.node_selector or {POOL_LABEL: pool.name})))
        for pool in spec.gpu_pools
    }
    models = tuple(_resolve_model(model, index, pools[model.pool]) for index, model in enumerate(spec.models))
    return ResolvedFleet(spec, file, environment, spec.metadata.namespace, MappingProxyType(pools), models,
                         source_map)


def _resolve_model(model: Model, index: int, pool: ResolvedPool) -> ResolvedModel:
    image = parse_image(model.image)
    cuda = parse_version_tuple(model.cuda)[:2] if model.cuda else image.cuda
    node_selector = dict(pool.node_selector)
    resources: dict[str, int] = {}
    if model.gpu is not None:
        if model.gpu.mig is None:
            resources["nvidia.com/gpu"] = model.gpu.count
        elif pool.spec.mig.strategy == "single":
            resources["nvidia.com/gpu"] = model.gpu.count
            node_selector["nvidia.com/mig.config"] = f"all-{model.gpu.mig}"
        else:
            resources[f"nvidia.com/mig-{model.gpu.mig}"] = model.gpu.count
    memory_limit = model.resources.memory_limit or format_bytes(
        quantity_value(model.resources.memory) * MEMORY_LIMIT_FACTOR)
    load_seconds = model.artifact.size_gb * 1000 / model.artifact.load_mbps if model.artifact else 0.0
    startup = model.server.startup_seconds or STARTUP_BASE_SECONDS + math.ceil(load_seconds * STARTUP_SAFETY_FACTOR)
    startup = math.ceil(startup / STARTUP_PERIOD_SECONDS) * STARTUP_PERIOD_SECONDS
    grace = model.server.termination_grace_seconds
    disruption = _disruption(model)
    return ResolvedModel(
        spec=model,
        index=index,
        pool=pool,
        image=image,
        cuda=cuda,
        gpu_resources=MappingProxyType(resources),
        node_selector=MappingProxyType(node_selector),
        memory_limit=memory_limit,
        load_seconds=load_seconds,
        startup_budget_seconds=startup,
        progress_deadline_seconds=(model.rollout.progress_deadline_seconds
                                   or max(600, startup + PROGRESS_DEADLINE_MARGIN_SECONDS)),
        termination_grace_seconds=(grace if grace is not None
                                   else model.server.max_request_seconds + TERMINATION_MARGIN_SECONDS),
        disruption=MappingProxyType(disruption) if disruption else None,
        analysis=_analysis(model),
    )


def _analysis(model: Model) -> Optional[Union[CanaryAnalysis, BlueGreenAnalysis]]:
    rollout = model.rollout
    if rollout.strategy == "canary":
        return rollout.canary or CanaryAnalysis()
    if rollout.strategy == "blueGreen":
        return rollout.blue_green or BlueGreenAnalysis()
    return None


def _disruption(model: Model) -> dict[str, Union[int, str]]:
    if model.disruption is not None:
        if model.disruption.min_available is not None:
            return {"minAvailable": model.disruption.min_available}
        return {"maxUnavailable": model.disruption.max_unavailable}
    return {"maxUnavailable": 1} if model.replicas.max >= 2 else {}
