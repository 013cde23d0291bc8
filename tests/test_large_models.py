"""Large models: the GPU memory arithmetic against hand-computed figures (with their sources), parallelism
compiled to engine flags, multi-node replicas as LeaderWorkerSets, in-place rollouts of multi-GPU replicas,
whole-node capacity, and the located errors of contradictory parallel specs."""

from __future__ import annotations

import datetime

import pytest
import yaml

from servespec import api
from servespec.capacity.memory import memory_fit
from servespec.capacity.plan import plan_fleet
from servespec.policies.cases import Case, base_spec
from servespec.synth.fleet import build_manifests
from tests.conftest import ROOT
from tests.test_runtimes import TGI_IMAGE, VLLM_IMAGE, compiled, errors

GIB = 2**30
TODAY = datetime.date(2026, 11, 23)
LLAMA_70B = {"parameters": "70.6B", "dtype": "bf16", "contextLength": 32768, "sequences": 8, "layers": 80,
             "attentionHeads": 64, "kvHeads": 8, "headDim": 128}
"""meta-llama/Llama-3.1-70B-Instruct config.json: 80 layers, 64 heads, 8 key/value heads, hidden 8192."""

H100_POOL = {"gpuPools[0].gpu": "H100-80GB", "gpuPools[0].driverVersion": "570.124.06",
             "gpuPools[0].maxGPUs": 32, "gpuPools[0].gpusPerNode": 8, "models[0].image": VLLM_IMAGE,
             "models[0].resources": {"cpu": "16", "memory": "64Gi"}}  # above /dev/shm: 2Gi per GPU of a pod


def fleet_of(tmp_path, change: dict):
    spec = tmp_path / "fleet.yaml"
    spec.write_text(yaml.safe_dump(Case(change).apply(base_spec()), sort_keys=False))
    return api.load_fleet(str(spec))


def test_large_models_example_memory_matches_hand_computed_figures():
    fleet = api.load_fleet(str(ROOT / "examples" / "large-models.yaml"))
    llama_70b, llama_405b = (memory_fit(model) for model in fleet.models)
    assert llama_70b is not None and llama_405b is not None
    # 70.6e9 parameters x 2 bytes (bf16) = 141.2e9 bytes = 131.50 GiB.
    assert llama_70b.need.weights == pytest.approx(141.2e9 / GIB)
    assert llama_70b.need.weights == pytest.approx(131.50, abs=0.005)
    # KV cache: 2 (K, V) x 80 layers x 8 kv heads x 128 x 2 bytes = 327,680 B per token (vLLM
    # FullAttentionSpec.page_size_bytes per layer), x 32,768 tokens x 8 sequences = 80 GiB exactly.
    assert llama_70b.need.kv_cache == pytest.approx(327_680 * 32_768 * 8 / GIB) == pytest.approx(80.0)
    assert llama_70b.need.overhead == 4 * 5.0  # 5 GiB per GPU with tensor parallelism
    assert llama_70b.need.total == pytest.approx(231.50, abs=0.005)
    assert llama_70b.available == pytest.approx(4 * 81559 / 1024 * 0.9)  # 81559 MiB per H100, vLLM 0.9.2 uses 0.9
    # 405e9 parameters x 1 byte (fp8) = 377.19 GiB; KV cache in bf16 (auto: the activation type):
    # 2 x 126 x 8 x 128 x 2 = 516,096 B per token x 16,384 x 4 = 31.5 GiB exactly.
    assert llama_405b.need.weights == pytest.approx(405e9 / GIB) == pytest.approx(377.19, abs=0.005)
    assert llama_405b.need.kv_cache == pytest.approx(516_096 * 16_384 * 4 / GIB) == pytest.approx(31.5)
    assert llama_405b.need.overhead == 16 * 5.0
    assert llama_405b.gpus == 16 and llama_405b.fits


def test_weights_match_vllms_own_memory_profile(tmp_path):
    """Llama-3-8B (8.03e9 parameters) in bf16: vLLM logs "model weights take 14.96GiB" (vllm-project/vllm#10511)."""
    fleet = fleet_of(tmp_path, {**H100_POOL, "models[0].gpu": {},
                                "models[0].model": {"parameters": "8.03B", "dtype": "bf16"},
                                "models[0].server": {"runtime": "vllm"}})
    fit = memory_fit(fleet.models[0])
    assert fit is not None and round(fit.need.weights, 2) == 14.96
    assert fit.need.kv_cache is None and fit.need.overhead == 3.0  # one GPU: 3 GiB
    assert "KV cache not known" in fit.need.terms()


@pytest.mark.parametrize("dtype, kv_dtype, weights_gib, kv_gib", [
    ("int4", None, 70e9 * 0.5 / GIB, 2 * 80 * 8 * 128 * 2 * 4096 / GIB),
    ("fp8", "fp8", 70e9 / GIB, 2 * 80 * 8 * 128 * 1 * 4096 / GIB),
    ("fp32", None, 70e9 * 4 / GIB, 2 * 80 * 8 * 128 * 4 * 4096 / GIB),
])
def test_bytes_per_weight_and_kv_element(tmp_path, dtype, kv_dtype, weights_gib, kv_gib):
    architecture = {"parameters": "70B", "dtype": dtype, "contextLength": 4096, "layers": 80,
                    "attentionHeads": 64, "kvHeads": 8, "headDim": 128}
    if kv_dtype:
        architecture["kvCacheDtype"] = kv_dtype
    fleet = fleet_of(tmp_path, {**H100_POOL, "models[0].gpu": {}, "models[0].model": architecture,
                                "models[0].parallelism": {"tensor": 4}, "models[0].server": {"runtime": "vllm"}})
    fit = memory_fit(fleet.models[0])
    assert fit is not None
    assert fit.need.weights == pytest.approx(weights_gib) and fit.need.kv_cache == pytest.approx(kv_gib)


def test_stated_memory_and_kv_override_win(tmp_path):
    fleet = fleet_of(tmp_path, {**H100_POOL, "models[0].gpu": {"memoryGB": 150},
                                "models[0].model": {"parameters": "70B", "dtype": "bf16", "kvCacheGB": 12,
                                                    "overheadGB": 1}})
    assert memory_fit(fleet.models[0]).need.total == 150
    fleet = fleet_of(tmp_path, {**H100_POOL, "models[0].gpu": {},
                                "models[0].model": {"parameters": "70B", "dtype": "bf16", "kvCacheGB": 12,
                                                    "overheadGB": 1}})
    need = memory_fit(fleet.models[0]).need
    assert need.kv_cache == 12 and need.overhead == 1 and need.total == pytest.approx(70e9 * 2 / GIB + 13)


def test_engine_share_of_gpu_memory(tmp_path):
    change = {**H100_POOL, "models[0].gpu": {}, "models[0].model": {"parameters": "8B", "dtype": "bf16"}}
    for server, share in (({"runtime": "vllm"}, 0.9), ({"runtime": "tgi"}, 1.0), ({"runtime": "triton"}, 0.9),
                          ({"runtime": "vllm", "gpuMemoryUtilization": 0.95}, 0.95)):
        fleet = fleet_of(tmp_path, {**change, "models[0].server": server,
                                    "models[0].image": TGI_IMAGE if server["runtime"] == "tgi" else VLLM_IMAGE})
        assert memory_fit(fleet.models[0]).utilization == share


def test_vllm_flags_from_parallelism_and_model(tmp_path):
    objects = compiled(tmp_path, {**H100_POOL, "models[0].gpu": {},
                                  "models[0].model": {**LLAMA_70B, "kvCacheDtype": "fp8"},
                                  "models[0].parallelism": {"tensor": 4, "pipeline": 2},
                                  "models[0].server": {"runtime": "vllm", "gpuMemoryUtilization": 0.92}})
    deployment = objects[("Deployment", "embedder")]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["/models", "--port", "8000", "--served-model-name", "embedder",
                                 "--tensor-parallel-size", "4", "--pipeline-parallel-size", "2",
                                 "--max-model-len", "32768", "--gpu-memory-utilization", "0.92",
                                 "--kv-cache-dtype", "fp8"]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "8"
    shm = next(v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == "dshm")
    assert shm["emptyDir"]["sizeLimit"] == "16Gi"
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 0, "maxUnavailable": 1}


def test_tgi_shards_by_the_tensor_degree(tmp_path):
    objects = compiled(tmp_path, {**H100_POOL, "models[0].image": TGI_IMAGE, "models[0].cuda": "12.4",
                                  "models[0].gpu": {}, "models[0].model": {**LLAMA_70B, "contextLength": 8192},
                                  "models[0].parallelism": {"tensor": 2},
                                  "models[0].server": {"runtime": "tgi", "gpuMemoryUtilization": 0.9}})
    args = objects[("Deployment", "embedder")]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args == ["--model-id", "/models", "--port", "8000", "--num-shard", "2", "--max-total-tokens", "8192",
                    "--cuda-memory-fraction", "0.9"]


@pytest.mark.parametrize("gpus, expected", [(1, {"maxSurge": 1, "maxUnavailable": 0}),
                                            (2, {"maxSurge": 1, "maxUnavailable": 0}),
                                            (4, {"maxSurge": 0, "maxUnavailable": 1})])
def test_rolling_update_replaces_in_place_from_four_gpus(tmp_path, gpus, expected):
    objects = compiled(tmp_path, {"gpuPools[0].maxGPUs": 16, "models[0].gpu": {"count": gpus, "memoryGB": 10}})
    assert objects[("Deployment", "embedder")]["spec"]["strategy"]["rollingUpdate"] == expected
    objects = compiled(tmp_path, {"gpuPools[0].maxGPUs": 16, "models[0].gpu": {"count": gpus, "memoryGB": 10},
                                  "models[0].rollout": {"maxSurge": "25%", "maxUnavailable": 0}})
    assert objects[("Deployment", "embedder")]["spec"]["strategy"]["rollingUpdate"] == {
        "maxSurge": "25%", "maxUnavailable": 0}


def test_multi_node_replica_is_a_leader_worker_set(tmp_path):
    objects = compiled(tmp_path, {**H100_POOL, "models[0].gpu": {}, "models[0].model": LLAMA_70B,
                                  "models[0].parallelism": {"tensor": 8, "pipeline": 2},
                                  "models[0].server": {"runtime": "vllm"}, "models[0].replicas": {"min": 1, "max": 2},
                                  "models[0].scaling": {"target": {"metric": "queue", "value": 8}}})
    assert ("Deployment", "embedder") not in objects
    lws = objects[("LeaderWorkerSet", "embedder")]
    assert lws["apiVersion"] == "leaderworkerset.x-k8s.io/v1" and "replicas" not in lws["spec"]  # KEDA scales
    group = lws["spec"]["leaderWorkerTemplate"]
    assert group["size"] == 2 and group["restartPolicy"] == "RecreateGroupOnPodRestart"
    assert lws["spec"]["rolloutStrategy"]["rollingUpdateConfiguration"] == {"maxSurge": 0, "maxUnavailable": 1}
    leader = group["leaderTemplate"]["spec"]["containers"][0]
    worker = group["workerTemplate"]["spec"]["containers"][0]
    script = "/vllm-workspace/examples/online_serving/multi-node-serving.sh"
    assert leader["command"] == worker["command"] == ["sh", "-c"]
    # Ray waits the script's 300 s; the claim needs no download, so nothing is added.
    assert leader["args"] == [f"bash {script} leader --ray_cluster_size=2 --ray_init_timeout=300 && exec vllm serve "
                              "/models --port 8000 --served-model-name embedder --tensor-parallel-size 8 "
                              "--pipeline-parallel-size 2 --max-model-len 32768"]
    assert worker["args"] == [f'bash {script} worker --ray_address="${{LWS_LEADER_ADDRESS}}"']
    assert "startupProbe" in leader and "startupProbe" not in worker and "ports" not in worker
    assert leader["resources"]["limits"]["nvidia.com/gpu"] == worker["resources"]["limits"]["nvidia.com/gpu"] == "8"
    assert group["leaderTemplate"]["metadata"]["labels"]["servespec.dev/role"] == "leader"
    assert objects[("Service", "embedder")]["spec"]["selector"] == {"app.kubernetes.io/name": "embedder",
                                                                    "servespec.dev/role": "leader"}
    assert objects[("ScaledObject", "embedder")]["spec"]["scaleTargetRef"] == {
        "apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet", "name": "embedder"}
    policy = objects[("NetworkPolicy", "embedder")]["spec"]
    own = {"podSelector": {"matchLabels": {"app.kubernetes.io/instance": "embedder"}}}
    assert {"from": [own]} in policy["ingress"] and {"to": [own]} in policy["egress"]
    assert objects[("PodDisruptionBudget", "embedder")]["spec"]["maxUnavailable"] == 1


def test_leader_waits_for_workers_as_long_as_their_download(tmp_path):
    objects = compiled(tmp_path, {**H100_POOL, "models[0].gpu": {}, "models[0].parallelism": {"tensor": 16},
                                  "models[0].server": {"runtime": "vllm"},
                                  "models[0].artifact": {"source": "download", "uri": "s3://m/llama", "sizeGB": 400,
                                                         "download": {"rateMBps": 1000, "secretName": "r",
                                                                      "egress": {"cidrs": ["52.216.0.0/15"]}}}})
    leader = objects[("LeaderWorkerSet", "embedder")]["spec"]["leaderWorkerTemplate"]["leaderTemplate"]["spec"]
    assert "--ray_init_timeout=700 " in leader["containers"][0]["args"][0]  # 300 s + 400 GB at 1,000 MB/s
    assert [c["name"] for c in leader["initContainers"]] == ["download"]


def test_plan_and_capacity_count_whole_nodes(tmp_path):
    fleet = fleet_of(tmp_path, {**H100_POOL, "gpuPools[0].maxGPUs": 20, "models[0].gpu": {},
                                "models[0].parallelism": {"tensor": 8, "pipeline": 2},
                                "models[0].server": {"runtime": "vllm"}, "models[0].replicas": {"min": 1, "max": 1}})
    pool = plan_fleet(fleet).pools[0]
    assert pool.capacity == 16 and pool.peak_gpus == 16 and not pool.over_limit
    assert plan_fleet(fleet).models[0].nodes_per_replica == 2
    fleet = fleet_of(tmp_path, {**H100_POOL, "gpuPools[0].maxGPUs": 20, "models[0].gpu": {"count": 4},
                                "models[0].server": {"runtime": "vllm"}, "models[0].replicas": {"min": 5, "max": 5}})
    pool = plan_fleet(fleet).pools[0]
    assert pool.peak_gpus == 24 and pool.capacity == 16 and pool.over_limit  # 20 GPUs round up to 3 nodes
    report = api.lint([str(tmp_path / "fleet.yaml")], today=TODAY)
    messages = [f.message for f in report.findings if f.rule_id == "GPU008"]
    assert messages == ["pool 'l4' may need 3 nodes of 8 GPUs at Mon 00:00 UTC; maxGPUs 20 holds 2 whole nodes"]


@pytest.mark.parametrize("change, message", [
    ({"models[0].gpu": {"count": 2}, "models[0].parallelism": {"tensor": 4}},
     "gpu.count is 2 but parallelism needs tensor x pipeline = 4 GPUs per replica"),
    ({"models[0].gpu": None, "models[0].parallelism": {"tensor": 2}}, "parallelism needs GPUs: add `gpu:`"),
    ({"models[0].image": TGI_IMAGE, "models[0].cuda": "12.4", "models[0].gpu": {},
      "models[0].server": {"runtime": "tgi"}, "models[0].parallelism": {"tensor": 2, "pipeline": 2}},
     "tgi shards tensors only: it has no pipeline parallelism"),
    ({"models[0].gpu": {}, "models[0].server": {"runtime": "vllm"}, "models[0].parallelism": {"tensor": 12}},
     "12 GPUs per replica do not fill whole nodes of 8 GPUs"),
    ({"models[0].gpu": {}, "models[0].server": {"runtime": "vllm"}, "models[0].parallelism": {"tensor": 16},
      "models[0].rollout": {"strategy": "canary", "canary": {"maxErrorRatePercent": 1}}},
     "Flagger cannot run a canary rollout of a LeaderWorkerSet"),
    ({"models[0].rollout": {"maxSurge": 0, "maxUnavailable": "0%"}}, "maxSurge and maxUnavailable are both 0"),
    ({"models[0].gpu": {}, "models[0].model": {"parameters": "8B", "dtype": "bf16", "layers": 32}},
     "missing: headDim, contextLength, kvHeads"),
    ({"models[0].gpu": {}, "models[0].model": {"parameters": "8B", "dtype": "bf16", "attentionHeads": 32,
                                               "kvHeads": 6}}, "kvHeads (6) must divide attentionHeads (32)"),
    ({"models[0].gpu": {}, "models[0].model": {"parameters": "8 billion", "dtype": "bf16"}},
     "is not a parameter count like 70B"),
    ({"models[0].server": {"runtime": "vllm", "args": ["--max-model-len", "4096"]}, "models[0].gpu": {},
      "models[0].model": {"parameters": "8B", "dtype": "bf16", "contextLength": 8192}},
     "the vllm preset already sets --max-model-len (from `model.contextLength`)"),
])
def test_contradictory_parallel_specs_are_located_errors(tmp_path, change, message):
    found = errors(tmp_path, {**H100_POOL, **change})
    assert any(message in text for text in found), found


def test_generated_manifests_of_the_example_are_deterministic():
    fleet = api.load_fleet(str(ROOT / "examples" / "large-models.yaml"))
    assert [m.data for m in build_manifests(fleet)] == [m.data for m in build_manifests(fleet)]


@pytest.mark.parametrize("change, message, at", [
    # a stated need below the weights is not trusted: 70B in bf16 is 130.4 GiB, one L4 gives 20.2
    ({"models[0].gpu": {"count": 1, "memoryGB": 20}, "models[0].model": {"parameters": "70B", "dtype": "bf16"}},
     "the weights of 'embedder' alone take 130.4 GiB (70B parameters in bf16) but one L4 GPU has 22.5 GiB "
     "(20.2 usable at utilization 0.9); gpu.memoryGB 20 is below them", "models[0].gpu.memoryGB"),
    # no model block, no stated need: the weights on disk
    ({"models[0].gpu": {"count": 1}, "models[0].artifact": {"source": "pvc", "claimName": "w", "sizeGB": 141}},
     "the weights of 'embedder' alone take 131.3 GiB (artifact.sizeGB 141)", "models[0].artifact.sizeGB"),
])
def test_weights_that_exceed_the_gpus_are_an_error_whatever_the_stated_need(tmp_path, change, message, at):
    spec = tmp_path / "fleet.yaml"
    fleet_of(tmp_path, change)
    findings = [f for f in api.lint([str(spec)]).findings if f.rule_id == "GPU004"]
    assert len(findings) == 1 and findings[0].message.startswith(message), [f.message for f in findings]
    assert findings[0].severity == "error" and findings[0].path == at


def test_a_need_that_fits_the_gib_the_driver_reports_and_not_the_name(tmp_path):
    """An L4 '24 GB' reports 23034 MiB (22.49 GiB): 21 GB of stated need do not fit at vLLM's 0.9."""
    spec = tmp_path / "fleet.yaml"
    fleet_of(tmp_path, {"models[0].gpu": {"count": 1, "memoryGB": 21}})
    assert [f.rule_id for f in api.lint([str(spec)]).findings if f.rule_id == "GPU004"] == ["GPU004"]


def test_the_leader_address_has_a_headless_service_of_its_own(tmp_path):
    """LWS needs a headless Service named after the pods' subdomain; with the default Shared policy that is
    `<name>`, which the model's ClusterIP Service takes (LWS then skips its own and the workers never find the
    leader). One subdomain per group, `<name>-<group>`, leaves `<name>` to the clients."""
    objects = compiled(tmp_path, {**H100_POOL, "models[0].gpu": {}, "models[0].parallelism": {"tensor": 16},
                                  "models[0].server": {"runtime": "vllm"}})
    assert objects[("LeaderWorkerSet", "embedder")]["spec"]["networkConfig"] == {"subdomainPolicy": "UniquePerReplica"}
    assert objects[("Service", "embedder")]["spec"]["type"] == "ClusterIP"


@pytest.mark.parametrize("max_gpus, update", [(32, {"maxSurge": 1, "maxUnavailable": 0}),   # room for a group
                                              (16, {"maxSurge": 0, "maxUnavailable": 1})])  # none: in place
def test_a_group_surges_where_the_pool_has_room(tmp_path, max_gpus, update):
    objects = compiled(tmp_path, {**H100_POOL, "gpuPools[0].maxGPUs": max_gpus, "models[0].gpu": {},
                                  "models[0].parallelism": {"tensor": 16}, "models[0].server": {"runtime": "vllm"}})
    lws = objects[("LeaderWorkerSet", "embedder")]
    assert lws["spec"]["rolloutStrategy"]["rollingUpdateConfiguration"] == update


def test_istio_sidecars_stay_out_of_the_ranks_traffic(tmp_path):
    """Ray and NCCL ports are not declared to the mesh (Ray's Istio guide needs every port pinned): only the
    leader gets a sidecar, redirecting the serving ports inbound and nothing outbound."""
    objects = compiled(tmp_path, {**H100_POOL, "models[0].gpu": {}, "models[0].parallelism": {"tensor": 16},
                                  "models[0].server": {"runtime": "vllm"},
                                  "traffic": {"provider": "istio", "istio": {"gateways": ["istio-ingress/public"]}}})
    group = objects[("LeaderWorkerSet", "embedder")]["spec"]["leaderWorkerTemplate"]
    leader, worker = group["leaderTemplate"]["metadata"], group["workerTemplate"]["metadata"]
    assert leader["labels"]["sidecar.istio.io/inject"] == "true"
    assert leader["annotations"]["traffic.sidecar.istio.io/includeInboundPorts"] == "8000"
    assert leader["annotations"]["traffic.sidecar.istio.io/includeOutboundIPRanges"] == ""
    assert worker["labels"]["sidecar.istio.io/inject"] == "false" and "annotations" not in worker
