"""A model's autoscaling, resolved once (`ResolvedModel.scaling`): KEDA's triggers with their metadata, the
bounds of the workload KEDA scales and of the primary Flagger clones it for, the fallback while Prometheus
fails. The ScaledObject, the Canary's `autoscalerRef`, the capacity plan and the rules all read it.

Facts (../shared/FACTS.md, KEDA; fluxcd/flagger docs "Canary analysis with KEDA ScaledObjects"):
- trigger metadata values are strings; each cron window is a trigger of its own, the largest open one wins;
- under Flagger the ScaledObject scales the canary (capped at its size here) and Flagger clones it as
  `<name>-primary` with `primaryScalerReplicas` and `primaryScalerQueries` (per trigger name);
- the fallback: `FALLBACK_BEHAVIOR` below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Optional

from servespec.spec.types import number_text

if TYPE_CHECKING:
    from servespec.catalog.runtimes import EngineFacts
    from servespec.spec.model import Model

NAME_TARGET_LABEL = "app_kubernetes_io_name"
"""`app.kubernetes.io/name` as a Prometheus label (the Prometheus Operator turns a PodMonitor's
`podTargetLabels` into labels with every character outside [a-zA-Z0-9_] replaced by `_`). Flagger sets it to
`<name>-primary` on the primary's pods (its default selector labels: app, name, app.kubernetes.io/name), so
it tells primary and canary apart; `app.kubernetes.io/instance` is the same on both."""

RAW_TRIGGER = "prometheus"
"""The name of the `scaling.prometheus` trigger."""

SCALE_DOWN_PODS_PER_MINUTE = 1
DEFAULT_FAILURE_THRESHOLD = 3
FALLBACK_BEHAVIOR = "currentReplicasIfHigher"
"""KEDA fallback: keep the current replicas when they exceed `fallback.replicas` (keda.sh "ScaledObject
specification", fallback `behavior`), so an unreachable Prometheus never scales a model down.

Flagger cannot keep it: its own ScaledObject type has `fallback` with only failureThreshold and replicas
(fluxcd/flagger v1.36.1 pkg/apis/keda/v1alpha1/scaledobject.go), it builds `<name>-primary` from that type,
and it pauses the original by reading it into that type and writing it back whole (`PauseTargetScaler`,
pkg/canary/scaled_object_reconciler.go): both objects end up with KEDA's default `static` behaviour, under
which the primary runs exactly `fallback.replicas`. So a model under Flagger gets no `behavior` (it would
only be stripped, a drift for GitOps) and a default of replicas.max: when Prometheus fails, the primary,
which carries the traffic, scales up instead of down to replicas.min."""


@dataclass(frozen=True)
class Trigger:
    """One KEDA trigger."""

    name: str
    type: str
    """cron or prometheus."""
    metadata: Mapping[str, str]
    primary_query: Optional[str] = None
    """Under Flagger: the query on the primary's pods (`primaryScalerQueries`); None: Flagger's rewrite."""


@dataclass(frozen=True)
class ScalingPlan:
    """What KEDA scales and how (empty `triggers`: nothing does, the workload runs replicas.min)."""

    triggers: tuple[Trigger, ...]
    min_replicas: int
    max_replicas: int
    """Of the workload KEDA scales: under Flagger the canary, capped at its size."""
    primary_replicas: Optional[tuple[int, int]]
    """Under Flagger: (min, max) of the primary Flagger clones the ScaledObject for."""
    fallback: Optional[Mapping[str, Any]]
    scale_down_stabilization_seconds: int
    polling_interval_seconds: int
    metric_driven: bool = field(default=False)
    """A metric trigger can scale the model up to replicas.max at any hour."""

    @property
    def autoscaled(self) -> bool:
        return bool(self.triggers)


def canary_size(model: Model) -> int:
    """Most replicas of a canary during the analysis: replicas.min, at least one (what the capacity plan
    counts); the cron floors and the load are the primary's."""
    return min(model.replicas.max, max(1, model.replicas.min))


def engine_query(model: Model, engine: EngineFacts, namespace: str, pods: str) -> str:
    """PromQL summing the engine metric of `scaling.target` over the pods of one Deployment (`pods`: its
    name), labelled by the PodMonitor."""
    target = model.scaling.target
    assert target is not None, "only models with scaling.target have an engine trigger"
    metric = engine.scaling_metrics[target.metric]
    return f'sum({metric}{{namespace="{namespace}",{NAME_TARGET_LABEL}="{pods}"}})'


def _fallback(model: Model, flagger: bool) -> Optional[dict[str, Any]]:
    scaling = model.scaling
    if scaling.target is None and scaling.prometheus is None:
        return None  # cron triggers do not fail
    settings = scaling.fallback
    default = model.replicas.max if flagger else max(1, model.replicas.min)
    replicas = settings.replicas if settings and settings.replicas is not None else default
    out: dict[str, Any] = {"failureThreshold": settings.failure_threshold if settings else DEFAULT_FAILURE_THRESHOLD,
                           "replicas": replicas}
    if not flagger:
        out["behavior"] = FALLBACK_BEHAVIOR
    return out


def scaling_plan(model: Model, engine: EngineFacts, namespace: str, prometheus_address: str,
                 flagger: bool) -> ScalingPlan:
    """The model's scaling: `flagger` when a Canary takes over its workload (canary or blue/green)."""
    scaling = model.scaling
    triggers = [Trigger(schedule.name, "cron", {"timezone": schedule.timezone, "start": schedule.start,
                                                "end": schedule.end, "desiredReplicas": str(schedule.replicas)})
                for schedule in scaling.schedules]
    if scaling.target is not None:
        triggers.append(Trigger(
            f"engine-{scaling.target.metric.lower()}", "prometheus",
            {"serverAddress": prometheus_address, "query": engine_query(model, engine, namespace, model.name),
             "threshold": number_text(scaling.target.value),
             "activationThreshold": number_text(scaling.target.activation_value)},
            engine_query(model, engine, namespace, f"{model.name}-primary") if flagger else None))
    if scaling.prometheus is not None:
        prometheus = scaling.prometheus
        triggers.append(Trigger(
            RAW_TRIGGER, "prometheus",
            {"serverAddress": prometheus.server_address, "query": prometheus.query,
             "threshold": number_text(prometheus.threshold),
             "activationThreshold": number_text(prometheus.activation_threshold)},
            prometheus.primary_query if flagger else None))
    replicas = model.replicas
    return ScalingPlan(
        triggers=tuple(triggers), min_replicas=replicas.min,
        max_replicas=canary_size(model) if flagger else replicas.max,
        primary_replicas=(max(1, replicas.min), replicas.max) if flagger else None,
        fallback=_fallback(model, flagger),
        scale_down_stabilization_seconds=scaling.scale_down_stabilization_seconds,
        polling_interval_seconds=scaling.polling_interval_seconds,
        metric_driven=scaling.target is not None or scaling.prometheus is not None)
