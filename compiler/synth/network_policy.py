"""NetworkPolicy from the security posture: who may call the model, where it may connect, DNS always."""

from __future__ import annotations

from typing import Any

from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth.common import instance_labels, manifest, model_metadata

NAMESPACE_LABEL = "kubernetes.io/metadata.name"
DNS_RULE = {
    "to": [{"namespaceSelector": {"matchLabels": {NAMESPACE_LABEL: "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
}


def _namespaces(names: list[str]) -> dict[str, Any]:
    return {"namespaceSelector": {"matchExpressions": [
        {"key": NAMESPACE_LABEL, "operator": "In", "values": sorted(set(names))}]}}


def build(fleet: ResolvedFleet, model: ResolvedModel) -> dict[str, Any]:
    posture = fleet.spec.security
    ports = [{"protocol": "TCP", "port": model.spec.server.port}]
    if model.spec.validator:
        ports.append({"protocol": "TCP", "port": model.spec.validator.port})
    ingress = [{"from": [_namespaces([fleet.namespace, *posture.ingress.from_namespaces])], "ports": ports}]
    if posture.egress.allow_all:
        egress: list[dict[str, Any]] = [{}]
    else:
        egress = [DNS_RULE]
        if posture.egress.to_namespaces:
            rule: dict[str, Any] = {"to": [_namespaces(posture.egress.to_namespaces)]}
            if posture.egress.ports:
                rule["ports"] = [{"protocol": "TCP", "port": port} for port in sorted(set(posture.egress.ports))]
            egress.append(rule)
    return manifest("networking.k8s.io/v1", "NetworkPolicy", model_metadata(fleet, model), spec={
        "podSelector": {"matchLabels": instance_labels(model)},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": ingress,
        "egress": egress,
    })
