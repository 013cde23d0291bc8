"""The benchmark's baselines measure the same work: benchmarks/helm-chart renders servespec's objects."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys

import pytest

from servespec import api
from tests.conftest import ROOT

HELM = ROOT / ".tools" / "bin" / "helm"


def _benchmark_module():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


@pytest.mark.parametrize("size", [10, 100])
def test_the_helm_chart_renders_the_objects_servespec_compiles(tmp_path, size):
    helm = str(HELM) if os.access(HELM, os.X_OK) else shutil.which("helm")
    if helm is None:
        pytest.skip("helm is not installed (make tools installs it into .tools/bin)")
    bench = _benchmark_module()
    spec = tmp_path / "fleet.yaml"
    spec.write_text(bench.fleet(size))
    values = tmp_path / "values.json"
    values.write_text(bench.helm_values(size))
    api.compile_specs([str(spec)], str(tmp_path / "out"), options=api.SchemaOptions(enabled=False))
    rendered = subprocess.run([helm, "template", "bench", str(bench.CHART), "-f", str(values)], capture_output=True,
                              text=True, check=True).stdout
    bench.same_objects(rendered, tmp_path / "out")
    model = rendered.replace("name: model-1\n", "name: model-one\n", 1)
    with pytest.raises(SystemExit, match="renders other objects"):
        bench.same_objects(model, tmp_path / "out")
