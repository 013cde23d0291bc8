"""The capacity plan as text tables and as JSON."""

from __future__ import annotations

import json
from typing import Optional, Sequence

from servespec.capacity.memory import MemoryFit
from servespec.capacity.plan import FleetPlan
from servespec.capacity.week import DAYS, hour_label


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds // 60} min" if seconds >= 120 else f"{seconds} s"


def _table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    def line(cells: Sequence[object]) -> str:
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return [line(header)] + [line(row) for row in rows]


def _week_grid(title: str, hourly: Sequence[float]) -> list[str]:
    """A 7 x 24 table of hourly values (UTC), one row per day."""
    lines = ["", title, "      " + "".join(f"{hour:>4}" for hour in range(24))]
    for day, name in enumerate(DAYS):
        lines.append(f"  {name} " + "".join(f"{hourly[day * 24 + hour]:>4g}" for hour in range(24)))
    return lines


def render_text(plan: FleetPlan, hourly: bool = False) -> str:
    """Pool and model tables and each pool's GPUs by hour; with `hourly`, each model's replicas by hour."""
    where = f" (environment {plan.environment})" if plan.environment else ""
    lines = [f"Capacity plan of fleet {plan.name}{where}: one week in UTC, schedules read in their own time zones",
             ""]
    pool_rows = [[pool.name, pool.gpu + (" spot" if pool.spot else ""), str(pool.max_gpus),
                  f"{pool.peak_gpus} at {hour_label(pool.peak_hour)}",
                  f"{pool.peak_with_surge}" + (" OVER" if pool.over_limit else ""),
                  f"{pool.gpu_hours_per_week:,.1f}", f"${pool.cost_per_gpu_hour:,.2f}", f"${pool.monthly_cost:,.0f}"]
                 for pool in plan.pools]
    lines += _table(["pool", "GPU", "maxGPUs", "peak GPUs", "with rollout", "GPU-h/week", "$/GPU-h", "$/month"],
                    pool_rows, {2, 4, 5, 6, 7})
    lines.append("")
    model_rows = [[m.name, m.pool, m.priority,
                   f"{m.gpus_per_replica:.3g}" + (f" ({m.nodes_per_replica} nodes)" if m.nodes_per_replica > 1 else ""),
                   f"{min(m.scheduled)}-{max(m.scheduled)}",
                   str(max(m.peak)), f"{m.gpu_hours_per_week:,.1f}", f"${m.monthly_cost:,.0f}",
                   _duration(m.startup_budget_seconds),
                   m.rollout + (f" {_duration(m.rollout_seconds)}" if m.rollout_seconds is not None else "")]
                  for m in plan.models]
    lines += _table(["model", "pool", "priority", "GPUs/replica", "scheduled", "peak", "GPU-h/week", "$/month",
                     "startup", "rollout"], model_rows, {3, 4, 5, 6, 7, 8})
    sized = [m for m in plan.models if m.memory is not None]
    if sized:
        lines += ["", "GPU memory per replica (GiB; engine share of each GPU as utilization):"]
        lines += _table(["model", "needs", "GPUs give", "utilization", "fits", "terms"],
                        [[m.name, f"{m.memory.need.total:.1f}", f"{m.memory.available:.1f} of "
                          f"{m.memory.gpus} x {m.memory.each:g}", f"{m.memory.utilization:g}",
                          "yes" if m.memory.fits else "NO", m.memory.need.terms() or "gpu.memoryGB"]
                         for m in sized if m.memory is not None], {1, 2, 3})
    for pool in plan.pools:
        if pool.gpus_per_node:
            lines += ["", f"Pool {pool.name} counts whole nodes of {pool.gpus_per_node} GPUs: maxGPUs "
                          f"{pool.max_gpus} holds {pool.capacity // pool.gpus_per_node} nodes ({pool.capacity} GPUs)."]
        lines += _week_grid(f"GPUs needed by hour (UTC) in pool {pool.name}, at peak replicas "
                            f"(maxGPUs {pool.max_gpus}):", pool.hourly_gpus)
    if hourly:
        for model in plan.models:
            lines += _week_grid(f"Replicas of {model.name} by hour (UTC), kept by its schedules "
                                f"(x {model.gpus_per_replica:.3g} GPUs each):", model.scheduled)
            if model.peak != model.scheduled:
                lines += _week_grid(f"Replicas of {model.name} by hour (UTC), at most (metric trigger):", model.peak)
    lines.append("")
    total = f"Projected GPU cost: ${plan.monthly_cost:,.0f} per month"
    if plan.budget:
        share = plan.monthly_cost / plan.budget * 100
        total += f" of a ${plan.budget:,.0f} budget ({share:.0f}%{', OVER BUDGET' if share > 100 else ''})"
    lines.append(total + ".")
    return "\n".join(lines) + "\n"


def render_json(plan: FleetPlan) -> str:
    return json.dumps({
        "fleet": plan.name,
        "environment": plan.environment,
        "monthlyCostUSD": round(plan.monthly_cost, 2),
        "budgetMonthlyUSD": plan.budget,
        "pools": [{
            "name": pool.name, "gpu": pool.gpu, "maxGPUs": pool.max_gpus, "spot": pool.spot,
            "peakGPUs": pool.peak_gpus, "peakHourUTC": hour_label(pool.peak_hour),
            "peakGPUsWithRollout": pool.peak_with_surge, "rolloutModel": pool.surge_model,
            "gpuHoursPerWeek": round(pool.gpu_hours_per_week, 3), "monthlyCostUSD": round(pool.monthly_cost, 2),
            "hourlyGPUs": list(pool.hourly_gpus), "gpusPerNode": pool.gpus_per_node, "capacityGPUs": pool.capacity,
        } for pool in plan.pools],
        "models": [{
            "name": m.name, "pool": m.pool, "priority": m.priority, "gpusPerReplica": m.gpus_per_replica,
            "scheduledReplicas": list(m.scheduled), "peakReplicas": list(m.peak),
            "gpuHoursPerWeek": round(m.gpu_hours_per_week, 3), "monthlyCostUSD": round(m.monthly_cost, 2),
            "startupBudgetSeconds": m.startup_budget_seconds, "rollout": m.rollout,
            "rolloutSeconds": m.rollout_seconds, "nodesPerReplica": m.nodes_per_replica,
            "gpuMemory": _memory_json(m.memory),
        } for m in plan.models],
    }, indent=2) + "\n"


def _memory_json(fit: Optional[MemoryFit]) -> Optional[dict[str, object]]:
    if fit is None:
        return None
    need = fit.need
    return {"needGiB": round(need.total, 3), "availableGiB": round(fit.available, 3), "gpus": fit.gpus,
            "gpuGiB": fit.each, "utilization": fit.utilization, "fits": fit.fits, "stated": need.stated,
            "weightsGiB": None if need.weights is None else round(need.weights, 3),
            "kvCacheGiB": None if need.kv_cache is None else round(need.kv_cache, 3),
            "overheadGiB": None if need.overhead is None else round(need.overhead, 3)}
