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

from servespec.spec.model import Schedule
from servespec.spec.resolve import ResolvedFleet, ResolvedModel, ResolvedPool

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
    return _scheduled(replicas.min, replicas.max, tuple(
        (schedule.timezone, schedule.start, schedule.end, schedule.replicas)
        for schedule in model.spec.scaling.schedules))


@lru_cache(maxsize=4096)
def _scheduled(low: int, high: int, windows: tuple[tuple[str, str, str, int], ...]) -> tuple[int, ...]:
    hourly = [low] * HOURS_PER_WEEK
    for zone, start, end, wanted in windows:
        floor = min(wanted, high)
        hourly = [max(now, floor) if is_open else now
                  for now, is_open in zip(hourly, _window_hours(zone, start, end))]
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


def _slices_in_gpus(pool: ResolvedPool, profile: str | None, slices: int) -> int:
    """Whole GPUs that `slices` slices of a MIG profile take (rounded up); whole GPUs as they are."""
    if profile is None:
        return slices
    found = pool.gpu.mig_profile(profile)
    return math.ceil(slices / (found.max_instances if found else 1))


def pool_gpus(pool: ResolvedPool, demand: list[tuple[ResolvedModel, int]]) -> int:
    """Whole GPUs a pool needs for the given replicas per model (MIG slices rounded up per profile)."""
    slices: dict[str | None, int] = defaultdict(int)
    for model, replicas in demand:
        if model.spec.gpu is not None:
            slices[slice_profile(model)] += model.spec.gpu.count * replicas
    return sum(_slices_in_gpus(pool, profile, count) for profile, count in slices.items())


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


def gpu_count(model: ResolvedModel) -> int:
    """GPUs (or MIG slices) one replica requests."""
    return model.spec.gpu.count if model.spec.gpu is not None else 0


def pool_peak(fleet: ResolvedFleet, pool: ResolvedPool) -> PoolPeak:
    """The pool's GPUs per hour, its peak, and the peak plus the largest one-model rollout surge. Linear in
    the pool's models: demand is summed per MIG profile (None: whole GPUs), hour by hour."""
    models = [model for model in fleet.models_in(pool.name) if model.spec.gpu is not None]
    units: dict[str | None, list[int]] = defaultdict(lambda: [0] * HOURS_PER_WEEK)
    for model in models:
        row = units[slice_profile(model)]
        count = gpu_count(model)
        for hour, replicas in enumerate(peak_replicas(model)):
            row[hour] += count * replicas
    hourly = tuple(sum(_slices_in_gpus(pool, profile, row[hour]) for profile, row in units.items())
                   for hour in range(HOURS_PER_WEEK))
    best_gpus = max(hourly, default=0)
    best_hour = hourly.index(best_gpus)
    with_surge, surge_model = best_gpus, None
    for model in models:
        profile = slice_profile(model)
        at_peak = units[profile][best_hour]
        extra = gpu_count(model) * rollout_surge(model)
        surged = best_gpus - _slices_in_gpus(pool, profile, at_peak) + _slices_in_gpus(pool, profile, at_peak + extra)
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
