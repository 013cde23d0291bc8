from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path


class MIGWithoutPartitioning(Rule):
    """MIG slice requested on a pool whose GPUs are not partitioned.

    What it does:
        Fires when a model sets `gpu.mig` but its pool has `mig.strategy: none`.

    Why it matters:
        Nodes without MIG advertise whole `nvidia.com/gpu` devices only; the `nvidia.com/mig-<profile>`
        request can never be satisfied and the pods stay Pending.

    Fix:
        Set the pool's `mig.strategy` to mixed (or single with a profile), or request whole GPUs.
    """

    id = "GPU003"
    slug = "mig-without-partitioning"
    category = "gpu"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            request = model.spec.gpu
            if request is not None and request.mig is not None and model.pool.spec.mig.strategy == "none":
                yield Finding(f"pool {model.pool.name!r} does not partition its GPUs with MIG, so the "
                              f"{request.mig} slice can never be scheduled", model_path(model, "gpu", "mig"),
                              model.name, hint="set the pool's `mig.strategy` to mixed or single, or request "
                                               "whole GPUs")
