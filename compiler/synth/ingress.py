"""ingress-nginx Ingress of a model: its hosts to the model's Service (under Flagger, the apex Service
Flagger creates; the `nginx` provider clones this Ingress as `<name>-canary`), proxy timeouts from the longest
request, the largest request body, a per-client rate limit when the spec asks for one, TLS from a Secret.

ingress-nginx (kubernetes/ingress-nginx controller-v1.15.1, docs/user-guide/nginx-configuration/annotations.md
and configmap.md): `proxy-read-timeout` and `proxy-send-timeout` in seconds (default 60: a longer completion
gets 504), `proxy-body-size` (default 1m: a larger request gets 413), `limit-rps` (requests per second from one
client address per controller replica; the burst is `limit-rps` x `limit-burst-multiplier`, default 5);
`spec.tls` hosts and `secretName` serve HTTPS and redirect HTTP. Proxy buffering is off by default, so streamed
(server-sent events) completions pass through as they are produced."""

from __future__ import annotations

from typing import Any

from servespec.spec.container import request_seconds
from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth.common import manifest, model_metadata

ANNOTATION_PREFIX = "nginx.ingress.kubernetes.io/"


def nginx_annotations(model: ResolvedModel) -> dict[str, str]:
    timeout = str(request_seconds(model.spec))
    values = {"proxy-read-timeout": timeout, "proxy-send-timeout": timeout}
    body_size = model.traffic.settings.nginx.body_size or model.server.runtime.body_size
    if body_size is not None:
        values["proxy-body-size"] = body_size
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
    spec: dict[str, Any] = {"ingressClassName": model.traffic.settings.nginx.class_name, "rules": rules}
    secret = model.traffic.settings.nginx.tls_secret
    if secret is not None and model.traffic.hosts:
        spec["tls"] = [{"hosts": list(model.traffic.hosts), "secretName": secret}]
    return manifest("networking.k8s.io/v1", "Ingress", metadata, spec=spec)
