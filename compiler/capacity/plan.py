"""The weekly capacity and cost plan of a fleet: per model and per pool, hour by hour (UTC).

All figures come from `servespec.capacity.week` (see its docstring for the rules: reference week, schedule
windows, peak versus scheduled replicas, MIG shares, rollout surge, weeks per month).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from servespec.capacity.memory import MemoryFit, memory_fit
from servespec.capacity.week import (
    gpus_per_replica,
    monthly_cost,
    peak_replicas,
    pool_peak,
    scheduled_replicas,
    weekly_gpu_hours,
)
from servespec.spec.resolve import ResolvedFleet
from servespec.spec.rollout import rollout_seconds


@dataclass(frozen=True)
class ModelPlan:
    name: str
    pool: str
    priority: str
    gpus_per_replica: float
    scheduled: tuple[int, ...]
    """Replicas the schedules keep, per hour of the week (UTC)."""
    peak: tuple[int, ...]
    """Most replicas possible per hour (max with a metric trigger)."""
    gpu_hours_per_week: float
    monthly_cost: float
    startup_budget_seconds: int
    rollout: str
    rollout_seconds: Optional[int]
    """Time for a canary to reach maxWeight or a blue/green to promote; None for rolling updates."""
    nodes_per_replica: int
    """Pods (whole nodes) of one replica: above 1 a LeaderWorkerSet group."""
    memory: Optional[MemoryFit]
    """GPU memory one replica needs against what its GPUs give (None: no figure in the spec)."""

    @property
    def peak_gpus(self) -> tuple[float, ...]:
        return tuple(replicas * self.gpus_per_replica for replicas in self.peak)


@dataclass(frozen=True)
class PoolPlan:
    name: str
    gpu: str
    max_gpus: int
    cost_per_gpu_hour: float
    spot: bool
    models: tuple[ModelPlan, ...]
    hourly_gpus: tuple[int, ...]
    """Whole GPUs the pool needs per hour at peak replicas (MIG slices rounded up per profile)."""
    peak_gpus: int
    peak_hour: int
    peak_with_surge: int
    surge_model: Optional[str]
    gpu_hours_per_week: float
    monthly_cost: float
    capacity: int
    """GPUs the pool can hold: maxGPUs, rounded down to whole nodes with gpusPerNode."""
    gpus_per_node: Optional[int]

    @property
    def over_limit(self) -> bool:
        return self.peak_with_surge > self.capacity


@dataclass(frozen=True)
class FleetPlan:
    name: str
    environment: Optional[str]
    pools: tuple[PoolPlan, ...]
    budget: Optional[float]

    @property
    def models(self) -> tuple[ModelPlan, ...]:
        return tuple(model for pool in self.pools for model in pool.models)

    @property
    def monthly_cost(self) -> float:
        return sum(pool.monthly_cost for pool in self.pools)


def plan_fleet(fleet: ResolvedFleet) -> FleetPlan:
    pools = []
    for pool in fleet.pools.values():
        models = tuple(ModelPlan(
            name=model.name, pool=pool.name, priority=model.spec.priority,
            gpus_per_replica=float(gpus_per_replica(model)), scheduled=scheduled_replicas(model),
            peak=peak_replicas(model), gpu_hours_per_week=float(weekly_gpu_hours(model)),
            monthly_cost=monthly_cost(model), startup_budget_seconds=model.startup_budget_seconds,
            rollout=model.spec.rollout.strategy,
            rollout_seconds=rollout_seconds(model) if model.analysis is not None else None,
            nodes_per_replica=model.parallel.nodes, memory=memory_fit(model))
            for model in fleet.models_in(pool.name))
        peak = pool_peak(fleet, pool)
        pools.append(PoolPlan(
            name=pool.name, gpu=pool.gpu.name, max_gpus=pool.spec.max_gpus,
            cost_per_gpu_hour=pool.spec.cost_per_gpu_hour, spot=pool.spec.spot, models=models,
            hourly_gpus=peak.hourly, peak_gpus=peak.gpus, peak_hour=peak.hour, peak_with_surge=peak.with_surge,
            surge_model=peak.surge_model, gpu_hours_per_week=sum(model.gpu_hours_per_week for model in models),
            monthly_cost=sum(model.monthly_cost for model in models), capacity=peak.capacity,
            gpus_per_node=peak.gpus_per_node))
    budget = fleet.spec.budget.monthly_usd if fleet.spec.budget else None
    return FleetPlan(fleet.name, fleet.environment, tuple(pools), budget)
