"""GPU memory of one replica: what it needs (weights + KV cache + a per-GPU allowance, or the spec's
`gpu.memoryGB`) against what its GPUs give (GPUs x memory x the engine's utilization). Figures in GiB; the
formula and its sources are in `servespec.catalog.memory`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from servespec.capacity.week import slice_profile
from servespec.catalog.memory import (
    ACTIVATION_BYTES,
    BYTES_PER_ELEMENT,
    GIB,
    OVERHEAD_GIB_PER_GPU,
    OVERHEAD_GIB_PER_GPU_PARALLEL,
)
from servespec.spec.model import ModelArchitecture
from servespec.spec.resolve import ResolvedModel
from servespec.spec.types import parameter_count

DEFAULT_HEADROOM_PERCENT: float = 10
"""GPU memory kept free by engines without their own share (triton, custom): GPU004's default option."""


@dataclass(frozen=True)
class MemoryNeed:
    """GPU memory one replica needs, by term (GiB). `stated`: the spec's gpu.memoryGB, no terms. `weights_from`:
    the need is the weights alone (a floor: no stated figure covers them, or nothing else is known), read from
    this (`model.parameters` and dtype, or `artifact.sizeGB`)."""

    total: float
    weights: Optional[float] = None
    kv_cache: Optional[float] = None
    """None: unknown (no contextLength/shape and no kvCacheGB)."""
    overhead: Optional[float] = None
    """All GPUs of the replica together."""
    stated: bool = False
    weights_from: Optional[str] = None
    stated_below_weights: Optional[float] = None
    """The spec's gpu.memoryGB, when it is below the weights."""

    def terms(self) -> str:
        """`weights 130.4 + KV cache 10.0 + overhead 4 x 5.0` (empty for a stated figure)."""
        if self.stated or self.weights is None:
            return ""
        if self.weights_from is not None:
            return f"weights {self.weights:.1f} from {self.weights_from}, nothing else counted"
        parts = [f"weights {self.weights:.1f}"]
        parts.append(f"KV cache {self.kv_cache:.1f}" if self.kv_cache is not None else "KV cache not known")
        parts.append(f"overhead {self.overhead:.1f}")
        return " + ".join(parts)


@dataclass(frozen=True)
class MemoryFit:
    """A replica's need against its GPUs."""

    need: MemoryNeed
    gpus: int
    unit: str
    """`H100-80GB GPU` or `1g.10gb slice`."""
    each: float
    """Memory of one GPU or slice."""
    utilization: float

    @property
    def available(self) -> float:
        return self.gpus * self.each * self.utilization

    @property
    def fits(self) -> bool:
        return self.need.total <= self.available


def weights_gib(architecture: ModelArchitecture) -> float:
    return parameter_count(architecture.parameters) * BYTES_PER_ELEMENT[architecture.dtype] / GIB


def kv_cache_gib(architecture: ModelArchitecture) -> Optional[float]:
    """`kvCacheGB`, else 2 x layers x kvHeads x headDim x bytes x contextLength x sequences; None: unknown."""
    if architecture.kv_cache_gb is not None:
        return architecture.kv_cache_gb
    kv_heads = architecture.kv_heads or architecture.attention_heads
    if architecture.layers is None or kv_heads is None or architecture.head_dim is None or \
            architecture.context_length is None:
        return None
    element = BYTES_PER_ELEMENT["fp8"] if architecture.kv_cache_dtype == "fp8" else \
        ACTIVATION_BYTES[architecture.dtype]
    per_token = 2 * architecture.layers * kv_heads * architecture.head_dim * element
    return per_token * architecture.context_length * architecture.sequences / GIB


def weights_floor(model: ResolvedModel) -> Optional[tuple[float, str]]:
    """(GiB, where from) of the replica's weights: `model.parameters` x the dtype's bytes, else the artifact's
    size on disk (`artifact.sizeGB`, decimal GB); None when neither is given."""
    architecture, artifact = model.spec.model, model.spec.artifact
    if architecture is not None:
        return weights_gib(architecture), f"{architecture.parameters} parameters in {architecture.dtype}"
    if artifact is not None:
        return artifact.size_gb * 1e9 / GIB, f"artifact.sizeGB {artifact.size_gb:g}"
    return None


def memory_need(model: ResolvedModel) -> Optional[MemoryNeed]:
    """The replica's need: `gpu.memoryGB` when stated, else computed from `model`, else the weights on disk;
    never less than the weights (a stated figure below them is not trusted); None when nothing is known."""
    request, architecture = model.spec.gpu, model.spec.model
    if request is None:
        return None
    floor = weights_floor(model)
    if request.memory_gb is not None:
        if floor is not None and floor[0] > request.memory_gb:
            return MemoryNeed(floor[0], floor[0], weights_from=floor[1], stated_below_weights=request.memory_gb)
        return MemoryNeed(request.memory_gb, stated=True)
    if architecture is None:
        return MemoryNeed(floor[0], floor[0], weights_from=floor[1]) if floor is not None else None
    gpus = model.parallel.gpus
    per_gpu = architecture.overhead_gb
    if per_gpu is None:
        per_gpu = OVERHEAD_GIB_PER_GPU_PARALLEL if model.parallel.split else OVERHEAD_GIB_PER_GPU
    weights, kv = weights_gib(architecture), kv_cache_gib(architecture)
    overhead = per_gpu * gpus
    return MemoryNeed(weights + (kv or 0) + overhead, weights, kv, overhead)


def utilization(model: ResolvedModel, headroom_percent: float) -> float:
    """`server.gpuMemoryUtilization`, else the engine's default, else 1 - the lint headroom."""
    given = model.spec.server.gpu_memory_utilization
    if given is not None:
        return given
    engine = model.server.engine.gpu_memory_utilization
    return engine if engine is not None else 1 - headroom_percent / 100


def memory_fit(model: ResolvedModel, headroom_percent: float = DEFAULT_HEADROOM_PERCENT) -> Optional[MemoryFit]:
    """Need against the replica's GPUs (or MIG slices); None without a figure or with an unknown profile."""
    need = memory_need(model)
    if need is None:
        return None
    profile_name = slice_profile(model)
    if profile_name is not None:
        profile = model.pool.gpu.mig_profile(profile_name)
        if profile is None:
            return None
        unit, each = f"{profile_name} slice", profile.memory_gb
    else:
        unit, each = f"{model.pool.gpu.name} GPU", model.pool.gpu.memory_gib
    return MemoryFit(need, model.parallel.gpus, unit, each, utilization(model, headroom_percent))
