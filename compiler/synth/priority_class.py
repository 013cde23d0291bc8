"""PriorityClasses for the three tiers; names carry the fleet so fleets never clash cluster-wide."""

from __future__ import annotations

from typing import Any

from servespec.spec.resolve import ResolvedFleet
from servespec.synth.common import fleet_metadata, manifest

TIERS = {
    "critical": (100_000, "Latency-critical inference; preempts lower tiers."),
    "standard": (10_000, "Regular inference."),
    "batch": (1_000, "Batch scoring; never preempts, may run on spot capacity."),
}
"""Tier -> (value, description). User classes must stay <= 1,000,000,000."""


def class_name(fleet: ResolvedFleet, tier: str) -> str:
    return f"{fleet.name}-{tier}"


def build(fleet: ResolvedFleet) -> list[dict[str, Any]]:
    out = []
    for tier in sorted({model.spec.priority for model in fleet.models}):
        value, description = TIERS[tier]
        body = {"value": value, "globalDefault": False, "description": description}
        if tier == "batch":
            body["preemptionPolicy"] = "Never"
        out.append(manifest("scheduling.k8s.io/v1", "PriorityClass",
                            fleet_metadata(fleet, class_name(fleet, tier), "priority", namespaced=False), **body))
    return out
