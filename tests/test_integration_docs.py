"""docs/ci.md and the Argo CD plugin: the YAML parses and the commands they run work on the examples."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, git, repository_with, run_cli

CI_DOC = (ROOT / "docs/ci.md").read_text()


def test_every_yaml_block_in_ci_doc_parses():
    blocks = re.findall(r"```yaml\n(.*?)```", CI_DOC, re.S)
    assert len(blocks) == 8
    for block in blocks:
        assert yaml.safe_load(block)


def test_the_workflow_runs_every_review_step():
    workflow = yaml.safe_load(re.findall(r"```yaml\n(# \.github/workflows.*?)```", CI_DOC, re.S)[0])
    commands = " ".join(step.get("run", "") for step in workflow["jobs"]["servespec"]["steps"])
    for command in ("servespec validate", "servespec lint", "--format sarif", "servespec compile",
                    "servespec check", "servespec diff --base", "--format markdown"):
        assert command in commands
    assert any("upload-sarif" in step.get("uses", "") for step in workflow["jobs"]["servespec"]["steps"])


@pytest.mark.skipif(shutil.which("node") is None, reason="compile needs Node.js")
def test_argocd_plugin_generate_prints_a_manifest_stream(tmp_path):
    plugin = yaml.safe_load((ROOT / "docs/argocd/plugin.yaml").read_text())
    assert (plugin["apiVersion"], plugin["kind"]) == ("argoproj.io/v1alpha1", "ConfigManagementPlugin")
    app = tmp_path / "app"
    app.mkdir()
    shutil.copy(ROOT / "examples/agency.yaml", app / "fleet.yaml")
    env = {**os.environ, "ARGOCD_ENV_SPEC": "fleet.yaml", "ARGOCD_ENV_ENVIRONMENT": "staging",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for phase in ("init", "generate"):
        spec = plugin["spec"][phase]
        result = subprocess.run(spec["command"] + spec["args"], cwd=app, env=env, capture_output=True, text=True,
                                timeout=300)
        assert result.returncode == 0, result.stderr
    objects = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    golden = sorted((ROOT / "golden/agency@staging").rglob("*.yaml"))
    assert len(objects) == len(golden)
    assert [yaml.safe_load(path.read_text()) for path in golden] == objects
    assert {o["metadata"].get("namespace") for o in objects} == {None, "agency-staging"}


def test_compile_to_stdout_refuses_bad_specs():
    code, output = run_cli("compile", "examples/invalid/unknown-pool.yaml", "-o", "-")
    assert code == 1 and "unknown pool" in output


def test_the_release_steps_run_on_a_committed_spec(tmp_path):
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", CI_DOC, re.S) if "rollback-point" in b)
    runs = [step["run"].replace("\\\n", " ") for step in yaml.safe_load(block) if "run" in step]
    repo = repository_with(tmp_path, (ROOT / "examples/quickstart.yaml").read_text())
    for run in runs:
        command = run.split(">", 1)[0].replace("deploy/fleet.yaml", str(repo / "fleet.yaml"))
        words = [word for word in shlex.split(command)[1:] if "${{" not in word]
        words = [word for index, word in enumerate(words) if word != "--prometheus" or index + 1 < len(words)]
        if "-o" in words:
            words[words.index("-o") + 1] = str(tmp_path / "out")
            words += ["--validator", "none"]
        code, output = run_cli(*words)
        assert code == 0, (run, output)
    assert git(repo, "rev-parse", "HEAD").strip() in (tmp_path / "out/ml-serving/deployment-embedder.yaml").read_text()
