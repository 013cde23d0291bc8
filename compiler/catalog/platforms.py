"""The clusters a fleet runs on (`cluster.platform`): which node labels name a pool and its GPU type, whether
GPU Feature Discovery labels exist, the taints the platform puts on GPU nodes, who installs the driver, and
how pods get a cloud identity. One row per platform; sources per row.

- gpu-operator: NVIDIA's GPU Operator (or device plugin plus GPU Feature Discovery) on any cluster: GFD labels
  `nvidia.com/gpu.product`, `nvidia.com/gpu.compute.major|minor` (NVIDIA/k8s-device-plugin
  docs/gpu-feature-discovery/README.md, v0.20.0); the pool label is the platform team's own; the operator's
  driver version is the pool's `driverVersion`.
- gke: GKE labels every GPU node `cloud.google.com/gke-accelerator: <type>` (values from
  GoogleCloudPlatform/kubernetes-engine-samples @2b50365 and container-engine-accelerators @992db81) and its
  node pool's name; no GFD (GKE runs its own device plugin, container-engine-accelerators
  cmd/nvidia_gpu/README.md); every node carries its node pool's name in `cloud.google.com/gke-nodepool`
  (GKE docs "About node pools"); GPU node pools added beside a CPU pool are tainted `nvidia.com/gpu`
  NoSchedule; GKE installs the driver (`gpu-driver-version`), whose version GKE does not publish per
  release, so without `driverVersion` the CUDA checks do not run.
- eks: GPU nodes provisioned by Karpenter (or EKS Auto Mode) carry `karpenter.k8s.aws/instance-gpu-name`
  (lower-kebab GPU name, only when an instance has one GPU type: aws/karpenter-provider-aws
  pkg/providers/instancetype/types.go @v1.14.0) and their NodePool's name (`karpenter.sh/nodepool`,
  kubernetes-sigs/karpenter pkg/apis/v1/labels.go); no GFD unless deployed; the EKS-optimized AL2023 NVIDIA
  AMI ships the driver (awsdocs amazon-eks-user-guide ml-eks-optimized-ami.adoc; 580.x only from release
  v20251120, awslabs/amazon-eks-ami CHANGELOG.md), so `driverVersion` is optional and that floor is assumed;
  taints are the NodePool's own (the GPU toleration covers the common `nvidia.com/gpu`). EKS managed node
  groups label `eks.amazonaws.com/nodegroup` instead: set the pool's `nodeSelector`.
- aks: AKS labels nodes with their node pool (`kubernetes.azure.com/agentpool`) and GPU nodes
  `kubernetes.azure.com/accelerator: nvidia` (no model: MicrosoftDocs/azure-aks-docs articles/aks/use-labels.md
  @fb060ab); no GFD; AKS installs the driver by default (580.x on CUDA sizes from node images of 2025-10-27,
  570.211.01 GRID on A10 sizes, 595.58.03 on RTX PRO 6000: Azure/AgentBaker parts/common/components.json
  @06836ee); no default taint (its docs add `sku=gpu:NoSchedule` by hand, tolerated here).
- generic: a cluster with only NVIDIA's device plugin: nothing but `nvidia.com/gpu`; the pool label is the
  platform team's own.

Workload identity (../shared/FACTS.md part 2, section 2): GKE `iam.gke.io/gcp-service-account` on the
ServiceAccount, pods reach the GKE metadata server at 169.254.169.254:80; EKS IRSA `eks.amazonaws.com/role-arn`
(aws/amazon-eks-pod-identity-webhook README @v0.6.17), tokens exchanged with STS over HTTPS; EKS Pod Identity:
no annotation (an association in the EKS API), the agent at 169.254.170.23:80; Azure Workload Identity
`azure.workload.identity/client-id` on the ServiceAccount and the pod label `azure.workload.identity/use:
"true"` (Azure/azure-workload-identity pkg/webhook/consts.go @v1.6.0), tokens from Entra ID over HTTPS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

POOL_LABEL = "servespec.dev/gpu-pool"
"""The pool label where the platform has none of its own: the platform team labels the pool's nodes."""

GPU_TAINT = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
"""GKE's taint on GPU node pools, and the usual one of GPU Operator and Karpenter clusters."""


@dataclass(frozen=True)
class Platform:
    """What one kind of cluster gives a GPU pod to select, tolerate and authenticate with."""

    name: str
    pool_label: str
    """Node label whose value is the node pool's name: the default pool selector."""
    gpu_label: Optional[str] = None
    """Node label naming the GPU type, when the platform sets one."""
    gpu_values: Mapping[str, str] = field(default_factory=dict)
    """Catalog GPU type -> the value of `gpu_label` on its nodes."""
    feature_discovery: bool = False
    """GPU Feature Discovery labels exist (product, compute capability)."""
    tolerations: tuple[Mapping[str, str], ...] = (GPU_TAINT,)
    """Taints of the platform's GPU nodes that GPU pods tolerate."""
    driver_managed: bool = False
    """The platform installs the NVIDIA driver: `driverVersion` is optional (the CUDA checks need it)."""
    identities: tuple[str, ...] = ()
    """`identity` kinds the platform's webhooks and metadata servers honour."""
    drivers: Mapping[str, tuple[tuple[int, ...], str]] = field(default_factory=dict)
    """The driver the platform installs, by catalog GPU type ("": any other), with where it was read: assumed
    for a pool without `driverVersion` (a floor: nodes of older images need `driverVersion`)."""

    def driver_for(self, gpu: str) -> Optional[tuple[tuple[int, ...], str]]:
        return self.drivers.get(gpu) or self.drivers.get("")


GKE_ACCELERATORS = {
    "T4": "nvidia-tesla-t4", "A100-40GB": "nvidia-tesla-a100", "A100-80GB": "nvidia-a100-80gb",
    "L4": "nvidia-l4", "H100-80GB": "nvidia-h100-80gb", "H200-141GB": "nvidia-h200-141gb", "B200": "nvidia-b200",
    "GB200": "nvidia-gb200", "GB300": "nvidia-gb300", "RTX-PRO-6000-96GB": "nvidia-rtx-pro-6000",
}
"""`cloud.google.com/gke-accelerator` per catalog GPU (the H100 Mega, `nvidia-h100-mega-80gb`, is an
H100-80GB too: set `nodeSelector` to pick it)."""

KARPENTER_GPU_NAMES = {
    "T4": "t4", "A10G": "a10g", "L4": "l4", "L40S": "l40s", "A100-40GB": "a100", "A100-80GB": "a100",
    "H100-80GB": "h100", "H200-141GB": "h200", "B200": "b200", "B300": "b300", "V100-16GB": "v100",
    "V100-32GB": "v100", "RTX-PRO-6000-96GB": "rtx-pro-server-6000",
}
"""`karpenter.k8s.aws/instance-gpu-name` per catalog GPU (an A100 40GB and 80GB are both `a100`: the pool
label tells them apart)."""

PLATFORMS: dict[str, Platform] = {
    "gpu-operator": Platform("gpu-operator", POOL_LABEL, feature_discovery=True,
                             identities=("awsRoleArn", "gcpServiceAccount", "azureClientId", "eksPodIdentity")),
    "generic": Platform("generic", POOL_LABEL,
                        identities=("awsRoleArn", "gcpServiceAccount", "azureClientId", "eksPodIdentity")),
    "gke": Platform("gke", "cloud.google.com/gke-nodepool", "cloud.google.com/gke-accelerator", GKE_ACCELERATORS,
                    driver_managed=True, identities=("gcpServiceAccount",)),
    "eks": Platform("eks", "karpenter.sh/nodepool", "karpenter.k8s.aws/instance-gpu-name", KARPENTER_GPU_NAMES,
                    driver_managed=True, identities=("awsRoleArn", "eksPodIdentity"),
                    drivers={"": ((580, 105, 8), "the EKS-optimized AL2023 NVIDIA AMI from release v20251120, "
                                                 "580.x only (awslabs/amazon-eks-ami CHANGELOG.md)")}),
    "aks": Platform("aks", "kubernetes.azure.com/agentpool",
                    tolerations=(GPU_TAINT, {"key": "sku", "operator": "Equal", "value": "gpu",
                                             "effect": "NoSchedule"}),
                    driver_managed=True, identities=("azureClientId",),
                    drivers={"": ((580, 95, 5), "AKS node images from 2025-10-27 for CUDA sizes (Azure/AgentBaker "
                                                "parts/common/components.json, aks-gpu-cuda)"),
                             "A10": ((570, 211, 1), "AKS's GRID driver for A10 sizes (Azure/AgentBaker "
                                                    "components.json, aks-gpu-grid)"),
                             "RTX-PRO-6000-96GB": ((595, 58, 3), "AKS's RTX PRO 6000 driver (Azure/AgentBaker "
                                                                 "components.json, aks-gpu-grid-v20)")}),
}
"""Every platform by `cluster.platform` name."""
