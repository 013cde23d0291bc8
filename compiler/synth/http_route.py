"""Gateway API HTTPRoute for a model rolled out plainly (Flagger's `gatewayapi` provider writes its own for
canary models): the model's hosts on the parent Gateways, every path to the model's Service, the request
timeout from `server.maxRequestSeconds` (gateway-api.sigs.k8s.io HTTPRoute v1: `rules[].timeouts.request`)."""

from __future__ import annotations

from typing import Any

from servespec.spec.model import GatewayRef
from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth.common import manifest, model_metadata
from servespec.synth.virtual_service import request_timeout

API_VERSION = "gateway.networking.k8s.io/v1"


def parent_refs(refs: list[GatewayRef]) -> list[dict[str, str]]:
    return [{"name": ref.name, "namespace": ref.namespace,
             **({"sectionName": ref.section_name} if ref.section_name else {})} for ref in refs]


def build(fleet: ResolvedFleet, model: ResolvedModel) -> dict[str, Any]:
    spec: dict[str, Any] = {"parentRefs": parent_refs(model.traffic.settings.gatewayapi.gateway_refs)}
    if model.traffic.hosts:
        spec["hostnames"] = list(model.traffic.hosts)
    spec["rules"] = [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                      "backendRefs": [{"name": model.name, "port": model.server.http_port}],
                      "timeouts": {"request": request_timeout(model)}}]
    return manifest(API_VERSION, "HTTPRoute", model_metadata(fleet, model), spec=spec)
