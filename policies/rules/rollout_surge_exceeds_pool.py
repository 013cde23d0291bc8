from __future__ import annotations

from typing import Iterator

from servespec.capacity.week import rollout_surge
from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path


class RolloutSurgeExceedsPool(Rule):
    """The rolling update of a multi-GPU replica surges beyond the pool.

    What it does:
        For a model with two or more GPUs per replica rolled out with maxSurge above 0, checks whether the
        pool can hold the surge replicas on top of its peak demand (GPUs, or whole nodes with
        `gpusPerNode`). Fires only when the peak itself fits: the surge is what breaks it.

    Why it matters:
        The surge pod waits Pending for GPUs no node has; the rollout stalls and, after the progress
        deadline, is marked failed, while the old replicas keep serving the old version. With 4-8 GPUs per
        replica a spare replica's worth of GPUs is rarely free.

    Fix:
        Set `rollout.maxSurge: 0` and `rollout.maxUnavailable: 1` (replace in place; the default from 4 GPUs
        per replica), or raise the pool's maxGPUs by one replica.
    """

    id = "PAR004"
    slug = "rollout-surge-exceeds-pool"
    category = "parallelism"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        fleet = context.fleet
        for model in fleet.models:
            peak = context.pool_peaks[model.pool.name]
            if model.parallel.gpus < 2 or model.analysis is not None or rollout_surge(model) == 0:
                continue
            if peak.gpus <= peak.capacity < peak.surged(model):
                yield Finding(f"a rolling update of {model.name!r} adds {rollout_surge(model)} replica(s) of "
                              f"{model.parallel.gpus} GPUs, but pool {model.pool.name!r} has "
                              f"{peak.capacity - peak.gpus} GPUs free at its peak",
                              model_path(model, "rollout"), model.name,
                              hint="set rollout.maxSurge: 0 and rollout.maxUnavailable: 1")
