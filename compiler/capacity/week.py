"""Weekly capacity: replicas and GPUs per model for each hour of a week, peak GPUs per pool, cost.

The week is a fixed reference week in UTC (Monday 2026-01-05 00:00 to Monday 2026-01-12 00:00: no
daylight-saving change in the common zones of either hemisphere). Each schedule's cron expressions are read
in its own time zone. A window counts for an hour when it is open at any moment of that hour, so hourly
figures are an upper bound for capacity.

- Scheduled replicas (what the cron triggers keep running): replicas.min outside every window, the largest
  open window's replicas inside, capped by replicas.max (KEDA: the max trigger wins).
- Peak replicas: replicas.max whenever a metric trigger (the engine's `scaling.target` or a raw Prometheus
  query) could scale the model up, else the scheduled replicas.
- GPUs per replica: `gpu.count` (or tensor x pipeline) whole GPUs, or `count / max instances` of a GPU for MIG
  slices (a slice costs its share of the GPU). A pool's GPUs in an hour round MIG slices up per profile.
- Whole nodes: in a pool with `gpusPerNode` a multi-node replica takes whole nodes and the other replicas'
  GPUs are rounded up to whole nodes; the pool holds maxGPUs // gpusPerNode nodes.
- Rollout surge: a rolling update adds maxSurge replicas (1, or 0 from 4 GPUs per replica); a canary or
  blue/green rollout runs a canary Deployment beside the primary, counted at replicas.min (at least one).
  One model rolls out at a time.
- Cost: scheduled GPU-hours x pool `costPerGPUHour`, counted to the minute (cron's resolution), not by the
  hours a window touches; a month is 365.25 / 12 / 7 weeks.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from functools import lru_cache
from itertools import pairwise
from types import MappingProxyType
from typing import Mapping
from zoneinfo import ZoneInfo

from croniter import croniter

from servespec.spec.model import Schedule
from servespec.spec.parallel import whole_gpus_per_node
from servespec.spec.resolve import ResolvedFleet, ResolvedModel, ResolvedPool

WEEK_START = datetime(2026, 1, 5, tzinfo=timezone.utc)
HOURS_PER_WEEK = 168
WEEKS_PER_MONTH = 365.25 / 12 / 7
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _events(zone: str, start: str, end: str) -> list[tuple[datetime, bool]]:
    """(moment in UTC, opens) of a window's cron expressions from a week before the reference week to its end,
    in order (a close before an open at the same moment)."""
    tz = ZoneInfo(zone)
    begin = (WEEK_START - timedelta(days=8)).astimezone(tz)
    finish = WEEK_START + timedelta(hours=HOURS_PER_WEEK)
    events: list[tuple[datetime, bool]] = []
    for expression, opens in ((start, True), (end, False)):
        fires = croniter(expression, begin)
        while (moment := fires.get_next(datetime).astimezone(timezone.utc)) < finish:
            events.append((moment, opens))
    events.sort(key=lambda event: (event[0], not event[1]))
    return events


@lru_cache(maxsize=4096)
def _window_hours(zone: str, start: str, end: str) -> tuple[bool, ...]:
    """For each hour of the reference week (UTC): is the window open at any moment of it?"""
    events = _events(zone, start, end)
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


@lru_cache(maxsize=4096)
def _window_minutes(zone: str, start: str, end: str) -> tuple[tuple[int, int], ...]:
    """The minutes of the reference week (from its start, UTC) the window is open: (first, end) pairs. Cron
    fires on whole minutes, so these are exact."""
    state, opened_at = False, 0
    spans = []
    for moment, opens in _events(zone, start, end):
        minute = max(0, int((moment - WEEK_START).total_seconds()) // 60)
        if opens and not state:
            opened_at = minute
        elif not opens and state and minute > opened_at:
            spans.append((opened_at, minute))
        state = opens
    if state:
        spans.append((opened_at, HOURS_PER_WEEK * 60))
    return tuple(spans)


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
    if model.scaling.metric_driven:
        return (model.spec.replicas.max,) * HOURS_PER_WEEK
    return scheduled_replicas(model)


def rollout_surge(model: ResolvedModel) -> int:
    """Extra replicas while a new version rolls out (a percentage of replicas.max, rounded up)."""
    if model.analysis is None:
        surge = model.rolling_update["maxSurge"]
        if isinstance(surge, str):
            return math.ceil(int(surge.rstrip("%")) * model.spec.replicas.max / 100)
        return surge
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
        return Fraction(model.parallel.gpus)
    profile = model.pool.gpu.mig_profile(profile_name)
    instances = profile.max_instances if profile else 1
    return Fraction(model.parallel.gpus, instances)


def _slices_in_gpus(pool: ResolvedPool, profile: str | None, slices: int) -> int:
    """Whole GPUs that `slices` slices of a MIG profile take (rounded up); whole GPUs as they are."""
    if profile is None:
        return slices
    found = pool.gpu.mig_profile(profile)
    return math.ceil(slices / (found.max_instances if found else 1))


@dataclass(frozen=True)
class PoolPeak:
    """A pool's highest GPU demand in the week, with the hour it happens and the worst rollout surge."""

    pool: ResolvedPool
    hourly: tuple[int, ...]
    """Whole GPUs the pool needs in each hour of the week at peak replicas (whole nodes with gpusPerNode)."""
    gpus: int
    hour: int
    with_surge: int
    surge_model: str | None
    capacity: int
    """GPUs the pool can hold: maxGPUs, or its whole nodes' GPUs with gpusPerNode."""
    gpus_per_node: int | None
    surges: Mapping[str, int]
    """Per model: the peak plus that model's rollout surge."""

    def surged(self, model: ResolvedModel) -> int:
        return self.surges.get(model.name, self.gpus)

    def nodes(self, gpus: int) -> int | None:
        """Nodes holding `gpus` (None without gpusPerNode)."""
        return -(-gpus // self.gpus_per_node) if self.gpus_per_node else None


def gpu_count(model: ResolvedModel) -> int:
    """GPUs (or MIG slices) one replica requests (all pods of a multi-node replica)."""
    return model.parallel.gpus


def pool_capacity(pool: ResolvedPool) -> int:
    """maxGPUs, rounded down to whole nodes when the pool gives gpusPerNode."""
    per_node = whole_gpus_per_node(pool.spec)
    return pool.spec.max_gpus if per_node is None else pool.spec.max_gpus // per_node * per_node


def pool_peak(fleet: ResolvedFleet, pool: ResolvedPool) -> PoolPeak:
    """The pool's GPUs per hour, its peak, and the peak plus the largest one-model rollout surge. Linear in
    the pool's models: demand is summed per MIG profile (None: whole GPUs), hour by hour; with gpusPerNode,
    multi-node replicas count their nodes and the rest is rounded up to whole nodes."""
    models = [model for model in fleet.models_in(pool.name) if model.spec.gpu is not None]
    per_node = whole_gpus_per_node(pool.spec)
    units: dict[str | None, list[int]] = defaultdict(lambda: [0] * HOURS_PER_WEEK)
    spans = [0] * HOURS_PER_WEEK
    for model in models:
        row = spans if model.parallel.multi_node else units[slice_profile(model)]
        count = model.parallel.nodes if model.parallel.multi_node else gpu_count(model)
        for hour, replicas in enumerate(peak_replicas(model)):
            row[hour] += count * replicas

    def gpus_at(hour: int, extra: tuple[str | None, int] = (None, 0), extra_nodes: int = 0) -> int:
        gpus = sum(_slices_in_gpus(pool, profile, row[hour] + (extra[1] if profile == extra[0] else 0))
                   for profile, row in units.items())
        if extra[1] and extra[0] not in units:
            gpus += _slices_in_gpus(pool, extra[0], extra[1])
        if per_node is None:
            return gpus
        return (spans[hour] + extra_nodes + -(-gpus // per_node)) * per_node

    hourly = tuple(gpus_at(hour) for hour in range(HOURS_PER_WEEK))
    best_gpus = max(hourly, default=0)
    best_hour = hourly.index(best_gpus)
    with_surge, surge_model = best_gpus, None
    surges: dict[str, int] = {}
    for model in models:
        surge = rollout_surge(model)
        if model.parallel.multi_node:
            surged = gpus_at(best_hour, extra_nodes=model.parallel.nodes * surge)
        else:
            surged = gpus_at(best_hour, (slice_profile(model), gpu_count(model) * surge))
        surges[model.name] = surged
        if surged > with_surge:
            with_surge, surge_model = surged, model.name
    return PoolPeak(pool, hourly, best_gpus, best_hour, with_surge, surge_model, pool_capacity(pool), per_node,
                    MappingProxyType(surges))


def scheduled_replica_hours(model: ResolvedModel) -> Fraction:
    """Replica-hours the schedules keep running in one week, to the minute: replicas.min outside every window,
    the largest open window's replicas inside (capped by replicas.max). A 00:30-05:30 window counts 5 hours,
    not the 6 hours it touches."""
    replicas = model.spec.replicas
    windows = [(_window_minutes(s.timezone, s.start, s.end), min(s.replicas, replicas.max))
               for s in model.spec.scaling.schedules]
    cuts = sorted({0, HOURS_PER_WEEK * 60, *(edge for spans, _ in windows for span in spans for edge in span)})
    total = 0
    for first, last in pairwise(cuts):
        open_replicas = [wanted for spans, wanted in windows if any(a <= first < b for a, b in spans)]
        total += (last - first) * max([replicas.min, *open_replicas])
    return Fraction(total, 60)


def weekly_gpu_hours(model: ResolvedModel) -> Fraction:
    """GPU-hours a model's scheduled replicas use in one week."""
    return scheduled_replica_hours(model) * gpus_per_replica(model)


def monthly_cost(model: ResolvedModel) -> float:
    """Projected monthly cost of a model's scheduled replicas, in USD."""
    return float(weekly_gpu_hours(model)) * model.pool.spec.cost_per_gpu_hour * WEEKS_PER_MONTH


def hour_label(hour: int) -> str:
    """`Mon 09:00 UTC` for hour 9 of the reference week."""
    return f"{DAYS[hour // 24]} {hour % 24:02d}:00 UTC"
