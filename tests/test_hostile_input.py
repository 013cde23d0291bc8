"""Hostile input: outputs servespec does not own are never touched, nothing leaks, hangs or ends in a traceback."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from servespec import api
from servespec.build.validation import find_kubeconform
from servespec.build.writer import OWNER_MARKER, render_yaml
from tests.conftest import ROOT, run_cli
from tests.test_spec_properties import _node, parent_and_key, paths

SPEC = "examples/quickstart.yaml"
SERVESPEC = [sys.executable, "-m", "servespec"]


def servespec(*args: str, cwd: Path = ROOT, timeout: float = 120, env: dict | None = None):
    """Run servespec in its own process (signals, stdout and stderr as a user sees them)."""
    return subprocess.run([*SERVESPEC, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def no_traceback(done: subprocess.CompletedProcess) -> None:
    for word in ("Traceback", "Exception in thread", "internal error"):
        assert word not in done.stderr + done.stdout, done.stderr


# 1. compile -o and check --update write only where servespec owns the directory

def fleet_copy(tmp_path: Path) -> Path:
    spec = tmp_path / "repo" / "fleet.yaml"
    spec.parent.mkdir()
    shutil.copy(ROOT / SPEC, spec)
    return spec


@pytest.mark.parametrize("where", ["cwd", "parent-of-cwd", "spec-folder", "git-work-tree", "root", "home"])
def test_compile_refuses_directories_it_must_never_replace(tmp_path, where):
    spec = fleet_copy(tmp_path)
    work = spec.parent
    (work / "sub").mkdir()
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    out, cwd = {"cwd": (".", work), "parent-of-cwd": ("..", work / "sub"), "spec-folder": (str(work), tmp_path),
                "git-work-tree": (str(work), tmp_path), "root": ("/", tmp_path),
                "home": (os.path.expanduser("~"), tmp_path)}[where]
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    done = servespec("compile", str(spec), "-o", out, "--force", "--validator", "none", cwd=cwd)
    assert done.returncode == 2 and "refusing to replace" in done.stderr, done.stderr
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    no_traceback(done)


def test_compile_replaces_only_a_directory_it_wrote_unless_forced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, output = run_cli("compile", SPEC, "-o", str(out), "--validator", "none")
    assert code == 2 and "no .servespec-output marker" in output and (out / "notes.txt").exists()
    code, output = run_cli("compile", SPEC, "-o", str(out), "--validator", "none", "--force")
    assert code == 0 and not (out / "notes.txt").exists() and (out / OWNER_MARKER).is_file()
    (out / "stale.yaml").write_text("left by an earlier compile")
    code, _ = run_cli("compile", SPEC, "-o", str(out), "--validator", "none")  # marked: replaced whole
    assert code == 0 and not (out / "stale.yaml").exists()


def test_compile_through_a_symlink_replaces_the_target_and_leaves_no_debris(tmp_path):
    real = tmp_path / "real"
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    for _ in range(2):
        code, output = run_cli("compile", SPEC, "-o", str(link), "--validator", "none")
        assert code == 0, output
    assert link.is_symlink() and (real / OWNER_MARKER).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]


def test_output_tree_permissions_follow_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        code, _ = run_cli("compile", SPEC, "-o", str(tmp_path / "out"), "--validator", "none")
    finally:
        os.umask(previous)
    assert code == 0 and stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o755


def test_check_update_refuses_unmarked_trees_and_handles_symlinked_stale_trees(tmp_path):
    golden = tmp_path / "golden"
    code, _ = run_cli("check", SPEC, "--golden", str(golden), "--update", "--validator", "none")
    assert code == 0 and (golden / "quickstart" / OWNER_MARKER).is_file()
    (golden / "quickstart" / OWNER_MARKER).unlink()
    (golden / "quickstart" / "extra.yaml").write_text("x: 1\n")
    code, output = run_cli("check", SPEC, "--golden", str(golden), "--update", "--validator", "none")
    assert code == 2 and "--force" in output and (golden / "quickstart" / "extra.yaml").exists()
    code, output = run_cli("check", SPEC, "--golden", str(golden), "--update", "--force", "--validator", "none")
    assert code == 0 and not (golden / "quickstart" / "extra.yaml").exists()
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(golden / "quickstart", elsewhere)
    (golden / "quickstart@gone").symlink_to(golden / "quickstart", target_is_directory=True)
    code, output = run_cli("check", SPEC, "--golden", str(golden), "--update", "--validator", "none")
    assert code == 0, output
    assert not os.path.lexists(golden / "quickstart@gone") and (golden / "quickstart").is_dir()
    assert sorted(p.name for p in golden.iterdir()) == ["quickstart"]


def test_golden_links_out_of_the_golden_dir_are_refused_and_never_shown(tmp_path):
    golden = tmp_path / "golden"
    run_cli("check", SPEC, "--golden", str(golden), "--update", "--validator", "none")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN=hunter2\n")
    victim = next((golden / "quickstart").rglob("deployment-*.yaml"))
    victim.unlink()
    victim.symlink_to(secret)
    for extra in ([], ["--update"]):
        code, output = run_cli("check", SPEC, "--golden", str(golden), "--validator", "none", *extra)
        assert code == 2 and "leading out of the golden directory" in output and "hunter2" not in output
    assert victim.is_symlink()


# 2. one helper writes every output file

def test_plan_outputs_dash_devices_links_and_directories(tmp_path):
    done = servespec("plan", SPEC, "--html", "-")
    assert done.returncode == 0 and done.stdout.startswith("<!DOCTYPE html>") and done.stdout.endswith("</html>\n")
    done = servespec("plan", SPEC, "--svg", "/dev/null")
    assert done.returncode == 0 and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    target = tmp_path / "chart.svg"
    target.write_text("keep")
    link = tmp_path / "link.svg"
    link.symlink_to(target)
    done = servespec("plan", SPEC, "--svg", str(link))
    assert done.returncode == 2 and "symbolic link" in done.stderr and target.read_text() == "keep"
    done = servespec("plan", SPEC, "--html", str(tmp_path))
    assert done.returncode == 2 and "not a regular file" in done.stderr
    assert servespec("plan", SPEC, "--html", "-", "--svg", "-").returncode == 2
    assert not os.path.exists(ROOT / "-")


# 3. every string is emitted as a string, whatever reads it

NUMBER_LIKE = st.one_of(
    st.from_regex(r"\A0?[0-9]{1,20}\Z"),
    st.sampled_from(["y", "Y", "n", "N", "yes", "No", "ON", "off", "true", "False", "null", "NULL", "~", "0x1F",
                     "0o17", "0b101", "1_000", "+.5e3", "1e10", ".inf", "-.Inf", ".NaN", "12:30:00", "2024-01-01",
                     "-0", "+12", "0842677045507966"]),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(NUMBER_LIKE, min_size=20, max_size=40, unique=True))
def test_number_like_strings_survive_pyyaml_ruamel_kubectl_and_kubeconform(tmp_path_factory, values):
    data = {f"k{index}": value for index, value in enumerate(values)}
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "values", "annotations": data},
                  "data": data}
    text = render_yaml(config_map)
    assert yaml.safe_load(text)["data"] == data
    assert dict(YAML(typ="safe", pure=True).load(text)["data"]) == data
    folder = tmp_path_factory.mktemp("kustomize")
    (folder / "values.yaml").write_text(text)
    (folder / "kustomization.yaml").write_text("resources: [values.yaml]\n")
    if shutil.which("kubectl"):  # kubectl's own YAML reader (kyaml), as `kubectl apply -k` uses it
        built = subprocess.run(["kubectl", "kustomize", str(folder)], capture_output=True, text=True, check=True)
        assert yaml.safe_load(built.stdout)["data"] == data
    kubeconform = find_kubeconform()
    if kubeconform:  # Go's sigs.k8s.io/yaml reader against the strict ConfigMap schema
        (folder / "kustomization.yaml").unlink()
        from servespec.build.validation import validate_with_kubeconform

        problems = validate_with_kubeconform(folder, [config_map], [], api.DEFAULT_KUBERNETES_VERSION, kubeconform)
        assert problems == [], problems


# 5. tracebacks become located errors

def write(tmp_path: Path, text: str, name: str = "fleet.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def quickstart_with(old: str, new: str) -> str:
    text = (ROOT / SPEC).read_text()
    assert old in text, old
    return text.replace(old, new, 1)


@pytest.mark.parametrize("old,new,message", [
    ("sizeGB: 1.3", "sizeGB: 1e400", "finite number"),
    ("sizeGB: 1.3", "sizeGB: 1e9, loadMBps: 0.001", "longer than a Kubernetes probe"),
    ("sizeGB: 1.3", "sizeGB: 1.8e305, loadMBps: 10", "longer than a Kubernetes probe"),  # load time: inf
    ("max: 1}", 'max: 1}\n    scaling: {schedules: [{name: s, timezone: UTC, start: "0 9 30 2 *", end: "0 1 * * *", '
                'replicas: 1}]}', "never fires"),
    ("max: 1}", "max: 1000000000000}", "less than or equal to 2147483647"),
    ("  name: quickstart", '  name: quickstart\n  labels: {"bad key!": x}', "not a Kubernetes label key"),
    ("  name: quickstart", "  name: quickstart\n  labels: {team: " + "v" * 100 + "}", "label value"),
    ("memory: 8Gi", "memory: 9e30", "a Kubernetes memory or disk quantity with its unit"),  # 9e30 bytes
    ("memory: 8Gi", "memory: 9000000000000000Ei", "larger than servespec accepts"),
])
def test_out_of_range_values_are_located_errors_in_every_command(tmp_path, old, new, message):
    spec = write(tmp_path, quickstart_with(old, new))
    for command in (["validate"], ["lint"], ["plan"], ["compile", "-o", str(tmp_path / "out")]):
        done = servespec(*command, str(spec))
        assert done.returncode in (1, 2) and message in done.stdout + done.stderr, (command, done.stdout)
        assert f"{spec}:" in done.stdout + done.stderr
        no_traceback(done)


def test_deep_nesting_is_a_located_error(tmp_path):
    flow = write(tmp_path, "a: " + "[" * 10_000 + "]" * 10_000 + "\n", "flow.yaml")
    block = write(tmp_path, "\n".join(" " * depth + "k:" for depth in range(3000)) + " 1\n", "block.yaml")
    for spec in (flow, block):
        done = servespec("validate", str(spec))
        assert done.returncode == 1 and "nest deeper than 64 levels" in done.stdout
        no_traceback(done)


def test_failing_compile_prints_only_its_diagnostic(tmp_path):
    for spec in ("missing.yaml", "examples/invalid/bad-cron.yaml"):
        done = servespec("compile", spec, "-o", str(tmp_path / "out"))
        assert done.returncode in (1, 2) and len((done.stdout + done.stderr).strip().splitlines()) <= 2, done.stderr
        no_traceback(done)


def committed_spec(tmp_path: Path, content: bytes) -> Path:
    """A spec committed to a new git repository with `content`, then restored to the quickstart in the work tree."""
    spec = fleet_copy(tmp_path)
    repo = spec.parent
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    spec.write_bytes(content)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"],
                   check=True)
    shutil.copy(ROOT / SPEC, spec)
    return spec


def test_non_utf8_spec_at_a_git_revision_is_located(tmp_path):
    original = (ROOT / SPEC).read_bytes()
    spec = committed_spec(tmp_path, original.replace(b"name: quickstart", b"name: qu\xe9ckstart", 1))
    done = servespec("diff", "--base", "HEAD", str(spec))
    assert done.returncode == 2 and "is not valid UTF-8" in done.stderr and f"HEAD:{spec}" in done.stderr
    no_traceback(done)


def pack(tmp_path: Path, schema: str) -> Path:
    return write(tmp_path, "name: hostile\nextends: baseline\ncustom:\n  - id: ACME001\n    slug: hostile\n"
                           f"    kind: Deployment\n    message: bad name\n    schema: {schema}\n", "pack.yaml")


@pytest.mark.parametrize("schema,message", [
    ('{"$ref": "https://example.com/schema.json"}', "does not resolve inside the rule's schema"),
    ('{"$ref": "#/$defs/missing"}', "does not resolve inside the rule's schema"),
    ('{properties: {kind: {pattern: "(?=Deploy)"}}}', "is not RE2 syntax"),
])
def test_custom_rule_schemas_that_would_fetch_or_cannot_run_are_pack_errors(tmp_path, schema, message):
    done = servespec("lint", SPEC, "--policy", str(pack(tmp_path, schema)))
    assert done.returncode == 2 and message in done.stderr + done.stdout and "pack.yaml:8:" in done.stderr
    no_traceback(done)


def test_custom_rule_patterns_run_in_linear_time(tmp_path):
    """Python's backtracking `re` takes 2^40 steps for this pattern on this name; RE2 answers at once."""
    spec = write(tmp_path, quickstart_with("name: embedder", "name: " + "a" * 40 + "-b"))
    rule = pack(tmp_path, '{properties: {metadata: {properties: {name: {pattern: "^(a+)+$"}}}}, '
                          '"$defs": {ok: {type: string}}}')
    done = servespec("lint", str(spec), "--policy", str(rule), timeout=60)
    assert done.returncode == 1 and "does not match '^(a+)+$'" in done.stdout


# 6. nothing hangs and nothing is unbounded

def test_fifo_and_device_specs_are_read_with_a_bound(tmp_path):
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    done = servespec("validate", str(fifo), "/dev/zero", timeout=60)
    assert done.returncode == 1 and "the file is empty" in done.stdout and "more than 8388608 bytes" in done.stdout


def test_alias_bomb_and_cycles_in_a_diff_tree_are_refused(tmp_path):
    for name, text in (("bomb", (ROOT / "examples/invalid/alias-bomb.yaml").read_text()), ("cycle", "a: &a [*a]\n")):
        old, new = tmp_path / name / "old", tmp_path / name / "new"
        old.mkdir(parents=True)
        new.mkdir()
        (new / "object.yaml").write_text(text)
        done = servespec("diff", str(old), str(new), timeout=60)
        assert done.returncode == 2 and "expands to more than" in done.stderr
        no_traceback(done)


def test_diff_base_applies_the_spec_size_limit(tmp_path):
    spec = committed_spec(tmp_path, (ROOT / SPEC).read_bytes() + b"#" * (9 * 2**20) + b"\n")
    done = servespec("diff", "--base", "HEAD", str(spec))
    assert "the limit is 8388608 bytes" in done.stdout + done.stderr and done.returncode in (1, 2)


# 8. signals and leftovers

def staging_and_spool(tmp_path: Path) -> list[str]:
    spools = [name for name in os.listdir(os.environ.get("TMPDIR", "/tmp")) if name.startswith("servespec-plan-")]
    return sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) + spools


@pytest.mark.parametrize("signum,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_compile_stops_cleanly(tmp_path, signum, code):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import fleet

    spec = write(tmp_path, fleet(400))
    before = staging_and_spool(tmp_path)
    process = subprocess.Popen([*SERVESPEC, "compile", str(spec), "-o", str(tmp_path / "out")], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.*")) and time.monotonic() < deadline:  # staging exists: work under way
        time.sleep(0.05)
    time.sleep(0.3)
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    process.send_signal(signum)
    _stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    assert stderr.strip().splitlines() == [f"servespec: stopped by {signum.name}; no output is left half-written"]
    assert staging_and_spool(tmp_path) == before and not (tmp_path / "out").exists()
    time.sleep(0.5)
    assert all(not Path(f"/proc/{child}").exists() or "zombie" in Path(f"/proc/{child}/status").read_text()
               for child in children)


def test_planner_child_dies_with_a_killed_parent(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import fleet

    spec = write(tmp_path, fleet(400))
    process = subprocess.Popen([*SERVESPEC, "compile", str(spec), "-o", str(tmp_path / "out")], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    planner = []
    while not planner and time.monotonic() < deadline:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        planner = [pid for pid in children if "python" in Path(f"/proc/{pid}/comm").read_text()
                   or "servespec" in Path(f"/proc/{pid}/cmdline").read_text()]
        time.sleep(0.02)
    assert planner, "the planner child was not seen"
    process.kill()
    process.wait()
    time.sleep(0.5)
    assert not Path(f"/proc/{planner[0]}").exists() or "zombie" in Path(f"/proc/{planner[0]}/status").read_text()


def test_truncated_schema_cache_is_rebuilt_not_trusted(tmp_path):
    env = {"SERVESPEC_CACHE_DIR": str(tmp_path / "cache")}
    done = servespec("compile", SPEC, "-o", str(tmp_path / "first"), "--validator", "built-in", env=env)
    assert done.returncode == 0, done.stderr
    cached = next((tmp_path / "cache").rglob("deployment-apps-v1.json"))
    cached.write_text("{}")
    os.environ["SERVESPEC_CACHE_DIR"] = env["SERVESPEC_CACHE_DIR"]
    try:
        from servespec.build.validation import BuiltinValidator

        validator = BuiltinValidator([], api.DEFAULT_KUBERNETES_VERSION)
        broken = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}, "spec": {"bogus": 1}}
        assert validator.validate("d.yaml", broken), "a truncated cache file accepted an invalid Deployment"
    finally:
        del os.environ["SERVESPEC_CACHE_DIR"]


# 5. a property: whatever validate accepts, lint, plan and compile handle without an internal error

EXTREMES = st.one_of(
    st.sampled_from([0, 1, 2**31 - 1, 2**31, 2**63, 10**12, 0.0, 1e-300, 1e-9, 1e300, 1e308, float("inf"),
                     float("nan"), 65535, 86400, 3600, 100]),
    st.integers(0, 2**40),
    st.floats(min_value=0, allow_nan=False, allow_infinity=False),
)
"""Numbers at or past the edges of what the spec model and Kubernetes count in."""


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.data())
def test_what_validate_accepts_never_breaks_lint_plan_or_compile(tmp_path, data):
    from tests.strategies import fleets, to_yaml

    spec = data.draw(fleets(max_models=2))
    numbers = [path for path in paths(spec) if isinstance(_node(spec, path), (int, float))
               and not isinstance(_node(spec, path), bool)]
    for path in data.draw(st.lists(st.sampled_from(numbers), min_size=1, max_size=4)):
        parent, key = parent_and_key(spec, path)
        parent[key] = data.draw(EXTREMES)
    file = tmp_path / "fleet.yaml"
    file.write_text(yaml.safe_dump(spec) if data.draw(st.booleans()) else to_yaml(spec))
    if not api.validate_files([str(file)]).ok:
        return
    for command in (["lint", str(file), "--policy", "production"], ["plan", str(file)],
                    ["compile", str(file), "-o", "-", "--validator", "built-in"]):
        code, output = run_cli(*command)
        assert code in (0, 1) and "internal error" not in output, (command, output)
