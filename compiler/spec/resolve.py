"""Defaults, derived values and catalog look-ups: the immutable fleet every later stage reads."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Mapping, Optional, Union

from servespec.catalog import GPUType, driver_text
from servespec.catalog.platforms import PLATFORMS, Platform
from servespec.spec import mig
from servespec.spec.container import ServerPlan, memory_limit_bytes, server_plan
from servespec.spec.gpus import gpu_types, product_selector
from servespec.spec.lifecycle import (
    load_seconds,
    progress_deadline_seconds,
    startup_budget_seconds,
    termination_grace_seconds,
)
from servespec.spec.loader import SourceMap
from servespec.spec.mig import MIGLayout
from servespec.spec.model import BlueGreenAnalysis, CanaryAnalysis, FleetSpec, GPUPool, Model
from servespec.spec.parallel import ParallelPlan, parallel_plan, replica_gpus, rolling_update
from servespec.spec.scaling import ScalingPlan, scaling_plan
from servespec.spec.traffic import TrafficPlan, traffic_plan
from servespec.spec.types import ImageRef, format_bytes, parse_image, parse_version_tuple


@dataclass(frozen=True)
class ResolvedPool:
    spec: GPUPool
    gpu: GPUType
    driver: Optional[tuple[int, ...]]
    """None: the platform installs a driver neither the spec nor the platform table names (no CUDA check)."""
    driver_label: str
    """The driver as messages name it."""
    node_selector: Mapping[str, str]
    mig_layout: Optional[MIGLayout] = None
    """The mig-parted configuration of the pool's nodes (None: no MIG, or no model on a slice)."""

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
    cuda_source: str
    """Where the CUDA version comes from: "cuda" (the spec field), "image" (its tag) or "runtime" (the
    preset's table for the image version); "" when unknown."""
    server: ServerPlan
    parallel: ParallelPlan
    gpu_resources: Mapping[str, int]
    """GPU resources of one pod (a multi-node replica has `parallel.nodes` such pods)."""
    node_selector: Mapping[str, str]
    memory_limit: str
    load_seconds: float
    startup_budget_seconds: int
    progress_deadline_seconds: int
    termination_grace_seconds: int
    disruption: Optional[Mapping[str, Union[int, str]]]
    rolling_update: Mapping[str, Union[int, str]]
    """maxSurge and maxUnavailable of a rolling update (defaults filled in)."""
    analysis: Optional[Union[CanaryAnalysis, BlueGreenAnalysis]]
    """Canary or blue/green settings (defaults filled in); None for rolling updates."""
    traffic: TrafficPlan
    scaling: ScalingPlan

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
    platform: Platform
    revision: Optional[str] = None
    """The spec's git revision when compiled with `--revision`: recorded in each rollback point."""

    @property
    def name(self) -> str:
        return self.spec.metadata.name

    @cached_property
    def _models_by_pool(self) -> Mapping[str, tuple[ResolvedModel, ...]]:
        grouped: dict[str, list[ResolvedModel]] = {name: [] for name in self.pools}
        for model in self.models:
            grouped.setdefault(model.pool.name, []).append(model)
        return MappingProxyType({name: tuple(models) for name, models in grouped.items()})

    def models_in(self, pool: str) -> tuple[ResolvedModel, ...]:
        """The models of one pool, in spec order."""
        return self._models_by_pool.get(pool, ())


def resolve(spec: FleetSpec, source_map: SourceMap, file: str, environment: Optional[str] = None) -> ResolvedFleet:
    """Resolve a spec that passed `check_semantics`."""
    known = gpu_types(spec)
    platform = PLATFORMS[spec.cluster.platform]
    pools = {
        pool.name: ResolvedPool(pool, known[pool.gpu], *_driver(platform, pool),
                                MappingProxyType(pool_selector(platform, pool, known[pool.gpu])),
                                mig.mig_layout(pool, known[pool.gpu], list(spec.models)))
        for pool in spec.gpu_pools
    }
    models = tuple(_resolve_model(spec, model, index, pools[model.pool]) for index, model in enumerate(spec.models))
    return ResolvedFleet(spec, file, environment, spec.metadata.namespace, MappingProxyType(pools), models,
                         source_map, platform)


def _driver(platform: Platform, pool: GPUPool) -> tuple[Optional[tuple[int, ...]], str]:
    """The pool's driver and how to name it: `driverVersion`, else the one the platform installs."""
    if pool.driver_version:
        return parse_version_tuple(pool.driver_version), pool.driver_version
    assumed = platform.driver_for(pool.gpu)
    if assumed is None:
        return None, ""
    return assumed[0], f"{driver_text(assumed[0])} (assumed: {assumed[1]})"


def pool_selector(platform: Platform, pool: GPUPool, gpu: GPUType) -> dict[str, str]:
    """The node labels a pool's pods select: the spec's `nodeSelector`, else the platform's node pool label with
    the pool's name; the platform's GPU type label where it has one for this GPU; GFD's product when given."""
    selector = dict(pool.node_selector or {platform.pool_label: pool.name})
    if platform.gpu_label is not None and gpu.name in platform.gpu_values:
        selector.setdefault(platform.gpu_label, platform.gpu_values[gpu.name])
    return {**selector, **product_selector(pool)}


def _resolve_model(spec: FleetSpec, model: Model, index: int, pool: ResolvedPool) -> ResolvedModel:
    image = parse_image(model.image)
    parallel = parallel_plan(model, pool.spec)
    server = server_plan(model, parallel)
    cuda, cuda_source = _cuda(model, image, server)
    node_selector = dict(pool.node_selector)
    resources: dict[str, int] = {}
    if model.gpu is not None:
        if model.gpu.mig is None or pool.spec.mig.strategy == "single":
            resources["nvidia.com/gpu"] = parallel.gpus_per_pod
        else:
            resources[f"nvidia.com/mig-{model.gpu.mig}"] = parallel.gpus_per_pod
        if model.gpu.mig is not None and pool.mig_layout is not None:
            node_selector[mig.CONFIG_LABEL] = pool.mig_layout.name
            node_selector[mig.STATE_LABEL] = mig.APPLIED
    memory_limit = model.resources.memory_limit or format_bytes(memory_limit_bytes(model))
    disruption = _disruption(model)
    return ResolvedModel(
        spec=model,
        index=index,
        pool=pool,
        image=image,
        cuda=cuda,
        cuda_source=cuda_source,
        server=server,
        parallel=parallel,
        gpu_resources=MappingProxyType(resources),
        node_selector=MappingProxyType(node_selector),
        memory_limit=memory_limit,
        load_seconds=load_seconds(model),
        startup_budget_seconds=startup_budget_seconds(model),
        progress_deadline_seconds=progress_deadline_seconds(model),
        termination_grace_seconds=termination_grace_seconds(model),
        disruption=MappingProxyType(disruption) if disruption else None,
        rolling_update=MappingProxyType(_rolling_update(spec, model, pool, parallel)),
        analysis=_analysis(model),
        traffic=traffic_plan(spec.traffic, model),
        scaling=scaling_plan(model, server.engine, spec.metadata.namespace, spec.monitoring.prometheus_address,
                             flagger=model.rollout.strategy != "rolling"),
    )


def _rolling_update(spec: FleetSpec, model: Model, pool: ResolvedPool, parallel: ParallelPlan
                    ) -> dict[str, Union[int, str]]:
    """`parallel.rolling_update`, except for a multi-node model left to the defaults: a surge group instead of
    replacing one in place when the pool has room for it beside every model of the pool at its maximum
    (a LeaderWorkerSet recreates the whole group: in-place replacement of a single group is an outage)."""
    chosen = rolling_update(model)
    if not parallel.multi_node or model.rollout.max_surge is not None or model.rollout.max_unavailable is not None:
        return chosen
    peak = sum(other.replicas.max * replica_gpus(other) for other in spec.models if other.pool == model.pool)
    return {"maxSurge": 1, "maxUnavailable": 0} if pool.spec.max_gpus - peak >= parallel.gpus else chosen


def _analysis(model: Model) -> Optional[Union[CanaryAnalysis, BlueGreenAnalysis]]:
    rollout = model.rollout
    if rollout.strategy == "canary":
        return rollout.canary or CanaryAnalysis()
    if rollout.strategy == "blueGreen":
        return rollout.blue_green or BlueGreenAnalysis()
    return None


def _cuda(model: Model, image: ImageRef, server: ServerPlan) -> tuple[Optional[tuple[int, int]], str]:
    if model.cuda:
        return _major_minor(parse_version_tuple(model.cuda)), "cuda"
    if image.cuda:
        return image.cuda, "image"
    version = image.version
    from_runtime = server.runtime.cuda_for(version) if version else None
    return (from_runtime, "runtime") if from_runtime else (None, "")


def _major_minor(version: tuple[int, ...]) -> tuple[int, int]:
    return version[0], version[1]


def _disruption(model: Model) -> dict[str, Union[int, str]]:
    if model.disruption is not None:
        if model.disruption.min_available is not None:
            return {"minAvailable": model.disruption.min_available}
        assert model.disruption.max_unavailable is not None  # semantics: exactly one of the two is set
        return {"maxUnavailable": model.disruption.max_unavailable}
    return {"maxUnavailable": 1} if model.replicas.max >= 2 else {}
