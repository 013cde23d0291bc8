"""KEDA ScaledObject from the model's resolved scaling (`spec.scaling`): its triggers, bounds, fallback and HPA
scale-down behaviour. Under Flagger this object scales the canary and Flagger clones it for the primary
(fluxcd/flagger, "Canary analysis with KEDA ScaledObjects"): the Canary's `autoscalerRef` (`synth.canary`)
gives the primary its bounds and queries."""

from __future__ import annotations

from typing import Any

from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.spec.scaling import SCALE_DOWN_PODS_PER_MINUTE
from servespec.synth import leader_worker_set
from servespec.synth.common import manifest, model_metadata


def _target(model: ResolvedModel) -> dict[str, str]:
    """The Deployment, or the LeaderWorkerSet of a multi-node model (its scale subresource counts groups)."""
    if model.parallel.multi_node:
        return {"apiVersion": leader_worker_set.API_VERSION, "kind": leader_worker_set.KIND, "name": model.name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "name": model.name}


def build(fleet: ResolvedFleet, model: ResolvedModel) -> dict[str, Any]:
    plan = model.scaling
    behavior = {"scaleDown": {
        "stabilizationWindowSeconds": plan.scale_down_stabilization_seconds,
        "policies": [{"type": "Pods", "value": SCALE_DOWN_PODS_PER_MINUTE, "periodSeconds": 60}]}}
    spec: dict[str, Any] = {
        "scaleTargetRef": _target(model),
        "minReplicaCount": plan.min_replicas,
        "maxReplicaCount": plan.max_replicas,
        "pollingInterval": plan.polling_interval_seconds,
    }
    if plan.fallback is not None:
        spec["fallback"] = dict(plan.fallback)
    spec["advanced"] = {"horizontalPodAutoscalerConfig": {"behavior": behavior}}
    spec["triggers"] = [{"type": trigger.type, "name": trigger.name, "metadata": dict(trigger.metadata)}
                        for trigger in plan.triggers]
    return manifest("keda.sh/v1alpha1", "ScaledObject", model_metadata(fleet, model), spec=spec)
