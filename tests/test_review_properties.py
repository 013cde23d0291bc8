"""Properties of `diff` and `plan` over generated fleets."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from servespec import api
from servespec.capacity.week import HOURS_PER_WEEK
from servespec.review.risks import RISKS
from tests.strategies import fleets, to_yaml

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                          HealthCheck.function_scoped_fixture])


def _write(tmp_path, name, spec) -> str:
    path = tmp_path / name
    path.write_text(to_yaml(spec))
    return str(path)


@SETTINGS
@given(fleets())
def test_a_spec_diffed_with_itself_reports_nothing(tmp_path, spec):
    file = _write(tmp_path, "a.yaml", spec)
    report = api.diff(file, file)
    assert (report.changes, report.risks) == ([], [])


@SETTINGS
@given(fleets(), fleets())
def test_any_two_specs_diff_without_crashing(tmp_path, old, new):
    report = api.diff(_write(tmp_path, "old.yaml", old), _write(tmp_path, "new.yaml", new))
    assert all(note.id in RISKS for note in report.risks)
    counts = report.count("added") + report.count("changed") + report.count("removed")
    assert counts == len(report.changes)
    back = api.diff(_write(tmp_path, "new.yaml", new), _write(tmp_path, "old.yaml", old))
    assert (back.count("added"), back.count("removed")) == (report.count("removed"), report.count("added"))


@SETTINGS
@given(fleets())
def test_plan_is_consistent(tmp_path, spec):
    plan = api.plan(_write(tmp_path, "a.yaml", spec))
    for pool in plan.pools:
        assert len(pool.hourly_gpus) == HOURS_PER_WEEK
        assert pool.peak_gpus == max(pool.hourly_gpus) and pool.peak_with_surge >= pool.peak_gpus
        for model in pool.models:
            assert all(s <= p for s, p in zip(model.scheduled, model.peak))
            # the hours a window touches bound the minutes it is open
            assert 0 <= model.gpu_hours_per_week <= sum(model.scheduled) * model.gpus_per_replica + 1e-6
    assert plan.monthly_cost == pytest.approx(sum(m.monthly_cost for m in plan.models))
