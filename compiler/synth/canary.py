"""Flagger Canary for canary and blue/green rollouts: the traffic provider's routing (Istio gateways and hosts,
Gateway API parent refs, the ingress-nginx Ingress), the request timeout, the analysis gates (Flagger's
built-in metrics where the provider has them, else the engine's MetricTemplates), and a traffic source for
the analysis (mirroring, a load test, or the canary header for ingress-nginx blue/green; `spec.traffic`).
A server with several ports gets `service.portDiscovery`: Flagger then adds every other container port to the
Services it generates (Flagger docs, "Canary service")."""

from __future__ import annotations

from typing import Any

from servespec.spec.analysis import ERROR_RATE, LATENCY, analysis_gates
from servespec.spec.model import BlueGreenAnalysis, CanaryAnalysis
from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.spec.rollout import flagger_provider, header_routed, load_test_command, mirrored
from servespec.spec.traffic import CANARY_HEADER
from servespec.synth import http_route
from servespec.synth.common import json_number, manifest, model_metadata
from servespec.synth.virtual_service import MESH_GATEWAY, request_timeout

METRIC_INTERVAL = "1m"
LOAD_TEST_TIMEOUT = "15s"


def _metrics(model: ResolvedModel, settings: CanaryAnalysis | BlueGreenAnalysis) -> list[dict[str, Any]]:
    """The measurable gates: Flagger's built-in metric, or a MetricTemplate (`spec.analysis`)."""
    limits = {ERROR_RATE: {"min": json_number(round(100 - (settings.max_error_rate_percent or 0), 4))},
              LATENCY: {"max": settings.max_latency_p99_ms}}
    metrics = []
    for gate in analysis_gates(model):
        if not gate.measurable:
            continue
        metric: dict[str, Any] = {"name": gate.metric, "interval": METRIC_INTERVAL,
                                  "thresholdRange": limits[gate.setting]}
        if gate.template is not None:
            metric["templateRef"] = {"name": gate.template}
        metrics.append(metric)
    return metrics


def _service(model: ResolvedModel) -> dict[str, Any]:
    service: dict[str, Any] = {"port": model.server.http_port, "targetPort": "http", "portName": "http"}
    if len(model.server.ports) > 1:
        service["portDiscovery"] = True  # Flagger adds the container's other ports (gRPC, metrics, extras)
    traffic = model.traffic
    if traffic.provider == "istio":
        service["gateways"] = [*traffic.settings.istio.gateways, MESH_GATEWAY]
    elif traffic.provider == "gatewayapi":
        service["gatewayRefs"] = http_route.parent_refs(traffic.settings.gatewayapi.gateway_refs)
    if traffic.provider in ("istio", "gatewayapi"):
        if traffic.hosts:
            service["hosts"] = list(traffic.hosts)
        service["timeout"] = request_timeout(model)
    return service


def _webhooks(fleet: ResolvedFleet, model: ResolvedModel, interval: str) -> list[dict[str, Any]]:
    load_test = model.traffic.load_test
    command = load_test_command(model, fleet.namespace, interval)
    if load_test is None or command is None:
        return []
    return [{"name": "load-test", "type": "rollout", "url": load_test.url, "timeout": LOAD_TEST_TIMEOUT,
             "metadata": {"type": "cmd", "cmd": command}}]


def _autoscaler(model: ResolvedModel) -> dict[str, Any]:
    """The ScaledObject Flagger clones for the primary, with the primary's replica bounds and queries on the
    primary's own pods. Without `primaryScalerQueries` Flagger rewrites `<name>` to `<name>-primary` in every
    query, which would also rename the namespace or a label value that contains the name."""
    plan = model.scaling
    assert plan.primary_replicas is not None, "only models under Flagger have a primary"
    low, high = plan.primary_replicas
    ref: dict[str, Any] = {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "name": model.name,
                           "primaryScalerReplicas": {"minReplicas": low, "maxReplicas": high}}
    queries = {trigger.name: trigger.primary_query for trigger in plan.triggers if trigger.primary_query}
    if queries:
        ref["primaryScalerQueries"] = queries
    return ref


def build(fleet: ResolvedFleet, model: ResolvedModel) -> dict[str, Any]:
    settings = model.analysis
    analysis: dict[str, Any]
    if isinstance(settings, CanaryAnalysis):
        analysis = {"interval": settings.interval, "threshold": settings.threshold,
                    "stepWeight": settings.step_weight, "maxWeight": settings.max_weight}
    elif isinstance(settings, BlueGreenAnalysis):
        analysis = {"interval": settings.interval, "threshold": settings.threshold,
                    "iterations": settings.iterations}
    else:
        raise ValueError(f"model {model.name!r} has no canary or blue/green analysis")
    if mirrored(model):
        analysis["mirror"] = True
    if header_routed(model):
        analysis["match"] = [{"headers": {CANARY_HEADER[0]: {"exact": CANARY_HEADER[1]}}}]
    analysis["metrics"] = _metrics(model, settings)
    webhooks = _webhooks(fleet, model, settings.interval)
    if webhooks:
        analysis["webhooks"] = webhooks
    spec: dict[str, Any] = {}
    provider = flagger_provider(model)
    if provider is not None:
        spec["provider"] = provider
    spec["targetRef"] = {"apiVersion": "apps/v1", "kind": "Deployment", "name": model.name}
    if model.traffic.provider == "nginx":
        spec["ingressRef"] = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": model.name}
    spec["progressDeadlineSeconds"] = model.progress_deadline_seconds
    spec["service"] = _service(model)
    spec["analysis"] = analysis
    if model.scaling.autoscaled:
        spec["autoscalerRef"] = _autoscaler(model)
    return manifest("flagger.app/v1beta1", "Canary", model_metadata(fleet, model), spec=spec)


