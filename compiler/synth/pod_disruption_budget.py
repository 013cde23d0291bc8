"""PodDisruptionBudget; stuck (not ready) pods may always be evicted so node drains never hang on them."""

from __future__ import annotations

from compiler.resolve import ResolvedFleet, ResolvedModel
from compiler.synth.common import instance_labels, manifest, model_metadata


def build(fleet: ResolvedFleet, model: ResolvedModel) -> dict:
    return manifest("policy/v1", "PodDisruptionBudget", model_metadata(fleet, model), spec={
        **dict(model.disruption),
        "selector": {"matchLabels": instance_labels(model)},
        "unhealthyPodEvictionPolicy": "AlwaysAllow",
    })


def allowed_disruptions(budget: dict, replicas: int) -> int:
    """Pods the PDB lets go at once when `replicas` pods are healthy (percentages as Kubernetes rounds them:
    minAvailable up, maxUnavailable down)."""
    def count(value, round_up: bool) -> int:
        if isinstance(value, str) and value.endswith("%"):
            share = replicas * int(value[:-1])
            return -(-share // 100) if round_up else share // 100
        return int(value)

    if "minAvailable" in budget:
        return max(0, replicas - count(budget["minAvailable"], True))
    return max(0, count(budget["maxUnavailable"], False))
