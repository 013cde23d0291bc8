"""Cross-field checks: each fires on a minimal change to a valid spec, at the right place."""

from __future__ import annotations

import copy

import pytest
import yaml

from servespec import api
from tests.conftest import ROOT
from tests.test_runtimes import compiled, errors, pod

BASE = yaml.safe_load((ROOT / "examples/quickstart.yaml").read_text())


def problems(tmp_path, change) -> list[str]:
    spec = copy.deepcopy(BASE)
    change(spec)
    file = tmp_path / "spec.yaml"
    file.write_text(yaml.safe_dump(spec, sort_keys=False))
    return [f"{d.path}: {d.message}" for d in api.validate_files([str(file)]).diagnostics]


def model(spec):
    return spec["models"][0]


def pool(spec):
    return spec["gpuPools"][0]


CASES = [
    ("MIG on a GPU without MIG", lambda s: pool(s).update(mig={"strategy": "mixed"}),
     "gpuPools[0].mig.strategy: L4 does not support MIG"),
    ("single strategy needs a profile", lambda s: pool(s).update(gpu="A100-80GB", mig={"strategy": "single"}),
     "gpuPools[0].mig: MIG strategy single needs `profile`"),
    ("profile only with single", lambda s: pool(s).update(gpu="A100-80GB", mig={"strategy": "mixed",
                                                                                 "profile": "1g.10gb"}),
     "gpuPools[0].mig.profile: `profile` applies only to MIG strategy single"),
    ("canary settings with rolling", lambda s: model(s).update(rollout={"canary": {"stepWeight": 5}}),
     "models[0].rollout.canary: `canary` settings given but strategy is 'rolling'"),
    ("interval under 10s", lambda s: model(s).update(rollout={"strategy": "canary", "canary": {"interval": "5s"}}),
     "models[0].rollout.canary.interval: interval '5s' must be at least 10s"),
    ("interval in hours", lambda s: model(s).update(rollout={"strategy": "blueGreen",
                                                             "blueGreen": {"interval": "1h"}}),
     "models[0].rollout.blueGreen.interval: interval '1h' must be at least 10s, in s or m"),
    ("both PDB fields", lambda s: model(s).update(disruption={"minAvailable": 1, "maxUnavailable": 1}),
     "models[0].disruption: set exactly one of minAvailable and maxUnavailable"),
    ("validator on the server port", lambda s: model(s).update(validator={"port": 8000}),
     "models[0].validator.port: the validator sidecar needs a port other than the server's"),
    ("output range upside down", lambda s: model(s).update(validator={"outputRange": {"min": 1, "max": 0}}),
     "models[0].validator.outputRange.max: outputRange.max must exceed outputRange.min"),
    ("schedule start equals end", lambda s: model(s).update(scaling={"schedules": [
        {"name": "a", "timezone": "UTC", "start": "0 9 * * *", "end": "0  9 * * *", "replicas": 1}]}),
     "models[0].scaling.schedules[0].end: a schedule's end must differ from its start"),
    ("schedule names twice", lambda s: model(s).update(scaling={"schedules": [
        {"name": "a", "timezone": "UTC", "start": "0 9 * * *", "end": "0 10 * * *", "replicas": 1},
        {"name": "a", "timezone": "UTC", "start": "0 11 * * *", "end": "0 12 * * *", "replicas": 1}]}),
     "models[0].scaling.schedules[1].name: schedule name 'a' is used twice"),
    ("waiver for an unknown model", lambda s: s.update(waivers=[
        {"rule": "SEC001", "model": "embeder", "reason": "x", "expires": "2030-01-01"}]),
     "waivers[0].model: waiver names unknown model 'embeder'"),
    ("custom type shadowing the catalog", lambda s: s.update(gpuTypes=[
        {"name": "L4", "memoryGB": 24, "computeCapability": "8.9"}]),
     "gpuTypes[0].name: GPU type 'L4' is already in the catalog"),
    ("custom MIG below compute capability 8.0", lambda s: s.update(gpuTypes=[
        {"name": "old-gpu", "memoryGB": 16, "computeCapability": "7.5", "migProfiles": {"1g.8gb": 2}}]),
     "gpuTypes[0].migProfiles: MIG needs compute capability 8.0 or newer"),
    ("product of another GPU", lambda s: pool(s).update(product="NVIDIA-L40S"),
     "gpuPools[0].product: 'NVIDIA-L40S' is not a GPU Feature Discovery product of L4"),
    ("environment overrides an unknown pool", lambda s: s.update(environments={"dev": {"gpuPools": {"l5": {}}}}),
     "environments.dev.gpuPools.l5: environment 'dev' overrides unknown gpuPool 'l5'"),
]


@pytest.mark.parametrize("change, expected", [(c, e) for _, c, e in CASES], ids=[name for name, _, _ in CASES])
def test_semantic_problem_is_reported_where_it_is(tmp_path, change, expected):
    found = problems(tmp_path, change)
    assert any(line.startswith(expected) for line in found), found


def test_the_unchanged_base_is_valid(tmp_path):
    assert problems(tmp_path, lambda s: None) == []


def test_product_selects_a_mixed_mig_pool(tmp_path):
    """GPU Feature Discovery keeps nvidia.com/gpu.product (the whole GPU) under MIG strategy mixed."""
    change = {"gpuPools[0]": {"name": "l4", "gpu": "A100-80GB", "product": "NVIDIA-A100-SXM4-80GB",
                              "driverVersion": "550.90.07", "maxGPUs": 2, "mig": {"strategy": "mixed"}},
              "models[0].gpu": {"mig": "1g.10gb", "memoryGB": 6}}
    assert errors(tmp_path, change) == []
    selector = pod(compiled(tmp_path, change))["nodeSelector"]
    assert selector["nvidia.com/gpu.product"] == "NVIDIA-A100-SXM4-80GB"


def test_custom_gpu_type_with_mig_compiles(tmp_path):
    def change(spec):
        spec["gpuTypes"] = [{"name": "acme-x1", "memoryGB": 48, "computeCapability": "9.0",
                             "migProfiles": {"1g.12gb": 4, "2g.24gb": 2}}]
        pool(spec).update(gpu="acme-x1", mig={"strategy": "mixed"})
        model(spec)["gpu"] = {"mig": "2g.24gb", "memoryGB": 20}

    assert problems(tmp_path, change) == []
    fleet = api.load_fleet(str(tmp_path / "spec.yaml"))
    assert dict(fleet.models[0].gpu_resources) == {"nvidia.com/mig-2g.24gb": 1}
    assert fleet.pools["l4"].gpu.compute_capability == (9, 0)
