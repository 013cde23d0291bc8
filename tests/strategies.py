"""Hypothesis strategies: valid fleet specs as plain data, and YAML text for them."""

from __future__ import annotations

import datetime

import yaml
from hypothesis import strategies as st

from servespec.catalog import GPU_TYPES
from servespec.policies.registry import RULES

DIGEST = "sha256:" + "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
CUDA_TAGS = ["cuda11.8", "cuda12.1", "cuda12.4", "cu121", "cpu"]
ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney"]
CRONS = ["0 9 * * 1-5", "0 18 * * 1-5", "30 22 * * *", "0 1 * * *", "*/15 * * * *", "0 0 1 * *", "0 6 * * 0,6"]

names = st.from_regex(r"\A[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,6})?\Z")


@st.composite
def pools(draw, name: str) -> dict:
    gpu = GPU_TYPES[draw(st.sampled_from(sorted(GPU_TYPES)))]
    strategy = draw(st.sampled_from(["none", "mixed", "single"])) if gpu.supports_mig else "none"
    pool = {
        "name": name,
        "gpu": gpu.name,
        "driverVersion": draw(st.sampled_from(["535.104.05", "550.107.02", "570.86.15"])),
        "maxGPUs": draw(st.integers(1, 64)),
        "costPerGPUHour": draw(st.floats(0, 10, allow_nan=False).map(lambda x: round(x, 2))),
    }
    if draw(st.booleans()):
        pool["spot"] = True
    if draw(st.booleans()):
        pool["gpusPerNode"] = draw(st.sampled_from([2, 4, 8]))
    if strategy != "none":
        pool["mig"] = {"strategy": strategy}
        if strategy == "single":
            pool["mig"]["profile"] = draw(st.sampled_from([p.name for p in gpu.mig_profiles]))
    return pool


@st.composite
def schedules(draw) -> list[dict]:
    count = draw(st.integers(0, 3))
    out = []
    for index in range(count):
        start, end = draw(st.lists(st.sampled_from(CRONS), min_size=2, max_size=2, unique=True))
        out.append({"name": f"window-{index}", "timezone": draw(st.sampled_from(ZONES)), "start": start,
                    "end": end, "replicas": draw(st.integers(1, 12))})
    return out


@st.composite
def models(draw, name: str, pool: dict) -> dict:
    minimum = draw(st.integers(0, 4))
    maximum = draw(st.integers(max(1, minimum), 12))
    model = {
        "name": name,
        "version": draw(st.from_regex(r"\Av[0-9]{1,2}\.[0-9]{1,2}\.[0-9]\Z")),
        "image": f"registry.example.com/{name}:1.0-{draw(st.sampled_from(CUDA_TAGS))}@{DIGEST}",
        "pool": pool["name"],
        "resources": {"cpu": draw(st.sampled_from(["500m", "1", "2", "4", "8"])),
                      "memory": draw(st.sampled_from(["512Mi", "4Gi", "20Gi", "64Gi"]))},
        "replicas": {"min": minimum, "max": maximum},
        "priority": draw(st.sampled_from(["critical", "standard", "batch"])),
    }
    gpu = GPU_TYPES[pool["gpu"]]
    mig = pool.get("mig", {})
    if mig.get("strategy") == "single":
        model["gpu"] = {"mig": mig["profile"], "memoryGB": 1}
    elif mig.get("strategy") == "mixed" and draw(st.booleans()):
        model["gpu"] = {"mig": draw(st.sampled_from([p.name for p in gpu.mig_profiles])), "memoryGB": 1}
    elif draw(st.booleans()):
        model["gpu"] = {"count": draw(st.integers(1, 8)), "memoryGB": draw(st.integers(1, int(gpu.memory_gib)))}
    runtime = draw(st.sampled_from(["custom", "vllm", "triton", "tgi"]))
    if draw(st.booleans()):
        model["artifact"] = draw(artifacts(name, runtime))
    server: dict = {"runtime": runtime}
    if draw(st.booleans()):
        server.update({"port": draw(st.integers(1024, 7999)), "maxRequestSeconds": draw(st.integers(1, 600))})
    if draw(st.booleans()):
        server["ports"] = [{"name": "admin", "port": draw(st.integers(9300, 9400))}]
    if draw(st.booleans()):
        server["args"] = ["--log-level", "info"]
    model["server"] = server
    scaling: dict = {"schedules": draw(schedules())}
    if runtime != "custom" and draw(st.booleans()):
        scaling["target"] = {"metric": "queue", "value": draw(st.integers(1, 64))}
    if draw(st.booleans()):
        scaling["prometheus"] = {"serverAddress": "http://prometheus.monitoring:9090",
                                 "query": f'sum(rate(requests_total{{app="{name}"}}[2m]))',
                                 "threshold": draw(st.integers(1, 500))}
    model["scaling"] = scaling
    strategy = draw(st.sampled_from(["rolling", "canary", "blueGreen"]))
    model["rollout"] = {"strategy": strategy}
    if strategy == "canary":
        model["rollout"]["canary"] = {"interval": draw(st.sampled_from(["30s", "1m", "5m"])),
                                      "maxErrorRatePercent": 1, "maxLatencyP99Ms": 500}
    elif strategy == "blueGreen":
        model["rollout"]["blueGreen"] = {"iterations": draw(st.integers(1, 20)), "maxErrorRatePercent": 2}
    if draw(st.booleans()):
        model["disruption"] = draw(st.sampled_from([{"minAvailable": 1}, {"maxUnavailable": 1},
                                                    {"maxUnavailable": "25%"}]))
    if draw(st.booleans()):
        model["validator"] = {"sampleRate": 0.1, "outputRange": {"min": -1, "max": 1}, "port": 9100}
        if model.get("server", {}).get("port") == 9100:
            model["validator"]["port"] = 9200
    per_node = pool.get("gpusPerNode")
    count = model.get("gpu", {}).get("count", 1)
    if runtime == "vllm" and per_node and count > per_node and count % per_node:
        model["gpu"]["count"] = per_node  # a multi-node replica takes whole nodes
    if "gpu" in model and "mig" not in model["gpu"] and draw(st.booleans()):
        model.update(draw(parallel_models(runtime, pool.get("gpusPerNode"))))
    split = model.get("parallelism", {"tensor": model.get("gpu", {}).get("count", 1), "pipeline": 1})
    shm_gi = 2 * split["tensor"] * split["pipeline"]  # 2Gi of /dev/shm per GPU of a pod (at most)
    memory = model["resources"]["memory"]
    if (int(memory[:-2]) / (1024 if memory.endswith("Mi") else 1)) * 1.2 <= shm_gi:
        model["resources"]["memory"] = f"{shm_gi + 2}Gi"  # the memory limit must hold /dev/shm
    if runtime == "vllm" and per_node and split["tensor"] * split["pipeline"] > per_node:
        model["rollout"] = {"strategy": "rolling"}  # a multi-node replica rolls as a LeaderWorkerSet
    if draw(st.booleans()):
        model["rollout"].update(draw(st.sampled_from([{"maxSurge": 0, "maxUnavailable": 1}, {"maxSurge": "25%"},
                                                      {"maxUnavailable": 2}])))
    if draw(st.booleans()):
        model["env"] = {"LOG_LEVEL": "info", "API_KEY": {"secretKeyRef": {"name": f"{name}-api", "key": "key"}}}
        model["envFrom"] = [{"configMap": f"{name}-settings"}]
    if draw(st.booleans()):
        model["traffic"] = draw(model_traffic(runtime))
    return model


@st.composite
def model_traffic(draw, runtime: str) -> dict:
    """Per-model overrides that are valid under any fleet provider."""
    traffic: dict = {}
    if draw(st.booleans()):
        traffic["hosts"] = [f"{draw(names)}.models.example.com"]
    if draw(st.booleans()):
        traffic["provider"] = "none"
    if runtime in ("vllm", "tgi") and draw(st.booleans()):
        traffic["loadTest"] = {"url": "http://flagger-loadtester.loadtest/"}  # the engine's default command
    return traffic


@st.composite
def fleet_traffic(draw) -> dict:
    provider = draw(st.sampled_from(["istio", "gatewayapi", "nginx"]))
    traffic: dict = {"provider": provider}
    if draw(st.booleans()):
        traffic["domain"] = "models.example.com"
    if provider == "istio":
        traffic["istio"] = {"gateways": draw(st.lists(st.sampled_from(["istio-ingress/public", "edge/private"]),
                                                      max_size=2, unique=True)),
                            **({"revision": "1-27"} if draw(st.booleans()) else {})}
        traffic["mirror"] = draw(st.booleans())
    elif provider == "gatewayapi":
        traffic["gatewayapi"] = {"gatewayRefs": [{"name": "public", "namespace": "gateways",
                                                  **({"sectionName": "https"} if draw(st.booleans()) else {})}]}
        traffic["mirror"] = draw(st.booleans())
    else:
        rps = draw(st.integers(1, 50))
        traffic["rateLimit"] = {"rps": rps, "burst": rps * draw(st.integers(1, 5))}
    if draw(st.booleans()):
        traffic["loadTest"] = {"url": "http://flagger-loadtester.loadtest/",
                               "command": "hey -z 1m -q 2 -c 2 -H 'x-canary: always' http://gateway/"}
    return traffic


@st.composite
def parallel_models(draw, runtime: str, gpus_per_node: int | None) -> dict:
    """`gpu`, `model` and `parallelism` of a split replica: tensor x pipeline GPUs, whole nodes when it spans
    several (powers of two over nodes of 2, 4 or 8 GPUs), the memory figure stated or computed."""
    tensor = draw(st.sampled_from([1, 2, 4, 8]))
    pipeline = 1 if runtime == "tgi" else draw(st.sampled_from([1, 2]))
    gpu: dict = {}
    architecture = {"parameters": draw(st.sampled_from(["1.5B", "8.03B", "70.6B", "405B"])),
                    "dtype": draw(st.sampled_from(["bf16", "fp16", "fp8", "int4"]))}
    shape = draw(st.sampled_from(["stated", "computed", "kvCacheGB", "none"]))
    if shape == "stated":
        gpu["memoryGB"] = draw(st.integers(1, 500))
    elif shape == "computed":
        architecture.update({"contextLength": draw(st.sampled_from([4096, 32768])), "layers": 32,
                             "attentionHeads": 32, "kvHeads": 8, "headDim": 128,
                             "sequences": draw(st.integers(1, 8))})
        if draw(st.booleans()):
            architecture["kvCacheDtype"] = "fp8"
    elif shape == "kvCacheGB":
        architecture["kvCacheGB"] = draw(st.integers(1, 100))
    out = {"gpu": gpu, "parallelism": {"tensor": tensor, "pipeline": pipeline}}
    if shape != "stated" or draw(st.booleans()):
        out["model"] = architecture
    return out


@st.composite
def artifacts(draw, name: str, runtime: str) -> dict:
    """Weights from a claim, a download (s3, gs, https, or hf where the runtime's image can fetch it) or an
    image volume."""
    artifact = {"sizeGB": draw(st.integers(1, 200)), "loadMBps": draw(st.integers(10, 2000))}
    source = draw(st.sampled_from(["pvc", "download", "image"]))
    if source == "pvc":
        return {**artifact, "source": "pvc", "claimName": f"{name}-weights"}
    if source == "image":
        return {**artifact, "source": "image", "image": {"reference": f"registry.example.com/w/{name}:1@{DIGEST}"}}
    schemes = ["s3", "gs", "https"] + (["hf"] if runtime in ("vllm", "tgi") else [])
    scheme = draw(st.sampled_from(schemes))
    download: dict = {"egress": {"cidrs": ["52.216.0.0/15"]}}
    credentials = draw(st.sampled_from(["secret", "instanceMetadata", "podIdentity", "webIdentity", "anonymous"]))
    if credentials == "secret" or scheme not in ("s3", "gs"):
        download["secretName"] = f"{name}-reader"
    else:
        download["credentials"] = credentials
    if draw(st.booleans()):
        download["image"] = f"registry.example.com/rclone:1.68.2@{DIGEST}"
    return {**artifact, "source": "download", "uri": f"{scheme}://models/{name}", "download": download}


@st.composite
def fleets(draw, max_models: int = 4) -> dict:
    pool_names = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    pool_list = [draw(pools(name)) for name in pool_names]
    model_names = draw(st.lists(names, min_size=1, max_size=max_models, unique=True))
    model_list = [draw(models(name, draw(st.sampled_from(pool_list)))) for name in model_names]
    for pool in pool_list:  # the MIG Manager lays out several profiles per node: it needs gpusPerNode
        profiles = {m["gpu"]["mig"] for m in model_list if m["pool"] == pool["name"] and "mig" in m.get("gpu", {})}
        if pool.get("mig", {}).get("strategy") == "mixed" and len(profiles) > pool.get("gpusPerNode", 1):
            pool["gpusPerNode"] = max(8, len(profiles))
    spec = {
        "apiVersion": "servespec.dev/v1alpha1",
        "kind": "ServingFleet",
        "metadata": {"name": draw(names), "namespace": draw(names)},
        "security": {"allowedRegistries": ["registry.example.com"],
                     "ingress": {"fromNamespaces": ["gateway"]},
                     "egress": {"toNamespaces": draw(st.lists(names, max_size=2, unique=True)),
                                "ports": draw(st.lists(st.integers(1, 65535), max_size=3, unique=True))}},
        "gpuPools": pool_list,
        "models": model_list,
        "monitoring": {"gpuAlerts": draw(st.booleans())},
    }
    if draw(st.booleans()):
        spec["traffic"] = draw(fleet_traffic())
    if draw(st.booleans()):
        spec["budget"] = {"monthlyUSD": draw(st.integers(100, 100000))}
    if draw(st.booleans()):
        spec["waivers"] = [{"rule": draw(st.sampled_from(WAIVABLE)),
                            **({"model": draw(st.sampled_from(model_names))} if draw(st.booleans()) else {}),
                            "reason": "accepted (T-1)",
                            "expires": draw(st.dates(datetime.date(2026, 1, 1), datetime.date(2027, 12, 31)))}
                           for _ in range(draw(st.integers(1, 3)))]
    if draw(st.booleans()):
        target = draw(st.sampled_from(model_list))
        spec["environments"] = {"staging": {"namespace": "staging",
                                            "models": {target["name"]: {"replicas": {"min": 1, "max": 1}}}}}
    return spec


WAIVABLE = sorted([*RULES, *(rule.slug for rule in RULES.values())])
"""Rule IDs and slugs a generated waiver may name."""


def to_yaml(spec: dict) -> str:
    return yaml.safe_dump(spec, sort_keys=False, default_flow_style=False)
