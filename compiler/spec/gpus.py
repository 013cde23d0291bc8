"""The GPU types a spec can use: the catalog plus the spec's own `gpuTypes`."""

from __future__ import annotations

from servespec.catalog import GPU_TYPES, GPUType, MIGProfile
from servespec.spec.model import CustomGPUType, FleetSpec, GPUPool
from servespec.spec.types import parse_version_tuple


def gpu_types(spec: FleetSpec) -> dict[str, GPUType]:
    """The catalog plus the spec's own `gpuTypes`."""
    known = dict(GPU_TYPES)
    for custom in spec.gpu_types:
        known[custom.name] = _custom_gpu(custom)
    return known


def _custom_gpu(custom: CustomGPUType) -> GPUType:
    profiles = tuple(MIGProfile(name, float(name.split(".")[1].removesuffix("gb")), count)
                     for name, count in sorted(custom.mig_profiles.items()))
    major, minor = parse_version_tuple(custom.compute_capability)
    return GPUType(custom.name, round(custom.memory_gb * 1024), (major, minor), profiles)


def profiles_hint(gpu: GPUType) -> str:
    return f"{gpu.name} profiles: {', '.join(profile.name for profile in gpu.mig_profiles)}"


PRODUCT_LABEL = "nvidia.com/gpu.product"
"""GPU Feature Discovery's product label (NVIDIA/k8s-device-plugin internal/lm/resource.go)."""


def gfd_product_label(pool: GPUPool, product: str) -> str:
    """What GFD puts in PRODUCT_LABEL on the pool's nodes: `<product>`, or `<product>-MIG-<profile>` under MIG
    strategy single (`baseLabeler(count, model, "MIG", profile)`)."""
    if pool.mig.strategy == "single" and pool.mig.profile is not None:
        return f"{product}-MIG-{pool.mig.profile}"
    return product


def product_selector(pool: GPUPool) -> dict[str, str]:
    """The pool's `product` as a node selector (none without one)."""
    return {} if pool.product is None else {PRODUCT_LABEL: gfd_product_label(pool, pool.product)}
