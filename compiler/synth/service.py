"""ClusterIP Service for models rolled out plainly (Flagger creates the Services of canary models)."""

from __future__ import annotations

from typing import Any

from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth.common import manifest, model_metadata, selector_labels


def build(fleet: ResolvedFleet, model: ResolvedModel) -> dict[str, Any]:
    return manifest("v1", "Service", model_metadata(fleet, model), spec={
        "type": "ClusterIP",
        "selector": selector_labels(model),
        "ports": [{"name": "http", "port": model.spec.server.port, "targetPort": "http", "protocol": "TCP"}],
    })
