"""Checks across fields: references, unique names, and combinations no manifest could express."""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Iterable, Iterator, Sequence

from servespec.catalog import GPU_TYPES
from servespec.diagnostics import Diagnostic, suggest
from servespec.spec.gpus import gpu_types, profiles_hint
from servespec.spec.lifecycle import load_seconds, progress_deadline_seconds, startup_budget_seconds
from servespec.spec.loader import SourceMap, SpecPath
from servespec.spec.model import FleetSpec, Model
from servespec.spec.types import INT32_MAX, duration_seconds, parse_version_tuple

MIN_ANALYSIS_INTERVAL_SECONDS = 10
"""Flagger refuses analysis intervals under 10s."""


def check_semantics(spec: FleetSpec, source_map: SourceMap) -> list[Diagnostic]:
    """Every cross-field problem of the spec, located."""
    return list(_problems(spec, source_map))


def _duplicates(names: Iterable[str]) -> set[str]:
    return {name for name, count in Counter(names).items() if count > 1}


def _unique(items: Sequence[Any], prefix: SpecPath, what: str, source_map: SourceMap) -> Iterator[Diagnostic]:
    twice = _duplicates(item.name for item in items)
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        if item.name in twice:
            if item.name in first:
                line, _ = source_map.locate(prefix + (first[item.name], "name"))
                yield source_map.diagnostic(prefix + (index, "name"),
                                            f"{what} name {item.name!r} is used twice (first at line {line})")
            else:
                first[item.name] = index


def _problems(spec: FleetSpec, source_map: SourceMap) -> Iterator[Diagnostic]:
    where = source_map.diagnostic
    yield from _unique(spec.gpu_types, ("gpuTypes",), "GPU type", source_map)
    yield from _unique(spec.gpu_pools, ("gpuPools",), "pool", source_map)
    yield from _unique(spec.models, ("models",), "model", source_map)
    for index, custom in enumerate(spec.gpu_types):
        if custom.name in GPU_TYPES:
            yield where(("gpuTypes", index, "name"), f"GPU type {custom.name!r} is already in the catalog",
                        hint="use the catalog entry, or give the custom type another name")
        if custom.mig_profiles and parse_version_tuple(custom.compute_capability) < (8, 0):
            yield where(("gpuTypes", index, "migProfiles"), "MIG needs compute capability 8.0 or newer")

    known_gpus = gpu_types(spec)
    for index, pool in enumerate(spec.gpu_pools):
        path = ("gpuPools", index)
        gpu = known_gpus.get(pool.gpu)
        if gpu is None:
            yield where(path + ("gpu",), f"unknown GPU type {pool.gpu!r}",
                        hint=" ".join(filter(None, [suggest(pool.gpu, known_gpus),
                                                    f"known types: {', '.join(sorted(known_gpus))}; "
                                                    "or declare it under `gpuTypes`"])))
            continue
        if pool.mig.strategy != "none" and not gpu.supports_mig:
            yield where(path + ("mig", "strategy"), f"{gpu.name} does not support MIG",
                        hint="MIG GPUs: " + ", ".join(sorted(n for n, g in known_gpus.items() if g.supports_mig)))
        if pool.mig.strategy == "single":
            if pool.mig.profile is None:
                yield where(path + ("mig",), "MIG strategy single needs `profile`: the slice every GPU is split into")
            elif gpu.supports_mig and gpu.mig_profile(pool.mig.profile) is None:
                yield where(path + ("mig", "profile"), f"{gpu.name} has no MIG profile {pool.mig.profile!r}",
                            hint=profiles_hint(gpu))
        elif pool.mig.profile is not None:
            yield where(path + ("mig", "profile"), "`profile` applies only to MIG strategy single")

    pool_names = [pool.name for pool in spec.gpu_pools]
    for index, model in enumerate(spec.models):
        path = ("models", index)
        if model.pool not in pool_names:
            yield where(path + ("pool",), f"unknown pool {model.pool!r}",
                        hint=suggest(model.pool, pool_names) or
                        (f"pools: {', '.join(pool_names)}" if pool_names else "declare it under `gpuPools`"))
        if model.replicas.min > model.replicas.max:
            yield where(path + ("replicas", "min"),
                        f"replicas.min ({model.replicas.min}) is greater than replicas.max ({model.replicas.max})")
        if model.artifact and max(startup_budget_seconds(model), progress_deadline_seconds(model)) > INT32_MAX:
            yield where(path + ("artifact", "sizeGB"),
                        f"loading {model.artifact.size_gb:g} GB at {model.artifact.load_mbps:g} MB/s takes "
                        f"{load_seconds(model):.3g} s: longer than a Kubernetes probe or progress deadline can "
                        f"count ({INT32_MAX} s)", hint="check sizeGB and loadMBps, or set server.startupSeconds")
        yield from _unique(model.scaling.schedules, path + ("scaling", "schedules"), "schedule", source_map)
        for number, schedule in enumerate(model.scaling.schedules):
            if schedule.start.split() == schedule.end.split():
                yield where(path + ("scaling", "schedules", number, "end"),
                            "a schedule's end must differ from its start")
        yield from _rollout_problems(model, path, where)
        if model.disruption is not None and \
                (model.disruption.min_available is None) == (model.disruption.max_unavailable is None):
            yield where(path + ("disruption",), "set exactly one of minAvailable and maxUnavailable")
        output_range = model.validator.output_range if model.validator else None
        if output_range and output_range.min >= output_range.max:
            yield where(path + ("validator", "outputRange", "max"), "outputRange.max must exceed outputRange.min")
        if model.validator and model.validator.port == model.server.port:
            yield where(path + ("validator", "port"), "the validator sidecar needs a port other than the server's")

    model_names = [model.name for model in spec.models]
    for index, waiver in enumerate(spec.waivers):
        if waiver.model is not None and waiver.model not in model_names:
            yield where(("waivers", index, "model"), f"waiver names unknown model {waiver.model!r}",
                        hint=suggest(waiver.model, model_names))


def _rollout_problems(model: Model, path: SpecPath, where: Callable[..., Diagnostic]) -> Iterator[Diagnostic]:
    rollout = model.rollout
    for strategy, settings, key in (("canary", rollout.canary, "canary"),
                                    ("blueGreen", rollout.blue_green, "blueGreen")):
        if settings is not None and rollout.strategy != strategy:
            yield where(path + ("rollout", key), f"`{key}` settings given but strategy is {rollout.strategy!r}",
                        hint=f"set `strategy: {strategy}` or remove the `{key}` block")
        if settings is not None and (settings.interval.endswith("h")
                                     or duration_seconds(settings.interval) < MIN_ANALYSIS_INTERVAL_SECONDS):
            yield where(path + ("rollout", key, "interval"),
                        f"interval {settings.interval!r} must be at least 10s, in s or m (Flagger)")


