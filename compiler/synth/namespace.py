"""Namespace with Pod Security Admission labels from the fleet's posture, and Istio's injection label when
the fleet's traffic provider is istio."""

from __future__ import annotations

from typing import Any

from servespec.spec.resolve import ResolvedFleet
from servespec.synth import mesh
from servespec.synth.common import fleet_metadata, manifest


def build(fleet: ResolvedFleet) -> dict[str, Any]:
    metadata = fleet_metadata(fleet, fleet.namespace, "namespace", namespaced=False)
    level = fleet.spec.security.pod_security
    for mode in ("enforce", "audit", "warn"):
        metadata["labels"][f"pod-security.kubernetes.io/{mode}"] = level
        metadata["labels"][f"pod-security.kubernetes.io/{mode}-version"] = "latest"
    metadata["labels"].update(mesh.namespace_labels(fleet))
    return manifest("v1", "Namespace", metadata)
