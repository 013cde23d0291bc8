"""The rule catalogue: every rule fires on its case (a minimal change to a lint-clean spec, kept beside the
rule as `<module>.yaml`) at the right place, stays silent on the nearest change that is fine, and documents
the firing case as its example."""

from __future__ import annotations

import pytest
import yaml

from servespec import api
from servespec.policies.cases import CASE_DATE, Case, base_spec, parse_path
from servespec.policies.registry import RULES
from tests.conftest import ROOT


def lint(tmp_path, case: Case, policy: str = "baseline"):
    file = tmp_path / "spec.yaml"
    file.write_text(yaml.safe_dump(case.apply(base_spec()), sort_keys=False))
    result = api.validate_files([str(file)])
    assert result.ok, result.diagnostics
    reports = []
    for number, text in enumerate(case.image_reports):
        reports.append(tmp_path / f"report-{number}.json")
        reports[-1].write_text(text)
    return api.lint([str(file)], policy, today=CASE_DATE, image_reports=[str(path) for path in reports]).findings


def test_every_rule_module_has_cases_beside_it():
    modules = {path.stem for path in (ROOT / "policies" / "rules").glob("*.py")} - {"__init__"}
    cases = {path.stem for path in (ROOT / "policies" / "rules").glob("*.yaml")} - {"base"}
    assert modules == cases
    assert len(RULES) == len(modules)


def test_the_base_spec_is_the_quickstart_example():
    assert base_spec() == yaml.safe_load((ROOT / "examples" / "quickstart.yaml").read_text())


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_fires_where_its_case_says(tmp_path, rule_id):
    case = RULES[rule_id].cases().fires
    found = [finding for finding in lint(tmp_path, case) if finding.rule_id == rule_id]
    assert found, f"{rule_id} did not fire"
    assert found[0].path == case.at
    assert not found[0].waived


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_stays_silent_on_the_nearest_good_change(tmp_path, rule_id):
    case = RULES[rule_id].cases().silent
    assert [f.message for f in lint(tmp_path, case) if f.rule_id == rule_id and not f.waived] == []


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_the_documented_example_is_the_firing_case(rule_id):
    rule = RULES[rule_id]
    example = yaml.safe_load(rule.sections()["Example that fires"])
    changed = rule.cases().fires.apply(base_spec())
    for path in rule.cases().fires.change:
        section = str(parse_path(path)[0])
        assert section in example
        if isinstance(example[section], dict):
            assert example[section] == changed[section]
        else:
            assert all(item in changed[section] for item in example[section])


def test_the_base_spec_is_lint_clean(tmp_path):
    assert [(f.rule_id, f.severity) for f in lint(tmp_path, Case({}))] == []


def test_case_paths_and_changes():
    assert parse_path("models[0].scaling.schedules[1].replicas") == ["models", 0, "scaling", "schedules", 1,
                                                                     "replicas"]
    spec = Case({"models[0].gpu": None, "budget": {"monthlyUSD": 5}}).apply(base_spec())
    assert "gpu" not in spec["models"][0] and spec["budget"] == {"monthlyUSD": 5}
    assert "gpu" in base_spec()["models"][0]


def test_a_new_rule_is_one_command(tmp_path):
    """`make rule` scaffolds the module and its cases, registers the class and gives it a severity."""
    import shutil

    from servespec.policies import scaffold

    rules = tmp_path / "rules"
    rules.mkdir()
    registry, pack = tmp_path / "registry.py", tmp_path / "baseline.yaml"
    shutil.copy(scaffold.HERE / "registry.py", registry)
    shutil.copy(scaffold.HERE / "packs" / "baseline.yaml", pack)
    written = scaffold.scaffold("GPU099", "gpu-example-check", "gpu", rules, registry, pack)
    assert [path.name for path in written] == ["gpu_example_check.py", "gpu_example_check.yaml", "registry.py",
                                               "baseline.yaml"]
    text = registry.read_text()
    compile(text, str(registry), "exec")
    assert "    gpu_example_check,\n" in text and "    gpu_example_check.GpuExampleCheck,\n" in text
    assert "  gpu-example-check: warning\n  # Waivers\n" in pack.read_text()
    module = (rules / "gpu_example_check.py").read_text()
    compile(module, "gpu_example_check.py", "exec")
    assert 'id = "GPU099"' in module and "What it does:" in module
    with pytest.raises(ValueError, match="exists already"):
        scaffold.scaffold("GPU098", "gpu-example-check", "gpu", rules, registry, pack)
    with pytest.raises(ValueError):
        scaffold.scaffold("gpu1", "x", "gpu", rules, registry, pack)
