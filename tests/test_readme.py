"""Every `servespec` command in the README's shell blocks runs on the examples (exit 0 or 1, never a usage
error or a crash). Output paths are redirected into a temporary directory."""

from __future__ import annotations

import glob
import re
import shlex

import pytest

from tests.conftest import ROOT, run_cli

OUTPUT_OPTIONS = ("-o", "--html", "--svg")


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for command in block.replace("\\\n", " ").splitlines():
            command = command.split("#", 1)[0].strip()
            if command.startswith("servespec "):
                commands.append(command)
    return commands


def test_the_readme_has_commands():
    assert len(readme_commands()) >= 10


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_runs(command, tmp_path):
    words = [match for word in shlex.split(command.split(">", 1)[0])[1:]
             for match in (sorted(glob.glob(word)) if "*" in word else [word])]
    for index, word in enumerate(words[:-1]):
        if word in OUTPUT_OPTIONS:
            words[index + 1] = str(tmp_path / words[index + 1])
    code, output = run_cli(*words)
    assert code in (0, 1), output
    assert "internal error" not in output and "Usage:" not in output


def test_readme_policy_pack_example_loads_and_applies(tmp_path):
    text = (ROOT / "README.md").read_text()
    pack = re.search(r"```yaml\n(# policies/acme\.yaml.*?)```", text, re.S).group(1)
    (tmp_path / "acme.yaml").write_text(pack)
    code, output = run_cli("lint", "examples/agency.yaml", "--policy", str(tmp_path / "acme.yaml"))
    assert code == 1 and "(policy acme)" in output and "[SCA001 scale-down-too-fast]" in output


def test_the_generated_readme_tables_are_current():
    from servespec.report.readme import TABLES, refresh

    text = (ROOT / "README.md").read_text()
    assert text.count("<!-- generated: ") == len(TABLES)
    assert refresh(text) == text, "run `make schema` to regenerate the README's rule and risk tables"
    assert refresh(text.replace("GPU001 `cpu-fallback`", "GPU001 `cpu`")) == text
