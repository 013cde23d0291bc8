"""`servespec init`: every runtime x platform starter validates, lints clean (no error or warning) and
compiles; the file is never overwritten."""

from __future__ import annotations

import pytest

from servespec import api
from servespec.report.starter import PLATFORMS, RUNTIMES
from servespec.synth.fleet import build_manifests
from tests.conftest import run_cli


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_every_starter_validates_lints_clean_and_compiles(tmp_path, runtime, platform):
    spec = tmp_path / "fleet.yaml"
    code, output = run_cli("init", "--runtime", runtime, "--platform", platform, "--name", "demo", "-o", str(spec))
    assert code == 0, output
    assert api.validate_file(str(spec)) == []
    findings = [f for f in api.lint([str(spec)], policy="production").findings if f.severity != "info"]
    assert findings == [], [f.message for f in findings]
    kinds = {m.kind for m in build_manifests(api.load_fleet(str(spec)))}
    assert {"Deployment", "Service", "NetworkPolicy", "ServiceAccount"} <= kinds
    assert "REPLACE" in spec.read_text()


def test_init_never_overwrites_and_checks_the_name(tmp_path):
    spec = tmp_path / "fleet.yaml"
    spec.write_text("mine\n")
    code, output = run_cli("init", "-o", str(spec))
    assert code == 2 and "exists" in output and spec.read_text() == "mine\n"
    assert list(tmp_path.iterdir()) == [spec]  # no temporary file left behind
    code, output = run_cli("init", "--name", "Not_A_Label")
    assert code == 2 and "not a DNS label" in output
