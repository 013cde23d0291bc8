"""Runtime presets, weight delivery and engine scraping: what each preset compiles to, the startup and
progress-deadline arithmetic, the NetworkPolicy a download gets, and the errors for contradictory specs."""

from __future__ import annotations

import pytest
import yaml

from servespec import api
from servespec.catalog.runtimes import ENGINE_METRIC, RUNTIMES, runtime_of_metric
from servespec.policies.cases import Case, base_spec
from servespec.synth.fleet import build_manifests
from servespec.synth.network_policy import DNS_PORTS, KUBE_DNS

VLLM_IMAGE = "docker.io/vllm/vllm-openai:v0.9.2@sha256:" + "3" * 64
TRITON_IMAGE = "nvcr.io/nvidia/tritonserver:24.10-py3@sha256:" + "8" * 64
TGI_IMAGE = "ghcr.io/huggingface/text-generation-inference:3.0.1@sha256:" + "1" * 64


def compiled(tmp_path, change: dict) -> dict[tuple[str, str], dict]:
    """The base spec with `change`, compiled without Node: (kind, name) -> object."""
    spec = tmp_path / "fleet.yaml"
    spec.write_text(yaml.safe_dump(Case(change).apply(base_spec()), sort_keys=False))
    fleet = api.load_fleet(str(spec))
    return {(m.kind, m.data["metadata"]["name"]): m.data for m in build_manifests(fleet)}


def errors(tmp_path, change: dict) -> list[str]:
    spec = tmp_path / "fleet.yaml"
    spec.write_text(yaml.safe_dump(Case(change).apply(base_spec()), sort_keys=False))
    return [d.message for d in api.validate_file(str(spec)) if d.severity == "error"]


def server(objects: dict) -> dict:
    return objects[("Deployment", "embedder")]["spec"]["template"]["spec"]["containers"][0]


def pod(objects: dict) -> dict:
    return objects[("Deployment", "embedder")]["spec"]["template"]["spec"]


def test_vllm_preset_with_tensor_parallelism(tmp_path):
    objects = compiled(tmp_path, {"gpuPools[0].maxGPUs": 8, "models[0].image": VLLM_IMAGE,
                                  "models[0].gpu": {"count": 4, "memoryGB": 60},
                                  "models[0].server": {"runtime": "vllm", "args": ["--max-model-len", "8192"]}})
    container = server(objects)
    assert container["command"] == ["vllm", "serve"]
    assert container["args"] == ["/models", "--port", "8000", "--served-model-name", "embedder",
                                 "--tensor-parallel-size", "4", "--max-model-len", "8192"]
    assert container["readinessProbe"]["httpGet"] == {"path": "/health", "port": "http"}  # vLLM's own guide
    assert container["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    shm = next(v for v in pod(objects)["volumes"] if v["name"] == "dshm")
    assert shm["emptyDir"] == {"medium": "Memory", "sizeLimit": "8Gi"}  # 2Gi per GPU
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["HF_HOME"] == "/cache/huggingface" and env["VLLM_CACHE_ROOT"] == "/cache/vllm"
    assert {"name": "cache", "mountPath": "/cache"} in container["volumeMounts"]
    assert objects[("PodMonitor", "embedder")]["spec"]["podMetricsEndpoints"] == [
        {"port": "http", "path": "/metrics", "interval": "15s"}]


def test_triton_preset_has_grpc_and_a_metrics_port_only_prometheus_reaches(tmp_path):
    objects = compiled(tmp_path, {"models[0].image": TRITON_IMAGE, "models[0].server": {"runtime": "triton"},
                                  "models[0].scaling": {"target": {"metric": "queue", "value": 16}}})
    container = server(objects)
    assert container["command"] == ["tritonserver"]
    assert container["args"] == ["--model-repository=/models", "--http-port=8000", "--grpc-port=8001",
                                 "--metrics-port=8002", "--metrics-config=summary_latencies=true"]
    assert [(p["name"], p["containerPort"]) for p in container["ports"]] == [
        ("http", 8000), ("grpc", 8001), ("metrics", 8002)]
    assert container["readinessProbe"]["httpGet"]["path"] == "/v2/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/v2/health/live"
    service_ports = [p["name"] for p in objects[("Service", "embedder")]["spec"]["ports"]]
    assert service_ports == ["http", "grpc"]
    ingress = objects[("NetworkPolicy", "embedder")]["spec"]["ingress"]
    assert ingress[0]["ports"] == [{"protocol": "TCP", "port": 8000}, {"protocol": "TCP", "port": 8001}]
    assert ingress[1] == {"from": [{"namespaceSelector": {"matchExpressions": [
        {"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["monitoring"]}]}}],
        "ports": [{"protocol": "TCP", "port": 8002}]}
    trigger = objects[("ScaledObject", "embedder")]["spec"]["triggers"][0]
    assert trigger["metadata"]["query"] == \
        'sum(nv_inference_pending_request_count{namespace="ml-serving",app_kubernetes_io_name="embedder"})'
    assert trigger["metadata"]["threshold"] == "16"


def test_tgi_preset_binds_an_unprivileged_port(tmp_path):
    container = server(compiled(tmp_path, {"models[0].image": TGI_IMAGE, "models[0].server": {"runtime": "tgi"}}))
    assert "command" not in container  # the image's entrypoint is text-generation-launcher
    assert container["args"] == ["--model-id", "/models", "--port", "8000", "--num-shard", "1"]
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["HUGGINGFACE_HUB_CACHE"] == "/cache/huggingface/hub"  # the image's /data is read-only here


def test_custom_runtime_keeps_the_plain_server(tmp_path):
    container = server(compiled(tmp_path, {}))
    assert "command" not in container and "args" not in container
    assert [item["name"] for item in container["env"]] == ["MODEL_DIR"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert ("PodMonitor", "embedder") not in compiled(tmp_path, {})


def test_startup_budget_adds_the_warm_up_and_twice_the_local_read(tmp_path):
    # 60 s + 120 s vLLM warm-up + 2 x 16.1 GB / 1000 MB/s (32.2 s, 33 whole) = 213 s -> 220 s in 10 s periods
    objects = compiled(tmp_path, {"models[0].image": VLLM_IMAGE, "models[0].server": {"runtime": "vllm"},
                                  "models[0].artifact": {"source": "pvc", "claimName": "w", "sizeGB": 16.1,
                                                         "loadMBps": 1000}})
    assert server(objects)["startupProbe"]["failureThreshold"] == 22
    assert objects[("Deployment", "embedder")]["spec"]["progressDeadlineSeconds"] == 600  # 220 + 300 < 600


def test_progress_deadline_adds_the_download(tmp_path):
    # download 16.1 GB at 200 MB/s: 80.5 s (81) + startup 220 s + 300 s = 601 s
    objects = compiled(tmp_path, {"models[0].image": VLLM_IMAGE, "models[0].server": {"runtime": "vllm"},
                                  "models[0].artifact": {"source": "download", "uri": "s3://b/llama", "sizeGB": 16.1,
                                                         "loadMBps": 1000,
                                                         "download": {"rateMBps": 200, "secretName": "r"}}})
    assert objects[("Deployment", "embedder")]["spec"]["progressDeadlineSeconds"] == 601


def test_a_download_gets_an_init_container_and_exactly_its_egress(tmp_path):
    objects = compiled(tmp_path, {"models[0].artifact": {
        "source": "download", "uri": "s3://acme-models/embedder/v1", "sizeGB": 1.3,
        "download": {"secretName": "s3-reader", "egress": {"cidrs": ["52.216.0.0/15"]}}}})
    init = pod(objects)["initContainers"][0]
    assert init["image"] == "docker.io/rclone/rclone:1.68.2"
    assert init["args"] == ["copy", "--fast-list", "--transfers=16", ":s3,env_auth=true:acme-models/embedder/v1",
                            "/models"]
    assert init["envFrom"] == [{"secretRef": {"name": "s3-reader"}}]
    assert {"name": "model", "mountPath": "/models"} in init["volumeMounts"]
    assert {"name": "model", "mountPath": "/models", "readOnly": True} in server(objects)["volumeMounts"]
    assert "envFrom" not in server(objects)  # the credentials stay with the download
    assert {"name": "model", "emptyDir": {"sizeLimit": "2G"}} in pod(objects)["volumes"]  # 1.3 GB + 10%
    assert server(objects)["resources"]["requests"]["ephemeral-storage"] == "3Gi"  # /tmp 1Gi + 2G
    assert objects[("NetworkPolicy", "embedder")]["spec"]["egress"] == [
        {"to": [KUBE_DNS, {"ipBlock": {"cidr": "169.254.20.10/32"}}], "ports": DNS_PORTS},
        {"to": [{"ipBlock": {"cidr": "52.216.0.0/15"}}], "ports": [{"protocol": "TCP", "port": 443}]}]


def test_hf_downloads_use_the_engine_image(tmp_path):
    objects = compiled(tmp_path, {"models[0].image": VLLM_IMAGE, "models[0].server": {"runtime": "vllm"},
                                  "models[0].artifact": {"source": "download", "sizeGB": 16,
                                                         "uri": "hf://meta-llama/Llama-3.1-8B-Instruct@abc123"}})
    init = pod(objects)["initContainers"][0]
    assert init["image"] == VLLM_IMAGE
    assert init["command"] == ["python3", "-c", "from huggingface_hub import snapshot_download; snapshot_download("
                               "repo_id='meta-llama/Llama-3.1-8B-Instruct', revision='abc123', local_dir='/models')"]


def test_image_volume_weights(tmp_path):
    reference = "registry.example.com/weights/embedder:1@sha256:" + "0" * 64
    objects = compiled(tmp_path, {"models[0].artifact": {"source": "image", "sizeGB": 1.3,
                                                         "image": {"reference": reference}}})
    assert {"name": "model", "image": {"reference": reference, "pullPolicy": "IfNotPresent"}} in pod(objects)["volumes"]
    assert "initContainers" not in pod(objects)


def test_env_from_secrets_and_config_maps(tmp_path):
    container = server(compiled(tmp_path, {
        "models[0].env": {"TOKEN": {"secretKeyRef": {"name": "api", "key": "token"}}, "MODE": "fast"},
        "models[0].envFrom": [{"configMap": "settings"}, {"secret": "more"}]}))
    assert {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}} in container["env"]
    assert container["envFrom"] == [{"configMapRef": {"name": "settings"}}, {"secretRef": {"name": "more"}}]


@pytest.mark.parametrize(("change", "message"), [
    ({"models[0].artifact": {"source": "pvc", "sizeGB": 1}}, "source pvc needs `claimName`"),
    ({"models[0].artifact": {"source": "image", "sizeGB": 1}}, "source image needs `image: {reference: ...}`"),
    ({"models[0].artifact": {"source": "download", "sizeGB": 1}}, "source download needs `uri`"),
    ({"models[0].artifact": {"source": "download", "uri": "ftp://host/w", "sizeGB": 1}},
     "servespec has no default download for 'ftp://host/w'"),
    ({"models[0].artifact": {"source": "download", "uri": "hf://org/m", "sizeGB": 1},
      "models[0].server": {"runtime": "triton"}}, "which the triton runtime does not promise"),
    ({"models[0].artifact": {"source": "download", "uri": "s3://b/m", "claimName": "w", "sizeGB": 1}},
     "`claimName` applies only to source pvc"),
    ({"models[0].server": {"metricsPort": "metric"}}, "no port is named 'metric'"),
    ({"models[0].server": {"runtime": "triton", "ports": [{"name": "grpc", "port": 9000}]}},
     "port name 'grpc' is already used"),
    ({"models[0].server": {"runtime": "triton", "port": 8001}}, "ports 'http' and 'grpc' both use 8001"),
    ({"models[0].scaling": {"target": {"metric": "queue", "value": 1}}}, "runtime 'custom' has no known load metric"),
    ({"models[0].server": {"runtime": "tgi", "args": ["--num-shard=2"]}}, "the tgi preset already sets --num-shard"),
    ({"models[0].env": {"X": {"secretKeyRef": {"name": "a", "key": "b"},
                              "configMapKeyRef": {"name": "a", "key": "b"}}}},
     "needs exactly one of secretKeyRef and configMapKeyRef"),
])
def test_contradictions_are_located_errors(tmp_path, change, message):
    assert any(message in error for error in errors(tmp_path, change)), errors(tmp_path, change)


def test_cuda_comes_from_the_runtime_table_for_untagged_engine_images(tmp_path):
    spec = tmp_path / "fleet.yaml"
    for image, runtime, cuda in [(VLLM_IMAGE, "vllm", (12, 8)), (TRITON_IMAGE, "triton", (12, 6)),
                                 ("docker.io/vllm/vllm-openai:v0.8.5@sha256:" + "3" * 64, "vllm", (12, 4)),
                                 ("docker.io/vllm/vllm-openai:v0.20.1@sha256:" + "3" * 64, "vllm", (13, 0)),
                                 ("docker.io/vllm/vllm-openai:v0.6.6@sha256:" + "3" * 64, "vllm", None)]:
        data = Case({"models[0].image": image, "models[0].server": {"runtime": runtime}}).apply(base_spec())
        spec.write_text(yaml.safe_dump(data))
        model = api.load_fleet(str(spec)).models[0]
        assert model.cuda == cuda and model.cuda_source == ("runtime" if cuda else "")


def test_cuda_from_the_runtime_table_is_checked_against_the_driver(tmp_path):
    spec = tmp_path / "fleet.yaml"
    data = Case({"models[0].image": VLLM_IMAGE, "models[0].server": {"runtime": "vllm"},
                 "gpuPools[0].driverVersion": "520.61.05"}).apply(base_spec())
    spec.write_text(yaml.safe_dump(data))
    findings = api.lint([str(spec)]).findings
    assert any(f.rule_id == "GPU005" and f.message.startswith("the vllm 0.9.2 image needs CUDA 12.8")
               for f in findings), [f.message for f in findings]


def test_every_scaling_metric_belongs_to_its_engine():
    for runtime in RUNTIMES.values():
        for rows in runtime.scaling_metrics.values():
            for _, metric in rows:
                assert ENGINE_METRIC.fullmatch(metric) and runtime_of_metric(metric) is runtime


def test_a_canary_of_a_multi_port_server_discovers_its_other_ports(tmp_path):
    objects = compiled(tmp_path, {"models[0].image": TRITON_IMAGE, "models[0].server": {"runtime": "triton"},
                                  "models[0].rollout": {"strategy": "canary"}})
    assert objects[("Canary", "embedder")]["spec"]["service"] == {
        "port": 8000, "targetPort": "http", "portName": "http", "portDiscovery": True}
    single = compiled(tmp_path, {"models[0].rollout": {"strategy": "canary"}})
    assert "portDiscovery" not in single[("Canary", "embedder")]["spec"]["service"]


@pytest.mark.parametrize("addresses, peers", [
    (None, [{"ipBlock": {"cidr": "169.254.20.10/32"}}]),
    ([], []),
    (["169.254.169.254/32", "169.254.20.10/32"], [{"ipBlock": {"cidr": "169.254.169.254/32"}},
                                                  {"ipBlock": {"cidr": "169.254.20.10/32"}}]),
])
def test_dns_egress_reaches_kube_dns_and_node_local_resolvers(tmp_path, addresses, peers):
    """NodeLocal DNSCache answers on a link-local address from the host network: only an ipBlock reaches it."""
    change = {} if addresses is None else {"security": {"egress": {"dnsAddresses": addresses}}}
    objects = compiled(tmp_path, change)
    dns = objects[("NetworkPolicy", "embedder")]["spec"]["egress"][0]
    assert dns == {"to": [KUBE_DNS, *peers], "ports": DNS_PORTS}


def test_flagger_scales_the_primary_on_its_own_pods(tmp_path):
    """Flagger clones the model's ScaledObject for `<name>-primary`: the primary gets the replica bounds and
    a query on its own pods (app.kubernetes.io/name is `<name>-primary` there); the canary is capped at its
    size, so cron floors and the load go to the primary."""
    objects = compiled(tmp_path, {"gpuPools[0].maxGPUs": 8, "models[0].image": VLLM_IMAGE,
                                  "models[0].server": {"runtime": "vllm"}, "models[0].replicas": {"min": 2, "max": 6},
                                  "models[0].scaling": {"target": {"metric": "queue", "value": 8},
                                                        "prometheus": {"serverAddress": "http://p:9090",
                                                                       "query": "sum(rate(x[1m]))", "threshold": 5,
                                                                       "primaryQuery": "sum(rate(y[1m]))"}},
                                  "models[0].rollout": {"strategy": "canary",
                                                        "canary": {"maxErrorRatePercent": 1}}})
    ref = objects[("Canary", "embedder")]["spec"]["autoscalerRef"]
    assert ref["primaryScalerReplicas"] == {"minReplicas": 2, "maxReplicas": 6}
    primary = 'sum(vllm:num_requests_waiting{namespace="ml-serving",app_kubernetes_io_name="embedder-primary"})'
    assert ref["primaryScalerQueries"] == {"engine-queue": primary, "prometheus": "sum(rate(y[1m]))"}
    scaled = objects[("ScaledObject", "embedder")]["spec"]
    assert scaled["maxReplicaCount"] == 2 and scaled["minReplicaCount"] == 2
    assert scaled["triggers"][0]["metadata"]["query"] == \
        'sum(vllm:num_requests_waiting{namespace="ml-serving",app_kubernetes_io_name="embedder"})'
    assert "app.kubernetes.io/name" in objects[("PodMonitor", "embedder")]["spec"]["podTargetLabels"]


@pytest.mark.parametrize("driver, rules", [
    ("535.104.05", set()),      # R535 from 535.86: forward compatible on data center GPUs (25.03 release notes)
    ("560.35.03", set()),       # the release's own minimum: 560
    ("535.54.03", {"GPU006"}),  # R535 below 535.86: CUDA 12.8 only through minor-version compatibility
    ("550.90.07", {"GPU006"}),  # R550 is no listed branch and below 560
    ("470.57.02", set()),       # R470 from 470.57
    ("520.61.05", {"GPU005"}),  # no listed branch, below the 12.x compatibility floor
])
def test_triton_driver_support_follows_its_release_notes(tmp_path, driver, rules):
    spec = tmp_path / "fleet.yaml"
    data = Case({"models[0].image": "nvcr.io/nvidia/tritonserver:25.03-py3@sha256:" + "8" * 64,
                 "models[0].server": {"runtime": "triton"}, "gpuPools[0].driverVersion": driver}).apply(base_spec())
    spec.write_text(yaml.safe_dump(data))
    found = {f.rule_id for f in api.lint([str(spec)]).findings} & {"GPU005", "GPU006"}
    assert found == rules


def test_engine_facts_follow_the_image_version():
    vllm = RUNTIMES["vllm"]
    assert vllm.facts((0, 9, 1)).scaling_metrics["kvCache"] == "vllm:gpu_cache_usage_perc"
    assert vllm.facts((0, 9, 2)).scaling_metrics["kvCache"] == "vllm:kv_cache_usage_perc"
    assert vllm.facts(None).scaling_metrics["kvCache"] == "vllm:kv_cache_usage_perc"  # no version: the newest
    assert "queue" not in vllm.facts((0, 2, 2)).scaling_metrics
    assert [vllm.facts(v).gpu_memory_utilization for v in [(0, 19, 1), (0, 20, 0), (0, 34, 0)]] == [0.9, 0.92, 1.0]
    assert vllm.facts((0, 20, 0)).args == () and RUNTIMES["triton"].facts((23, 5)).args != ()


def test_a_scaling_metric_the_image_cannot_export_is_a_located_error(tmp_path):
    change = {"models[0].image": "docker.io/vllm/vllm-openai:v0.2.2@sha256:" + "3" * 64,
              "models[0].server": {"runtime": "vllm"}, "models[0].scaling": {"target": {"metric": "queue", "value": 4}}}
    assert any("exports from version 0.2.3 on" in error for error in errors(tmp_path, change)), errors(tmp_path, change)


@pytest.mark.parametrize("change, at", [
    ({"models[0].env": {"VLLM_API_KEY": {"secretKeyRef": {"name": "k", "key": "key"}}},
      "models[0].server": {"runtime": "vllm", "readinessPath": "/v1/models"}}, "server.readinessPath"),
    ({"models[0].server": {"runtime": "vllm", "args": ["--api-key", "x"], "livenessPath": "/v1/models"}},
     "server.livenessPath"),
])
def test_probes_behind_the_vllm_api_key_are_located_errors(tmp_path, change, at):
    spec = tmp_path / "fleet.yaml"
    spec.write_text(yaml.safe_dump(Case({"models[0].image": VLLM_IMAGE, **change}).apply(base_spec()),
                                   sort_keys=False))
    problems = [d for d in api.validate_file(str(spec)) if "answers /v1/models with 401" in d.message]
    assert len(problems) == 1, [d.message for d in api.validate_file(str(spec))]


def test_vllm_behind_an_api_key_keeps_probing_health(tmp_path):
    """vLLM answers every /v1 path with 401 without the key; /health stays open (its Kubernetes guide)."""
    objects = compiled(tmp_path, {"models[0].image": VLLM_IMAGE, "models[0].server": {"runtime": "vllm"},
                                  "models[0].env": {"VLLM_API_KEY": {"secretKeyRef": {"name": "k", "key": "key"}}}})
    container = server(objects)
    assert {container[p]["httpGet"]["path"] for p in ("startupProbe", "readinessProbe", "livenessProbe")} == {
        "/health"}


@pytest.mark.parametrize("credentials, opened", [
    ("instanceMetadata", {"cidr": "169.254.169.254/32", "port": 80}),  # GKE Workload Identity, EC2 roles
    ("podIdentity", {"cidr": "169.254.170.23/32", "port": 80}),        # the EKS Pod Identity agent
    ("webIdentity", None), ("anonymous", None)])
def test_a_download_without_a_secret_opens_exactly_its_credential_endpoint(tmp_path, credentials, opened):
    objects = compiled(tmp_path, {"models[0].artifact": {
        "source": "download", "uri": "gs://acme-models/embedder/v1", "sizeGB": 1.3,
        "download": {"credentials": credentials, "egress": {"cidrs": ["199.36.153.8/30"]}}}})
    link_local = [rule for rule in objects[("NetworkPolicy", "embedder")]["spec"]["egress"]
                  if rule["to"][0].get("ipBlock", {}).get("cidr", "").startswith("169.254.17")
                  or rule["to"][0].get("ipBlock", {}).get("cidr", "") == "169.254.169.254/32"]
    expected = [] if opened is None else [{"to": [{"ipBlock": {"cidr": opened["cidr"]}}],
                                          "ports": [{"protocol": "TCP", "port": opened["port"]}]}]
    assert link_local == expected
    assert "envFrom" not in pod(objects)["initContainers"][0]


@pytest.mark.parametrize("download, message", [
    ({}, "the gs:// download has no Secret"),
    ({"credentials": "secret"}, "credentials: secret needs `download.secretName`"),
])
def test_an_env_auth_download_that_could_never_authenticate_is_an_error(tmp_path, download, message):
    change = {"models[0].artifact": {"source": "download", "uri": "gs://acme-models/m", "sizeGB": 1,
                                     "download": {**download, "egress": {"cidrs": ["199.36.153.8/30"]}}}}
    assert any(message in error for error in errors(tmp_path, change)), errors(tmp_path, change)


@pytest.mark.parametrize("download, message", [
    ({"image": "docker.io/rclone/rclone:1.68.2@sha256:" + "1" * 64}, "the image's entrypoint with no arguments"),
    ({}, "servespec has no default download for 's3a://b/m'"),
])
def test_a_download_of_an_unknown_scheme_needs_its_command(tmp_path, download, message):
    change = {"models[0].artifact": {"source": "download", "uri": "s3a://b/m", "sizeGB": 1, "download": download}}
    assert any(message in error for error in errors(tmp_path, change)), errors(tmp_path, change)
    given = {**download, "command": ["rclone"], "args": ["copy", ":s3:b/m", "/models"]}
    assert errors(tmp_path, {"models[0].artifact": {"source": "download", "uri": "s3a://b/m", "sizeGB": 1,
                                                    "download": {**given, "image": "docker.io/rclone/rclone:1.68.2@"
                                                                 "sha256:" + "1" * 64}}}) == []


@pytest.mark.parametrize("memory, message", [
    ("32", "'32' is not a Kubernetes memory or disk quantity with its unit"),  # 32 bytes in Kubernetes
    ("1Gi", "the memory limit (1229Mi) is not above /dev/shm (2Gi)"),
])
def test_memory_needs_a_unit_and_room_for_shared_memory(tmp_path, memory, message):
    change = {"models[0].resources": {"cpu": "2", "memory": memory}}
    assert any(message in error for error in errors(tmp_path, change)), errors(tmp_path, change)


def test_sglang_preset(tmp_path):
    """SGLang listens on 127.0.0.1 and keeps metrics off unless told; /health_generate is its readiness."""
    objects = compiled(tmp_path, {"models[0].image": "docker.io/lmsysorg/sglang:v0.5.12@sha256:" + "7" * 64,
                                  "models[0].cuda": "12.8", "gpuPools[0].maxGPUs": 4,
                                  "models[0].gpu": {"count": 2, "memoryGB": 20},
                                  "models[0].resources": {"cpu": "8", "memory": "32Gi"},
                                  "models[0].server": {"runtime": "sglang", "servedModelName": "Qwen/Qwen2.5-7B"},
                                  "models[0].scaling": {"target": {"metric": "kvCache", "value": 0.8}}})
    container = server(objects)
    assert container["command"] == ["python3", "-m", "sglang.launch_server"]
    assert container["args"] == ["--model-path", "/models", "--host", "0.0.0.0", "--port", "8000",
                                 "--served-model-name", "Qwen/Qwen2.5-7B", "--enable-metrics", "--tp-size", "2"]
    assert container["readinessProbe"]["httpGet"]["path"] == container["startupProbe"]["httpGet"]["path"] == \
        "/health_generate"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    query = objects[("ScaledObject", "embedder")]["spec"]["triggers"][0]["metadata"]["query"]
    assert query.startswith("sum(sglang:token_usage{")
    assert objects[("PodMonitor", "embedder")]["spec"]["podMetricsEndpoints"][0]["path"] == "/metrics"
    assert any("the sglang preset already sets --tp-size" in error for error in errors(tmp_path, {
        "models[0].server": {"runtime": "sglang", "args": ["--tp-size", "2"]}}))
