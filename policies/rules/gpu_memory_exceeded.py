from __future__ import annotations

from typing import Iterator

from pydantic import Field

from servespec.capacity.memory import DEFAULT_HEADROOM_PERCENT, MemoryFit, memory_fit
from servespec.catalog.memory import OVERHEAD_GIB_PER_GPU_PARALLEL
from servespec.policies.rule import Finding, LintContext, Rule, RuleOptions, model_path


class GPUMemoryExceededOptions(RuleOptions):
    headroom_percent: float = Field(default=DEFAULT_HEADROOM_PERCENT, ge=0, lt=100,
                                    description="GPU memory kept free for the CUDA context and fragmentation, "
                                                "for engines without their own memory share (triton, custom).")


class GPUMemoryExceeded(Rule):
    """Model needs more GPU memory than its GPUs or MIG slices give.

    What it does:
        Takes what one replica needs: `gpu.memoryGB` when stated, else the figure computed from `model`
        (weights = parameters x bytes of the dtype, plus the KV cache for `sequences` of `contextLength`
        tokens, plus a per-GPU allowance; docs/large-models.md), else the weights on disk
        (`artifact.sizeGB`); never less than the weights alone, so a stated figure below them does not
        hide a model that cannot load. Compares it with what the replica's GPUs give: GPUs (or MIG slices)
        x their memory as the driver reports it x the engine's share (`server.gpuMemoryUtilization`, the
        engine's default for its image version, e.g. vLLM 0.9 up to 0.19, TGI 1.0; other engines 1 -
        `headroomPercent`, default 10).

    Why it matters:
        The model never finishes loading (CUDA out of memory), or vLLM refuses to start because its KV cache
        cannot hold one sequence of the context length; the pod restarts in a loop. A slice too small for
        the model is the classic MIG mistake; a 70B model on a 24 GB GPU the classic sizing one.

    Fix:
        Request a larger slice (e.g. 2g.20gb) or more GPUs (`parallelism.tensor`), a GPU with more memory,
        a quantized checkpoint (fp8, int4) or a shorter `model.contextLength`. When the checkpoint on disk
        is wider than what is served (fp32 weights served in fp16), give `model: {parameters, dtype}`: the
        weights are then counted from those, not from `artifact.sizeGB`.
    """

    id = "GPU004"
    slug = "gpu-memory-exceeded"
    category = "gpu"
    Options = GPUMemoryExceededOptions

    def check(self, context: LintContext, options: GPUMemoryExceededOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            fit = memory_fit(model, options.headroom_percent)
            if fit is None or fit.fits:
                continue
            what = f"{fit.gpus} x {fit.unit}s have" if fit.gpus > 1 else f"one {fit.unit} has"
            total = fit.gpus * fit.each
            need = fit.need
            if need.weights_from is not None:
                stated = (f"; gpu.memoryGB {need.stated_below_weights:g} is below them"
                          if need.stated_below_weights is not None else "")
                at = ("gpu", "memoryGB") if need.stated_below_weights is not None else (
                    ("model",) if model.spec.model is not None else ("artifact", "sizeGB"))
                yield Finding(f"the weights of {model.name!r} alone take {need.total:.1f} GiB ({need.weights_from}) "
                              f"but {what} {total:.1f} GiB ({fit.available:.1f} usable at utilization "
                              f"{fit.utilization:g}){stated}", model_path(model, *at), model.name,
                              hint=_hint(fit) + ("; if the checkpoint is stored wider than it is served, give "
                                                 "`model: {parameters, dtype}`" if model.spec.model is None else ""))
                continue
            if fit.need.stated:
                share = (f"{fit.available:.1f} GB usable with {options.headroom_percent:g}% headroom"
                         if model.spec.server.gpu_memory_utilization is None
                         and model.server.engine.gpu_memory_utilization is None
                         else f"{fit.available:.1f} GB usable at utilization {fit.utilization:g}")
                yield Finding(f"model {model.name!r} needs {fit.need.total:g} GB of GPU memory but {what} "
                              f"{total:.1f} GB ({share})", model_path(model, "gpu", "memoryGB"), model.name,
                              hint="request a larger slice or more GPUs")
                continue
            yield Finding(f"model {model.name!r} needs {fit.need.total:.1f} GiB of GPU memory "
                          f"({fit.need.terms()}) but {what} {total:.1f} GiB ({fit.available:.1f} usable at "
                          f"utilization {fit.utilization:g})", model_path(model, "model"), model.name,
                          hint=_hint(fit))


def _hint(fit: MemoryFit) -> str:
    """The smallest power of two of these GPUs that would hold the replica (tensor-parallel degrees are powers
    of two), with the parallel overhead per GPU."""
    if "slice" in fit.unit:
        return "request a larger MIG slice, or whole GPUs"
    need = fit.need
    overhead = (need.overhead or 0) / fit.gpus
    fixed = need.total - (need.overhead or 0)
    for gpus in (1, 2, 4, 8, 16, 32, 64):
        per_gpu = overhead if gpus == fit.gpus else max(overhead, OVERHEAD_GIB_PER_GPU_PARALLEL if gpus > 1 else 0)
        if gpus * (fit.each * fit.utilization - per_gpu) >= fixed:
            return (f"{gpus} x {fit.unit}s would hold it (parallelism.tensor: {gpus}); or a GPU with more "
                    "memory, a quantized checkpoint, a shorter contextLength")
    return "use a GPU with more memory, a quantized checkpoint or a shorter contextLength"
