"""Istio VirtualService for a model rolled out plainly (Flagger writes its own for canary models): the model's
hosts through the ingress gateways and inside the mesh, with the request timeout from
`server.maxRequestSeconds` (istio.io "VirtualService" reference: `gateways` with `mesh` for sidecars,
`http[].timeout`)."""

from __future__ import annotations

from typing import Any

from servespec.spec.container import request_seconds
from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth.common import manifest, model_metadata

API_VERSION = "networking.istio.io/v1"
MESH_GATEWAY = "mesh"


def request_timeout(model: ResolvedModel) -> str:
    return f"{request_seconds(model.spec)}s"


def build(fleet: ResolvedFleet, model: ResolvedModel) -> dict[str, Any]:
    istio = model.traffic.settings.istio
    return manifest(API_VERSION, "VirtualService", model_metadata(fleet, model), spec={
        "hosts": [model.name, *model.traffic.hosts],
        "gateways": [*istio.gateways, MESH_GATEWAY],
        "http": [{"route": [{"destination": {"host": model.name,
                                             "port": {"number": model.server.http_port}}}],
                  "timeout": request_timeout(model)}],
    })
