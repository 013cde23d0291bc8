"""Escape hatches: pod additions, fleet-wide annotations and last-resort patches of compiled objects, which
lint and diff read like everything else."""

from __future__ import annotations

import pytest
import yaml

from servespec import api
from servespec.policies.cases import Case, base_spec
from tests.test_runtimes import compiled, errors, pod, server


def test_pod_additions_reach_the_pods_and_keep_servespecs_own(tmp_path):
    objects = compiled(tmp_path, {
        "metadata.annotations": {"team.acme.example/owner": "search"},
        "models[0].pod": {
            "labels": {"cost-center": "ml-42"},
            "annotations": {"cluster-autoscaler.kubernetes.io/safe-to-evict": "false"},
            "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "inference", "effect": "NoSchedule"}],
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In",
                                       "values": ["us-east1-b"]}]}]}}},
            "volumes": [{"name": "prompts", "configMap": {"name": "prompts"}}],
            "volumeMounts": [{"name": "prompts", "mountPath": "/etc/prompts", "readOnly": True}]}})
    template = objects[("Deployment", "embedder")]["spec"]["template"]
    assert template["metadata"]["labels"]["cost-center"] == "ml-42"
    assert template["metadata"]["labels"]["app.kubernetes.io/name"] == "embedder"
    assert template["metadata"]["annotations"]["cluster-autoscaler.kubernetes.io/safe-to-evict"] == "false"
    spec = pod(objects)
    assert spec["tolerations"][-1]["key"] == "dedicated" and spec["tolerations"][0]["key"] == "nvidia.com/gpu"
    term = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
    # the zone is ANDed with the compute capability, not ORed beside it
    assert [e["key"] for e in term["matchExpressions"]] == [
        "nvidia.com/gpu.compute.major", "nvidia.com/gpu.compute.minor", "topology.kubernetes.io/zone"]
    assert {"name": "prompts", "configMap": {"name": "prompts"}} in spec["volumes"]
    assert {"name": "prompts", "mountPath": "/etc/prompts", "readOnly": True} in server(objects)["volumeMounts"]
    assert all(data["metadata"]["annotations"]["team.acme.example/owner"] == "search" for data in objects.values())


def test_patches_change_compiled_objects_last(tmp_path):
    objects = compiled(tmp_path, {"patches": [
        {"target": {"kind": "Deployment", "name": "embedder"},
         "jsonPatch": [{"op": "add", "path": "/spec/minReadySeconds", "value": 30}]},
        {"target": {"kind": "Service"}, "mergePatch": {"metadata": {"annotations": {
            "cloud.google.com/neg": '{"ingress": true}'}}, "spec": {"sessionAffinity": "ClientIP"}}}]})
    assert objects[("Deployment", "embedder")]["spec"]["minReadySeconds"] == 30
    service = objects[("Service", "embedder")]
    assert service["spec"]["sessionAffinity"] == "ClientIP" and service["spec"]["type"] == "ClusterIP"
    assert service["metadata"]["annotations"]["cloud.google.com/neg"] == '{"ingress": true}'


def _compile_errors(tmp_path, change: dict) -> list[str]:
    spec = tmp_path / "fleet.yaml"
    spec.write_text(yaml.safe_dump(Case(change).apply(base_spec()), sort_keys=False))
    code, messages = 0, []
    try:
        api.compile_specs([str(spec)], str(tmp_path / "out"), options=api.SchemaOptions(enabled=False))
    except api.SpecError as error:
        code, messages = 1, [d.render() for d in error.diagnostics]
    assert code == 1
    return messages


@pytest.mark.parametrize("patch, message", [
    ({"target": {"kind": "Deployment", "name": "nope"}, "mergePatch": {"spec": {}}},
     "error: the patch matches no compiled object (Deployment nope)"),
    ({"target": {"kind": "Deployment"}, "jsonPatch": [{"op": "add", "path": "/spec/paused", "value": False},
                                                      {"op": "replace", "path": "/spec/nothing/here", "value": 1}]},
     "error: operation 2 (replace /spec/nothing/here) cannot apply to Deployment embedder"),
])
def test_a_patch_that_cannot_apply_is_a_located_error(tmp_path, patch, message):
    found = _compile_errors(tmp_path, {"patches": [patch]})
    assert any(message in line for line in found), found


def test_a_patch_needs_exactly_one_kind(tmp_path):
    found = errors(tmp_path, {"patches": [{"target": {"kind": "Service"}}]})
    assert any("exactly one of jsonPatch and mergePatch" in line for line in found), found


def test_lint_reads_the_patched_objects(tmp_path):
    """A patch cannot sneak past the policy: a namespace patched to a weaker Pod Security level is SEC003's."""
    spec = tmp_path / "fleet.yaml"
    spec.write_text(yaml.safe_dump(Case({"patches": [{"target": {"kind": "Namespace"}, "mergePatch": {
        "metadata": {"labels": {"pod-security.kubernetes.io/enforce": "privileged"}}}}]})
        .apply(base_spec()), sort_keys=False))
    findings = api.lint([str(spec)]).findings
    assert any(f.rule_id == "SEC003" for f in findings), [f.rule_id for f in findings]
