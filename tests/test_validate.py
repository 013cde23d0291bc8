"""`servespec validate` and `servespec schema` on the examples, the invalid examples and through the CLI."""

from __future__ import annotations

import json

import jsonschema
import pytest

from servespec import __version__, api
from servespec.spec.loader import load_spec
from tests.conftest import EXAMPLES, INVALID, ROOT, relative, run_cli


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_are_valid(example):
    code, output = run_cli("validate", relative(example))
    assert (code, output) == (0, "1 spec file valid\n")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_start_with_the_schema_modeline(example):
    assert example.read_text().startswith("# yaml-language-server: $schema=../schemas/servespec.schema.json\n")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_satisfy_the_published_json_schema(example):
    schema = json.loads((ROOT / "schemas" / "servespec.schema.json").read_text())
    data = json.loads(json.dumps(load_spec(str(example)).data, default=str))
    jsonschema.Draft202012Validator(schema).validate(data)


def test_there_are_enough_invalid_examples():
    assert len(INVALID) >= 12


@pytest.mark.parametrize("spec", INVALID, ids=lambda p: p.name)
def test_invalid_examples_give_the_expected_errors(spec):
    expected = spec.with_suffix(".expected").read_text()
    code, output = run_cli("validate", relative(spec))
    assert code == 1
    assert output == expected


def test_operations_guide_resolves_as_documented():
    fleet = api.load_fleet("examples/operations-guide.yaml")
    model = fleet.models[0]
    assert model.cuda == (12, 1)
    assert dict(model.gpu_resources) == {"nvidia.com/mig-1g.10gb": 1}
    assert model.memory_limit == "24Gi"
    assert model.load_seconds == 70.0
    assert model.startup_budget_seconds == 200  # 60 + 2 x 70
    assert model.termination_grace_seconds == 45
    assert dict(model.disruption) == {"minAvailable": 1}


def test_environment_overlay_replaces_values_and_keeps_positions():
    base = api.load_fleet("examples/agency.yaml")
    staging = api.load_fleet("examples/agency.yaml", "staging")
    assert (base.namespace, staging.namespace) == ("agency-prod", "agency-staging")
    ranker = staging.models[0]
    assert (ranker.spec.replicas.min, ranker.spec.replicas.max) == (1, 2)
    assert ranker.spec.rollout.strategy == "rolling" and ranker.spec.scaling.schedules == []
    assert staging.pools["a100-inference"].spec.max_gpus == 3
    # an error in an overridden value points at the overlay's line
    line, _ = staging.source_map.locate(("models", 0, "replicas", "max"))
    assert "max: 2" in (ROOT / "examples/agency.yaml").read_text().splitlines()[line - 1]


def test_unknown_environment_is_an_error():
    code, output = run_cli("validate", "examples/agency.yaml", "--env", "stagin")
    assert code == 1 and "unknown environment 'stagin'" in output and "did you mean 'staging'?" in output


def test_json_format():
    code, output = run_cli("validate", "examples/invalid/unknown-key.yaml", "--format", "json")
    report = json.loads(output)
    assert code == 1 and report["valid"] is False
    assert report["diagnostics"][0]["path"] == "models[0].replicsa"
    assert report["diagnostics"][0]["hint"] == "did you mean 'replicas'?"


def test_missing_file_exits_2():
    code, output = run_cli("validate", "no/such/spec.yaml")
    assert code == 2 and "no/such/spec.yaml: no such file" in output


def test_usage_error_exits_2():
    assert run_cli("validate")[0] == 2
    assert run_cli("validate", "examples/quickstart.yaml", "--format", "xml")[0] == 2


def test_errors_are_sorted_by_position_across_stages(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text((ROOT / "examples/invalid/wrong-types.yaml").read_text())
    lines = [line for line in run_cli("validate", str(spec))[1].splitlines() if ": error:" in line]
    positions = [tuple(int(x) for x in line.split(":")[1:3]) for line in lines]
    assert positions == sorted(positions) and len(positions) == 3


def test_version_and_help():
    assert run_cli("--version")[1] == f"servespec, version {__version__}\n"
    for command in ("validate", "schema"):
        code, output = run_cli(command, "--help")
        assert code == 0 and "Example" in output


def test_committed_schema_is_current():
    assert (ROOT / "schemas" / "servespec.schema.json").read_text() == api.spec_json_schema_text(), \
        "schemas/servespec.schema.json is stale: run `make schema`"


def test_committed_spec_reference_is_current():
    assert (ROOT / "docs" / "spec.md").read_text() == api.spec_reference_text(), \
        "docs/spec.md is stale: run `make schema`"


def test_every_schema_property_has_a_description():
    schema = api.spec_json_schema()
    missing = []

    def walk(node, where):
        if isinstance(node, dict):
            for name, prop in node.get("properties", {}).items():
                if "description" not in prop:
                    missing.append(f"{where}.{name}")
            for key, value in node.items():
                walk(value, f"{where}/{key}")

    walk(schema, "")
    assert not missing


def test_schema_command_prints_the_schema():
    code, output = run_cli("schema")
    assert code == 0 and json.loads(output)["title"] == "ServingFleet"


def test_an_internal_error_is_one_line_not_a_traceback(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "validate_files", broken)
    monkeypatch.delenv("SERVESPEC_DEBUG", raising=False)
    code, output = run_cli("validate", "examples/quickstart.yaml")
    assert code == 2 and "servespec: internal error: RuntimeError: boom" in output and "Traceback" not in output
