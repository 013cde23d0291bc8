"""PodDisruptionBudget; stuck (not ready) pods may always be evicted so node drains never hang on them."""

from __future__ import annotations

from typing import Any

from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth.common import instance_labels, manifest, model_metadata


def build(fleet: ResolvedFleet, model: ResolvedModel) -> dict[str, Any]:
    return manifest("policy/v1", "PodDisruptionBudget", model_metadata(fleet, model), spec={
        **(model.disruption or {}),
        "selector": {"matchLabels": instance_labels(model)},
        "unhealthyPodEvictionPolicy": "AlwaysAllow",
    })


