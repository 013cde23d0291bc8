from __future__ import annotations

from typing import Iterator

from servespec.capacity.week import hour_label
from servespec.policies.rule import Finding, LintContext, NoOptions, Rule


class PoolCapacityExceeded(Rule):
    """Peak GPU demand of a pool is above its maxGPUs.

    What it does:
        For every hour of a week, adds up the GPUs the pool's models can ask for: replicas.max for models
        with a metric trigger, else the replicas their schedules keep (in each schedule's time zone), x GPUs
        per replica (MIG slices are packed per profile). Then adds the largest rollout surge (maxSurge
        replicas for a rolling update; replicas.min for a canary or blue/green rollout) and compares the peak with
        the pool's `maxGPUs`. With `gpusPerNode` it counts whole nodes: a multi-node replica takes its nodes,
        the other replicas' GPUs round up to whole nodes, and the pool holds maxGPUs // gpusPerNode nodes.

    Why it matters:
        Above `maxGPUs` the cluster autoscaler cannot add nodes: replicas stay Pending exactly at peak
        traffic, and a rollout at peak hangs on its surge pod.

    Fix:
        Raise the pool's `maxGPUs`, lower replicas.max or the schedules' replicas, or move a model to
        another pool.
    """

    id = "GPU008"
    slug = "pool-capacity-exceeded"
    category = "gpu"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        fleet = context.fleet
        for index, pool in enumerate(fleet.pools.values()):
            peak = context.pool_peaks[pool.name]
            if peak.with_surge > peak.capacity:
                surge = (f", {peak.with_surge} while {peak.surge_model!r} rolls out" if peak.surge_model else "")
                if peak.gpus_per_node:
                    surge = (f", {peak.nodes(peak.with_surge)} while {peak.surge_model!r} rolls out"
                             if peak.surge_model else "")
                    yield Finding(f"pool {pool.name!r} may need {peak.nodes(peak.gpus)} nodes of "
                                  f"{peak.gpus_per_node} GPUs at {hour_label(peak.hour)}{surge}"
                                  f"; maxGPUs {pool.spec.max_gpus} holds {peak.nodes(peak.capacity)} whole nodes",
                                  ("gpuPools", index, "maxGPUs"),
                                  hint=f"raise maxGPUs to {peak.with_surge}, or lower replicas on this pool")
                    continue
                yield Finding(f"pool {pool.name!r} may need {peak.gpus} GPUs at {hour_label(peak.hour)}{surge}; "
                              f"maxGPUs is {pool.spec.max_gpus}", ("gpuPools", index, "maxGPUs"),
                              hint=f"raise maxGPUs to {peak.with_surge}, or lower replicas on this pool")
