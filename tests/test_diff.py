"""`servespec diff`: the committed example changes, every risk note, compiled trees, git revisions and
the report formats."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml

from servespec import api
from servespec.build.writer import render_yaml
from servespec.review.risks import RISKS
from servespec.synth.fleet import build_manifests
from tests.conftest import EXAMPLES, ROOT, git, relative, repository_with, run_cli

CHANGES = sorted(path for path in (ROOT / "examples" / "changes").iterdir() if path.is_dir())


@pytest.mark.parametrize("change", CHANGES, ids=lambda p: p.name)
def test_example_changes_give_the_expected_report(change):
    old, new = relative(change / "old.yaml"), relative(change / "new.yaml")
    code, output = run_cli("diff", old, new)
    assert output == (change / "expected.txt").read_text()
    assert code == (0 if output.startswith("0 to add, 0 to change, 0 to remove") else 1)


def test_every_risk_note_fires_on_some_example_change():
    fired = set()
    for change in CHANGES:
        fired |= {note.id for note in api.diff(str(change / "old.yaml"), str(change / "new.yaml")).risks}
    assert fired == set(RISKS)


def test_a_reformatted_spec_reports_nothing():
    report = api.diff(str(ROOT / "examples/changes/reformat-noop/old.yaml"),
                      str(ROOT / "examples/changes/reformat-noop/new.yaml"))
    assert (report.changes, report.risks, report.costs) == ([], [], [])
    assert run_cli("diff", "examples/changes/reformat-noop/old.yaml",
                   "examples/changes/reformat-noop/new.yaml") == (0, "0 to add, 0 to change, 0 to remove\n")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_specs_diff_against_their_golden_trees_as_equal(example):
    """Spec files are compiled in memory from the planned objects; the golden trees hold what cdk8s
    returned. The two are the same objects, byte for byte."""
    fleet = api.load_fleet(str(example))
    golden = ROOT / "golden" / example.stem
    planned = {m.file_name: render_yaml(m.data) for m in build_manifests(fleet)}
    assert planned == {p.relative_to(golden).as_posix(): p.read_text() for p in golden.rglob("*.yaml")}
    assert run_cli("diff", relative(example), relative(golden))[0] == 0


def _write_tree(root: Path, objects: list[dict]) -> str:
    root.mkdir(parents=True, exist_ok=True)
    for number, data in enumerate(objects):
        (root / f"{number}.yaml").write_text(yaml.safe_dump(data))
    return str(root)


def _golden_objects(*names: str) -> list[dict]:
    return [yaml.safe_load((ROOT / "golden/operations-guide" / name).read_text()) for name in names]


def test_compiled_trees_are_compared_semantically(tmp_path):
    deployment, policy = _golden_objects("production/deployment-sentiment.yaml",
                                         "production/networkpolicy-sentiment.yaml")
    old = _write_tree(tmp_path / "old", [deployment, policy])
    changed = json.loads(json.dumps(deployment))
    pod = changed["spec"]["template"]["spec"]
    server = pod["containers"][0]
    server["securityContext"].update(runAsNonRoot=False, allowPrivilegeEscalation=True)
    server["securityContext"]["capabilities"] = {"add": ["SYS_ADMIN"]}
    pod["automountServiceAccountToken"] = True
    server["env"].reverse()                             # list order of named items does not matter
    new = _write_tree(tmp_path / "new", [changed])      # and the NetworkPolicy is gone
    report = api.diff(old, new)
    assert [(c.status, c.kind) for c in report.changes] == [("changed", "Deployment"), ("removed", "NetworkPolicy")]
    paths = [item.path for item in report.changes[0].changes]
    assert not any("env" in path for path in paths)
    assert "spec.template.spec.containers[server].securityContext.runAsNonRoot" in paths
    notes = {note.id: note.message for note in report.risks}
    assert notes["RSK005"] == ("server: runAsNonRoot no longer true; server: allowPrivilegeEscalation no longer "
                               "false; server: capabilities no longer dropped; server: capabilities added: "
                               "SYS_ADMIN; service account token mounted")
    assert "NetworkPolicy removed" in notes["RSK006"]
    assert "RSK009" not in notes, "no cost note without specs"


def test_yaml_formatting_and_key_order_are_ignored(tmp_path):
    (deployment,) = _golden_objects("production/deployment-sentiment.yaml")
    old = _write_tree(tmp_path / "old", [deployment])
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "all.yaml").write_text("---\n" + json.dumps(deployment, indent=1) + "\n---\n")
    assert api.diff(old, str(tmp_path / "new")).changes == []


@pytest.mark.parametrize("args, message", [
    (["only-one"], "give OLD and NEW"),
    (["--base", "HEAD"], "--base needs the spec files"),
    (["no-such-dir", "examples/quickstart.yaml"], "no-such-dir"),
])
def test_usage_errors_exit_2(args, message):
    code, output = run_cli("diff", *args)
    assert code == 2 and message in output


def test_unreadable_tree_exit_2(tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.yaml").write_text("kind: [unclosed\n")
    code, output = run_cli("diff", str(tmp_path / "bad"), "examples/quickstart.yaml")
    assert code == 2 and "not readable YAML" in output


def test_base_revision_is_read_without_touching_the_working_tree(tmp_path):
    change = ROOT / "examples/changes/scale-down"
    repo = repository_with(tmp_path, (change / "old.yaml").read_text())
    (repo / "fleet.yaml").write_text((change / "new.yaml").read_text())
    (repo / "extra.yaml").write_text((ROOT / "examples/quickstart.yaml").read_text())
    status = git(repo, "status", "--porcelain")
    code, output = run_cli("diff", "--base", "HEAD", str(repo / "fleet.yaml"))
    assert code == 1
    expected = (change / "expected.txt").read_text()
    assert output == expected
    assert git(repo, "status", "--porcelain") == status and (repo / "fleet.yaml").read_text() == \
        (change / "new.yaml").read_text()
    code, output = run_cli("diff", "--base", "HEAD", str(repo / "extra.yaml"))
    assert code == 1 and output.endswith("7 to add, 0 to change, 0 to remove\n")  # golden/quickstart: 7 files
    code, output = run_cli("diff", "--base", "no-such-rev", str(repo / "fleet.yaml"))
    assert code == 2 and "'no-such-rev' is not a git revision" in output


def test_invalid_spec_at_base_is_reported_with_the_revision(tmp_path):
    repo = repository_with(tmp_path, "apiVersion: servespec.dev/v1alpha1\nkind: ServingFleet\n")
    (repo / "fleet.yaml").write_text((ROOT / "examples/quickstart.yaml").read_text())
    code, output = run_cli("diff", "--base", "HEAD", str(repo / "fleet.yaml"))
    assert code == 2 and f"HEAD:{repo / 'fleet.yaml'}:1:1: error: missing required key 'metadata'" in output


def test_markdown_json_and_colour():
    old, new = "examples/changes/gpu-and-image/old.yaml", "examples/changes/gpu-and-image/new.yaml"
    code, markdown = run_cli("diff", old, new, "--format", "markdown")
    assert code == 1 and markdown.startswith("### servespec diff\n\n**0 to add, 8 to change, 0 to remove**")
    assert "| :warning: warning | `RSK003` gpu-changed | Deployment production/sentiment |" in markdown
    assert "<details><summary>Changed objects</summary>" in markdown
    report = json.loads(run_cli("diff", old, new, "--format", "json")[1])
    assert report["summary"]["change"] == 8
    assert {risk["id"] for risk in report["risks"]} == {"RSK003", "RSK004", "RSK009"}
    assert report["costs"] == [{"fleet": "acme-inference", "oldMonthlyUSD": 429.36, "newMonthlyUSD": 1001.83}]
    assert "\x1b[33m~ Deployment" in run_cli("diff", old, new, "--color")[1]
    assert "\x1b[" not in run_cli("diff", old, new)[1]


def test_cost_threshold():
    old, new = "examples/changes/scale-down/old.yaml", "examples/changes/scale-down/new.yaml"
    assert "RSK009" in run_cli("diff", old, new, "--cost-threshold", "10")[1]
    assert "RSK009" not in run_cli("diff", old, new, "--cost-threshold", "15")[1]


def test_pdb_loosening_is_judged_at_the_minimum_replicas(tmp_path):
    (budget,) = _golden_objects("production/poddisruptionbudget-sentiment.yaml")
    tighter = json.loads(json.dumps(budget))
    tighter["spec"]["minAvailable"] = 2
    old = _write_tree(tmp_path / "old", [budget])
    new = _write_tree(tmp_path / "new", [tighter])
    assert [n.id for n in api.diff(old, new).risks] == []
    assert [n.id for n in api.diff(new, old).risks] == ["RSK001"]


def test_help_has_examples():
    code, output = run_cli("diff", "--help")
    assert code == 0 and "servespec diff --base origin/main" in textwrap.dedent(output)


def test_gpu_type_change_with_the_same_compute_capability_is_a_risk(tmp_path):
    """A100-40GB and A100-80GB compile to the same objects; only the specs tell them apart."""
    old = tmp_path / "old.yaml"
    old.write_text((ROOT / "examples/quickstart.yaml").read_text().replace("gpu: L4", "gpu: A100-40GB"))
    new = tmp_path / "new.yaml"
    new.write_text((ROOT / "examples/quickstart.yaml").read_text().replace("gpu: L4", "gpu: A100-80GB"))
    report = api.diff(str(old), str(new))
    assert report.changes == []
    assert [(n.id, n.subject, n.message) for n in report.risks] == [
        ("RSK003", "model embedder", "GPU type A100-40GB -> A100-80GB")]
    assert run_cli("diff", str(old), str(new))[0] == 1, "a risk note is a difference"


def test_a_directory_of_specs_is_not_a_compiled_tree():
    code, output = run_cli("diff", "examples/quickstart.yaml", "examples")
    assert code == 2 and "a servespec spec, not a compiled object" in output


def test_env_compares_one_environment(tmp_path):
    new = tmp_path / "agency.yaml"
    new.write_text((ROOT / "examples/agency.yaml").read_text().replace(
        "      caption-gen:\n        replicas: {min: 1, max: 2}",
        "      caption-gen:\n        replicas: {min: 1, max: 3}"))
    assert run_cli("diff", "examples/agency.yaml", str(new)) == (0, "0 to add, 0 to change, 0 to remove\n")
    report = api.diff("examples/agency.yaml", str(new), env="staging")
    assert [(c.label, [i.render() for i in c.changes]) for c in report.changes] == [
        ("Canary agency-staging/caption-gen", ["spec.autoscalerRef.primaryScalerReplicas.maxReplicas: 2 -> 3"]),
        ("ScaledObject agency-staging/caption-gen", ["spec.fallback.replicas: 2 -> 3"])]  # the primary's fallback
    code, output = run_cli("diff", "examples/agency.yaml", str(new), "--env", "nope")
    assert code == 2 and "unknown environment 'nope'" in output
