"""NetworkPolicy from the security posture: who may call the model (namespaces, plus its traffic provider's
gateways or controller and its load tester; IP ranges of load balancers outside the cluster), who may scrape
it, where it may connect (plus exactly the egress its weights download needs, its credential endpoint, and
istiod for Istio sidecars), DNS always (the kube-dns pods and the node-local resolvers of
`security.egress.dnsAddresses`, host-network and reachable by IP only); the pods of a multi-node replica reach
each other on every port (Ray and NCCL pick their ports at run time)."""

from __future__ import annotations

from typing import Any

from servespec.catalog.downloads import CREDENTIAL_ENDPOINTS
from servespec.spec.identity import download_credentials
from servespec.spec.model import DownloadEgress
from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth import mesh
from servespec.synth.common import instance_labels, manifest, model_metadata, serving_ports

NAMESPACE_LABEL = "kubernetes.io/metadata.name"
KUBE_DNS = {"namespaceSelector": {"matchLabels": {NAMESPACE_LABEL: "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}
DNS_PORTS = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]


def dns_rule(fleet: ResolvedFleet) -> dict[str, Any]:
    """DNS egress: the kube-dns pods, and each node-local resolver address."""
    addresses = sorted(set(fleet.spec.security.egress.dns_addresses))
    return {"to": [KUBE_DNS, *({"ipBlock": {"cidr": cidr}} for cidr in addresses)], "ports": DNS_PORTS}


def _namespaces(names: list[str]) -> dict[str, Any]:
    return {"namespaceSelector": {"matchExpressions": [
        {"key": NAMESPACE_LABEL, "operator": "In", "values": sorted(set(names))}]}}


def _tcp(ports: list[int]) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port} for port in sorted(set(ports))]


def _ingress(fleet: ResolvedFleet, model: ResolvedModel) -> list[dict[str, Any]]:
    posture = fleet.spec.security
    ports = [port for _, port in serving_ports(model)]
    if model.spec.validator:
        ports.append(model.spec.validator.port)
    callers = [fleet.namespace, *posture.ingress.from_namespaces, *model.traffic.caller_namespaces()]
    outside = [{"ipBlock": {"cidr": cidr}} for cidr in sorted(set(posture.ingress.from_cidrs))]
    rules = [{"from": [_namespaces(callers), *outside], "ports": _tcp(ports)}]
    if model.parallel.multi_node:
        rules.append(_own_pods(model))
    metrics_port = model.server.metrics_port_number
    if metrics_port is not None:
        rules.append({"from": [_namespaces([fleet.spec.monitoring.namespace])], "ports": _tcp([metrics_port])})
    return rules + mesh.ingress_rules(fleet, model, _namespaces)


def _own_pods(model: ResolvedModel) -> dict[str, Any]:
    """Every port between the model's own pods: leader and workers of a group."""
    return {"from": [{"podSelector": {"matchLabels": instance_labels(model)}}]}


def _download_egress(model: ResolvedModel) -> list[dict[str, Any]]:
    artifact = model.spec.artifact
    if model.server.download is None or artifact is None:
        return []
    egress = artifact.download.egress if artifact.download else DownloadEgress()
    peers: list[dict[str, Any]] = [{"ipBlock": {"cidr": cidr}} for cidr in sorted(set(egress.cidrs))]
    if egress.namespaces:
        peers.append(_namespaces(egress.namespaces))
    rules = [{"to": peers, "ports": _tcp(egress.ports)}] if peers else []
    credentials = download_credentials(model.spec)
    if credentials in CREDENTIAL_ENDPOINTS:
        cidr, port = CREDENTIAL_ENDPOINTS[credentials]
        rules.append({"to": [{"ipBlock": {"cidr": cidr}}], "ports": _tcp([port])})
    return rules


def build(fleet: ResolvedFleet, model: ResolvedModel) -> dict[str, Any]:
    posture = fleet.spec.security
    if posture.egress.allow_all:
        egress: list[dict[str, Any]] = [{}]
    else:
        egress = [dns_rule(fleet)]
        if posture.egress.to_namespaces:
            rule: dict[str, Any] = {"to": [_namespaces(posture.egress.to_namespaces)]}
            if posture.egress.ports:
                rule["ports"] = _tcp(posture.egress.ports)
            egress.append(rule)
        egress += _download_egress(model)
        egress += mesh.egress_rules(model, _namespaces)
        if model.parallel.multi_node:
            egress.append({"to": _own_pods(model)["from"]})
    return manifest("networking.k8s.io/v1", "NetworkPolicy", model_metadata(fleet, model), spec={
        "podSelector": {"matchLabels": instance_labels(model)},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": _ingress(fleet, model),
        "egress": egress,
    })
