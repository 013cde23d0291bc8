from __future__ import annotations

from typing import Iterator

from servespec.capacity.week import slice_profile
from servespec.policies.rule import Finding, LintContext, NoOptions, Rule
from servespec.policies.rules.tensor_parallel_heads import parallelism_path


class MIGWithParallelism(Rule):
    """A replica is split over MIG slices with tensor or pipeline parallelism.

    What it does:
        Fires when a model on MIG slices (`gpu.mig`, or a pool with MIG strategy single) runs tensor or
        pipeline parallelism: `parallelism`, or a vllm/tgi replica of more than one slice (the presets shard
        over every GPU they see).

    Why it matters:
        MIG instances have no GPU-to-GPU peer-to-peer, neither NVLink nor PCIe (NVIDIA MIG User Guide,
        "Application Considerations"), and a CUDA process sees only one MIG instance: the engine's NCCL
        ranks cannot reach each other, so it fails at start-up or falls back to copies through host memory
        on every layer.

    Fix:
        Use one slice large enough for the model (e.g. 3g.40gb, 7g.80gb), or whole GPUs for a split model.
    """

    id = "PAR003"
    slug = "mig-with-parallelism"
    category = "parallelism"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            profile = slice_profile(model)
            if profile is None or not model.parallel.split:
                continue
            plan = model.parallel
            split = f"tensor {plan.tensor}" + (f" x pipeline {plan.pipeline}" if plan.pipeline > 1 else "")
            yield Finding(f"{model.name!r} splits one replica over {plan.gpus} {profile} MIG slices ({split}); MIG "
                          "slices have no peer-to-peer path for the engine's NCCL ranks",
                          parallelism_path(model, "tensor"), model.name,
                          hint="use one larger slice, or whole GPUs for a split model")
