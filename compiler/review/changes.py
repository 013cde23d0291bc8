"""What a reviewer sees for a change: object diff, risk notes and cost movement, from compiled trees,
spec files, or a spec at a git revision against the working tree."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Optional

from servespec.capacity.week import monthly_cost
from servespec.diagnostics import Diagnostic, InputError, SpecError
from servespec.review.objects import ObjectChange, ObjectSet, diff_objects, read_objects
from servespec.review.risks import RiskNote, cost_risk, gpu_type_risks, object_risks
from servespec.spec.frontend import fleet_of
from servespec.spec.git import git
from servespec.spec.loader import MAX_FILE_BYTES, decode, load_spec, load_text
from servespec.spec.resolve import ResolvedFleet
from servespec.spec.rollback import ROLES, RollbackPoint, read_rollback_point
from servespec.synth.manifest import Manifest

DEFAULT_COST_THRESHOLD = 10.0
"""Percent the projected monthly cost may move before RSK009 is raised."""


@dataclass(frozen=True)
class RollbackStep:
    """What rolling one model back to the old side changes: `now` (the new side) -> `then` (the old side);
    None where the model is not on that side."""

    namespace: str
    model: str
    now: Optional[RollbackPoint]
    then: Optional[RollbackPoint]

    def render(self) -> str:
        subject = f"{self.namespace}/{self.model}"
        if self.then is None:
            return f"{subject}: removed (this change adds it)"
        if self.now is None:
            return f"{subject}: restored at {self.then.summary()}"
        parts = [f"version {self.now.version} -> {self.then.version}"] if self.now.version != self.then.version else []
        now_images, then_images = dict(self.now.images), dict(self.then.images)
        parts += [f"{role} {now_images.get(role, '(none)')} -> {then_images.get(role, '(none)')}"
                  for role in ROLES if now_images.get(role) != then_images.get(role)]
        if self.now.weights != self.then.weights:
            parts.append(f"weights {self.now.weights or '(none)'} -> {self.then.weights or '(none)'}")
        return f"{subject}: {'; '.join(parts)}"


def rollback_steps(old: ObjectSet, new: ObjectSet) -> list[RollbackStep]:
    """Models whose release (version, images, weights) differs between the sides, from the workloads'
    recorded rollback points."""
    before, after = _points(old), _points(new)
    steps = []
    for key in sorted(set(before) | set(after)):
        then, now = before.get(key), after.get(key)
        if then is None or now is None or (then.version, then.images, then.weights) != (now.version, now.images,
                                                                                          now.weights):
            steps.append(RollbackStep(key[0], key[1], now, then))
    return steps


def _points(objects: ObjectSet) -> dict[tuple[str, str], RollbackPoint]:
    points = (read_rollback_point(data) for data in objects.objects.values())
    return {(point.namespace, point.model): point for point in points if point is not None}


@dataclass
class DiffReport:
    changes: list[ObjectChange] = field(default_factory=list)
    risks: list[RiskNote] = field(default_factory=list)
    costs: list[tuple[str, float, float]] = field(default_factory=list)
    """(fleet, old monthly cost, new monthly cost) of fleets whose cost moved, when both sides are specs."""
    rollback_to: str = ""
    """The old side (a git revision or a path): what a rollback goes back to."""
    rollback: list[RollbackStep] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for change in self.changes if change.status == status)

    @property
    def summary(self) -> str:
        return f"{self.count('added')} to add, {self.count('changed')} to change, {self.count('removed')} to remove"


Synthesis = Callable[[list[Manifest]], list[Manifest]]
"""Planned objects -> what cdk8s returns for them (`servespec.build.synthesize.as_cdk8s_returns`)."""


def _as_planned(manifests: list[Manifest]) -> list[Manifest]:
    return manifests


def fleet_objects(fleets: list[ResolvedFleet], synthesis: Synthesis = _as_planned) -> ObjectSet:
    """The objects `compile` writes for the fleets: the planned manifests as `synthesis` says cdk8s returns
    them."""
    from servespec.synth.fleet import build_manifests

    objects = ObjectSet(fleets=fleets, from_specs=True)
    for fleet in fleets:
        for manifest in synthesis(build_manifests(fleet)):
            objects.add(manifest.data, fleet.file)
    return objects


def objects_of(source: str, env: Optional[str] = None, synthesis: Synthesis = _as_planned) -> ObjectSet:
    """A compiled tree (a directory) or a spec file (compiled in memory)."""
    if os.path.isdir(source):
        return read_objects(source)
    return fleet_objects([fleet_of(load_spec(source), env)], synthesis)


def objects_of_specs(specs: list[str], env: Optional[str] = None, synthesis: Synthesis = _as_planned) -> ObjectSet:
    """The specs in the working tree; a spec that does not exist (deleted by the change) contributes nothing."""
    return fleet_objects([fleet_of(load_spec(spec), env) for spec in specs if os.path.exists(spec)], synthesis)


def objects_at_revision(revision: str, specs: list[str], env: Optional[str] = None,
                        synthesis: Synthesis = _as_planned) -> ObjectSet:
    """The specs as they were at a git revision (read with `git show`, no checkout); a spec that did not
    exist then contributes nothing."""
    fleets = []
    for spec in specs:
        directory, name = os.path.dirname(os.path.abspath(spec)), os.path.basename(spec)
        if git(directory, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").returncode != 0:
            raise InputError(f"{revision!r} is not a git revision of the repository holding {spec}")
        size = git(directory, "cat-file", "-s", f"{revision}:./{name}")
        if size.returncode != 0:
            if not os.path.exists(spec):
                raise InputError(f"{spec}: neither in the working tree nor at {revision}")
            continue
        shown_as = f"{revision}:{spec}"
        if int(size.stdout) > MAX_FILE_BYTES:
            raise SpecError([Diagnostic(shown_as, 1, 1, f"file is {int(size.stdout)} bytes; the limit is "
                                        f"{MAX_FILE_BYTES} bytes ({MAX_FILE_BYTES // 2**20} MiB)")])
        shown = git(directory, "show", f"{revision}:./{name}", text=False)
        fleets.append(fleet_of(load_text(decode(shown.stdout, shown_as), shown_as), env))
    return fleet_objects(fleets, synthesis)


def review(old: ObjectSet, new: ObjectSet, cost_threshold: float = DEFAULT_COST_THRESHOLD,
           rollback_to: str = "") -> DiffReport:
    """The report for going from `old` to `new`; `rollback_to` names the old side for the rollback section."""
    changes = diff_objects(old, new)
    report = DiffReport(changes, object_risks(changes, new), rollback_to=rollback_to,
                        rollback=rollback_steps(old, new))
    if old.from_specs and new.from_specs:
        report.risks += gpu_type_risks(old.fleets, new.fleets)
        names = sorted({fleet.name for fleet in old.fleets + new.fleets})
        for name in names:
            before = sum(monthly_cost(m) for f in old.fleets if f.name == name for m in f.models)
            after = sum(monthly_cost(m) for f in new.fleets if f.name == name for m in f.models)
            if round(before, 2) != round(after, 2):
                report.costs.append((name, before, after))
            report.risks += cost_risk(name, before, after, cost_threshold)
        report.risks.sort()
    return report
