"""The wheel: built from the repository, installed into a clean virtualenv, it is the `servespec` import
package and command, with its policy packs, rule cases and schema as package data, and nothing else."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from servespec import __version__
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return next(out.glob("servespec-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """bin/ of a fresh virtualenv holding the wheel and its dependencies."""
    env = tmp_path_factory.mktemp("venv")
    venv.create(env, with_pip=True)
    done = subprocess.run([str(env / "bin" / "pip"), "install", "--quiet", str(wheel)], capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return env / "bin"


def test_the_wheel_holds_only_the_servespec_package_and_its_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/", 1)[0] for name in names if not name.split("/", 1)[0].endswith(".dist-info")}
    assert top == {"servespec"}
    for data in ("servespec/schemas/servespec.schema.json", "servespec/policies/packs/production.yaml",
                 "servespec/policies/rules/cpu_fallback.yaml", "servespec/py.typed"):
        assert data in names
    rules = {Path(name).stem for name in names if name.startswith("servespec/policies/rules/")}
    assert {path.stem for path in (ROOT / "policies" / "rules").glob("*.py")} <= rules


def test_the_installed_command_and_library_work_outside_the_repository(installed, tmp_path):
    spec = tmp_path / "fleet.yaml"
    # the quickstart with a cache on the read-only root: a finding from a rule and a pack shipped as data
    spec.write_text((ROOT / "examples" / "quickstart.yaml").read_text() + "    env: {HF_HOME: /root/.cache}\n")

    def run(*command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)

    assert run(str(installed / "servespec"), "--version").stdout == f"servespec, version {__version__}\n"
    assert run(str(installed / "servespec"), "validate", "fleet.yaml").returncode == 0
    lint = run(str(installed / "servespec"), "lint", "fleet.yaml", "--policy", "production")
    assert lint.returncode == 1 and "SRV005 cache-on-read-only-root" in lint.stdout, lint.stdout + lint.stderr
    assert "## GPU001" in run(str(installed / "servespec"), "rules", "--markdown").stdout
    compiled = run(str(installed / "servespec"), "compile", "fleet.yaml", "-o", "-", "--validator", "built-in")
    assert compiled.returncode == 0 and "kind: Deployment" in compiled.stdout, compiled.stderr
    library = run(str(installed / "python"), "-c", "from servespec import api; "
                  "print(api.load_fleet('fleet.yaml').models[0].name)")
    assert library.stdout == "embedder\n", library.stderr
    for name in ("compiler", "policies", "schemas"):
        assert run(str(installed / "python"), "-c", f"import {name}").returncode == 1, f"{name} is installed"
