"""Compilation: golden files, strict schemas (kubeconform and built in), restricted pods, atomic output."""

from __future__ import annotations

import copy
import os
import subprocess
import sys

import pytest
import yaml

from servespec import api
from servespec.build.validation import BuiltinValidator, find_kubeconform
from servespec.build.writer import MARKER_TEXT, OWNER_MARKER
from servespec.diagnostics import InputError, SpecError
from tests.conftest import EXAMPLES, ROOT, relative, run_cli
from tests.pod_security import restricted_violations

CRD_SCHEMAS = ROOT.parent / "shared" / "crd-schemas"
CRD_LOCATION = str(CRD_SCHEMAS / "{{.Group}}" / "{{.ResourceKind}}_{{.ResourceAPIVersion}}.json")
needs_crds = pytest.mark.skipif(not CRD_SCHEMAS.is_dir(), reason="../shared/crd-schemas is not beside the checkout")
SPECS = [relative(p) for p in EXAMPLES]


def compiled_objects():
    result = api.compile_to_files(api.golden_targets(SPECS))
    return [(name, manifest.data) for name, manifest in api.named_manifests(result)]


OBJECTS = compiled_objects()


def test_every_example_matches_its_golden_files():
    code, output = run_cli("check", *SPECS, "--golden", "golden", "--validator", "none")
    assert code == 0, output


@needs_crds
@pytest.mark.parametrize("validator", ["built-in", "kubeconform"])
def test_golden_objects_pass_strict_and_crd_schemas(validator):
    if validator == "kubeconform" and find_kubeconform() is None:
        pytest.skip("kubeconform is not installed (make tools installs it when Go is present)")
    code, output = run_cli("check", *SPECS, "--golden", "golden", "--validator", validator,
                           "--schema-location", CRD_LOCATION)
    assert code == 0, output
    warnings = [line for line in output.splitlines() if line.startswith("warning")]
    # every kind had a schema; the one warning is the image volume's feature gate at the default 1.33
    assert warnings == ["warning: llm-serving/llm/deployment-reranker.yaml: Deployment reranker: image volumes are "
                        "off by default before Kubernetes 1.35: Kubernetes 1.33.0 needs the ImageVolume feature "
                        "gate on the API server and kubelets"], output


@needs_crds
def test_built_in_validator_catches_a_strict_violation():
    validator = BuiltinValidator([CRD_LOCATION], api.DEFAULT_KUBERNETES_VERSION)
    deployment = next(data for name, data in OBJECTS if data["kind"] == "Deployment")
    broken = copy.deepcopy(deployment)
    broken["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = "Always"
    problems = validator.validate("d.yaml", broken)
    assert problems and "imagePullPolcy" in problems[0].message
    scaled = copy.deepcopy(next(data for name, data in OBJECTS if data["kind"] == "ScaledObject"))
    scaled["spec"]["triggers"][0]["metadata"]["desiredReplicas"] = 4  # KEDA metadata must be strings
    assert validator.validate("s.yaml", scaled)


def test_missing_crd_schemas_are_reported_not_passed(tmp_path, monkeypatch):
    monkeypatch.delenv("SERVESPEC_SCHEMA_LOCATION", raising=False)
    code, output = run_cli("compile", "examples/operations-guide.yaml", "-o", str(tmp_path / "out"),
                           "--validator", "built-in")
    assert code == 0
    assert "warning: 1 ScaledObject object(s) not checked: no schema found for ScaledObject" in output
    assert "warning: 1 Canary object(s) not checked" in output and "--schema-location" in output


@pytest.mark.parametrize("name, data", OBJECTS, ids=[name for name, _ in OBJECTS])
def test_pod_templates_satisfy_restricted(name, data):
    assert restricted_violations(data) == []


def test_every_serving_container_has_readiness_and_liveness_probes():
    """Checkov CKV_K8S_8/9: the server and the validator sidecar alike (a LeaderWorkerSet's workers serve no
    traffic: their group is recreated with the leader)."""
    templates = [(name, data["spec"]["template"]) for name, data in OBJECTS if data["kind"] == "Deployment"]
    templates += [(name, data["spec"]["leaderWorkerTemplate"]["leaderTemplate"]) for name, data in OBJECTS
                  if data["kind"] == "LeaderWorkerSet"]
    containers = [(name, c) for name, template in templates for c in template["spec"]["containers"]]
    assert any(c["name"] == "validator" for _, c in containers)
    for name, container in containers:
        assert "readinessProbe" in container and "livenessProbe" in container, (name, container["name"])


def test_restricted_helper_fires():
    deployment = copy.deepcopy(next(data for name, data in OBJECTS if data["kind"] == "Deployment"))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["securityContext"]["allowPrivilegeEscalation"] = True
    deployment["spec"]["template"]["spec"]["volumes"].append({"name": "host", "hostPath": {"path": "/"}})
    assert len(restricted_violations(deployment)) == 2


def test_operations_guide_deployment_encodes_the_ml_facts():
    data = yaml.safe_load((ROOT / "golden/operations-guide/production/deployment-sentiment.yaml").read_text())
    pod = data["spec"]["template"]["spec"]
    server = pod["containers"][0]
    assert server["resources"]["limits"]["nvidia.com/mig-1g.10gb"] == "1"
    assert server["resources"]["limits"]["memory"] == "24Gi"
    startup = server["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 14 * 1000 / 200  # covers the 70 s load
    assert data["spec"]["progressDeadlineSeconds"] >= startup["periodSeconds"] * startup["failureThreshold"]
    assert pod["terminationGracePeriodSeconds"] > 30  # longest request is 30 s
    assert data["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]
    assert [c["name"] for c in pod["containers"]] == ["server", "validator"]
    assert {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "2Gi"}} in pod["volumes"]
    assert server["securityContext"]["readOnlyRootFilesystem"] is True


def test_single_strategy_mig_and_spot_pools(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text((ROOT / "examples/quickstart.yaml").read_text()
                    .replace("gpu: L4", "gpu: A100-40GB\n    mig: {strategy: single, profile: 3g.20gb}\n    spot: true")
                    .replace("gpu: {count: 1, memoryGB: 6}", "gpu: {mig: 3g.20gb, memoryGB: 6}"))
    result = api.compile_to_files(api.compile_targets([str(spec)]))
    deployment = next(m.data for m in result.manifests[""] if m.kind == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert pod["nodeSelector"]["nvidia.com/mig.config"] == "all-3g.20gb"
    assert any(t["key"] == "cloud.google.com/gke-spot" for t in pod["tolerations"])


def test_keda_metadata_values_are_strings():
    for name, data in OBJECTS:
        if data["kind"] == "ScaledObject":
            for trigger in data["spec"]["triggers"]:
                assert all(isinstance(v, str) for v in trigger["metadata"].values()), name


def test_every_object_has_recommended_labels_and_spec_hash():
    for name, data in OBJECTS:
        labels = data["metadata"]["labels"]
        for key in ("name", "instance", "component", "part-of", "managed-by"):
            assert f"app.kubernetes.io/{key}" in labels, name
        assert "servespec.dev/spec-hash" in data["metadata"]["annotations"], name


def test_output_is_byte_identical_across_processes_and_hash_seeds(tmp_path):
    trees = []
    for seed in ("1", "987"):
        out = tmp_path / f"out-{seed}"
        env = {key: value for key, value in os.environ.items() if not key.startswith("JSII_")}
        done = subprocess.run([sys.executable, "-m", "servespec", "compile", "examples/agency.yaml", "-o", str(out),
                               "--validator", "none"], check=True, env={**env, "PYTHONHASHSEED": seed},
                              capture_output=True, text=True)
        assert done.stderr == ""  # no Node end-of-life banner, no jsii noise
        trees.append({p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert trees[0] == trees[1] and len(trees[0]) == 26 + 1  # the objects and the owner marker


def test_compile_is_atomic_on_invalid_spec(tmp_path):
    out = tmp_path / "out"
    assert run_cli("compile", "examples/quickstart.yaml", "-o", str(out), "--validator", "none")[0] == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    code, output = run_cli("compile", "examples/invalid/unknown-pool.yaml", "-o", str(out))
    assert code == 1 and "unknown pool" in output
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(os.listdir(tmp_path)) == ["out"]  # no staging directory left behind


def test_compile_is_atomic_on_invalid_objects(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / OWNER_MARKER).write_text(MARKER_TEXT)  # a tree an earlier compile wrote
    (out / "keep.txt").write_text("previous output")
    from servespec.synth import service_account

    build = service_account.build
    monkeypatch.setattr(service_account, "build", lambda f, m: {**build(f, m), "bogusField": 1})
    code, output = run_cli("compile", "examples/quickstart.yaml", "-o", str(out), "--validator", "built-in")
    assert code == 1 and "bogusField" in output
    assert sorted(p.name for p in out.iterdir()) == [OWNER_MARKER, "keep.txt"]
    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_check_reports_drift_missing_and_unused(tmp_path):
    golden = tmp_path / "golden"
    assert run_cli("check", "examples/quickstart.yaml", "--golden", str(golden), "--update",
                   "--validator", "none")[0] == 0
    deployment = golden / "quickstart/ml-serving/deployment-embedder.yaml"
    deployment.write_text(deployment.read_text().replace("memory: 8Gi", "memory: 9Gi"))
    (golden / "quickstart/ml-serving/service-embedder.yaml").unlink()
    (golden / "quickstart/ml-serving/configmap-stale.yaml").write_text("{}\n")
    code, output = run_cli("check", "examples/quickstart.yaml", "--golden", str(golden), "--validator", "none")
    assert code == 1
    assert "deployment-embedder.yaml: differs" in output and "-            memory: 9Gi" in output
    assert "service-embedder.yaml: is missing" in output
    assert "configmap-stale.yaml: is not produced" in output
    assert "3 golden file(s) out of date" in output


def test_compile_env_overlay(tmp_path):
    code, _ = run_cli("compile", "examples/agency.yaml", "--env", "staging", "-o", str(tmp_path / "o"),
                      "--validator", "none")
    assert code == 0 and (tmp_path / "o/agency-staging/service-search-ranker.yaml").exists()


def test_validate_and_lint_never_import_cdk8s():
    code = ("import sys; from click.testing import CliRunner; from servespec.cli import main; "
            "from servespec import api; "
            "assert CliRunner().invoke(main, ['validate', 'examples/agency.yaml']).exit_code == 0; "
            "api.load_fleet('examples/agency.yaml'); assert 'jsii' not in sys.modules and 'cdk8s' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_croniter_is_imported_only_by_a_spec_with_a_schedule():
    """croniter's import runs `file` on the Python binary; a fleet without schedules never pays for it."""
    code = ("import sys; from servespec import api; api.load_fleet('examples/quickstart.yaml'); "
            "assert 'croniter' not in sys.modules; api.load_fleet('examples/agency.yaml'); "
            "assert 'croniter' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_compile_and_check_help_have_examples():
    for command in ("compile", "check"):
        code, output = run_cli(command, "--help")
        assert code == 0 and "Examples:" in output


def test_output_is_what_cdk8s_synthesized_even_when_it_differs_from_the_plan(monkeypatch, tmp_path):
    from servespec.build.cdk8s_runtime import Host

    original_init, original = Host.__init__, Host.synthesize

    def altered(self):
        return [(tree, {**data, "metadata": {**data["metadata"], "labels": {"synthesized": "yes"}}})
                for tree, data in original(self)]

    monkeypatch.setattr(Host, "__init__", lambda self, everything=False: original_init(self, everything=True))
    monkeypatch.setattr(Host, "synthesize", altered)
    code, output = run_cli("compile", "examples/quickstart.yaml", "-o", str(tmp_path / "o"), "--validator", "built-in")
    assert code == 0, output
    written = yaml.safe_load((tmp_path / "o/ml-serving/deployment-embedder.yaml").read_text())
    assert written["metadata"]["labels"] == {"synthesized": "yes"}


def test_compile_writes_what_cdk8s_changed(monkeypatch, tmp_path):
    """Node returns only the objects cdk8s changed (here: a null it drops); those are what is written."""
    from servespec.synth import service_account

    original = service_account.build
    monkeypatch.setattr(service_account, "build",
                        lambda fleet, model: {**original(fleet, model), "automountServiceAccountToken": None})
    code, output = run_cli("compile", "examples/quickstart.yaml", "-o", str(tmp_path / "o"), "--validator", "built-in")
    assert code == 0, output
    accounts = list((tmp_path / "o").rglob("serviceaccount-*.yaml"))
    assert accounts and all("automountServiceAccountToken" not in path.read_text() for path in accounts)
    assert (tmp_path / "o/ml-serving/deployment-embedder.yaml").read_text() == \
        (ROOT / "golden/quickstart/ml-serving/deployment-embedder.yaml").read_text()


def test_several_specs_compile_into_a_tree_each(tmp_path):
    code, output = run_cli("compile", "examples/quickstart.yaml", "examples/agency.yaml", "-o", str(tmp_path / "o"),
                           "--validator", "none")
    assert code == 0, output
    assert (tmp_path / "o/quickstart/ml-serving/deployment-embedder.yaml").exists()
    assert (tmp_path / "o/agency/agency-prod/deployment-search-ranker.yaml").exists()


def test_specs_with_one_file_name_are_refused(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a/quickstart.yaml").write_text((ROOT / "examples/quickstart.yaml").read_text())
    code, output = run_cli("compile", "examples/quickstart.yaml", str(tmp_path / "a/quickstart.yaml"),
                           "-o", str(tmp_path / "o"))
    assert code == 2 and "output trees would collide" in output


def test_unknown_kubernetes_version_is_a_usage_error(tmp_path):
    code, output = run_cli("compile", "examples/quickstart.yaml", "-o", str(tmp_path / "o"),
                           "--kubernetes-version", "1.2.3")
    assert code == 2 and "no strict schemas here" in output and "1.33.0" in output


def test_golden_tree_of_a_removed_environment_is_unused(tmp_path):
    golden = tmp_path / "golden"
    assert run_cli("check", "examples/agency.yaml", "--golden", str(golden), "--update", "--validator", "none")[0] == 0
    (golden / "agency@staging").rename(golden / "agency@qa")
    code, output = run_cli("check", "examples/agency.yaml", "--golden", str(golden), "--validator", "none")
    assert code == 1 and "agency@qa/" in output and "is not produced" in output
    assert run_cli("check", "examples/agency.yaml", "--golden", str(golden), "--update", "--validator", "none")[0] == 0
    assert not (golden / "agency@qa").exists() and (golden / "agency@staging").is_dir()


def test_streamed_validation_gives_the_golden_files_and_no_problem():
    targets = api.golden_targets([str(ROOT / "examples/agency.yaml")])
    result = api.compile_to_files(targets, api.SchemaOptions(use_kubeconform=False))
    assert result.ok and result.validator == "built-in"
    golden = {f"{p.parent.relative_to(ROOT / 'golden').as_posix()}/{p.name}": p.read_text()
              for p in (ROOT / "golden").glob("agency*/**/*.yaml")}
    assert result.files == golden


def test_spec_errors_come_back_and_leave_no_process_or_scratch(tmp_path, monkeypatch):
    import tempfile

    scratch = tmp_path / "tmp"  # this test's own, so that other programs' temporary files do not count
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    before = set(os.listdir(tempfile.gettempdir()))
    targets = api.compile_targets([str(ROOT / "examples/invalid/unknown-pool.yaml")])
    with pytest.raises(SpecError) as raised:
        api.compile_to_files(targets, api.SchemaOptions(), tmp_path)
    assert "unknown pool" in raised.value.diagnostics[0].message
    with pytest.raises(InputError):
        api.compile_to_files(api.compile_targets([str(ROOT / "no-such-spec.yaml")]), api.SchemaOptions())
    assert _child_commands() == set(), "Node and kubeconform are ended and reaped"
    assert not {n for n in set(os.listdir(tempfile.gettempdir())) - before if n.startswith("servespec-")}


def test_a_failing_synthesis_leaves_nothing(monkeypatch, tmp_path):
    from servespec.build.cdk8s_runtime import Host

    def broken(self):
        raise RuntimeError("synthesis failed")

    monkeypatch.setattr(Host, "synthesize", broken)
    with pytest.raises(RuntimeError, match="synthesis failed"):
        api.compile_specs(["examples/quickstart.yaml"], str(tmp_path / "out"))
    assert os.listdir(tmp_path) == []
    assert _child_commands() == set(), "Node and kubeconform are ended and reaped"


def _child_commands() -> set[str]:
    """Command names of this process's children (zombies included)."""
    names = set()
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as handle:
                name, rest = handle.read().rsplit(")", 1)
        except OSError:
            continue
        if int(rest.split()[1]) == os.getpid():
            names.add(name.split("(", 1)[1])
    return names


def test_an_error_in_cdk8s_is_one_line():
    from servespec.build.cdk8s_runtime import Host

    host = Host()
    try:
        host.define("", "c", {"apiVersion": "a/b/c", "kind": "Thing", "metadata": {"name": "n"}})
        with pytest.raises(RuntimeError) as raised:
            host.synthesize()
    finally:
        host.close()
    assert "cdk8s synthesis failed" in str(raised.value) and "invalid apiVersion a/b/c" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_compile_without_node_says_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    code, output = run_cli("compile", "examples/quickstart.yaml", "-o", str(tmp_path / "o"), "--validator", "none")
    assert code == 2 and "needs Node.js" in output and not (tmp_path / "o").exists()


def test_check_and_diff_need_no_node_for_objects_cdk8s_keeps(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    code, output = run_cli("check", "examples/quickstart.yaml", "examples/agency.yaml", "--golden", "golden",
                           "--validator", "built-in")
    assert code == 0 and "golden files up to date" in output, output
    code, output = run_cli("diff", "examples/changes/scale-down/old.yaml", "examples/changes/scale-down/new.yaml")
    assert code == 1 and "RSK002" in output, output


def test_check_synthesizes_when_cdk8s_would_change_an_object(monkeypatch):
    """An object cdk8s does not keep as planned (here: a null it drops) goes through Node, and the result is
    what cdk8s returned."""
    from servespec.synth import service_account

    original = service_account.build
    monkeypatch.setattr(service_account, "build",
                        lambda fleet, model: {**original(fleet, model), "automountServiceAccountToken": None})
    targets = api.golden_targets([str(ROOT / "examples/quickstart.yaml")])
    result = api.compile_to_files(targets, always_synthesize=False)
    accounts = [m.data for _, m in api.named_manifests(result) if m.kind == "ServiceAccount"]
    assert accounts and all("automountServiceAccountToken" not in data for data in accounts)
    accounts_files = [text for name, text in result.files.items() if "/serviceaccount-" in name]
    assert accounts_files and all("automountServiceAccountToken" not in text for text in accounts_files)


def test_kubeconform_reports_land_on_the_right_file_also_for_repeated_names():
    """Two trees, and within one tree two objects of one kind and name in different namespaces: each
    problem is reported against its own output file."""
    if find_kubeconform() is None:
        pytest.skip("kubeconform is not installed")
    from servespec.build.validation import SchemaOptions, Validation
    from servespec.build.writer import render_yaml

    def service(namespace, port):
        return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": namespace},
                "spec": {"ports": [{"port": port}]}}

    objects = [("a", "a/x/service-s.yaml", service("x", 80)), ("a", "a/y/service-s.yaml", service("y", "bad")),
               ("b", "b/x/service-s.yaml", service("x", "bad")), ("b", "b/y/service-s.yaml", service("y", 80))]
    validation = Validation(SchemaOptions(), ["a", "b"])
    try:
        for tree, name, data in objects:
            validation.add(tree, name, data, render_yaml(data))
        problems = validation.finish()
    finally:
        validation.close()
    assert [(p.file, p.status) for p in problems] == [("a/y/service-s.yaml", "invalid"),
                                                      ("b/x/service-s.yaml", "invalid")]


@pytest.mark.parametrize(("user_gogc", "expected"), [(None, "200"), ("50", "50")])
def test_kubeconform_runs_with_gogc_200_unless_gogc_is_set(tmp_path, monkeypatch, user_gogc, expected):
    from servespec.build.validation import SchemaOptions, Validation

    seen = tmp_path / "gogc"
    fake = tmp_path / "kubeconform"
    fake.write_text(f"""#!/bin/sh
echo "$GOGC" > {seen}
for argument in "$@"; do case "$argument" in *.yaml) cat "$argument" > /dev/null;; esac; done
echo '{{"resources": []}}'
""")
    fake.chmod(0o755)
    monkeypatch.setenv("SERVESPEC_KUBECONFORM", str(fake))
    if user_gogc is None:
        monkeypatch.delenv("GOGC", raising=False)
    else:
        monkeypatch.setenv("GOGC", user_gogc)
    validation = Validation(SchemaOptions(), [""])
    try:
        validation.add("", "x/service-s.yaml", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}},
                       "kind: Service\n")
        assert validation.finish() == []
    finally:
        validation.close()
    assert seen.read_text().strip() == expected


@pytest.mark.parametrize("workers", [2, 1])
def test_kubeconform_compiles_common_schemas_from_placeholders_whose_results_are_dropped(tmp_path, monkeypatch,
                                                                                        workers):
    """On more than one CPU, kubeconform reads a warm-up pipe of placeholder objects first; what it reports on
    them never becomes a problem of the output."""
    from servespec.build import validation as module

    first = tmp_path / "first-input"
    fake = tmp_path / "kubeconform"
    fake.write_text(f"""#!/bin/sh
first=""
for argument in "$@"; do case "$argument" in *.yaml)
  if [ -z "$first" ]; then first="$argument"; cat "$argument" > {first}; else cat "$argument" > /dev/null; fi;;
esac; done
printf '{{"resources": [{{"filename": "%s", "kind": "Deployment", "name": "warm-up", "version": "apps/v1",
  "status": "statusInvalid", "msg": "missing spec"}}]}}' "$first"
""")
    fake.chmod(0o755)
    monkeypatch.setenv("SERVESPEC_KUBECONFORM", str(fake))
    monkeypatch.setattr(module, "KUBECONFORM_WORKERS", workers)
    validation = module.Validation(module.SchemaOptions(), [""])
    try:
        validation.add("", "x/service-s.yaml", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}},
                       "kind: Service\n")
        problems = validation.finish()
    finally:
        validation.close()
    if workers == 1:
        assert first.read_text() == "---\nkind: Service\n" and [p.status for p in problems] == ["invalid"]
    else:
        placeholders = [document for document in first.read_text().split("---\n") if document]
        assert [tuple(line.split(": ")[1] for line in document.splitlines()[:2]) for document in placeholders] \
            == list(module.WARM_UP_KINDS)
        assert problems == []


def test_diff_shows_what_cdk8s_returns_for_an_object_it_changes(monkeypatch):
    from servespec.synth import service_account

    original = service_account.build
    monkeypatch.setattr(service_account, "build",
                        lambda fleet, model: {**original(fleet, model), "automountServiceAccountToken": None})
    report = api.diff("examples/quickstart.yaml", "examples/quickstart.yaml")
    assert not report.changes
    from servespec.build.synthesize import as_cdk8s_returns
    from servespec.synth.manifest import Manifest

    planned = [Manifest({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "a"},
                         "automountServiceAccountToken": None}, ())]
    assert as_cdk8s_returns(planned)[0].data == {"apiVersion": "v1", "kind": "ServiceAccount",
                                                 "metadata": {"name": "a"}}
