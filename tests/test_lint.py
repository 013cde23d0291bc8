"""`servespec lint` and `servespec rules`: examples, expected findings, report formats, policy packs,
custom rules, waivers, generated docs, and the promise never to start Node."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from xml.etree import ElementTree

import jsonschema
import pytest

from servespec import api
from servespec.diagnostics import PolicyError
from servespec.lint.policy import load_policy
from servespec.policies.registry import RULE_CLASSES, RULES, index_rules
from servespec.policies.rule import DOC_SECTIONS, EXAMPLE
from tests.conftest import EXAMPLES, LINT_INVALID, ROOT, relative, run_cli

TODAY = "2026-11-23"
SARIF_SCHEMA = os.environ.get("SERVESPEC_SARIF_SCHEMA", str(ROOT / ".tools/sarif/sarif-2.1.0-rtm.5.json"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_are_lint_clean_down_to_warnings(example):
    code, output = run_cli("lint", relative(example), "--fail-on", "warning")
    assert code == 0, output
    assert "0 errors, 0 warnings" in output


def test_agency_is_production_clean_with_its_documented_waivers():
    code, output = run_cli("lint", "examples/agency.yaml", "--policy", "production", "--fail-on", "warning")
    assert code == 0, output
    assert "3 waived" in output and "waiver: low-traffic internal queue" in output  # and ingress-nginx, twice


def test_there_are_enough_lint_examples():
    assert len(LINT_INVALID) >= 8
    fired = {finding.rule_id for finding in api.lint(map(str, LINT_INVALID), today=_date()).findings}
    assert len(fired) >= 25


@pytest.mark.parametrize("spec", LINT_INVALID, ids=lambda p: p.name)
def test_lint_examples_give_the_expected_findings(spec):
    assert run_cli("validate", relative(spec))[0] == 0
    code, output = run_cli("lint", relative(spec), "--today", TODAY)
    assert output == spec.with_suffix(".lint.expected").read_text()
    assert code == (1 if " error: " in output else 0)


def _date():
    import datetime

    return datetime.date.fromisoformat(TODAY)


def test_fail_on_warning_and_info():
    spec = "examples/invalid/canary-without-gates.yaml"
    assert run_cli("lint", spec)[0] == 0
    assert run_cli("lint", spec, "--fail-on", "warning")[0] == 1
    assert run_cli("lint", "examples/operations-guide.yaml", "--fail-on", "info")[0] == 1


def test_production_pack_turns_warnings_into_errors():
    code, output = run_cli("lint", "examples/invalid/canary-without-gates.yaml", "--policy", "production")
    assert code == 1
    assert "error: stepWeight 60 is above maxWeight 50" in output


def test_invalid_spec_is_reported_as_a_finding():
    code, output = run_cli("lint", "examples/invalid/unknown-pool.yaml")
    assert code == 1
    assert "[SPEC001 invalid-spec]" in output


def test_missing_file_is_exit_2():
    code, output = run_cli("lint", "no-such-spec.yaml")
    assert code == 2 and "no-such-spec.yaml" in output


def test_json_report():
    code, output = run_cli("lint", "examples/invalid/expired-waiver.yaml", "--format", "json", "--today", TODAY)
    report = json.loads(output)
    assert code == 1 and report["passed"] is False
    assert report["summary"] == {"error": 1, "warning": 3, "info": 0, "waived": 1}
    waived = [f for f in report["findings"] if f["waived"]]
    assert waived == [{**waived[0], "rule": "SRV005", "waiverReason": "image moves TORCH_HOME in 2.0 (ML-12)",
                       "line": 16}]


def _all_lint_examples() -> list[str]:
    return [relative(path) for path in LINT_INVALID] + ["examples/agency.yaml"]


def test_sarif_report_validates_against_the_sarif_2_1_0_schema():
    if not os.path.exists(SARIF_SCHEMA):
        pytest.skip("SARIF schema not fetched (make tools needs npm)")
    _code, output = run_cli("lint", *_all_lint_examples(), "--format", "sarif", "--today", TODAY)
    sarif = json.loads(output)
    with open(SARIF_SCHEMA) as handle:
        jsonschema.Draft4Validator(json.load(handle)).validate(sarif)
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {rule["id"] for rule in rules} >= set(RULES)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"].startswith("examples/")
        assert location["region"]["startLine"] >= 1 and location["region"]["startColumn"] >= 1
    suppressed = [r for r in run["results"] if r.get("suppressions")]
    assert suppressed and all(r["suppressions"][0]["justification"] for r in suppressed)
    assert rules[0]["help"]["markdown"].startswith("**What it does**")


def test_sarif_marks_the_schema_as_invalid_when_broken():
    """The schema check itself can fail: a result without a message is refused."""
    if not os.path.exists(SARIF_SCHEMA):
        pytest.skip("SARIF schema not fetched (make tools needs npm)")
    sarif = json.loads(run_cli("lint", "examples/invalid/insecure.yaml", "--format", "sarif")[1])
    del sarif["runs"][0]["results"][0]["message"]
    with open(SARIF_SCHEMA) as handle, pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(json.load(handle)).validate(sarif)


def test_junit_report():
    _code, output = run_cli("lint", "examples/invalid/insecure.yaml", "examples/quickstart.yaml", "--format", "junit")
    suites = ElementTree.fromstring(output.encode())
    suite = suites.find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == 2 * (len(RULES) + 1)
    failed = sorted(case.get("name") for case in cases if case.find("failure") is not None)
    assert failed == ["SEC001 image-not-pinned", "SEC002 registry-not-allowed", "SEC006 secret-in-env",
                      "SRV005 cache-on-read-only-root"]
    assert suite.get("failures") == "4" and suites.get("tests") == str(len(cases))


def test_github_annotations():
    _code, output = run_cli("lint", "examples/invalid/insecure.yaml", "examples/operations-guide.yaml",
                            "--format", "github")
    lines = output.splitlines()
    assert any(line.startswith("::error file=examples/invalid/insecure.yaml,line=21,col=21,title=SEC006 "
                               "secret-in-env::environment variable HF_TOKEN of 'chat' looks like a secret")
               for line in lines)
    assert any(line.startswith("::notice file=examples/operations-guide.yaml") for line in lines)
    assert lines[-1].startswith("4 errors")
    assert "hf_QmVh" not in output


def test_secret_values_never_appear_in_any_format():
    for output_format in ("text", "json", "sarif", "junit", "github"):
        assert "hf_QmVh" not in run_cli("lint", "examples/invalid/insecure.yaml", "--format", output_format)[1]


def _pack(tmp_path, text: str, name: str = "pack.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_pack_extends_sets_options_and_turns_rules_off(tmp_path):
    pack = _pack(tmp_path, """\
        name: strict
        extends: production
        rules:
          SCA001: {severity: error, options: {minimumSeconds: 900}}
          canary-duration: off
        """)
    code, output = run_cli("lint", "examples/agency.yaml", "--policy", pack)
    assert code == 1
    assert "scales down after 600 s of lower load" in output and "[SCA001 scale-down-too-fast]" in output
    assert "ROL004" not in output
    assert "(policy strict)" in output
    policy = load_policy(pack)
    assert policy.severity("SCA001") == "error" and policy.severity("ROL004") == "off"
    assert policy.severity("GPU001") == "error"


def test_a_pack_without_extends_enables_only_what_it_names(tmp_path):
    policy = load_policy(_pack(tmp_path, "name: only\nrules: {GPU001: warning}\n"))
    assert list(policy.rules) == ["GPU001"] and policy.severity("GPU001") == "warning"


@pytest.mark.parametrize("text, expected", [
    ("name: x\nrules:\n  GPU0001: error\n", "pack.yaml:3:3: error: unknown rule 'GPU0001'"),
    ("name: x\nrules:\n  GPU004: {options: {headroom: 5}}\n", "pack.yaml:3:22: error: unknown key 'headroom'"),
    ("name: x\nrules:\n  GPU004: {options: {headroomPercent: 150}}\n", "pack.yaml:3:39: error: headroomPercent"),
    ("name: x\nrules:\n  GPU004: fatal\n", "pack.yaml:3:11: error:"),
    ("name: x\nextends: other.yaml\n", "no policy pack 'other.yaml'"),
    ("name: x\ncustom:\n  - {id: ACME001, slug: a, kind: Deployment, message: m, schema: {type: 5}}\n",
     "not a valid JSON Schema"),
    ("name: x\ncustom:\n  - {id: GPU001, slug: again, kind: Deployment, message: m, schema: {}}\n",
     "reuses the ID or slug of another rule"),
    ("- not a mapping\n", "pack.yaml:1:1: error: the top level must be a mapping"),
])
def test_bad_packs_are_located_and_exit_2(tmp_path, text, expected):
    pack = _pack(tmp_path, text)
    code, output = run_cli("lint", "examples/quickstart.yaml", "--policy", pack)
    assert code == 2
    assert expected in output.replace(str(tmp_path) + "/", "")


def test_pack_cycle_is_an_error(tmp_path):
    _pack(tmp_path, "name: a\nextends: b.yaml\n", "a.yaml")
    _pack(tmp_path, "name: b\nextends: a.yaml\n", "b.yaml")
    with pytest.raises(PolicyError, match="cycle"):
        load_policy(str(tmp_path / "a.yaml"))


def test_unknown_builtin_pack_lists_the_packs():
    code, output = run_cli("lint", "examples/quickstart.yaml", "--policy", "prod")
    assert code == 2 and "built-in packs: baseline, production" in output


def test_custom_json_schema_rule_fires_on_compiled_manifests_and_can_be_waived(tmp_path):
    pack = _pack(tmp_path, """\
        name: acme
        extends: baseline
        custom:
          - id: ACME001
            slug: team-label
            kind: Deployment
            message: every Deployment needs a team label
            schema:
              properties:
                metadata:
                  properties:
                    labels: {required: [team]}
        """)
    code, output = run_cli("lint", "examples/operations-guide.yaml", "examples/agency.yaml", "--policy", pack)
    assert code == 1
    assert ("examples/operations-guide.yaml:30:5: error: every Deployment needs a team label: Deployment sentiment: "
            "'team' is a required property (at metadata/labels) [ACME001 team-label]") in output
    assert "agency.yaml" not in output.split("ACME001")[0].splitlines()[-1]   # agency sets the label
    spec = (ROOT / "examples/operations-guide.yaml").read_text() + textwrap.dedent("""\
        waivers:
          - {rule: team-label, model: sentiment, reason: "labels come from the gateway (ML-5)", expires: 2099-01-01}
        """)
    waived = _pack(tmp_path, spec, "ops.yaml")
    code, output = run_cli("lint", waived, "--policy", pack)
    assert code == 0 and "waived error: every Deployment needs a team label" in output
    assert "WAV002" not in output, "a waiver may name a custom rule"


def test_waivers_cover_all_environments_at_once():
    report = api.lint(["examples/agency.yaml"], today=_date())
    assert not [f for f in report.findings if f.rule_id == "WAV002"]


def test_expired_waiver_brings_the_finding_back():
    report = api.lint(["examples/invalid/expired-waiver.yaml"], today=_date())
    gpu006 = [f for f in report.findings if f.rule_id == "GPU006"]
    assert gpu006 and not gpu006[0].waived
    earlier = api.lint(["examples/invalid/expired-waiver.yaml"], today=_date().replace(month=10))
    assert [f.waived for f in earlier.findings if f.rule_id == "GPU006"] == ["driver upgrade scheduled (OPS-77)"]


def test_registry_refuses_duplicate_ids_and_slugs():
    first = RULE_CLASSES[0]
    twin = type("Twin", (first,), {"slug": "another-slug"})
    with pytest.raises(ValueError, match="rule ID GPU001 is used by"):
        index_rules((first, twin))
    clash = type("Clash", (first,), {"id": "GPU999"})
    with pytest.raises(ValueError, match="rule slug 'cpu-fallback'"):
        index_rules((first, clash))


@pytest.mark.parametrize("rule_id", list(RULES))
def test_rule_documentation_has_every_section(rule_id):
    rule = RULES[rule_id]
    assert list(rule.docstring_sections()) == [heading for heading in DOC_SECTIONS if heading != EXAMPLE]
    assert list(rule.sections()) == list(DOC_SECTIONS)
    assert all(body.strip() for body in rule.sections().values())
    assert rule.id[:3].isalpha() and rule.slug == rule.slug.lower()
    module = sys.modules[type(rule).__module__].__name__
    assert module == f"servespec.policies.rules.{rule.slug.replace('-', '_')}"


def test_every_builtin_pack_sets_every_rule():
    for name in ("baseline", "production"):
        policy = load_policy(name)
        assert sorted(policy.rules) == sorted(RULES)


def test_rules_doc_is_current():
    code, output = run_cli("rules", "--markdown")
    assert code == 0
    assert (ROOT / "docs/rules.md").read_text() == output, "run `make schema` to regenerate docs/rules.md"


def test_rules_command():
    code, output = run_cli("rules")
    assert code == 0 and len(output.splitlines()) == len(RULES) + 3
    code, output = run_cli("rules", "cpu-fallback")
    assert code == 0 and output.startswith("GPU001 cpu-fallback: ") and "Severity: error in baseline" in output
    code, output = run_cli("rules", "GPU004")
    assert "Options: headroomPercent (default 10): GPU memory kept free" in output
    code, output = run_cli("rules", "cpu-fallbak")
    assert code == 2 and "did you mean 'cpu-fallback'?" in output


def test_lint_never_starts_node():
    code = ("import sys; from compiler import api; "
            "report = api.lint(['examples/agency.yaml', 'examples/operations-guide.yaml']); "
            "assert report.files, report; "
            "loaded = [m for m in sys.modules if m.split('.')[0] in ('cdk8s', 'jsii', 'constructs')]; "
            "assert not loaded, loaded")
    env = {**os.environ, "PATH": "/nonexistent"}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env=env)


def test_pre_commit_hooks_run_real_commands():
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [hook["id"] for hook in hooks] == ["servespec-validate", "servespec-lint"]
    for hook in hooks:
        program, command = hook["entry"].split()
        assert program == "servespec" and hook["language"] == "python"
        assert run_cli(command, "examples/quickstart.yaml")[0] == 0
        import re

        assert re.search(hook["files"], "deploy/fleet-prod.yaml") and not re.search(hook["files"], "values.yaml")


def test_an_empty_pack_gets_a_hint_about_packs(tmp_path):
    code, output = run_cli("lint", "examples/quickstart.yaml", "--policy", _pack(tmp_path, ""))
    assert code == 2 and "the file is empty" in output and "a policy pack is a mapping starting with `name:`" in output


def test_custom_rules_apply_to_fleet_wide_kinds_too(tmp_path):
    pack = _pack(tmp_path, """\
        name: priorities
        custom:
          - id: ACME002
            slug: small-priorities
            kind: PriorityClass
            severity: warning
            message: priorities stay under 1000
            schema: {properties: {value: {maximum: 999}}}
        """)
    code, output = run_cli("lint", "examples/quickstart.yaml", "--policy", pack)
    assert code == 0 and "warning: priorities stay under 1000: PriorityClass" in output


def test_env_lints_one_environment():
    code, output = run_cli("lint", "examples/agency.yaml", "--env", "staging", "--fail-on", "warning")
    assert code == 0, output
    code, output = run_cli("lint", "examples/agency.yaml", "--env", "stagin")
    assert code == 1 and "unknown environment 'stagin'" in output and "[SPEC001 invalid-spec]" in output
