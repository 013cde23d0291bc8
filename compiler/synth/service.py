"""ClusterIP Service for models rolled out plainly (Flagger creates the Services of canary models): every
named server port but the metrics port, which only Prometheus reaches (through the PodMonitor). A multi-node
replica is served by its leader only."""

from __future__ import annotations

from typing import Any

from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth.common import manifest, model_metadata, selector_labels, serving_ports
from servespec.synth.pod import ROLE_LABEL


def build(fleet: ResolvedFleet, model: ResolvedModel) -> dict[str, Any]:
    return manifest("v1", "Service", model_metadata(fleet, model), spec={
        "type": "ClusterIP",
        "selector": {**selector_labels(model), **({ROLE_LABEL: "leader"} if model.parallel.multi_node else {})},
        "ports": [{"name": name, "port": port, "targetPort": name, "protocol": "TCP"}
                  for name, port in serving_ports(model)],
    })
