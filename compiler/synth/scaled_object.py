"""KEDA ScaledObject: one cron trigger per schedule, the engine-metric and raw Prometheus triggers, HPA
scale-down behaviour."""

from __future__ import annotations

from typing import Any

from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth import leader_worker_set
from servespec.synth.common import manifest, model_metadata, number_text
from servespec.synth.pod_monitor import INSTANCE_TARGET_LABEL

SCALE_DOWN_PODS_PER_MINUTE = 1


def has_triggers(model: ResolvedModel) -> bool:
    """KEDA needs at least one trigger; without one the Deployment keeps a fixed replica count."""
    scaling = model.spec.scaling
    return bool(scaling.target or scaling.prometheus or scaling.schedules)


def target_query(fleet: ResolvedFleet, model: ResolvedModel) -> str:
    """PromQL summing the engine metric of `scaling.target` over the model's pods (primary and canary),
    labelled by the PodMonitor (`podTargetLabels`: app.kubernetes.io/instance)."""
    target = model.spec.scaling.target
    assert target is not None, "only models with scaling.target have an engine trigger"
    metric = model.server.runtime.scaling_metrics[target.metric]
    return f'sum({metric}{{namespace="{fleet.namespace}",{INSTANCE_TARGET_LABEL}="{model.name}"}})'


def _target(model: ResolvedModel) -> dict[str, str]:
    """The Deployment, or the LeaderWorkerSet of a multi-node model (its scale subresource counts groups)."""
    if model.parallel.multi_node:
        return {"apiVersion": leader_worker_set.API_VERSION, "kind": leader_worker_set.KIND, "name": model.name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "name": model.name}


def build(fleet: ResolvedFleet, model: ResolvedModel) -> dict[str, Any]:
    scaling = model.spec.scaling
    triggers = [{"type": "cron", "name": schedule.name, "metadata": {
        "timezone": schedule.timezone, "start": schedule.start, "end": schedule.end,
        "desiredReplicas": str(schedule.replicas)}} for schedule in scaling.schedules]
    if scaling.target:
        triggers.append({"type": "prometheus", "name": f"engine-{scaling.target.metric.lower()}", "metadata": {
            "serverAddress": fleet.spec.monitoring.prometheus_address, "query": target_query(fleet, model),
            "threshold": number_text(scaling.target.value),
            "activationThreshold": number_text(scaling.target.activation_value)}})
    if scaling.prometheus:
        prometheus = scaling.prometheus
        triggers.append({"type": "prometheus", "name": "prometheus", "metadata": {
            "serverAddress": prometheus.server_address, "query": prometheus.query,
            "threshold": number_text(prometheus.threshold),
            "activationThreshold": number_text(prometheus.activation_threshold)}})
    behavior = {"scaleDown": {
        "stabilizationWindowSeconds": scaling.scale_down_stabilization_seconds,
        "policies": [{"type": "Pods", "value": SCALE_DOWN_PODS_PER_MINUTE, "periodSeconds": 60}]}}
    return manifest("keda.sh/v1alpha1", "ScaledObject", model_metadata(fleet, model), spec={
        "scaleTargetRef": _target(model),
        "minReplicaCount": model.spec.replicas.min,
        "maxReplicaCount": model.spec.replicas.max,
        "pollingInterval": scaling.polling_interval_seconds,
        "advanced": {"horizontalPodAutoscalerConfig": {"behavior": behavior}},
        "triggers": triggers,
    })
