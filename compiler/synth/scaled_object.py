"""KEDA ScaledObject: one cron trigger per schedule, the engine-metric and raw Prometheus triggers, HPA
scale-down behaviour. Under Flagger this object scales the canary and Flagger clones it for the primary
(fluxcd/flagger, "Canary analysis with KEDA ScaledObjects"): the canary is capped at its own size, the
primary gets the model's replica bounds and its own queries from the Canary (`synth.canary`)."""

from __future__ import annotations

from typing import Any, Optional

from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth import leader_worker_set
from servespec.synth.common import manifest, model_metadata, number_text
from servespec.synth.pod_monitor import NAME_TARGET_LABEL

SCALE_DOWN_PODS_PER_MINUTE = 1
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
DEFAULT_FAILURE_THRESHOLD = 3


def has_triggers(model: ResolvedModel) -> bool:
    """KEDA needs at least one trigger; without one the Deployment keeps a fixed replica count."""
    scaling = model.spec.scaling
    return bool(scaling.target or scaling.prometheus or scaling.schedules)


RAW_TRIGGER = "prometheus"


def engine_trigger(model: ResolvedModel) -> str:
    assert model.spec.scaling.target is not None
    return f"engine-{model.spec.scaling.target.metric.lower()}"


def canary_replicas(model: ResolvedModel) -> int:
    """Most replicas of a canary during the analysis: replicas.min, at least one (what the capacity plan
    counts); the cron floors and the load are the primary's."""
    return min(model.spec.replicas.max, max(1, model.spec.replicas.min))


def target_query(fleet: ResolvedFleet, model: ResolvedModel, pods: str = "") -> str:
    """PromQL summing the engine metric of `scaling.target` over the pods of one Deployment: the model's
    (the canary's under Flagger), or `pods` (e.g. `<name>-primary`), labelled by the PodMonitor
    (`podTargetLabels`: app.kubernetes.io/name)."""
    target = model.spec.scaling.target
    assert target is not None, "only models with scaling.target have an engine trigger"
    metric = model.server.engine.scaling_metrics[target.metric]
    return f'sum({metric}{{namespace="{fleet.namespace}",{NAME_TARGET_LABEL}="{pods or model.name}"}})'


def _target(model: ResolvedModel) -> dict[str, str]:
    """The Deployment, or the LeaderWorkerSet of a multi-node model (its scale subresource counts groups)."""
    if model.parallel.multi_node:
        return {"apiVersion": leader_worker_set.API_VERSION, "kind": leader_worker_set.KIND, "name": model.name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "name": model.name}


def fallback(model: ResolvedModel) -> Optional[dict[str, Any]]:
    """Replicas while the Prometheus triggers fail: the spec's, else replicas.min (at least 1) and never fewer
    than running; under Flagger the spec's, else replicas.max, exactly (`FALLBACK_BEHAVIOR`). None without a
    Prometheus trigger (cron triggers do not fail)."""
    scaling = model.spec.scaling
    if scaling.target is None and scaling.prometheus is None:
        return None
    settings = scaling.fallback
    flagger = model.analysis is not None
    default = model.spec.replicas.max if flagger else max(1, model.spec.replicas.min)
    replicas = settings.replicas if settings and settings.replicas is not None else default
    out: dict[str, Any] = {"failureThreshold": settings.failure_threshold if settings else DEFAULT_FAILURE_THRESHOLD,
                           "replicas": replicas}
    if not flagger:
        out["behavior"] = FALLBACK_BEHAVIOR
    return out


def build(fleet: ResolvedFleet, model: ResolvedModel) -> dict[str, Any]:
    scaling = model.spec.scaling
    triggers = [{"type": "cron", "name": schedule.name, "metadata": {
        "timezone": schedule.timezone, "start": schedule.start, "end": schedule.end,
        "desiredReplicas": str(schedule.replicas)}} for schedule in scaling.schedules]
    if scaling.target:
        triggers.append({"type": "prometheus", "name": engine_trigger(model), "metadata": {
            "serverAddress": fleet.spec.monitoring.prometheus_address, "query": target_query(fleet, model),
            "threshold": number_text(scaling.target.value),
            "activationThreshold": number_text(scaling.target.activation_value)}})
    if scaling.prometheus:
        prometheus = scaling.prometheus
        triggers.append({"type": "prometheus", "name": RAW_TRIGGER, "metadata": {
            "serverAddress": prometheus.server_address, "query": prometheus.query,
            "threshold": number_text(prometheus.threshold),
            "activationThreshold": number_text(prometheus.activation_threshold)}})
    behavior = {"scaleDown": {
        "stabilizationWindowSeconds": scaling.scale_down_stabilization_seconds,
        "policies": [{"type": "Pods", "value": SCALE_DOWN_PODS_PER_MINUTE, "periodSeconds": 60}]}}
    spec: dict[str, Any] = {
        "scaleTargetRef": _target(model),
        "minReplicaCount": model.spec.replicas.min,
        "maxReplicaCount": canary_replicas(model) if model.analysis is not None else model.spec.replicas.max,
        "pollingInterval": scaling.polling_interval_seconds,
    }
    settings = fallback(model)
    if settings is not None:
        spec["fallback"] = settings
    spec["advanced"] = {"horizontalPodAutoscalerConfig": {"behavior": behavior}}
    spec["triggers"] = triggers
    return manifest("keda.sh/v1alpha1", "ScaledObject", model_metadata(fleet, model), spec=spec)
