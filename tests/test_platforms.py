"""Platform profiles (`cluster.platform`) and workload identity: the node labels, taints and driver each
managed platform gives GPU pods, and what a cloud identity compiles to (catalog/platforms.py)."""

from __future__ import annotations

import pytest

from tests.test_runtimes import compiled, errors, pod

GKE = {"cluster": {"platform": "gke"}, "gpuPools[0].driverVersion": None}
EKS = {"cluster": {"platform": "eks"}, "gpuPools[0].driverVersion": None}
AKS = {"cluster": {"platform": "aks"}, "gpuPools[0].driverVersion": None}
S3_DOWNLOAD = {"models[0].artifact": {"source": "download", "uri": "s3://models/embedder", "sizeGB": 1.3,
                                      "download": {"egress": {"cidrs": ["52.216.0.0/15"]}}}}
GCS_DOWNLOAD = {"models[0].artifact": {"source": "download", "uri": "gs://models/embedder", "sizeGB": 1.3,
                                       "download": {"egress": {"cidrs": ["199.36.153.8/30"]}}}}


@pytest.mark.parametrize("platform, selector, tolerated", [
    (GKE, {"cloud.google.com/gke-nodepool": "l4", "cloud.google.com/gke-accelerator": "nvidia-l4"},
     {"nvidia.com/gpu"}),
    (EKS, {"karpenter.sh/nodepool": "l4", "karpenter.k8s.aws/instance-gpu-name": "l4"}, {"nvidia.com/gpu"}),
    (AKS, {"kubernetes.azure.com/agentpool": "l4"}, {"nvidia.com/gpu", "sku"}),
    ({"cluster": {"platform": "generic"}}, {"servespec.dev/gpu-pool": "l4"}, {"nvidia.com/gpu"}),
])
def test_managed_platforms_select_their_own_labels_and_no_feature_discovery(tmp_path, platform, selector, tolerated):
    """GKE, EKS and AKS GPU nodes carry no GPU Feature Discovery labels: a required affinity on
    nvidia.com/gpu.compute.major would leave every pod Pending."""
    spec = pod(compiled(tmp_path, platform))
    assert spec["nodeSelector"] == selector
    assert "affinity" not in spec
    assert {toleration["key"] for toleration in spec["tolerations"]} == tolerated


def test_the_gpu_operator_platform_keeps_feature_discovery_labels(tmp_path):
    spec = pod(compiled(tmp_path, {}))
    assert spec["nodeSelector"] == {"servespec.dev/gpu-pool": "l4"}
    terms = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert {e["key"] for e in terms[0]["matchExpressions"]} == {"nvidia.com/gpu.compute.major",
                                                               "nvidia.com/gpu.compute.minor"}


@pytest.mark.parametrize("change, message", [
    ({"gpuPools[0].driverVersion": None}, "needs `driverVersion` on platform gpu-operator"),
    ({**GKE, "gpuPools[0].product": "NVIDIA-L4"}, "which gke nodes do not carry"),
    ({**EKS, "gpuPools[0].gpu": "A100-80GB", "gpuPools[0].mig": {"strategy": "mixed"},
      "models[0].gpu": {"mig": "1g.10gb", "memoryGB": 6}}, "MIG pools are compiled for the GPU Operator"),
    ({**GKE, "models[0].identity": {"awsRoleArn": "arn:aws:iam::123456789012:role/reader"}},
     "awsRoleArn is not an identity gke pods can use"),
    ({"models[0].identity": {"awsRoleArn": "arn:aws:iam::123456789012:role/r", "eksPodIdentity": True}},
     "give one kind of identity"),
])
def test_what_a_platform_cannot_give_is_a_located_error(tmp_path, change, message):
    assert any(message in error for error in errors(tmp_path, change)), errors(tmp_path, change)


def test_a_managed_driver_needs_no_version_and_skips_the_cuda_checks(tmp_path):
    assert errors(tmp_path, GKE) == []


@pytest.mark.parametrize("platform, identity, annotations, credentials_cidr", [
    (GKE, {"gcpServiceAccount": "weights-reader@acme-ml.iam.gserviceaccount.com"},
     {"iam.gke.io/gcp-service-account": "weights-reader@acme-ml.iam.gserviceaccount.com"}, "169.254.169.254/32"),
    (EKS, {"awsRoleArn": "arn:aws:iam::123456789012:role/weights-reader"},
     {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/weights-reader"}, None),
    (EKS, {"eksPodIdentity": True}, {}, "169.254.170.23/32"),
])
def test_workload_identity_annotates_the_service_account_and_opens_its_endpoint(
        tmp_path, platform, identity, annotations, credentials_cidr):
    download = GCS_DOWNLOAD if "gcpServiceAccount" in identity else S3_DOWNLOAD
    objects = compiled(tmp_path, {**platform, **download, "models[0].identity": identity})
    account = objects[("ServiceAccount", "embedder")]
    assert {k: v for k, v in account["metadata"]["annotations"].items() if not k.startswith("servespec")} == \
        annotations
    assert account["automountServiceAccountToken"] is False  # the webhooks project their own tokens
    link_local = [rule["to"][0]["ipBlock"]["cidr"] for rule in objects[("NetworkPolicy", "embedder")]["spec"]["egress"]
                  if rule["to"][0].get("ipBlock", {}).get("cidr", "").startswith("169.254.1")]
    assert link_local == ([credentials_cidr] if credentials_cidr else [])
    assert "envFrom" not in pod(objects)["initContainers"][0]  # no Secret: the identity's credentials


def test_azure_workload_identity_labels_the_pods(tmp_path):
    objects = compiled(tmp_path, {**AKS, "models[0].identity": {"azureClientId":
                                                                "12345678-1234-1234-1234-123456789abc"}})
    labels = objects[("Deployment", "embedder")]["spec"]["template"]["metadata"]["labels"]
    assert labels["azure.workload.identity/use"] == "true"  # only labelled pods are mutated
    assert objects[("ServiceAccount", "embedder")]["metadata"]["annotations"][
        "azure.workload.identity/client-id"] == "12345678-1234-1234-1234-123456789abc"


def test_a_managed_platforms_driver_is_assumed_for_the_cuda_checks(tmp_path):
    """EKS's AL2023 NVIDIA AMI installs 580.x (since v20251120): a CUDA 13.1 image needs 590.44.01."""
    import yaml

    from servespec import api
    from servespec.policies.cases import Case, base_spec

    spec = tmp_path / "fleet.yaml"
    spec.write_text(yaml.safe_dump(Case({**EKS, "models[0].image": "ghcr.io/acme/embedder:1.0.0-cuda13.1@sha256:"
                                         + "2" * 64}).apply(base_spec())))
    found = [f for f in api.lint([str(spec)]).findings if f.rule_id == "GPU006"]
    assert len(found) == 1 and "has 580.105.08 (assumed: the EKS-optimized AL2023 NVIDIA AMI" in found[0].message
    spec.write_text(yaml.safe_dump(Case({**GKE, "models[0].image": "ghcr.io/acme/embedder:1.0.0-cuda13.1@sha256:"
                                         + "2" * 64}).apply(base_spec())))
    assert not [f for f in api.lint([str(spec)]).findings if f.rule_id in ("GPU005", "GPU006")]  # GKE: unknown
