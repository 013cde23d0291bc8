"""Flagger MetricTemplates the analyses read (`spec.analysis`): the engine's own success rate and P99 for the
providers whose built-in metrics no engine serves, and ingress-nginx's P99 (Flagger's built-in nginx duration
is a mean). One per template name, shared by the fleet's models; Flagger fills in the `{{ ... }}` variables."""

from __future__ import annotations

from typing import Any

from servespec.spec.analysis import analysis_gates
from servespec.spec.resolve import ResolvedFleet
from servespec.synth.common import fleet_metadata, manifest


def needed(fleet: ResolvedFleet) -> list[tuple[str, str]]:
    """(template name, query) of every template some model's analysis reads, sorted by name."""
    return sorted({(gate.template, gate.query) for model in fleet.models for gate in analysis_gates(model)
                   if gate.template is not None and gate.query is not None})


def build(fleet: ResolvedFleet, name: str, query: str) -> dict[str, Any]:
    return manifest("flagger.app/v1beta1", "MetricTemplate", fleet_metadata(fleet, name, "analysis"),
                    spec={"provider": {"type": "prometheus", "address": fleet.spec.monitoring.prometheus_address},
                          "query": query})
