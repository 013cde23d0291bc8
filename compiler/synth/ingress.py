"""ingress-nginx Ingress of a model: its hosts to the model's Service (under Flagger, the apex Service
Flagger creates; the `nginx` provider clones this Ingress as `<name>-canary`), a per-client rate limit and
proxy timeouts from `server.maxRequestSeconds`.

ingress-nginx annotations (kubernetes.github.io/ingress-nginx, "Annotations"): `limit-rps` (requests per
second from one client address; the burst is `limit-rps` x `limit-burst-multiplier`, default 5),
`proxy-read-timeout` and `proxy-send-timeout` in seconds (default 60)."""

from __future__ import annotations

from typing import Any

from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth.common import manifest, model_metadata

ANNOTATION_PREFIX = "nginx.ingress.kubernetes.io/"


def nginx_annotations(model: ResolvedModel) -> dict[str, str]:
    timeout = str(model.spec.server.max_request_seconds)
    values = {"proxy-read-timeout": timeout, "proxy-send-timeout": timeout}
    limit = model.traffic.rate_limit
    if limit is not None:
        values["limit-rps"] = str(limit.rps)
        values["limit-burst-multiplier"] = str(limit.burst // limit.rps)
    return {ANNOTATION_PREFIX + key: value for key, value in sorted(values.items())}


def build(fleet: ResolvedFleet, model: ResolvedModel) -> dict[str, Any]:
    metadata = model_metadata(fleet, model)
    metadata["annotations"].update(nginx_annotations(model))
    http = {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {
        "name": model.name, "port": {"number": model.server.http_port}}}}]}
    rules = [{"host": host, "http": http} for host in model.traffic.hosts] or [{"http": http}]
    return manifest("networking.k8s.io/v1", "Ingress", metadata, spec={
        "ingressClassName": model.traffic.settings.nginx.class_name,
        "rules": rules,
    })
