"""KEDA ScaledObject: one cron trigger per schedule, the Prometheus trigger, HPA scale-down behaviour."""

from __future__ import annotations

from typing import Any

from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth.common import manifest, model_metadata, number_text

SCALE_DOWN_PODS_PER_MINUTE = 1


def has_triggers(model: ResolvedModel) -> bool:
    """KEDA needs at least one trigger; without one the Deployment keeps a fixed replica count."""
    return bool(model.spec.scaling.prometheus or model.spec.scaling.schedules)


def build(fleet: ResolvedFleet, model: ResolvedModel) -> dict[str, Any]:
    scaling = model.spec.scaling
    triggers = [{"type": "cron", "name": schedule.name, "metadata": {
        "timezone": schedule.timezone, "start": schedule.start, "end": schedule.end,
        "desiredReplicas": str(schedule.replicas)}} for schedule in scaling.schedules]
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
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": model.name},
        "minReplicaCount": model.spec.replicas.min,
        "maxReplicaCount": model.spec.replicas.max,
        "pollingInterval": scaling.polling_interval_seconds,
        "advanced": {"horizontalPodAutoscalerConfig": {"behavior": behavior}},
        "triggers": triggers,
    })
