"""Traffic objects on the real control plane. The cluster's CRDs include Gateway API and Flagger (the examples
apply HTTPRoutes, Ingresses, MetricTemplates and Canaries with each provider); Istio's are not there, so this
test installs a VirtualService CRD built from the upstream schema in ../shared/crd-schemas and applies a
rolling Istio model: VirtualService accepted, namespace labelled for injection, sidecar-labelled pods
admitted by Pod Security "restricted" and running on their pool."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import ROOT
from tests.e2e.cluster import wait_for
from tests.e2e.test_rule_claims import write_spec

SCHEMA = ROOT.parent / "shared" / "crd-schemas" / "networking.istio.io" / "virtualservice_v1.json"


def structural(schema: Any) -> Any:
    """The JSON Schema as a CRD accepts it: kubeconform's strict `additionalProperties: false` removed."""
    if isinstance(schema, dict):
        return {key: structural(value) for key, value in schema.items()
                if not (key == "additionalProperties" and value is False)}
    if isinstance(schema, list):
        return [structural(value) for value in schema]
    return schema


def virtual_service_crd() -> dict:
    schema = structural(json.loads(SCHEMA.read_text()))
    schema["properties"]["status"] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "virtualservices.networking.istio.io"},
            "spec": {"group": "networking.istio.io", "scope": "Namespaced",
                     "names": {"kind": "VirtualService", "plural": "virtualservices", "singular": "virtualservice"},
                     "versions": [{"name": "v1", "served": True, "storage": True,
                                   "schema": {"openAPIV3Schema": schema}}]}}


def test_istio_rolling_model_is_accepted_and_runs_with_its_sidecar_labels(deploy, cluster, tmp_path):
    cluster.apply_objects([virtual_service_crd()])
    wait_for(lambda: cluster.kubectl("get", "crd", "virtualservices.networking.istio.io", "-o",
                                     "jsonpath={.status.conditions[?(@.type=='Established')].status}")
             .stdout == "True", "the VirtualService CRD to be established")
    file = write_spec(tmp_path, "traffic-istio", {"name": "traffic-istio-l4", "gpu": "L4", "maxGPUs": 2},
                      [{"name": "chat", "gpu": {"count": 1, "memoryGB": 10}, "server": {"maxRequestSeconds": 90}}],
                      traffic={"provider": "istio", "domain": "llm.example.com",
                               "istio": {"gateways": ["istio-ingress/public"]}})
    deployed = deploy(file)
    assert deployed.applied.stderr.strip() == "", deployed.applied.stderr
    service = cluster.get("virtualservice", "chat", "-n", "traffic-istio")["spec"]
    assert service["gateways"] == ["istio-ingress/public", "mesh"] and service["http"][0]["timeout"] == "90s"
    assert cluster.get("namespace", "traffic-istio")["metadata"]["labels"]["istio-injection"] == "enabled"
    deployed.scale("chat", 1)
    pod = wait_for(lambda: deployed.running("chat"), "the Istio model to run")[0]
    assert pod["metadata"]["labels"]["sidecar.istio.io/inject"] == "true"
