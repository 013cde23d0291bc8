"""The checks of a canary or blue/green analysis, resolved once per model: which spec setting each checks,
the name of the Flagger analysis metric, and whether Flagger's built-in query measures it or a MetricTemplate
of servespec's does (with its PromQL).

Flagger facts (fluxcd/flagger v1.36.1):
- `request-success-rate` and `request-duration` are reserved: `runBuiltinMetricChecks` runs the provider's
  built-in query for a metric of either name whether or not it has a `templateRef`, and then the template
  too (pkg/controller/scheduler_metrics.go, `metric.Name == "request-success-rate"`). A templated gate
  therefore gets a name of its own (`TEMPLATED_METRIC`), or the built-in query runs beside it.
- The built-in queries: Istio's success rate (non-5xx share) and P99 (`histogram_quantile(0.99,
  istio_request_duration_milliseconds_bucket)`), pkg/metrics/observers/istio.go; ingress-nginx's success
  rate (`nginx_ingress_controller_requests{canary!=""}`, status not 5xx) and a *mean* duration (sum / count,
  pkg/metrics/observers/nginx.go; since v1.38.0 of `response_duration_seconds`, before it of the
  `ingress_upstream_latency_seconds` summary that ingress-nginx removed in controller-v1.12.0). An nginx P99
  gate therefore reads ingress-nginx's `request_duration_seconds` histogram through a MetricTemplate
  (`NGINX_LATENCY_QUERY`; labels namespace, ingress, canary — the canary upstream's name on requests that
  went to the canary, "" otherwise: kubernetes/ingress-nginx internal/ingress/metric/collectors/socket.go,
  rootfs/etc/nginx/lua/monitor.lua).
- `gatewayapi` and `kubernetes` read `http_request_duration_seconds{kubernetes_pod_name=...}`
  (observers/http.go), which no engine serves: their gates read the engine's own metrics.
- Template variables `{{ namespace }}`, `{{ target }}` (the canary Deployment), `{{ ingress }}` (the
  `ingressRef`), `{{ interval }}` (pkg/apis/flagger/v1beta1/metric.go, scheduler_metrics.go `toMetricModel`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from servespec.catalog.runtimes import EngineFacts
from servespec.spec.rollout import flagger_provider
from servespec.spec.traffic import FLAGGER_PROVIDERS, NO_MESH_PROVIDER

if TYPE_CHECKING:
    from servespec.spec.resolve import ResolvedModel

ERROR_RATE, LATENCY = "maxErrorRatePercent", "maxLatencyP99Ms"
"""The spec settings of the two gates (rollout.canary / rollout.blueGreen)."""

BUILTIN_METRIC = {ERROR_RATE: "request-success-rate", LATENCY: "request-duration"}
"""Flagger's reserved names: the provider's built-in query."""

TEMPLATED_METRIC = {ERROR_RATE: "success-rate", LATENCY: "latency-p99"}
"""Names of gates read from a MetricTemplate: never a reserved name."""

CANARY_PODS = 'namespace="{{ namespace }}",pod=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"'
"""The canary Deployment's pods (`<target>-<replica set hash>-<pod id>`; the primary's have one more name
segment), as the PodMonitor labels their series."""
INTERVAL = "{{ interval }}"

NGINX_LATENCY_QUERY = (
    'histogram_quantile(0.99, sum by (le) (rate(nginx_ingress_controller_request_duration_seconds_bucket{'
    'namespace="{{ namespace }}",ingress="{{ ingress }}",canary!=""}[{{ interval }}]))) * 1000')
"""P99 in milliseconds of the requests ingress-nginx sent to the canary."""


@dataclass(frozen=True)
class AnalysisGate:
    """One check of a model's analysis."""

    setting: str
    """ERROR_RATE or LATENCY."""
    metric: str
    """The analysis metric's name."""
    template: Optional[str]
    """The MetricTemplate it reads; None: Flagger's built-in query (or nothing, when not `measurable`)."""
    query: Optional[str]
    """The template's PromQL."""
    measurable: bool


def engine_query(engine: EngineFacts, setting: str) -> Optional[str]:
    """The engine's query for a gate on the canary's pods (None: the engine has no metric for it)."""
    if setting == LATENCY and engine.latency_histogram:
        return (f"histogram_quantile(0.99, sum by (le) (rate({engine.latency_histogram}_bucket{{{CANARY_PODS}}}"
                f"[{INTERVAL}]))) * 1000")
    template = engine.success_rate_query if setting == ERROR_RATE else engine.latency_p99_query
    return template.format(pods=CANARY_PODS, interval=INTERVAL) if template else None


def _gate(model: ResolvedModel, setting: str) -> AnalysisGate:
    provider = model.traffic.provider
    if flagger_provider(model) in (FLAGGER_PROVIDERS["gatewayapi"], NO_MESH_PROVIDER):
        query = engine_query(model.server.engine, setting)
        name = TEMPLATED_METRIC[setting]
        return AnalysisGate(setting, name, f"{model.server.runtime.name}-{name}" if query else None, query,
                            query is not None)
    if provider == "nginx" and setting == LATENCY:
        return AnalysisGate(setting, TEMPLATED_METRIC[LATENCY], f"nginx-{TEMPLATED_METRIC[LATENCY]}",
                            NGINX_LATENCY_QUERY, True)
    return AnalysisGate(setting, BUILTIN_METRIC[setting], None, None, True)


def analysis_gates(model: ResolvedModel) -> list[AnalysisGate]:
    """The gates the model's analysis sets (error rate, P99 latency), in that order."""
    settings = model.analysis
    if settings is None:
        return []
    wanted = ((ERROR_RATE, settings.max_error_rate_percent), (LATENCY, settings.max_latency_p99_ms))
    return [_gate(model, setting) for setting, value in wanted if value is not None]
