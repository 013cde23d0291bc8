"""Rollback points: the workload annotations, `compile --revision`, `servespec rollback-point` (with a
Prometheus baseline) and the rollback section of `servespec diff`."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.parse
from dataclasses import replace
from typing import ClassVar

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from servespec import api
from servespec.build.pipeline import plan_targets
from servespec.cli import main
from servespec.diagnostics import InputError
from servespec.review.prometheus import _value
from servespec.spec.rollback import (
    CHANGE_CAUSE,
    IMAGES,
    MODEL_VERSION,
    SPEC_REVISION,
    WORKLOAD_KINDS,
    read_rollback_point,
    rollback_point,
)
from servespec.synth.fleet import build_manifests
from tests.conftest import EXAMPLES, ROOT, git, repository_with, run_cli

GPU_AND_IMAGE = ROOT / "examples/changes/gpu-and-image"


def _cli(*args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of an in-process run."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_workload_records_its_rollback_point(example):
    fleet = api.load_fleet(str(example))
    workloads = {m.data["metadata"]["name"]: m.data for m in build_manifests(fleet)
                 if m.data["kind"] in WORKLOAD_KINDS}
    assert sorted(workloads) == sorted(model.name for model in fleet.models)
    for model in fleet.models:
        data = workloads[model.name]
        annotations = data["metadata"]["annotations"]
        assert annotations[MODEL_VERSION] == model.spec.version
        assert json.loads(annotations[IMAGES])["server"] == model.spec.image
        assert SPEC_REVISION not in annotations
        assert annotations[CHANGE_CAUSE] == f"servespec: {model.name} {model.spec.version}"
        assert read_rollback_point(data) == rollback_point(fleet.namespace, model)
        assert "servespec.dev/model-version" not in data["spec"].get("template", {}).get("metadata", {}).get(
            "annotations", {}), "on the pod template it would restart every pod on each revision"


def test_images_name_every_container_and_the_weights_image():
    fleet = api.load_fleet("examples/llm-serving.yaml")
    points = {model.name: rollback_point(fleet.namespace, model) for model in fleet.models}
    assert [role for role, _ in points["llama-8b"].images] == ["server", "download"]
    assert [role for role, _ in points["reranker"].images] == ["server", "weights"]
    assert points["reranker"].weights == dict(points["reranker"].images)["weights"]
    assert points["detector"].weights == "pvc/detector-model-repository"
    assert points["summarizer"].weights.startswith("hf://mistralai/Mistral-7B-Instruct-v0.3@")


def test_a_revision_is_recorded_only_when_asked(tmp_path):
    fleet = api.load_fleet("examples/quickstart.yaml")
    plain = build_manifests(fleet)
    revised = build_manifests(replace(fleet, revision="0123abc"))
    changed = [(a.data, b.data) for a, b in zip(plain, revised) if a.data != b.data]
    assert [before["kind"] for before, _ in changed] == ["Deployment"]
    annotations = changed[0][1]["metadata"]["annotations"]
    assert annotations[SPEC_REVISION] == "0123abc"
    assert annotations[CHANGE_CAUSE] == "servespec: embedder v1.0.0 at 0123abc"


def test_compile_revision_git_records_the_spec_commit(tmp_path):
    repo = repository_with(tmp_path, (ROOT / "examples/quickstart.yaml").read_text())
    commit = git(repo, "rev-parse", "HEAD").strip()
    (repo / "other.txt").write_text("a later commit that does not touch the spec\n")
    git(repo, "add", "other.txt")
    git(repo, "commit", "-q", "-m", "other")
    spec = str(repo / "fleet.yaml")
    code, stream, _ = _cli("compile", spec, "-o", "-", "--revision", "git", "--validator", "none")
    assert code == 0
    deployment = next(doc for doc in yaml.safe_load_all(stream) if doc["kind"] == "Deployment")
    assert deployment["metadata"]["annotations"][SPEC_REVISION] == commit
    (repo / "fleet.yaml").write_text((ROOT / "examples/quickstart.yaml").read_text() + "# edited\n")
    code, stream, errors = _cli("compile", spec, "-o", "-", "--revision", "git", "--validator", "none")
    assert code == 2 and stream == "" and "has uncommitted changes" in errors


@pytest.mark.parametrize("revision, message", [
    ("git", "not in a git work tree"),
    ("two words", "give a git revision"),
    ("x" * 101, "at most 100 characters"),
])
def test_unusable_revisions_exit_2_before_compiling(tmp_path, revision, message):
    spec = tmp_path / "fleet.yaml"
    spec.write_text((ROOT / "examples/quickstart.yaml").read_text())
    out = tmp_path / "out"
    code, output = run_cli("compile", str(spec), "-o", str(out), "--revision", revision)
    assert code == 2 and message in output and not out.exists()


def test_targets_carry_the_revision_of_their_own_spec(tmp_path):
    targets = api.compile_targets(["examples/quickstart.yaml", "examples/agency.yaml"], revision="v1")
    assert [t.revision for t in targets] == ["v1", "v1"]
    planned = plan_targets(targets)
    assert all(m.data["metadata"]["annotations"][SPEC_REVISION] == "v1"
               for items in planned.values() for m in items if m.data["kind"] == "Deployment")


def test_rollback_point_prints_every_model_in_yaml_and_json():
    code, text, errors = _cli("rollback-point", "examples/llm-serving.yaml", "--revision", "r1")
    assert code == 0 and errors == ""
    bundle = yaml.safe_load(text)
    code, text, _ = _cli("rollback-point", "examples/llm-serving.yaml", "--revision", "r1", "--format", "json")
    assert code == 0 and json.loads(text) == bundle
    assert bundle["fleet"] == "llm-serving" and bundle["specRevision"] == "r1"
    assert [m["model"] for m in bundle["models"]] == ["llama-8b", "detector", "summarizer", "reranker", "qwen-7b"]
    llama = bundle["models"][0]
    assert llama["workload"] == "Deployment/llama-8b" and llama["version"] == "3.1-instruct"
    assert llama["latencyBaseline"] == {"query": (
        'avg_over_time(servespec:request_latency_p99_seconds:rate5m{namespace="llm",app_kubernetes_io_instance='
        '"llama-8b",app_kubernetes_io_version="3.1-instruct"}[168h])')}
    assert "latencyBaseline" not in bundle["models"][1], "Triton has no latency histogram"
    large = yaml.safe_load(_cli("rollback-point", "examples/large-models.yaml")[1])
    assert "LeaderWorkerSet/llama-405b" in [m["workload"] for m in large["models"]]


def test_rollback_point_reads_the_revision_from_git(tmp_path):
    repo = repository_with(tmp_path, (ROOT / "examples/quickstart.yaml").read_text())
    spec = str(repo / "fleet.yaml")
    bundle = yaml.safe_load(_cli("rollback-point", spec)[1])
    assert bundle["specRevision"] == git(repo, "rev-parse", "HEAD").strip() and "specRevisionNote" not in bundle
    (repo / "fleet.yaml").write_text((ROOT / "examples/quickstart.yaml").read_text() + "# edited\n")
    bundle = yaml.safe_load(_cli("rollback-point", spec)[1])
    assert bundle["specRevision"] is None and "uncommitted changes" in bundle["specRevisionNote"]
    code, text, errors = _cli("rollback-point", spec, "--revision", "git")
    assert code == 2 and text == "" and "uncommitted changes" in errors


def test_unpinned_images_are_listed_and_warned_about():
    code, text, errors = _cli("rollback-point", str(GPU_AND_IMAGE / "new.yaml"), "--revision", "r")
    sentiment = next(m for m in yaml.safe_load(text)["models"] if m["model"] == "sentiment")
    assert code == 0 and sentiment["unpinnedImages"] == ["server", "download"]
    assert "warning: sentiment: server image registry.cleanstart.com/pytorch:2.3-cuda12.1-cudnn8.9 is not " \
           "pinned by digest" in errors
    assert "warning: sentiment: download image docker.io/rclone/rclone:1.68.2 is not pinned" in errors


class _Prometheus(http.server.BaseHTTPRequestHandler):
    """Answers /api/v1/query with `answer` and remembers the queries."""

    answer: bytes = b""
    status = 200
    queries: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        url = urllib.parse.urlparse(self.path)
        assert url.path == "/api/v1/query"
        self.queries.append(urllib.parse.parse_qs(url.query)["query"][0])
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def prometheus():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Prometheus)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Prometheus.queries = []
    yield server
    server.shutdown()
    server.server_close()


def _answer(result: list[object], status: str = "success") -> bytes:
    return json.dumps({"status": status, "data": {"resultType": "vector", "result": result}}).encode()


def test_the_baseline_is_read_from_prometheus(prometheus):
    url = f"http://127.0.0.1:{prometheus.server_address[1]}"
    _Prometheus.answer, _Prometheus.status = _answer([{"metric": {}, "value": [1763900000.0, "0.842"]}]), 200
    code, text, _ = _cli("rollback-point", "examples/llm-serving.yaml", "--revision", "r", "--prometheus", url)
    bundle = yaml.safe_load(text)
    assert code == 0 and bundle["prometheus"] == url
    baselines = {m["model"]: m.get("latencyBaseline") for m in bundle["models"]}
    assert baselines["llama-8b"]["p99Seconds"] == 0.842 and baselines["detector"] is None
    assert _Prometheus.queries == [baselines[name]["query"]
                                   for name in ("llama-8b", "summarizer", "reranker", "qwen-7b")]
    _Prometheus.answer = _answer([])
    bundle = yaml.safe_load(_cli("rollback-point", "examples/llm-serving.yaml", "--prometheus", url)[1])
    assert bundle["models"][0]["latencyBaseline"]["p99Seconds"] is None


@pytest.mark.parametrize("answer, status, message", [
    (json.dumps({"status": "error", "errorType": "bad_data", "error": "parse error"}).encode(), 400,
     "bad_data: parse error"),
    (b"<html>login</html>", 200, "not JSON (is this the Prometheus URL?)"),
    (_answer([{"value": [1, "1"]}, {"value": [1, "2"]}]), 200, "returned 2 series, expected one"),
    (b"", 502, "HTTP 502"),
])
def test_prometheus_errors_exit_2(prometheus, answer, status, message):
    _Prometheus.answer, _Prometheus.status = answer, status
    url = f"http://127.0.0.1:{prometheus.server_address[1]}"
    code, text, errors = _cli("rollback-point", "examples/llm-serving.yaml", "--prometheus", url)
    assert code == 2 and text == "" and message in errors


def test_unreachable_or_odd_prometheus_urls_exit_2():
    code, _, errors = _cli("rollback-point", "examples/llm-serving.yaml", "--prometheus", "http://127.0.0.1:9")
    assert code == 2 and "cannot be reached" in errors
    code, _, errors = _cli("rollback-point", "examples/llm-serving.yaml", "--prometheus", "file:///etc/passwd")
    assert code == 2 and "give an http:// or https:// URL" in errors


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=200), st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["status", "data", "result", "value", "error"]), inner, max_size=3),
    max_leaves=12).map(lambda data: json.dumps(data).encode())))
def test_any_prometheus_answer_gives_a_value_or_an_input_error(body):
    try:
        value = _value("http://prometheus", body)
    except InputError:
        return
    assert value is None or isinstance(value, float)


def test_diff_says_what_a_rollback_to_the_base_restores(tmp_path):
    repo = repository_with(tmp_path, (GPU_AND_IMAGE / "old.yaml").read_text())
    (repo / "fleet.yaml").write_text((GPU_AND_IMAGE / "new.yaml").read_text())
    code, output = run_cli("diff", "--base", "HEAD", str(repo / "fleet.yaml"))
    expected = (GPU_AND_IMAGE / "expected.txt").read_text().replace(
        "Rollback to examples/changes/gpu-and-image/old.yaml:", "Rollback to HEAD:")
    assert code == 1 and output == expected
    assert "  production/sentiment: version v1.3.0 -> v1.2.0; server registry.cleanstart.com/pytorch:2.3-cuda12.1-" \
           "cudnn8.9 -> registry.cleanstart.com/pytorch:2.2-cuda12.1-cudnn8.9@sha256:" in output
    report = json.loads(run_cli("diff", "--base", "HEAD", str(repo / "fleet.yaml"), "--format", "json")[1])
    step = report["rollback"]["models"][0]
    assert report["rollback"]["to"] == "HEAD" and step["now"]["version"] == "v1.3.0"
    assert step["then"]["version"] == "v1.2.0"
    markdown = run_cli("diff", "--base", "HEAD", str(repo / "fleet.yaml"), "--format", "markdown")[1]
    assert "**Rollback to `HEAD`:**\n\n- production/sentiment: version v1.3.0 -> v1.2.0;" in markdown


def test_a_rollback_removes_added_models_and_restores_removed_ones(tmp_path):
    spec = yaml.safe_load((ROOT / "examples/quickstart.yaml").read_text())
    extra = {**spec["models"][0], "name": "embedder-next", "version": "v2.0.0"}
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(yaml.safe_dump(spec))
    new.write_text(yaml.safe_dump({**spec, "models": [extra]}))
    rollback = api.diff(str(old), str(new)).rollback
    assert [step.render() for step in rollback] == [
        "ml-serving/embedder: restored at v1.0.0; server ghcr.io/acme/embedder:1.0.0-cuda12.4@sha256:2c26b46b68ffc68"
        "ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
        "ml-serving/embedder-next: removed (this change adds it)"]


def test_trees_that_differ_only_in_their_revision_do_not_differ(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    for tree, revision in ((old, "r1"), (new, "r2")):
        code, output = run_cli("compile", "examples/quickstart.yaml", "-o", str(tree), "--revision", revision,
                               "--validator", "none")
        assert code == 0, output
    assert "r2" in (new / "ml-serving/deployment-embedder.yaml").read_text()
    code, output = run_cli("diff", str(old), str(new))
    assert code == 0 and output == "0 to add, 0 to change, 0 to remove\n"
