"""What every command shares: formats come from one registry per command, reports go to standard output
and diagnostics to standard error, and exit codes mean the same everywhere (README's table)."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from servespec.cli import Exit, main
from servespec.report import registry
from tests.conftest import ROOT

INVALID = "examples/invalid/unknown-pool.yaml"


def test_format_choices_are_the_registries():
    commands = {"validate": registry.VALIDATE, "lint": registry.LINT, "diff": registry.DIFF, "plan": registry.PLAN}
    for name, reporters in commands.items():
        option = next(p for p in main.commands[name].params if p.name == "output_format")
        assert isinstance(option.type, click.Choice)
        assert list(option.type.choices) == reporters.names and option.default == reporters.default


def servespec(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "servespec", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("command, code", [
    (["compile", INVALID, "-o", "-", "--validator", "none"], Exit.FOUND),
    (["plan", INVALID], Exit.FOUND),
    (["diff", INVALID, "examples/quickstart.yaml"], Exit.CANNOT_RUN),
])
def test_spec_diagnostics_go_to_stderr_never_into_the_report(command, code):
    done = servespec(*command)
    assert done.returncode == code
    assert done.stdout == ""
    assert f"{INVALID}:" in done.stderr and "unknown pool" in done.stderr


@pytest.mark.parametrize("command", [["validate", "missing.yaml"], ["lint", "missing.yaml"],
                                     ["plan", "missing.yaml"], ["compile", "missing.yaml", "-o", "-"],
                                     ["diff", "missing.yaml", "other.yaml"], ["lint", "x.yaml", "--format", "xml"],
                                     ["lint", "examples/quickstart.yaml", "--policy", "no-such-pack"]])
def test_input_it_cannot_use_is_exit_2_for_every_command(command):
    assert servespec(*command).returncode == Exit.CANNOT_RUN


def test_reports_and_findings_go_to_stdout():
    validate = servespec("validate", INVALID)
    lint = servespec("lint", "examples/invalid/cpu-fallback.yaml")
    assert validate.returncode == lint.returncode == Exit.FOUND
    assert "unknown pool" in validate.stdout and "GPU001" in lint.stdout


def test_a_reader_that_goes_away_stops_the_command_quietly():
    """`servespec schema | head -0`: the closed pipe ends the run like SIGPIPE (141), with no error line. The
    read end is closed while the interpreter starts, before anything is written."""
    process = subprocess.Popen([sys.executable, "-m", "servespec", "schema"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141 and errors == ""
