"""The README's GPU catalog and CUDA tables, from the catalog's data tables (sources in their modules)."""

from __future__ import annotations

from servespec.catalog import (
    CUDA_MIN_DRIVER,
    GPU_TYPES,
    MIN_COMPUTE_CAPABILITY_FOR_CUDA_MAJOR,
    MIN_CUDA_FOR_COMPUTE_CAPABILITY,
    MINOR_COMPAT_DRIVER_FLOOR,
    driver_text,
)


def _version(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)


def gpu_table_markdown() -> str:
    """One row per GPU type: memory, compute capability, MIG profiles (max instances), GFD products, source."""
    lines = ["| GPU type | MiB (GiB) | CC | MIG profiles (max per GPU) | `nvidia.com/gpu.product` | source "
             "| memory from |",
             "|---|---:|---|---|---|---|---|"]
    for gpu in GPU_TYPES.values():
        profiles = ", ".join(f"{p.name} ({p.max_instances})" for p in gpu.mig_profiles) or "none"
        products = ", ".join(f"`{product}`" for product in gpu.products) or "not known"
        lines.append(f"| {gpu.name} | {gpu.memory_mib} ({gpu.memory_gib:.1f}) | {_version(gpu.compute_capability)} | "
                     f"{profiles} | {products} | {gpu.source} | {gpu.memory_source} |")
    return "\n".join(lines) + "\n"


def cuda_table_markdown() -> str:
    """CUDA toolkit -> minimum driver (exact and through minor-version compatibility), and compute capability
    -> the toolkits that build for it."""
    lines = ["| CUDA | minimum driver | minor-version compatibility floor | compute capability supported |",
             "|---|---|---|---|"]
    for cuda, driver in sorted(CUDA_MIN_DRIVER.items()):
        floor = MINOR_COMPAT_DRIVER_FLOOR.get(cuda[0])
        capabilities = [cc for cc, first in sorted(MIN_CUDA_FOR_COMPUTE_CAPABILITY.items())
                        if first <= cuda and cc >= MIN_COMPUTE_CAPABILITY_FOR_CUDA_MAJOR.get(cuda[0], (0, 0))]
        lines.append(f"| {_version(cuda)} | {driver_text(driver)} | {driver_text(floor) if floor else 'none'} | "
                     f"{', '.join(_version(cc) for cc in capabilities)} |")
    return "\n".join(lines) + "\n"
