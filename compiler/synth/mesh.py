"""Istio sidecar injection and what the sidecars need from the NetworkPolicy.

Sources (istio.io): "Installing the Sidecar" (namespace label `istio-injection: enabled`, or `istio.io/rev:
<revision>` for a revision; pod label `sidecar.istio.io/inject`); "Install Istio with Pod Security Admission"
(istio-init needs NET_ADMIN and NET_RAW, which baseline and restricted reject: use the Istio CNI node agent);
"Install Istio with the Istio CNI plugin", compatibility with application init containers (their traffic is
redirected to a proxy that is not running yet: exclude their ports with
`traffic.sidecar.istio.io/excludeOutboundPorts`); "Ports used by Istio" (istiod xDS and CA on 15012, the
agent's merged Prometheus telemetry on 15020, Envoy's on 15090).

Multi-node replicas (a LeaderWorkerSet group running Ray and NCCL): Ray's Istio guide
(ray-project/ray doc/source/cluster/kubernetes/k8s-ecosystem/istio.md) makes a mesh work only by declaring
every Ray port, worker ports included, in a headless Service and pinning them, and NCCL opens ports of its own
at run time: under STRICT mTLS the group never forms. So only the leader, which serves the model, gets a
sidecar, and it redirects only the serving ports inbound (`traffic.sidecar.istio.io/includeInboundPorts`: "a
comma separated list of inbound ports for which traffic is to be redirected to Envoy") and nothing outbound
(`includeOutboundIPRanges` empty); the workers get none (`sidecar.istio.io/inject: "false"`). The ranks then
talk plainly to each other, the clients through the mesh (istio/api v1.30.3 annotation/annotations.yaml,
label/labels.yaml).
"""

from __future__ import annotations

from typing import Any

from servespec.spec.model import DownloadEgress
from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth.common import serving_ports

NAMESPACE_INJECTION_LABEL = "istio-injection"
REVISION_LABEL = "istio.io/rev"
POD_INJECTION_LABEL = "sidecar.istio.io/inject"
EXCLUDE_OUTBOUND_PORTS = "traffic.sidecar.istio.io/excludeOutboundPorts"
INCLUDE_INBOUND_PORTS = "traffic.sidecar.istio.io/includeInboundPorts"
INCLUDE_OUTBOUND_RANGES = "traffic.sidecar.istio.io/includeOutboundIPRanges"
ISTIOD_PORT = 15012
TELEMETRY_PORTS = (15020, 15090)
ISTIOD_PODS = {"app": "istiod"}


def injected_namespace(fleet: ResolvedFleet) -> bool:
    """The fleet's default provider is istio: the namespace is labelled for injection."""
    return fleet.spec.traffic is not None and fleet.spec.traffic.provider == "istio"


def namespace_labels(fleet: ResolvedFleet) -> dict[str, str]:
    if not injected_namespace(fleet):
        return {}
    assert fleet.spec.traffic is not None
    revision = fleet.spec.traffic.istio.revision
    return {REVISION_LABEL: revision} if revision else {NAMESPACE_INJECTION_LABEL: "enabled"}


def pod_labels(fleet: ResolvedFleet, model: ResolvedModel, role: str) -> dict[str, str]:
    """Istio models ask for a sidecar themselves (a multi-node replica on its leader only); other models in an
    injected namespace opt out."""
    if model.traffic.istio and role != "worker":
        revision = model.traffic.settings.istio.revision
        return {REVISION_LABEL: revision} if revision else {POD_INJECTION_LABEL: "true"}
    return {POD_INJECTION_LABEL: "false"} if injected_namespace(fleet) else {}


def pod_annotations(model: ResolvedModel, role: str) -> dict[str, str]:
    """The weights download runs before the sidecar: its ports bypass the proxy. A multi-node leader's sidecar
    redirects only the serving ports inbound and nothing outbound: Ray and NCCL between the ranks bypass it."""
    if not model.traffic.istio or role == "worker":
        return {}
    annotations: dict[str, str] = {}
    artifact = model.spec.artifact
    if model.server.download is not None and artifact is not None:
        egress = artifact.download.egress if artifact.download else DownloadEgress()
        annotations[EXCLUDE_OUTBOUND_PORTS] = ",".join(str(port) for port in sorted(set(egress.ports)))
    if role == "leader":
        annotations[INCLUDE_INBOUND_PORTS] = ",".join(str(port) for _, port in serving_ports(model))
        annotations[INCLUDE_OUTBOUND_RANGES] = ""
    return annotations


def ingress_rules(fleet: ResolvedFleet, model: ResolvedModel, namespace_peer: Any) -> list[dict[str, Any]]:
    """Prometheus scraping the sidecar's telemetry."""
    if not model.traffic.istio:
        return []
    return [{"from": [namespace_peer([fleet.spec.monitoring.namespace])],
             "ports": [{"protocol": "TCP", "port": port} for port in TELEMETRY_PORTS]}]


def egress_rules(model: ResolvedModel, namespace_peer: Any) -> list[dict[str, Any]]:
    """The sidecar reaching istiod for its configuration and certificates."""
    if not model.traffic.istio:
        return []
    peer = {**namespace_peer([model.traffic.settings.istio.control_plane_namespace]),
            "podSelector": {"matchLabels": ISTIOD_PODS}}
    return [{"to": [peer], "ports": [{"protocol": "TCP", "port": ISTIOD_PORT}]}]
