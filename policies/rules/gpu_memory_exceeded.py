from __future__ import annotations

from typing import Iterator

from pydantic import Field

from servespec.capacity.week import slice_profile
from servespec.policies.rule import Finding, LintContext, Rule, RuleOptions, model_path


class GPUMemoryExceededOptions(RuleOptions):
    headroom_percent: float = Field(default=10, ge=0, lt=100,
                                    description="GPU memory kept free for the CUDA context and fragmentation.")


class GPUMemoryExceeded(Rule):
    """Model needs more GPU memory than its GPU or MIG slice has.

    What it does:
        Compares `gpu.memoryGB` with the memory of what the model gets: `count` x the GPU's memory, or
        `count` x the MIG slice's memory, less a headroom (option `headroomPercent`, default 10).

    Why it matters:
        The model loads, then fails with CUDA out-of-memory on the first large batch, or never finishes
        loading; the pod restarts in a loop. A slice too small for the model is the classic MIG mistake.

    Fix:
        Request a larger slice (e.g. 2g.20gb) or more GPUs, or quantize the model.
    """

    id = "GPU004"
    slug = "gpu-memory-exceeded"
    category = "gpu"
    Options = GPUMemoryExceededOptions

    def check(self, context: LintContext, options: GPUMemoryExceededOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            request = model.spec.gpu
            if request is None:
                continue
            profile_name = slice_profile(model)
            if profile_name is not None:
                profile = model.pool.gpu.mig_profile(profile_name)
                if profile is None:
                    continue
                unit, each = f"{profile_name} slice", profile.memory_gb
            else:
                unit, each = f"{model.pool.gpu.name} GPU", model.pool.gpu.memory_gb
            total = each * request.count
            usable = total * (1 - options.headroom_percent / 100)
            if request.memory_gb > usable:
                what = f"{request.count} x {unit}s have" if request.count > 1 else f"one {unit} has"
                yield Finding(f"model {model.name!r} needs {request.memory_gb:g} GB of GPU memory but {what} "
                              f"{total:g} GB ({usable:g} GB usable with {options.headroom_percent:g}% headroom)",
                              model_path(model, "gpu", "memoryGB"), model.name,
                              hint="request a larger slice or more GPUs")
