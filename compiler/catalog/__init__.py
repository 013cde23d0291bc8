"""GPU and CUDA facts, one data table each, with the source cited beside the data."""

from servespec.catalog.cuda import (
    CUDA_MIN_DRIVER,
    MIN_COMPUTE_CAPABILITY_FOR_CUDA_MAJOR,
    MIN_CUDA_FOR_COMPUTE_CAPABILITY,
    MINOR_COMPAT_DRIVER_FLOOR,
    driver_floors,
    driver_text,
    dropped_capability_floor,
    min_cuda_for_compute_capability,
    min_driver_for_cuda,
)
from servespec.catalog.gpus import GPU_TYPES, GPUType, MIGProfile, gfd_product

__all__ = [
    "CUDA_MIN_DRIVER",
    "GPU_TYPES",
    "MINOR_COMPAT_DRIVER_FLOOR",
    "MIN_COMPUTE_CAPABILITY_FOR_CUDA_MAJOR",
    "MIN_CUDA_FOR_COMPUTE_CAPABILITY",
    "GPUType",
    "MIGProfile",
    "driver_floors",
    "driver_text",
    "dropped_capability_floor",
    "gfd_product",
    "min_cuda_for_compute_capability",
    "min_driver_for_cuda",
]
