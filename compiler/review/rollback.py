"""`servespec rollback-point`: each model's release as a rollback needs it (version, images, weights, spec
revision) and the P99 latency baseline to compare with after rolling back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from servespec.diagnostics import InputError
from servespec.review.prometheus import instant_value
from servespec.spec.frontend import load_fleet
from servespec.spec.git import resolve_revision, spec_revision
from servespec.spec.model import LatencyRegression
from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.spec.rollback import RollbackPoint, rollback_point
from servespec.synth import deployment, leader_worker_set
from servespec.synth.prometheus_rule import LATENCY_RECORD, MODEL_LABEL, VERSION_LABEL, latency_models


@dataclass(frozen=True)
class ModelRelease:
    """One model's rollback point, its workload and its latency baseline."""

    point: RollbackPoint
    workload: str
    """`<kind>/<name>`"""
    latency_query: Optional[str]
    """PromQL for this version's P99 averaged over the baseline window; None when the P99 is not recorded."""
    p99_seconds: Optional[float] = None
    """The query's value, when a Prometheus was asked and has the series."""


@dataclass
class RollbackBundle:
    fleet: str
    file: str
    environment: Optional[str]
    revision: Optional[str]
    revision_note: str = ""
    """Why there is no revision, when it was looked up in git and none fits."""
    prometheus: Optional[str] = None
    """The Prometheus the baselines were read from."""
    models: list[ModelRelease] = field(default_factory=list)


def rollback_bundle(file: str, env: Optional[str] = None, revision: Optional[str] = None,
                    prometheus: Optional[str] = None) -> RollbackBundle:
    """The bundle for every model of one spec. `revision`: None looks the spec up in git and notes why
    when it cannot (not in git, uncommitted changes); `git` the same but an error; else recorded as given.
    `prometheus`: a base URL to read each version's P99 baseline from."""
    fleet = load_fleet(file, env)
    note = ""
    if revision is None:
        try:
            revision = spec_revision(file)
        except InputError as err:
            revision, note = None, str(err)
    else:
        revision = resolve_revision(file, revision)
    recorded = {model.name for model in latency_models(fleet)}
    bundle = RollbackBundle(fleet.name, file, env, revision, note, prometheus)
    for model in fleet.models:
        query = _latency_query(fleet, model) if model.name in recorded else None
        value = instant_value(prometheus, query) if prometheus and query else None
        kind = leader_worker_set.KIND if model.parallel.multi_node else deployment.KIND
        bundle.models.append(ModelRelease(rollback_point(fleet.namespace, model, revision), f"{kind}/{model.name}",
                                          query, value))
    return bundle


def _latency_query(fleet: ResolvedFleet, model: ResolvedModel) -> str:
    window = (fleet.spec.monitoring.latency_regression or LatencyRegression()).baseline_window
    return (f'avg_over_time({LATENCY_RECORD}{{namespace="{fleet.namespace}",{MODEL_LABEL}="{model.name}",'
            f'{VERSION_LABEL}="{model.spec.version}"}}[{window}])')
