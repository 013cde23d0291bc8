"""The node side of MIG: each MIG pool's mig-parted configuration in the MIG Manager's ConfigMap, and the
pods selecting the configuration and its applied state."""

from __future__ import annotations

import yaml

from servespec.policies.cases import base_spec
from tests.test_runtimes import compiled, errors

A100_MIXED = {"gpuPools[0].gpu": "A100-80GB", "gpuPools[0].mig": {"strategy": "mixed"}, "gpuPools[0].maxGPUs": 16}


def config(objects: dict) -> dict:
    config_map = objects[("ConfigMap", "quickstart-mig-parted-config")]
    assert config_map["metadata"]["namespace"] == "gpu-operator"
    return yaml.safe_load(config_map["data"]["config.yaml"])


def test_one_profile_splits_every_gpu_and_pods_wait_for_the_applied_state(tmp_path):
    objects = compiled(tmp_path, {**A100_MIXED, "models[0].gpu": {"mig": "1g.10gb", "memoryGB": 6}})
    assert config(objects) == {"version": "v1", "mig-configs": {"all-1g.10gb": [
        {"devices": "all", "mig-enabled": True, "mig-devices": {"1g.10gb": 7}}]}}
    selector = objects[("Deployment", "embedder")]["spec"]["template"]["spec"]["nodeSelector"]
    assert selector["nvidia.com/mig.config"] == "all-1g.10gb"
    assert selector["nvidia.com/mig.config.state"] == "success"


def test_single_strategy_pool_uses_its_profile(tmp_path):
    objects = compiled(tmp_path, {"gpuPools[0].gpu": "A100-80GB", "gpuPools[0].maxGPUs": 4,
                                  "gpuPools[0].mig": {"strategy": "single", "profile": "3g.40gb"},
                                  "models[0].gpu": {"mig": "3g.40gb", "memoryGB": 20},
                                  "gpuOperator": {"namespace": "nvidia-gpu-operator"}})
    assert objects[("ConfigMap", "quickstart-mig-parted-config")]["metadata"]["namespace"] == "nvidia-gpu-operator"


def test_several_profiles_share_each_nodes_gpus_by_demand(tmp_path):
    second = {"name": "ranker", "version": "v1", "image": "ghcr.io/acme/embedder:1.0.0-cuda12.4@sha256:"
              "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", "pool": "l4",
              "gpu": {"mig": "3g.40gb", "memoryGB": 30}, "resources": {"cpu": "2", "memory": "8Gi"},
              "replicas": {"min": 1, "max": 4}}
    first = {**base_spec()["models"][0], "gpu": {"mig": "1g.10gb", "memoryGB": 6}, "replicas": {"min": 1, "max": 14}}
    objects = compiled(tmp_path, {**A100_MIXED, "gpuPools[0].gpusPerNode": 8, "models": [first, second]})
    # 14 x 1g.10gb = 2 GPUs of 7; 4 x 3g.40gb = 2 GPUs of 2: half of each node's 8 GPUs each.
    assert config(objects)["mig-configs"] == {"servespec-l4": [
        {"devices": [0, 1, 2, 3], "mig-enabled": True, "mig-devices": {"1g.10gb": 7}},
        {"devices": [4, 5, 6, 7], "mig-enabled": True, "mig-devices": {"3g.40gb": 2}}]}
    selector = objects[("Deployment", "ranker")]["spec"]["template"]["spec"]["nodeSelector"]
    assert selector["nvidia.com/mig.config"] == "servespec-l4"


def test_several_profiles_need_gpus_per_node(tmp_path):
    second = {"name": "ranker", "version": "v1", "image": "ghcr.io/acme/embedder:1.0.0-cuda12.4@sha256:"
              "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", "pool": "l4",
              "gpu": {"mig": "3g.40gb", "memoryGB": 30}, "resources": {"cpu": "2", "memory": "8Gi"}}
    first = {**base_spec()["models"][0], "gpu": {"mig": "1g.10gb", "memoryGB": 6}}
    found = errors(tmp_path, {**A100_MIXED, "models": [first, second]})
    assert any("use 2 MIG profiles (1g.10gb, 3g.40gb): set gpusPerNode" in error for error in found), found


def test_no_configuration_without_slices_or_for_a_profile_the_gpu_lacks(tmp_path):
    assert not any(kind == "ConfigMap" for kind, _ in compiled(tmp_path, A100_MIXED))
    lacking = compiled(tmp_path, {**A100_MIXED, "models[0].gpu": {"mig": "1g.5gb", "memoryGB": 4}})
    assert not any(kind == "ConfigMap" for kind, _ in lacking)  # GPU002 reports the profile
