"""Fake nodes for the e2e control plane, derived from a spec's own GPU pools.

Each pool becomes ceil(maxGPUs / gpusPerNode) kwok nodes (8 GPUs each without gpusPerNode) holding exactly
maxGPUs GPUs between them, labelled as the
compiled pods select them (the pool's nodeSelector) and as GPU Feature Discovery labels real GPU nodes
(`nvidia.com/gpu.product`, `.count`, `.memory`, `.compute.major|minor`, `nvidia.com/mig.strategy`, and
`nvidia.com/mig.config` for the single strategy), with the extended resources the NVIDIA device plugin
advertises for the pool's MIG strategy: `nvidia.com/gpu` (none; single: one per MIG instance) or
`nvidia.com/mig-<profile>` for every profile of the GPU (mixed). GPU nodes carry the `nvidia.com/gpu`
NoSchedule taint managed Kubernetes puts on GPU node pools (optional), spot pools the Karpenter spot
taint. CPU-only nodes have neither GPUs nor taints. The product label is `NVIDIA-<catalog name>`, a
stand-in: no compiled pod selects on it, and the catalog does not yet hold the real GFD product values.
"""

from __future__ import annotations

import math

from servespec.spec.gpus import gfd_product_label
from servespec.spec.resolve import ResolvedFleet, ResolvedPool

GPUS_PER_NODE = 8
GPU_TAINT = {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}
SPOT_TAINT = {"key": "karpenter.sh/capacity-type", "value": "spot", "effect": "NoSchedule"}
HOST_CAPACITY = {"cpu": "128", "memory": "2Ti", "pods": "250", "ephemeral-storage": "10Ti"}


def node(name: str, labels: dict[str, str], resources: dict[str, str], taints: list[dict]) -> dict:
    capacity = {**HOST_CAPACITY, **resources}
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "annotations": {"kwok.x-k8s.io/node": "fake"},
                         "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                                    "type": "kwok", "servespec.dev/e2e": "true", **labels}},
            "spec": {"taints": taints},
            "status": {"capacity": capacity, "allocatable": capacity}}


def gpu_resources(pool: ResolvedPool, gpus: int) -> tuple[dict[str, str], dict[str, str]]:
    """Extended resources and MIG labels of a node with `gpus` GPUs of the pool: as the MIG Manager leaves it
    after applying the pool's mig-parted configuration (`ResolvedPool.mig_layout`)."""
    strategy = pool.spec.mig.strategy
    layout = pool.mig_layout
    if strategy == "none":
        return {"nvidia.com/gpu": str(gpus)}, {}
    if layout is None:  # MIG enabled, no model on a slice: every profile offered
        return {f"nvidia.com/mig-{p.name}": str(gpus * p.max_instances) for p in pool.gpu.mig_profiles}, {}
    counts: dict[str, int] = {}
    for group in layout.groups:
        devices = gpus if group.devices == "all" else len([i for i in group.devices if i < gpus])
        for profile, instances in group.profiles:
            name = "nvidia.com/gpu" if strategy == "single" else f"nvidia.com/mig-{profile}"
            counts[name] = counts.get(name, 0) + devices * instances
    return ({name: str(count) for name, count in counts.items()},
            {"nvidia.com/mig.config": layout.name, "nvidia.com/mig.config.state": "success"})


def gfd_product(pool: ResolvedPool) -> str:
    """`nvidia.com/gpu.product` as GPU Feature Discovery labels the pool's GPUs: the pool's product, else the
    GPU type's first catalog product (a made-up one for a type without), `-MIG-<profile>` under MIG single."""
    product = pool.spec.product or (pool.gpu.products[0] if pool.gpu.products else f"NVIDIA-{pool.gpu.name}")
    return gfd_product_label(pool.spec, product)


def pool_nodes(fleet: ResolvedFleet, prefix: str, taint_gpu_nodes: bool = True) -> list[dict]:
    """The nodes of every pool of the fleet, named `<prefix>-<pool>-<n>`."""
    nodes = []
    for pool in fleet.pools.values():
        total = pool.spec.max_gpus
        per_node = pool.spec.gpus_per_node or GPUS_PER_NODE
        for index in range(math.ceil(total / per_node)):
            gpus = min(per_node, total - index * per_node)
            resources, mig_labels = gpu_resources(pool, gpus)
            major, minor = pool.gpu.compute_capability
            labels = {"nvidia.com/gpu.product": gfd_product(pool), "nvidia.com/gpu.count": str(gpus),
                      "nvidia.com/gpu.memory": str(pool.gpu.memory_mib),
                      "nvidia.com/gpu.compute.major": str(major), "nvidia.com/gpu.compute.minor": str(minor),
                      "nvidia.com/mig.strategy": pool.spec.mig.strategy, **pool.node_selector, **mig_labels}
            taints = ([GPU_TAINT] if taint_gpu_nodes else []) + ([SPOT_TAINT] if pool.spec.spot else [])
            nodes.append(node(f"{prefix}-{pool.name}-{index}", labels, resources, taints))
    return nodes


def cpu_nodes(prefix: str, count: int = 2) -> list[dict]:
    return [node(f"{prefix}-cpu-{index}", {"servespec.dev/e2e-cpu": "true"}, {}, []) for index in range(count)]
