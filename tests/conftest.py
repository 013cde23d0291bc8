"""Shared fixtures: tests run from the repository root so example paths match the expected outputs.

Tests that need a tool (kubeconform, Node, the SARIF schema, Chromium, the CRD schemas, the e2e control
plane) skip without it; with SERVESPEC_REQUIRE_TOOLS set (`.ci/run`), every such skip is a failure."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from servespec.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
INVALID = sorted(path for path in (ROOT / "examples" / "invalid").glob("*.yaml")
                 if path.with_suffix(".expected").exists())
"""Specs `validate` refuses, each with its exact output in <name>.expected."""
LINT_INVALID = sorted(path for path in (ROOT / "examples" / "invalid").glob("*.yaml")
                      if path.with_suffix(".lint.expected").exists())
"""Valid specs `lint` reports findings on, each with its exact output in <name>.lint.expected."""


REQUIRE_TOOLS = "SERVESPEC_REQUIRE_TOOLS"
pytest_plugins = ["pytester"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With $SERVESPEC_REQUIRE_TOOLS set, a skipped test fails: CI must not pass without the tools."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get(REQUIRE_TOOLS):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"{REQUIRE_TOOLS} is set, so this skip is a failure: {reason}"


@pytest.fixture(autouse=True)
def _at_repository_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def run_cli(*args: str):
    """Run the CLI in-process; return (exit_code, output). An uncaught exception fails the test."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def repository_with(tmp_path: Path, committed: str) -> Path:
    """A git repository whose one commit holds fleet.yaml with the text `committed`."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "ci@example.com")
    git(repo, "config", "user.name", "ci")
    (repo / "fleet.yaml").write_text(committed)
    git(repo, "add", "fleet.yaml")
    git(repo, "commit", "-q", "-m", "base")
    return repo


def relative(path: Path) -> str:
    return os.path.relpath(path, ROOT)
