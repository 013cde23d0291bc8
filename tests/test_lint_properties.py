"""Properties of `lint`: any valid spec lints without a crash and every finding is located; mangled specs
become located findings, never tracebacks."""

from __future__ import annotations

import copy
import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servespec import api
from servespec.policies.registry import RULES
from tests.conftest import run_cli
from tests.strategies import fleets, to_yaml
from tests.test_spec_properties import parent_and_key, paths

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                          HealthCheck.function_scoped_fixture])


@SETTINGS
@given(fleets(), st.sampled_from(["baseline", "production"]))
def test_generated_specs_lint_with_located_findings(tmp_path, spec, policy):
    file = tmp_path / "spec.yaml"
    file.write_text(to_yaml(spec))
    report = api.lint([str(file)], policy, today=datetime.date(2026, 11, 23))
    lines = file.read_text().count("\n") + 1
    assert report.files == [str(file)]
    for finding in report.findings:
        assert finding.rule_id in RULES, finding
        if finding.waived:
            assert finding.rule_id not in ("WAV001", "WAV002")
            assert any(w["rule"] in (finding.rule_id, finding.slug) and w.get("model") in (None, finding.model)
                       and w["expires"] >= datetime.date(2026, 11, 23) for w in spec.get("waivers", []))
        assert finding.file == str(file) and 1 <= finding.line <= lines and finding.column >= 1
        assert finding.message and finding.severity in ("error", "warning", "info")
    expired = [w for w in spec.get("waivers", []) if w["expires"] < datetime.date(2026, 11, 23)]
    assert len([f for f in report.findings if f.rule_id == "WAV001"]) == len(expired)


@SETTINGS
@given(fleets(), st.data(), st.sampled_from(["text", "json", "sarif", "junit", "github"]))
def test_mangled_specs_never_crash_lint(tmp_path, spec, data, output_format):
    mangled = copy.deepcopy(spec)
    target = data.draw(st.sampled_from([p for p in paths(mangled) if p]))
    parent, key = parent_and_key(mangled, target)
    parent[key] = data.draw(st.sampled_from([None, -1, "x", [], {}, 10**9, "0 0 * *"]))
    file = tmp_path / "spec.yaml"
    file.write_text(to_yaml(mangled))
    code, output = run_cli("lint", str(file), "--format", output_format)
    assert code in (0, 1)
    assert "Traceback" not in output and "internal error" not in output
