"""The rule catalogue: every rule fires on a minimal change to a lint-clean spec, at the right place, and
stays silent on the nearest change that is fine."""

from __future__ import annotations

import copy
import datetime

import pytest
import yaml

from servespec import api
from servespec.policies.registry import RULES
from tests.conftest import ROOT

BASE = yaml.safe_load((ROOT / "examples/quickstart.yaml").read_text())
TODAY = datetime.date(2026, 11, 23)
PROMETHEUS = {"serverAddress": "http://prometheus:9090", "query": "sum(rate(requests[2m]))", "threshold": 10}


def model(spec):
    return spec["models"][0]


def pool(spec):
    return spec["gpuPools"][0]


def a100_mixed(spec, mig="1g.10gb", count=1, memory=6):
    pool(spec).update(gpu="A100-80GB", mig={"strategy": "mixed"}, maxGPUs=10)
    model(spec)["gpu"] = {"mig": mig, "count": count, "memoryGB": memory}


def canary(spec, **settings):
    model(spec)["rollout"] = {"strategy": "canary", "canary": {"maxErrorRatePercent": 1, "maxLatencyP99Ms": 500,
                                                              **settings}}
    model(spec)["replicas"] = {"min": 2, "max": 2}
    pool(spec)["maxGPUs"] = 4


def schedules(*windows):
    return [{"name": f"w{number}", "timezone": "UTC", "start": start, "end": end, "replicas": 2}
            for number, (start, end) in enumerate(windows)]


def waiver(rule, expires, model_name="embedder"):
    return {"rule": rule, "model": model_name, "reason": "accepted for the test (T-1)", "expires": expires}


def weights(spec, size_gb=100):
    model(spec)["artifact"] = {"uri": "s3://models/big", "sizeGB": size_gb, "loadMBps": 200}


# rule ID: (change that makes it fire, the spec path it points at, the nearest change that must not fire)
FIXTURES = {
    "GPU001": (lambda s: model(s).pop("gpu"), "models[0].pool", lambda s: None),
    "GPU002": (lambda s: a100_mixed(s, mig="1g.5gb"), "models[0].gpu.mig", lambda s: a100_mixed(s, mig="1g.10gb")),
    "GPU003": (lambda s: model(s).update(gpu={"mig": "1g.10gb", "memoryGB": 6}), "models[0].gpu.mig",
               lambda s: a100_mixed(s)),
    "GPU004": (lambda s: model(s).update(gpu={"count": 1, "memoryGB": 22}), "models[0].gpu.memoryGB",
               lambda s: model(s).update(gpu={"count": 1, "memoryGB": 21.6})),
    "GPU005": (lambda s: pool(s).update(driverVersion="520.61.05"), "models[0].image",
               lambda s: pool(s).update(driverVersion="525.60.13")),
    "GPU006": (lambda s: pool(s).update(driverVersion="535.54.03"), "models[0].image",
               lambda s: pool(s).update(driverVersion="550.54.14")),
    "GPU007": (lambda s: (pool(s).update(gpu="H100-80GB"), model(s).update(cuda="11.7")), "models[0].cuda",
               lambda s: (pool(s).update(gpu="H100-80GB"), model(s).update(cuda="11.8"))),
    "GPU008": (lambda s: model(s).update(scaling={"prometheus": PROMETHEUS}), "gpuPools[0].maxGPUs",
               lambda s: (model(s).update(scaling={"prometheus": PROMETHEUS}), pool(s).update(maxGPUs=3))),
    "GPU009": (lambda s: a100_mixed(s, mig="3g.40gb", count=3, memory=30), "models[0].gpu.count",
               lambda s: a100_mixed(s, mig="3g.40gb", count=2, memory=30)),
    "LIF001": (lambda s: (weights(s), model(s).update(server={"startupSeconds": 300})),
               "models[0].server.startupSeconds",
               lambda s: (weights(s), model(s).update(server={"startupSeconds": 500}))),
    "LIF002": (lambda s: (weights(s), model(s).update(rollout={"progressDeadlineSeconds": 400})),
               "models[0].rollout.progressDeadlineSeconds",
               lambda s: (weights(s), model(s).update(rollout={"progressDeadlineSeconds": 500}))),
    "LIF003": (lambda s: model(s).update(server={"readinessPath": "/health", "livenessPath": "/health"}),
               "models[0].server.livenessPath",
               lambda s: model(s).update(server={"readinessPath": "/ready", "livenessPath": "/health"})),
    "LIF004": (lambda s: model(s).update(server={"maxRequestSeconds": 120, "terminationGraceSeconds": 60}),
               "models[0].server.terminationGraceSeconds",
               lambda s: model(s).update(server={"maxRequestSeconds": 120, "terminationGraceSeconds": 120})),
    "SCA001": (lambda s: model(s).update(scaling={"schedules": schedules(("0 9 * * *", "0 17 * * *")),
                                                  "scaleDownStabilizationSeconds": 60}),
               "models[0].scaling.scaleDownStabilizationSeconds",
               lambda s: model(s).update(scaling={"schedules": schedules(("0 9 * * *", "0 17 * * *")),
                                                  "scaleDownStabilizationSeconds": 300})),
    "SCA002": (lambda s: model(s).update(replicas={"min": 0, "max": 2}), "models[0].replicas.min",
               lambda s: model(s).update(replicas={"min": 0, "max": 2}, priority="batch")),
    "SCA003": (lambda s: model(s).update(scaling={"schedules": [{**schedules(("0 9 * * *", "0 17 * * *"))[0],
                                                                 "replicas": 3}]}),
               "models[0].scaling.schedules[0].replicas",
               lambda s: model(s).update(scaling={"schedules": schedules(("0 9 * * *", "0 17 * * *"))})),
    "SCA004": (lambda s: model(s).update(scaling={"schedules": schedules(("0 9 * * *", "0 17 * * *"),
                                                                         ("30 16 * * *", "0 20 * * *"))}),
               "models[0].scaling.schedules[1]",
               lambda s: model(s).update(scaling={"schedules": schedules(("0 9 * * *", "0 17 * * *"),
                                                                         ("0 17 * * *", "0 20 * * *"))})),
    "SCA005": (lambda s: model(s).update(replicas={"min": 2, "max": 2}, disruption={"minAvailable": 2}),
               "models[0].disruption.minAvailable",
               lambda s: model(s).update(replicas={"min": 2, "max": 2}, disruption={"minAvailable": 1})),
    "SCA006": (lambda s: model(s).update(replicas={"min": 2, "max": 2}, disruption={"maxUnavailable": "100%"}),
               "models[0].disruption",
               lambda s: model(s).update(replicas={"min": 2, "max": 2}, disruption={"maxUnavailable": "50%"})),
    "ROL001": (lambda s: (canary(s), model(s)["rollout"]["canary"].pop("maxLatencyP99Ms")),
               "models[0].rollout.canary", lambda s: canary(s)),
    "ROL002": (lambda s: canary(s, stepWeight=60, maxWeight=50), "models[0].rollout.canary.stepWeight",
               lambda s: canary(s, stepWeight=50, maxWeight=50)),
    "ROL003": (lambda s: (canary(s), model(s).update(replicas={"min": 1, "max": 2})), "models[0].rollout.strategy",
               lambda s: canary(s)),
    "ROL004": (lambda s: canary(s), "models[0].rollout.strategy", lambda s: None),
    "PLC001": (lambda s: (pool(s).update(spot=True), model(s).update(priority="critical")), "models[0].pool",
               lambda s: (pool(s).update(spot=True), model(s).update(priority="batch"))),
    "PLC002": (lambda s: s.update(budget={"monthlyUSD": 500}), "budget.monthlyUSD",   # 168 h x $0.70 x 4.35
               lambda s: s.update(budget={"monthlyUSD": 520})),
    "SEC001": (lambda s: model(s).update(image=model(s)["image"].split("@")[0]), "models[0].image", lambda s: None),
    "SEC002": (lambda s: s.update(security={"allowedRegistries": ["registry.example.com"]}), "models[0].image",
               lambda s: s.update(security={"allowedRegistries": ["ghcr.io"]})),
    "SEC003": (lambda s: s.update(security={"podSecurity": "baseline"}), "security.podSecurity",
               lambda s: s.update(security={"podSecurity": "restricted"})),
    "SEC004": (lambda s: s.update(security={"egress": {"allowAll": True}}), "security.egress.allowAll",
               lambda s: s.update(security={"egress": {"toNamespaces": ["data"]}})),
    "SEC005": (lambda s: None, "models[0].artifact",
               lambda s: model(s)["artifact"].update(claimName="embedder-weights")),
    "SEC006": (lambda s: model(s).update(env={"HF_TOKEN": "hf_" + "a" * 34}), "models[0].env.HF_TOKEN",
               lambda s: model(s).update(env={"HF_TOKEN": "${HF_TOKEN}", "LOG_LEVEL": "info"})),
    "WAV001": (lambda s: s.update(waivers=[waiver("SEC005", datetime.date(2026, 11, 22))]), "waivers[0].expires",
               lambda s: s.update(waivers=[waiver("SEC005", datetime.date(2026, 11, 23))])),
    "WAV002": (lambda s: s.update(waivers=[waiver("SEC001", datetime.date(2027, 1, 31))]), "waivers[0].rule",
               lambda s: s.update(waivers=[waiver("writable-model-volume", datetime.date(2027, 1, 31))])),
}


def lint(tmp_path, change, policy="baseline"):
    spec = copy.deepcopy(BASE)
    change(spec)
    file = tmp_path / "spec.yaml"
    file.write_text(yaml.safe_dump(spec, sort_keys=False))
    assert api.validate_files([str(file)]).ok, api.validate_files([str(file)]).diagnostics
    return api.lint([str(file)], policy, today=TODAY).findings


def test_every_rule_has_fixtures():
    assert sorted(FIXTURES) == sorted(RULES)


@pytest.mark.parametrize("rule_id", sorted(FIXTURES))
def test_rule_fires_where_expected(tmp_path, rule_id):
    fires, path, _ = FIXTURES[rule_id]
    found = [finding for finding in lint(tmp_path, fires) if finding.rule_id == rule_id]
    assert found, f"{rule_id} did not fire"
    assert found[0].path == path
    assert not found[0].waived


@pytest.mark.parametrize("rule_id", sorted(FIXTURES))
def test_rule_stays_silent_on_the_nearest_good_spec(tmp_path, rule_id):
    _, _, passes = FIXTURES[rule_id]
    assert [f.message for f in lint(tmp_path, passes) if f.rule_id == rule_id and not f.waived] == []


def test_the_base_spec_has_only_the_writable_volume_note(tmp_path):
    assert [(f.rule_id, f.severity) for f in lint(tmp_path, lambda s: None)] == [("SEC005", "info")]
