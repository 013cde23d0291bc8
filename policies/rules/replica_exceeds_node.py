from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule
from servespec.policies.rules.tensor_parallel_heads import parallelism_path
from servespec.spec.parallel import whole_gpus_per_node


class ReplicaExceedsNode(Rule):
    """A pod needs more GPUs than one node of its pool has.

    What it does:
        Compares each pod's GPUs (tensor x pipeline, or `gpu.count`) with the pool's `gpusPerNode`. A vllm
        replica larger than a node is compiled to a LeaderWorkerSet over whole nodes and does not fire; other
        engines run one pod per replica, which no node can hold.

    Why it matters:
        The scheduler never finds a node with that many GPUs: the pod stays Pending forever ("Insufficient
        nvidia.com/gpu"), the rollout hangs until its progress deadline, and the cluster autoscaler cannot
        help because no node shape fits.

    Fix:
        Use `runtime: vllm` (multi-node over Ray) with tensor = GPUs per node and pipeline = nodes, a pool of
        larger nodes, or fewer GPUs per replica (a quantized checkpoint).
    """

    id = "PAR002"
    slug = "replica-exceeds-node"
    category = "parallelism"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            per_node = whole_gpus_per_node(model.pool.spec)
            gpus = model.parallel.gpus_per_pod
            if per_node is None or gpus <= per_node:
                continue
            engine = model.server.runtime.name
            yield Finding(f"one pod of {model.name!r} needs {gpus} GPUs but nodes of pool {model.pool.name!r} have "
                          f"{per_node}, and {engine} cannot split a replica over nodes: it never schedules",
                          parallelism_path(model, "tensor"), model.name,
                          hint=f"use runtime vllm with tensor {per_node} x pipeline {-(-gpus // per_node)}, or "
                               "fewer GPUs per replica")
