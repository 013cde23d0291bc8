"""Flagger Canary for canary and blue/green rollouts, gated on the built-in success-rate and latency metrics.
A server with several ports gets `service.portDiscovery`: Flagger then adds every other container port to the
Services it generates (Flagger docs, "Canary service")."""

from __future__ import annotations

from typing import Any

from servespec.spec.model import BlueGreenAnalysis, CanaryAnalysis
from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth.common import json_number, manifest, model_metadata
from servespec.synth.scaled_object import RAW_TRIGGER, engine_trigger, target_query

METRIC_INTERVAL = "1m"


def _metrics(settings: CanaryAnalysis | BlueGreenAnalysis) -> list[dict[str, Any]]:
    metrics = []
    if settings.max_error_rate_percent is not None:
        metrics.append({"name": "request-success-rate", "interval": METRIC_INTERVAL,
                        "thresholdRange": {"min": json_number(round(100 - settings.max_error_rate_percent, 4))}})
    if settings.max_latency_p99_ms is not None:
        metrics.append({"name": "request-duration", "interval": METRIC_INTERVAL,
                        "thresholdRange": {"max": settings.max_latency_p99_ms}})
    return metrics


def _autoscaler(fleet: ResolvedFleet, model: ResolvedModel) -> dict[str, Any]:
    """The ScaledObject Flagger clones for the primary, with the primary's replica bounds and queries on the
    primary's own pods. Without `primaryScalerQueries` Flagger rewrites `<name>` to `<name>-primary` in every
    query, which would also rename the namespace or a label value that contains the name."""
    replicas = model.spec.replicas
    ref: dict[str, Any] = {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "name": model.name,
                           "primaryScalerReplicas": {"minReplicas": max(1, replicas.min),
                                                     "maxReplicas": replicas.max}}
    scaling = model.spec.scaling
    queries: dict[str, str] = {}
    if scaling.target is not None:
        queries[engine_trigger(model)] = target_query(fleet, model, f"{model.name}-primary")
    if scaling.prometheus is not None and scaling.prometheus.primary_query is not None:
        queries[RAW_TRIGGER] = scaling.prometheus.primary_query
    if queries:
        ref["primaryScalerQueries"] = queries
    return ref


def build(fleet: ResolvedFleet, model: ResolvedModel, autoscaled: bool) -> dict[str, Any]:
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
    analysis["metrics"] = _metrics(settings)
    spec: dict[str, Any] = {
        "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": model.name},
        "progressDeadlineSeconds": model.progress_deadline_seconds,
        "service": {"port": model.server.http_port, "targetPort": "http", "portName": "http"},
        "analysis": analysis,
    }
    if len(model.server.ports) > 1:
        spec["service"]["portDiscovery"] = True  # Flagger adds the container's other ports (gRPC, metrics, extras)
    if autoscaled:
        spec["autoscalerRef"] = _autoscaler(fleet, model)
    return manifest("flagger.app/v1beta1", "Canary", model_metadata(fleet, model), spec=spec)


