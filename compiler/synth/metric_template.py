"""Flagger MetricTemplates gating an analysis on the engine's own metrics (`catalog.runtimes`), for the
providers whose built-in metrics no engine serves (`spec.traffic.engine_metrics`): one per engine and gate,
shared by the fleet's models. Flagger fills `{{ namespace }}`, `{{ target }}` (the canary Deployment) and
`{{ interval }}` (fluxcd/flagger docs "Metrics Analysis", custom metrics); the pods of the canary Deployment
are `<target>-<replicaset hash>-<pod id>`, the PodMonitor labels their series `namespace` and `pod`."""

from __future__ import annotations

from typing import Any, Optional

from servespec.catalog.runtimes import Runtime
from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.spec.rollout import engine_metrics
from servespec.synth.common import fleet_metadata, manifest

CANARY_PODS = 'namespace="{{ namespace }}",pod=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"'
INTERVAL = "{{ interval }}"
GATES = ("request-success-rate", "request-duration")
"""Flagger's names for the two gates: the success rate in percent, the P99 latency in milliseconds."""


def template_name(runtime: Runtime, gate: str) -> str:
    return f"{runtime.name}-{gate}"


def query(runtime: Runtime, gate: str) -> Optional[str]:
    """The engine's query for a gate on the canary's pods (None: the engine has no metric for it)."""
    if gate == "request-success-rate":
        template = runtime.success_rate_query
        return template.format(pods=CANARY_PODS, interval=INTERVAL) if template else None
    histogram = runtime.latency_histogram
    return (f"histogram_quantile(0.99, sum(rate({histogram}_bucket{{{CANARY_PODS}}}[{INTERVAL}])) by (le)) * 1000"
            if histogram else None)


def needed(fleet: ResolvedFleet) -> list[tuple[Runtime, str]]:
    """(runtime, gate) of every template some model's analysis refers to, in a fixed order."""
    wanted: set[tuple[str, str]] = set()
    runtimes: dict[str, Runtime] = {}
    for model in fleet.models:
        if engine_metrics(model):
            runtime = model.server.runtime
            for gate in gates(model):
                if query(runtime, gate) is not None:
                    wanted.add((runtime.name, gate))
                    runtimes[runtime.name] = runtime
    return [(runtimes[name], gate) for name, gate in sorted(wanted)]


def gates(model: ResolvedModel) -> list[str]:
    """The gates the model's analysis sets (error rate, P99 latency)."""
    settings = model.analysis
    if settings is None:
        return []
    return [gate for gate, wanted in (("request-success-rate", settings.max_error_rate_percent is not None),
                                      ("request-duration", settings.max_latency_p99_ms is not None)) if wanted]


def build(fleet: ResolvedFleet, runtime: Runtime, gate: str) -> dict[str, Any]:
    text = query(runtime, gate)
    assert text is not None, "only gates the engine has a metric for get a template"
    return manifest("flagger.app/v1beta1", "MetricTemplate",
                    fleet_metadata(fleet, template_name(runtime, gate), "analysis"),
                    spec={"provider": {"type": "prometheus", "address": fleet.spec.monitoring.prometheus_address},
                          "query": text})
