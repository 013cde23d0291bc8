"""Prometheus Operator PodMonitor: scrape the engine's metrics endpoint on every pod of the model (primary
and canary alike), labelling each series with the model and its version."""

from __future__ import annotations

from typing import Any

from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth.common import instance_labels, manifest, model_metadata

SCRAPE_INTERVAL = "15s"


def has_metrics(fleet: ResolvedFleet, model: ResolvedModel) -> bool:
    return fleet.spec.monitoring.pod_monitors and model.server.metrics is not None


def build(fleet: ResolvedFleet, model: ResolvedModel) -> dict[str, Any]:
    assert model.server.metrics is not None, "only models with a metrics endpoint are scraped"
    port, path = model.server.metrics
    metadata = model_metadata(fleet, model)
    metadata["labels"].update(fleet.spec.monitoring.selector_labels)
    return manifest("monitoring.coreos.com/v1", "PodMonitor", metadata, spec={
        "selector": {"matchLabels": instance_labels(model)},
        "podMetricsEndpoints": [{"port": port, "path": path, "interval": SCRAPE_INTERVAL}],
        "podTargetLabels": ["app.kubernetes.io/instance", "app.kubernetes.io/name", "app.kubernetes.io/version"],
    })
