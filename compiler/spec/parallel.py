"""How one replica is split: tensor and pipeline degrees, GPUs per replica and per pod, and pods per
replica (a LeaderWorkerSet group over whole nodes when one node of the pool cannot hold the replica)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Union

if TYPE_CHECKING:
    from servespec.spec.model import GPUPool, Model

MULTI_GPU_ROLLOUT_GPUS = 4
"""From this many GPUs per replica a rolling update replaces in place (maxSurge 0, maxUnavailable 1)."""


@dataclass(frozen=True)
class ParallelPlan:
    """One replica's GPUs: tensor x pipeline degrees, and the pods (nodes) it spans."""

    tensor: int
    pipeline: int
    gpus: int
    """GPUs (or MIG slices) of the whole replica."""
    nodes: int
    """Pods of one replica: 1 for a Deployment, the LeaderWorkerSet group size when multi-node."""

    @property
    def gpus_per_pod(self) -> int:
        return self.gpus // self.nodes

    @property
    def multi_node(self) -> bool:
        return self.nodes > 1

    @property
    def split(self) -> bool:
        """Ranks exchange tensors (NCCL): tensor or pipeline parallelism."""
        return self.tensor * self.pipeline > 1


def replica_gpus(model: Model) -> int:
    """GPUs (or MIG slices) of one replica: `gpu.count`, else tensor x pipeline, else 1 (0 without a GPU)."""
    if model.gpu is None:
        return 0
    if model.gpu.count is not None:
        return model.gpu.count
    if model.parallelism is not None:
        return model.parallelism.tensor * model.parallelism.pipeline
    return 1


def tensor_degree(model: Model) -> int:
    """`parallelism.tensor`; without it a vllm or tgi replica shards over all of its GPUs, others not at all."""
    if model.parallelism is not None:
        return model.parallelism.tensor
    runtime = model.server.runtime
    return max(1, replica_gpus(model)) if runtime.shards_tensors else 1


def pipeline_degree(model: Model) -> int:
    return model.parallelism.pipeline if model.parallelism is not None else 1


def nodes_per_replica(model: Model, gpus_per_node: Optional[int]) -> int:
    """Pods of one replica: whole nodes when the replica needs more GPUs than a node has and the engine can
    span nodes (an uneven split is a spec error); else 1."""
    gpus = replica_gpus(model)
    if (gpus_per_node is None or gpus <= gpus_per_node or gpus % gpus_per_node
            or not model.server.runtime.multi_node or (model.gpu is not None and model.gpu.mig)):
        return 1
    return gpus // gpus_per_node


def whole_gpus_per_node(pool: GPUPool) -> Optional[int]:
    """`gpusPerNode` of a pool of whole GPUs (None for MIG pools: their replicas never span nodes)."""
    return pool.gpus_per_node if pool.mig.strategy == "none" else None


def parallel_plan(model: Model, pool: GPUPool) -> ParallelPlan:
    return ParallelPlan(tensor_degree(model), pipeline_degree(model), replica_gpus(model),
                        nodes_per_replica(model, whole_gpus_per_node(pool)))


def rolling_update(model: Model) -> dict[str, Union[int, str]]:
    """maxSurge/maxUnavailable: the spec's, else surge one replica, or replace in place from
    `MULTI_GPU_ROLLOUT_GPUS` GPUs per replica (a surge replica of 4-8 GPUs rarely fits the pool)."""
    in_place = replica_gpus(model) >= MULTI_GPU_ROLLOUT_GPUS
    surge = model.rollout.max_surge
    unavailable = model.rollout.max_unavailable
    return {"maxSurge": surge if surge is not None else (0 if in_place else 1),
            "maxUnavailable": unavailable if unavailable is not None else (1 if in_place else 0)}
