from __future__ import annotations

from typing import Iterator

from servespec.capacity.week import gpu_count, slice_profile
from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path


class MIGSlicesExceedGPU(Rule):
    """One replica asks for more MIG slices than one GPU holds.

    What it does:
        Fires when a replica's `gpu.count` of a MIG profile is above the most instances of that profile one
        GPU can be split into (e.g. 7 x 1g.10gb on an A100-80GB, 2 x 3g.40gb).

    Why it matters:
        The slices then have to come from several GPUs of the same node, which only nodes with that many GPUs
        partitioned the same way can offer; and a CUDA process sees a single MIG device, so the extra slices
        are usually wasted. Asking for a bigger profile is almost always what was meant.

    Fix:
        Request one larger profile (e.g. 7g.80gb) or whole GPUs.
    """

    id = "GPU009"
    slug = "mig-slices-exceed-gpu"
    category = "gpu"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            name = slice_profile(model)
            profile = model.pool.gpu.mig_profile(name) if name else None
            if profile is not None and gpu_count(model) > profile.max_instances:
                yield Finding(f"one replica of {model.name!r} asks for {gpu_count(model)} {name} slices; one "
                              f"{model.pool.gpu.name} GPU holds at most {profile.max_instances}",
                              model_path(model, "gpu", "count"), model.name,
                              hint="request one larger profile or whole GPUs")
