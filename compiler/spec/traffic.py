"""A model's traffic settings resolved (fleet default, model override), the namespaces that call the model,
and the Flagger facts the rollout decisions in `spec.rollout` rest on (docs/traffic.md).

Flagger facts (fluxcd/flagger): the `istio` and `nginx` providers have built-in `request-success-rate` and
`request-duration` queries on Istio telemetry and ingress-nginx metrics (pkg/metrics/observers/istio.go,
nginx.go); `gatewayapi:v1` and `kubernetes` use application metrics labelled `kubernetes_pod_name`
(observers/http.go), which no engine exposes, so their analysis runs on MetricTemplates over the engine's own
metrics. Blue/green sends live traffic to the new version only after the analysis; mirroring is Istio and
Gateway API only (docs "Deployment Strategies"). ingress-nginx routes a blue/green analysis only by header
(`analysis.match`, pkg/router/ingress.go), so its test requests carry `CANARY_HEADER`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlsplit

from servespec.spec.loader import SpecPath
from servespec.spec.model import LoadTest, Model, RateLimit, Traffic

FLAGGER_PROVIDERS = {"istio": "istio", "gatewayapi": "gatewayapi:v1", "nginx": "nginx"}
NO_MESH_PROVIDER = "kubernetes"
"""Flagger's provider for blue/green without a mesh or ingress: the Services switch, no traffic weights."""

OUTSIDE_CLUSTER_GATEWAY_CLASSES = ("gke-l7-",)
"""GatewayClass name prefixes whose proxies reach pods from outside the cluster: GKE's gke-l7-global-external-
managed, -regional-external-managed, -rilb, -gxlb, -cross-regional-internal-managed (and -mc) are Google Cloud
load balancers, whose Envoy-based proxies send from the region's proxy-only subnet and whose health checks
come from 35.191.0.0/16 and 130.211.0.0/22 (cloud.google.com/kubernetes-engine/docs/how-to/gatewayclass-
capabilities; cloud.google.com/load-balancing/docs/firewall-rules): a NetworkPolicy peer by namespace never
matches them."""

CANARY_HEADER = ("x-canary", "always")
"""The header that routes a request to the new version during an ingress-nginx blue/green analysis."""

MIRROR_PROVIDERS = ("istio", "gatewayapi")
NGINX_CONTROLLER_SERVICE = "ingress-nginx-controller"
"""The controller Service of the ingress-nginx Helm chart (release `ingress-nginx`)."""


@dataclass(frozen=True)
class TrafficPlan:
    """The traffic settings of one model, fleet defaults and model overrides merged."""

    provider: Optional[str]
    hosts: tuple[str, ...]
    rate_limit: Optional[RateLimit]
    """ingress-nginx only; None: no limit."""
    load_test: Optional[LoadTest]
    mirror: bool
    settings: Traffic
    """The fleet's provider sections (istio, gatewayapi, nginx)."""

    @property
    def istio(self) -> bool:
        return self.provider == "istio"

    def caller_namespaces(self) -> list[str]:
        """Namespaces whose pods call the model on behalf of the provider: gateways, controller, load tester."""
        names: list[str] = []
        if self.provider == "istio":
            istio = self.settings.istio
            names += istio.gateway_namespaces if istio.gateway_namespaces is not None else [
                gateway.split("/")[0] for gateway in istio.gateways]
        elif self.provider == "gatewayapi":
            gatewayapi = self.settings.gatewayapi
            names += gatewayapi.gateway_namespaces if gatewayapi.gateway_namespaces is not None else [
                ref.namespace for ref in gatewayapi.gateway_refs]
        elif self.provider == "nginx":
            names.append(self.settings.nginx.namespace)
        if self.load_test is not None:
            namespace = service_namespace(self.load_test.url)
            if namespace:
                names.append(namespace)
        return names


def service_namespace(url: str) -> Optional[str]:
    """The namespace of an in-cluster Service URL (`http://svc.ns/`, `http://svc.ns.svc.cluster.local/`)."""
    parts = (urlsplit(url).hostname or "").split(".")
    return parts[1] if len(parts) >= 2 and (len(parts) == 2 or parts[2] == "svc") else None


def traffic_plan(fleet_traffic: Optional[Traffic], model: Model) -> TrafficPlan:
    fleet = fleet_traffic or Traffic()
    override = model.traffic
    provider = override.provider if override and override.provider else fleet.provider
    if provider == "none":
        provider = None
    if override and override.hosts is not None:
        hosts = tuple(override.hosts)
    elif fleet.hosts:
        hosts = tuple(fleet.hosts)
    else:
        hosts = (f"{model.name}.{fleet.domain}",) if fleet.domain else ()
    rate_limit = None
    if provider == "nginx":
        rate_limit = override.rate_limit if override and override.rate_limit else fleet.rate_limit
    load_test = override.load_test if override and override.load_test else fleet.load_test
    mirror = override.mirror if override and override.mirror is not None else fleet.mirror
    return TrafficPlan(provider, hosts, rate_limit, load_test, mirror, fleet)


def setting_path(fleet_traffic: Optional[Traffic], model: Model, model_at: SpecPath, key: str) -> SpecPath:
    """Where a model's traffic setting `key` (field name) comes from: its own `traffic`, else the fleet's
    (`traffic` itself when the fleet leaves the key to its default)."""
    alias = Traffic.model_fields[key].alias or key
    if model.traffic is not None and getattr(model.traffic, key) is not None:
        return model_at + ("traffic", alias)
    if fleet_traffic is not None and key in fleet_traffic.model_fields_set:
        return ("traffic", alias)
    return ("traffic",)
