"""Weekly capacity: replicas and GPUs per model for each hour of a week, peak GPUs per pool, cost.

The week is a fixed reference week in UTC (Monday 2026-01-05 00:00 to Monday 2026-01-12 00:00: no
daylight-saving change in the common zones of either hemisphere). Each schedule's cron expressions are read
in its own time zone. A window counts for an hour when it is open at any moment of that hour, so hourly
figures are an upper bound for capacity.

- Scheduled replicas (what the cron triggers keep running): replicas.min outside every window, the largest
  open window's replicas inside, capped by replicas.max (KEDA: the max trigger wins).
- Peak replicas: replicas.max whenever a metric (Prometheus) trigger could scale the model up, else the
  scheduled replicas.
- GPUs per replica: `gpu.count` whole GPUs, or `count / max instances` of a GPU for MIG slices (a slice costs
  its share of the GPU). A pool's GPUs in an hour round MIG slices up per profile.
- Rollout surge: a rolling update adds one replica (maxSurge 1); a canary or blue/green rollout runs a canary
  Deployment beside the primary, counted at replicas.min (at least one). One model rolls out at a time.
- Cost: scheduled GPU-hours x pool `costPerGPUHour`; a month is 365.25 / 12 / 7 weeks.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from functools import lru_cache
from zoneinfo import ZoneInfo

from croniter import croniter

from compiler.model import Schedule
from compiler.resolve import ResolvedFleet, ResolvedModel, ResolvedPool

WEEK_START = datetime(2026, 1, 5, tzinfo=timezone.utc)
HOURS_PER_WEEK = 168
WEEKS_PER_MONTH = 365.25 / 12 / 7
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@lru_cache(maxsize=4096)
def _window_hours(zone: str, start: str, end: str) -> tuple[bool, ...]:
    """For each hour of the reference week (UTC): is the window open at any moment of it?"""
    tz = ZoneInfo(zone)
    begin = (WEEK_START - timedelta(days=8)).astimezone(tz)
    finish = WEEK_START + timedelta(hours=HOURS_PER_WEEK)
    events: list[tuple[datetime, bool]] = []
    for expression, opens in ((start, True), (end, False)):
        fires = croniter(expression, begin)
        while (moment := fires.get_next(datetime).astimezone(timezone.utc)) < finish:
            events.append((moment, opens))
    events.sort(key=lambda event: (event[0], not event[1]))
    hours = []
    state, position = False, 0
    for hour in range(HOURS_PER_WEEK):
        hour_start = WEEK_START + timedelta(hours=hour)
        hour_end = hour_start + timedelta(hours=1)
        while position < len(events) and events[position][0] <= hour_start:
            state = events[position][1]
            position += 1
        opened, ahead = state, position
        while not opened and ahead < len(events) and events[ahead][0] < hour_end:
            opened = events[ahead][1]
            ahead += 1
        hours.append(opened)
    return tuple(hours)


def window_hours(schedule: Schedule) -> tuple[bool, ...]:
    return _window_hours(schedule.timezone, schedule.start, schedule.end)


def scheduled_replicas(model: ResolvedModel) -> tuple[int, ...]:
    """Replicas the schedules keep running, for each hour of the week."""
    replicas = model.spec.replicas
    hourly = [replicas.min] * HOURS_PER_WEEK
    for schedule in model.spec.scaling.schedules:
        for hour, is_open in enumerate(window_hours(schedule)):
            if is_open:
                hourly[hour] = max(hourly[hour], min(schedule.replicas, replicas.max))
    return tuple(hourly)


def peak_replicas(model: ResolvedModel) -> tuple[int, ...]:
    """Most replicas possible in each hour: max when a metric trigger can scale up, else the schedule."""
    if model.spec.scaling.prometheus is not None:
        return (model.spec.replicas.max,) * HOURS_PER_WEEK
    return scheduled_replicas(model)


def rollout_surge(model: ResolvedModel) -> int:
    """Extra replicas while a new version rolls out."""
    if model.analysis is None:
        return 1
    return max(1, model.spec.replicas.min)


def slice_profile(model: ResolvedModel) -> str | None:
    """The MIG profile a replica's GPUs are slices of, or None for whole GPUs (or no GPU)."""
    if model.spec.gpu is None:
        return None
    pool = model.pool.spec
    if pool.mig.strategy == "single":
        return pool.mig.profile
    return model.spec.gpu.mig if pool.mig.strategy == "mixed" else None


def gpus_per_replica(model: ResolvedModel) -> Fraction:
    """GPUs one replica occupies: whole GPUs, or its MIG slices' share of a GPU."""
    if model.spec.gpu is None:
        return Fraction(0)
    profile_name = slice_profile(model)
    if profile_name is None:
        return Fraction(model.spec.gpu.count)
    profile = model.pool.gpu.mig_profile(profile_name)
    instances = profile.max_instances if profile else 1
    return Fraction(model.spec.gpu.count, instances)


def pool_gpus(pool: ResolvedPool, demand: list[tuple[ResolvedModel, int]]) -> int:
    """Whole GPUs a pool needs for the given replicas per model (MIG slices rounded up per profile)."""
    whole = 0
    slices: dict[str, int] = defaultdict(int)
    for model, replicas in demand:
        if model.spec.gpu is None or replicas == 0:
            continue
        profile = slice_profile(model)
        if profile is None:
            whole += model.spec.gpu.count * replicas
        else:
            slices[profile] += model.spec.gpu.count * replicas
    for name, count in slices.items():
        profile = pool.gpu.mig_profile(name)
        whole += math.ceil(count / (profile.max_instances if profile else 1))
    return whole


@dataclass(frozen=True)
class PoolPeak:
    """A pool's highest GPU demand in the week, with the hour it happens and the worst rollout surge."""

    pool: ResolvedPool
    hourly: tuple[int, ...]
    """Whole GPUs the pool needs in each hour of the week at peak replicas."""
    gpus: int
    hour: int
    with_surge: int
    surge_model: str | None


def pool_peak(fleet: ResolvedFleet, pool: ResolvedPool) -> PoolPeak:
    models = [model for model in fleet.models if model.pool.name == pool.name and model.spec.gpu is not None]
    replicas = [peak_replicas(model) for model in models]
    hourly = tuple(pool_gpus(pool, [(model, counts[hour]) for model, counts in zip(models, replicas)])
                   for hour in range(HOURS_PER_WEEK))
    best_gpus = max(hourly)
    best_hour = hourly.index(best_gpus)
    at_peak = [counts[best_hour] for counts in replicas]
    with_surge, surge_model = best_gpus, None
    for model in models:
        demand = [(other, count + (rollout_surge(other) if other is model else 0))
                  for other, count in zip(models, at_peak)]
        surged = pool_gpus(pool, demand)
        if surged > with_surge:
            with_surge, surge_model = surged, model.name
    return PoolPeak(pool, hourly, best_gpus, best_hour, with_surge, surge_model)


def weekly_gpu_hours(model: ResolvedModel) -> Fraction:
    """GPU-hours a model's scheduled replicas use in one week."""
    return sum(scheduled_replicas(model), 0) * gpus_per_replica(model)


def monthly_cost(model: ResolvedModel) -> float:
    """Projected monthly cost of a model's scheduled replicas, in USD."""
    return float(weekly_gpu_hours(model)) * model.pool.spec.cost_per_gpu_hour * WEEKS_PER_MONTH


def hour_label(hour: int) -> str:
    """`Mon 09:00 UTC` for hour 9 of the reference week."""
    return f"{DAYS[hour // 24]} {hour % 24:02d}:00 UTC"
