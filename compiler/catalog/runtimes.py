"""Inference engines servespec can start from a spec (`server.runtime`): one row per engine.

Each row holds what the engine's own documentation and source say, cited per engine:

vLLM (OpenAI-compatible server, image vllm/vllm-openai)
- `vllm serve <model> --port --served-model-name --tensor-parallel-size --pipeline-parallel-size
  --max-model-len --gpu-memory-utilization --kv-cache-dtype fp8`: docs.vllm.ai "OpenAI-Compatible Server",
  "Engine Arguments" and "Distributed Inference and Serving".
- Multi-node: a Ray cluster over the pods of a LeaderWorkerSet group, started by the image's
  `/vllm-workspace/examples/online_serving/multi-node-serving.sh` (`leader --ray_cluster_size=N` starts the
  head on port 6379 and waits up to `--ray_init_timeout` seconds, default 300, for N nodes; `worker
  --ray_address=<leader>` joins), then `vllm serve` on the leader: docs.vllm.ai "Deployment / LWS" and
  vllm-project/vllm examples/online_serving/multi-node-serving.sh. The tensor-parallel degree must divide
  the attention heads (vllm/config.py `verify_with_parallel_config`).
- Probes: `/health` for readiness and liveness, as vLLM's own Kubernetes guide and Helm chart do
  (docs/deployment/k8s.md, examples/online_serving/chart-helm/values.yaml at v0.9.2 and v0.34.0). The HTTP
  server starts only once the engine is built, after the weights are loaded: the port is bound early but not
  listened on (`create_server_socket` binds only; uvicorn runs inside `build_async_engine_client`,
  vllm/entrypoints/openai/api_server.py `run_server_worker`), so `/health` answers only for a loaded model, and
  with 503 once the engine is dead. `/v1/models` is no probe path: with `--api-key` or `VLLM_API_KEY` the auth
  middleware answers every path under `/v1` with 401 (`AuthenticationMiddleware`, `url_path.startswith("/v1")`
  at v0.9.2; `GUARDED_PREFIX = ("/v1", "/v2", "/inference", "/cohere")` at v0.27.0-v0.34.0), while `/health`,
  `/metrics`, `/ping`, `/version` stay open. Also docs.vllm.ai "Using Kubernetes" (a Memory emptyDir at
  /dev/shm with sizeLimit 2Gi).
- Gauges `vllm:num_requests_waiting`, `vllm:num_requests_running` (since v0.2.3) and the KV-cache usage (0-1):
  `vllm:gpu_cache_usage_perc` from v0.2.3, renamed `vllm:kv_cache_usage_perc` in v0.9.2 (the old name hidden
  in v0.11.0, removed in v0.12.0): vllm/engine/metrics.py, vllm/v1/metrics/loggers.py of each release's
  source distribution on PyPI.
- `gpu_memory_utilization` default: 0.9 up to v0.19.x; 0.92 from v0.20.0 (vllm/config/cache.py
  `Field(default=0.92)`); from v0.34.0 unset, resolved to 1.0 with the extensible KV cache, which is on by
  default on CUDA (`resolved_gpu_memory_utilization`).
- Caches: `VLLM_CACHE_ROOT` (torch.compile artefacts, default ~/.cache/vllm), `HF_HOME`, `XDG_CACHE_HOME`,
  `TRITON_CACHE_DIR`, `TORCHINDUCTOR_CACHE_DIR`: vllm/envs.py.
- CUDA of the published image: vllm-project/vllm docker/Dockerfile `ARG CUDA_VERSION` of each release: 12.4.1
  from v0.7.0, 12.8.1 from v0.9.0, 12.9.1 from v0.11.1, 13.0.2 from v0.20.0 (13.0.3 from v0.27.0). Earlier
  images are not listed: state `cuda:` in the spec for them.

Triton Inference Server (image nvcr.io/nvidia/tritonserver:<YY.MM>-py3)
- `tritonserver --model-repository --http-port --grpc-port --metrics-port`, HTTP 8000, gRPC 8001, metrics
  8002 on `/metrics`: Triton user guide "Metrics" and `tritonserver --help`.
- `/v2/health/live` answers as soon as the server process runs; `/v2/health/ready` only once every model
  is loaded (`--strict-readiness`, default true): KServe v2 protocol, Triton user guide "Model Management".
- Gauge `nv_inference_pending_request_count` (requests waiting in the scheduler): Triton "Metrics", Pending
  Request Count.
- Latency quantiles: `--metrics-config summary_latencies=true` (from 23.05, server commit 57deed6 "Add
  --metrics-config") adds the summary `nv_inference_request_summary_us` (end to end, microseconds, labels
  model, version, quantile 0.5/0.9/0.95/0.99/0.999 over a 60 s sliding window; disabled for models with the
  response cache): docs/user_guide/metrics.md "Summaries", core src/metric_model_reporter.h.
- CUDA per release: Triton release notes "Release YY.MM is based on CUDA ...": 24.01 12.3.2, 24.04 12.4,
  24.06 12.5, 24.08 12.6, 25.01 12.8, 25.03 12.8.1, 25.04 12.9.0, 25.08 13.0.0, 25.12 13.1, 26.04 13.2.1,
  26.06 13.3, 26.08 13.4 (docs.nvidia.com/deeplearning/triton-inference-server/release-notes/rel-YY-MM.html).
  A tag between two rows takes the older row (a lower bound).
- Drivers per release (same notes): "requires NVIDIA Driver release N or later" (545 for 24.01-24.06, 555
  for 24.07, 560 for 24.08-25.03, 575 for 25.04-26.04), and on data center GPUs the forward-compatible
  branches the container's CUDA compatibility package supports: 470.57+ (R470), 525.85+ (R525), 535.86+
  (R535), 545.23+ (R545), printed unchanged in every release from 24.01 to 26.04; from 26.05 the notes
  refer to the CUDA Compatibility guide instead (then the CUDA table applies).

Text Generation Inference (image ghcr.io/huggingface/text-generation-inference)
- Entrypoint `text-generation-launcher`; `--model-id`, `--port` (the image's default is 80, which a
  non-root container cannot bind), `--num-shard` (tensor parallel shards), `--max-total-tokens`,
  `--cuda-memory-fraction` (default 1.0), `--kv-cache-dtype fp8_e4m3fn`: TGI "Launcher arguments". TGI
  shards tensors within one node only: no pipeline parallelism, no multi-node.
- The router serves HTTP only once the shards are loaded and warmed up: `/health` (checks the shards) for
  readiness, `/info` (the router itself) for liveness; metrics on `/metrics` of the same port; gauges
  `tgi_queue_size` and `tgi_batch_current_size`: TGI reference "Metrics" and the router's OpenAPI spec.
- The image sets `HUGGINGFACE_HUB_CACHE=/data`, not writable under a read-only root (Dockerfile); 1 GB of
  shared memory is recommended for sharding ("A note on Shared Memory", TGI README).
- CUDA per image: not documented per tag; state `cuda:` in the spec.

SGLang (image lmsysorg/sglang:<tag>; sgl-project/sglang docs/advanced_features/server_arguments.md @004813e,
docs/references/production_metrics.md @00b08c4, python/sglang/srt/entrypoints/http_server.py @0025436)
- `python3 -m sglang.launch_server --model-path --host 0.0.0.0 --port --served-model-name --tp-size --pp-size
  --context-length --mem-fraction-static --enable-metrics` (the host defaults to 127.0.0.1, unreachable from
  other pods; metrics are off unless enabled, then on /metrics of the same port).
- `/health_generate` runs a one-token generation and answers 503 while the server starts or shuts down: the
  readiness and startup probe; `/health` for liveness (the same check in current versions, a plain 200 in
  older ones). It needs a large /dev/shm (a Memory emptyDir).
- Gauges `sglang:num_queue_reqs`, `sglang:num_running_reqs`, `sglang:token_usage` (KV-cache use, 0-1), label
  `model_name`; histogram `sglang:e2e_request_latency_seconds`. No request success counter: no success gate.
- Multi-node replicas start with `--dist-init-addr --nnodes --node-rank`, not a Ray cluster: not compiled
  (the LeaderWorkerSet path is vLLM's). The default `--mem-fraction-static` is given as 0.9 in the docs'
  introduction and as "None = auto" in their table: not assumed (the lint headroom applies).
- CUDA per image tag: not published; state `cuda:` in the spec.

Rollout analysis on the engine's own metrics (docs/traffic.md), per pod:
- vLLM: from v0.8.5 every request the API server answers counts in `http_requests_total{handler, method,
  status}` with status grouped as 2xx/4xx/5xx (prometheus-fastapi-instrumentator defaults,
  `should_group_status_codes=True`; vllm `Instrumentator(excluded_handlers=["/metrics", "/health", ...])` in
  `mount_metrics`), on the same /metrics: the success rate is the share of non-5xx answers, so a server
  error is a failure wherever it comes from. `vllm:request_success_total{finished_reason}` (v0.4.2) counts
  only requests the engine finished (stop, length, abort; `error` from v0.13.0): errors of the API server
  never reach it, so it is the gate only for images before v0.8.5. Histogram `vllm:e2e_request_latency_seconds`
  from v0.3.1. Test request: `POST /v1/completions` {model, prompt, max_tokens} (docs.vllm.ai
  "OpenAI-Compatible Server"; the model is `--served-model-name`).
- TGI: counters `tgi_request_count` and `tgi_request_success`, histogram `tgi_request_duration` (seconds, end
  to end): TGI reference "Metrics". Test request: `POST /generate` {inputs, parameters.max_new_tokens}
  (TGI OpenAPI spec).
- Triton: counters `nv_inference_request_success` and `nv_inference_request_failure` (Triton "Metrics");
  P99 from the request summary's 0.99 quantile (the worst pod's; a summary cannot be aggregated). Inference
  requests need the model's tensors: no built-in test request.

Warm-up seconds (CUDA graph capture, torch.compile, TGI's prefill warm-up) are servespec's defaults for a
mid-size model, added to the startup probe budget; set `server.warmupSeconds` when a model needs more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Optional, TypeVar

HTTP_PORT_NAME = "http"
GRPC_PORT_NAME = "grpc"
METRICS_PORT_NAME = "metrics"

Version = tuple[int, ...]
T = TypeVar("T")
Versioned = tuple[tuple[Version, T], ...]
"""(first image version with the value, value), oldest first: a fact that changed between releases."""


def at_version(rows: Versioned[T], version: Optional[Version]) -> Optional[T]:
    """The value of image `version`: the newest row at or below it; the newest row when the version is unknown
    (a tag such as `latest`); None when the image is older than every row (the engine had no such thing)."""
    if version is None:
        return rows[-1][1] if rows else None
    found = None
    for first, value in rows:
        if version >= first:
            found = value
    return found


@dataclass(frozen=True)
class DriverSupport:
    """The drivers an engine release's notes say it runs on: its own minimum, and on data center GPUs the
    driver branches its CUDA forward-compatibility package supports (a floor per branch)."""

    minimum: Version
    forward_compatible: tuple[Version, ...] = ()

    def supports(self, driver: Version) -> bool:
        return driver >= self.minimum or any(driver[0] == floor[0] and driver >= floor
                                             for floor in self.forward_compatible)


@dataclass(frozen=True)
class EngineFacts:
    """What one version of an engine image exports and does by default (`Runtime.facts`)."""

    version: Optional[Version]
    scaling_metrics: Mapping[str, str]
    """`scaling.target.metric` -> the metric this image exports."""
    success_rate_query: Optional[str]
    latency_histogram: Optional[str]
    latency_p99_query: Optional[str]
    gpu_memory_utilization: Optional[float]
    args: tuple[str, ...]
    """Arguments the preset adds from this version on."""
    drivers: Optional[DriverSupport]
    api_key_guards: tuple[str, ...]
    """Path prefixes that need the API key, when one is set."""


@dataclass(frozen=True)
class Runtime:
    """One inference engine: how to start it, its ports, probes, metrics, caches and CUDA per version."""

    name: str
    command: tuple[str, ...]
    """The container command; empty: the image's entrypoint."""
    args: tuple[str, ...]
    """Arguments; {model_dir}, {name} (the name clients call: `server.servedModelName`, else the model's),
    {tensor} and {<port name>} are filled from the spec."""
    setting_args: Mapping[str, tuple[str, ...]]
    """Arguments appended when the spec sets a value (`SETTINGS`), {value} filled in."""
    ports: Mapping[str, int]
    """Named container ports, `http` first."""
    readiness_path: str
    liveness_path: str
    metrics_port: Optional[str]
    """Name of the port serving Prometheus metrics (None: the engine has none)."""
    metrics_path: str
    warmup_seconds: int
    cache_env: tuple[str, ...]
    """Environment variables pointing the engine's caches at the writable cache volume."""
    cache_size: str
    scaling_metrics: Mapping[str, Versioned[str]]
    """`scaling.target.metric` -> the engine's Prometheus metric, by image version."""
    metric_prefix: str
    """Every metric the engine exposes starts with this."""
    ready_before_load: frozenset[str]
    """Paths that answer 200 before the model is loaded: wrong for readiness and startup probes."""
    serves_after_load: bool = False
    """The HTTP server answers only once the model is loaded: its health path is a readiness check too."""
    cuda_by_version: Versioned[tuple[int, int]] = ()
    """CUDA major.minor of the published image."""
    ships_huggingface_hub: bool = False
    """The image has the `huggingface_hub` Python package (used to download hf:// artifacts)."""
    flags_from_spec: Mapping[str, str] = field(default_factory=dict)
    """Flags the preset always sets from spec fields: flag -> the field to change instead."""
    gpu_memory_utilization: Versioned[float] = ()
    """Share of GPU memory the engine takes by default (none: no such setting; the lint headroom applies)."""
    preallocates: bool = False
    """Takes its share of GPU memory at start (weights plus a KV cache sized to fill it), whatever the load."""
    multi_node: bool = False
    """Can run one replica over several nodes (a LeaderWorkerSet group)."""
    success_rate_query: Versioned[str] = ()
    """PromQL: percent of requests that succeeded on the pods selected by {pods} over {interval}."""
    test_request: Optional[tuple[str, str]] = None
    """(path, JSON body) of a small inference request, {name} (the served name) filled in: what a load test
    sends."""
    latency_histogram: Versioned[str] = ()
    """The engine's end-to-end request latency histogram in seconds (without `_bucket`)."""
    latency_p99_query: Versioned[str] = ()
    """PromQL: P99 request latency in milliseconds on {pods} over {interval}, for an engine without a histogram."""
    version_args: Versioned[tuple[str, ...]] = ()
    """Arguments the preset adds from an image version on."""
    api_key_env: Optional[str] = None
    """Environment variable that puts the engine's API behind a key."""
    api_key_flag: Optional[str] = None
    """The command-line flag that does the same."""
    api_key_guards: Versioned[tuple[str, ...]] = ()
    """Path prefixes that answer 401 without the key, when one is set."""
    drivers: Versioned[Optional[DriverSupport]] = ()
    """Drivers the engine's release notes support (none: the CUDA table decides)."""
    request_seconds: int = 30
    """Default longest request (`server.maxRequestSeconds`)."""
    body_size: Optional[str] = None
    """Default largest request body at an ingress controller (None: the controller's own default)."""

    @property
    def shards_tensors(self) -> bool:
        """Splits each layer over all GPUs of a replica by default (vLLM tensor parallelism, TGI shards)."""
        return "tensor" in self.setting_args or any("{tensor}" in arg for arg in self.args)

    def __str__(self) -> str:
        return self.name

    def flag_of(self, setting: str) -> Optional[str]:
        """The flag a spec setting compiles to (None: the engine has none)."""
        template = self.setting_args.get(setting)
        return template[0] if template else None

    @property
    def http_port(self) -> int:
        return self.ports[HTTP_PORT_NAME]

    def cuda_for(self, version: Version) -> Optional[tuple[int, int]]:
        """The CUDA version of the engine image `version`, or None when the table has no row at or below it."""
        return at_version(self.cuda_by_version, version)

    def facts(self, version: Optional[Version]) -> EngineFacts:
        """What the image of `version` (None: unknown, taken as the newest) exports and does by default."""
        metrics = {target: at_version(rows, version) for target, rows in self.scaling_metrics.items()}
        return EngineFacts(
            version=version,
            scaling_metrics={target: metric for target, metric in metrics.items() if metric is not None},
            success_rate_query=at_version(self.success_rate_query, version),
            latency_histogram=at_version(self.latency_histogram, version),
            latency_p99_query=at_version(self.latency_p99_query, version),
            gpu_memory_utilization=at_version(self.gpu_memory_utilization, version),
            args=at_version(self.version_args, version) or (),
            drivers=at_version(self.drivers, version),
            api_key_guards=at_version(self.api_key_guards, version) or (),
        )

    def first_version(self, target: str) -> Optional[Version]:
        """The first image version exporting the metric of `scaling.target.metric` `target`."""
        rows = self.scaling_metrics.get(target, ())
        return rows[0][0] if rows else None


SETTINGS = {
    "tensor": "parallelism.tensor",
    "pipeline": "parallelism.pipeline",
    "context": "model.contextLength",
    "utilization": "server.gpuMemoryUtilization",
    "kv_fp8": "model.kvCacheDtype",
}
"""Spec values a preset turns into arguments: setting -> the spec field (tensor and pipeline only above 1)."""

MULTI_NODE_SCRIPT = "/vllm-workspace/examples/online_serving/multi-node-serving.sh"
"""Starts or joins the Ray cluster of a multi-node vLLM replica (shipped in the vllm/vllm-openai image)."""

_CACHE_ENV = ("HOME", "XDG_CACHE_HOME", "HF_HOME", "TRITON_CACHE_DIR", "TORCHINDUCTOR_CACHE_DIR")

_V0 = (0,)
"""Every version: the fact holds as far back as the table goes."""

_VLLM_HTTP_SUCCESS = ('sum(rate(http_requests_total{{{pods},status!="5xx"}}[{interval}])) / '
                      'sum(rate(http_requests_total{{{pods}}}[{interval}])) * 100')
_VLLM_ENGINE_SUCCESS = ('sum(rate(vllm:request_success_total{{{pods},finished_reason!="abort"}}[{interval}])) / '
                        'sum(rate(vllm:request_success_total{{{pods}}}[{interval}])) * 100')

LLM_REQUEST_SECONDS = 600
"""Default longest request of an LLM engine: an 8,192-token completion at 20 tokens/s takes 410 s; ingress
proxies cut a request at their read timeout (ingress-nginx 60 s by default, docs/user-guide/nginx-configuration/
annotations.md, controller-v1.15.1), which servespec sets from it."""

LLM_BODY_SIZE = "16m"
"""Default largest request body of an LLM engine at ingress-nginx, whose own default (`proxy-body-size` 1m,
configmap.md) answers 413 to a long prompt or an image sent inline."""

_TRITON_FORWARD_COMPATIBLE = ((470, 57), (525, 85), (535, 86), (545, 23))

RUNTIMES: dict[str, Runtime] = {
    "vllm": Runtime(
        name="vllm", command=("vllm", "serve"),
        args=("{model_dir}", "--port", "{http}", "--served-model-name", "{name}"),
        setting_args={"tensor": ("--tensor-parallel-size", "{value}"),
                      "pipeline": ("--pipeline-parallel-size", "{value}"),
                      "context": ("--max-model-len", "{value}"),
                      "utilization": ("--gpu-memory-utilization", "{value}"),
                      "kv_fp8": ("--kv-cache-dtype", "fp8")},
        ports={HTTP_PORT_NAME: 8000}, readiness_path="/health", liveness_path="/health", serves_after_load=True,
        metrics_port=HTTP_PORT_NAME, metrics_path="/metrics", warmup_seconds=120,
        cache_env=_CACHE_ENV + ("VLLM_CACHE_ROOT",), cache_size="10Gi",
        scaling_metrics={"queue": (((0, 2, 3), "vllm:num_requests_waiting"),),
                         "running": (((0, 2, 3), "vllm:num_requests_running"),),
                         "kvCache": (((0, 2, 3), "vllm:gpu_cache_usage_perc"),
                                     ((0, 9, 2), "vllm:kv_cache_usage_perc"))},
        metric_prefix="vllm:", ready_before_load=frozenset(),
        cuda_by_version=(((0, 7, 0), (12, 4)), ((0, 9, 0), (12, 8)), ((0, 11, 1), (12, 9)), ((0, 20, 0), (13, 0))),
        ships_huggingface_hub=True,
        flags_from_spec={"--port": "server.port", "--served-model-name": "server.servedModelName",
                         "--tensor-parallel-size": "parallelism.tensor",
                         "--pipeline-parallel-size": "parallelism.pipeline"},
        gpu_memory_utilization=((_V0, 0.9), ((0, 20, 0), 0.92), ((0, 34, 0), 1.0)), preallocates=True,
        multi_node=True,
        success_rate_query=(((0, 4, 2), _VLLM_ENGINE_SUCCESS), ((0, 8, 5), _VLLM_HTTP_SUCCESS)),
        test_request=("/v1/completions", '{{"model":"{name}","prompt":"Hello","max_tokens":16}}'),
        latency_histogram=(((0, 3, 1), "vllm:e2e_request_latency_seconds"),),
        api_key_env="VLLM_API_KEY", api_key_flag="--api-key", request_seconds=LLM_REQUEST_SECONDS,
        body_size=LLM_BODY_SIZE,
        api_key_guards=((_V0, ("/v1",)), ((0, 22, 0), ("/v1", "/v2", "/inference")),
                        ((0, 27, 0), ("/v1", "/v2", "/inference", "/cohere")))),
    "triton": Runtime(
        name="triton", command=("tritonserver",),
        args=("--model-repository={model_dir}", "--http-port={http}", "--grpc-port={grpc}",
              "--metrics-port={metrics}"),
        setting_args={},
        ports={HTTP_PORT_NAME: 8000, GRPC_PORT_NAME: 8001, METRICS_PORT_NAME: 8002},
        readiness_path="/v2/health/ready", liveness_path="/v2/health/live", metrics_port=METRICS_PORT_NAME,
        metrics_path="/metrics", warmup_seconds=30, cache_env=_CACHE_ENV, cache_size="5Gi",
        scaling_metrics={"queue": ((_V0, "nv_inference_pending_request_count"),)}, metric_prefix="nv_",
        success_rate_query=((_V0, 'sum(rate(nv_inference_request_success{{{pods}}}[{interval}])) / '
                                  '(sum(rate(nv_inference_request_success{{{pods}}}[{interval}])) + '
                                  'sum(rate(nv_inference_request_failure{{{pods}}}[{interval}]))) * 100'),),
        latency_p99_query=(((23, 5), 'max(nv_inference_request_summary_us{{{pods},quantile="0.99"}}) / 1000'),),
        version_args=(((23, 5), ("--metrics-config=summary_latencies=true",)),),
        ready_before_load=frozenset({"/v2/health/live"}),
        cuda_by_version=(((24, 1), (12, 3)), ((24, 4), (12, 4)), ((24, 6), (12, 5)), ((24, 8), (12, 6)),
                         ((25, 1), (12, 8)), ((25, 4), (12, 9)), ((25, 8), (13, 0)), ((25, 12), (13, 1)),
                         ((26, 4), (13, 2)), ((26, 6), (13, 3)), ((26, 8), (13, 4))),
        drivers=(((24, 1), DriverSupport((545,), _TRITON_FORWARD_COMPATIBLE)),
                 ((24, 7), DriverSupport((555,), _TRITON_FORWARD_COMPATIBLE)),
                 ((24, 8), DriverSupport((560,), _TRITON_FORWARD_COMPATIBLE)),
                 ((25, 4), DriverSupport((575,), _TRITON_FORWARD_COMPATIBLE)),
                 ((26, 5), None)),
        flags_from_spec={"--model-repository": "artifact", "--http-port": "server.port"}),
    "tgi": Runtime(
        name="tgi", command=(),
        args=("--model-id", "{model_dir}", "--port", "{http}", "--num-shard", "{tensor}"),
        setting_args={"context": ("--max-total-tokens", "{value}"),
                      "utilization": ("--cuda-memory-fraction", "{value}"),
                      "kv_fp8": ("--kv-cache-dtype", "fp8_e4m3fn")},
        ports={HTTP_PORT_NAME: 8000}, readiness_path="/health", liveness_path="/info",
        metrics_port=HTTP_PORT_NAME, metrics_path="/metrics", warmup_seconds=60,
        cache_env=_CACHE_ENV + ("HUGGINGFACE_HUB_CACHE",), cache_size="5Gi",
        scaling_metrics={"queue": ((_V0, "tgi_queue_size"),), "running": ((_V0, "tgi_batch_current_size"),)},
        metric_prefix="tgi_", ready_before_load=frozenset(), ships_huggingface_hub=True,
        flags_from_spec={"--model-id": "artifact", "--port": "server.port", "--num-shard": "parallelism.tensor"},
        gpu_memory_utilization=((_V0, 1.0),), preallocates=True,
        success_rate_query=((_V0, 'sum(rate(tgi_request_success{{{pods}}}[{interval}])) / '
                                  'sum(rate(tgi_request_count{{{pods}}}[{interval}])) * 100'),),
        test_request=("/generate", '{{"inputs":"Hello","parameters":{{"max_new_tokens":16}}}}'),
        latency_histogram=((_V0, "tgi_request_duration"),), request_seconds=LLM_REQUEST_SECONDS,
        body_size=LLM_BODY_SIZE),
    "sglang": Runtime(
        name="sglang", command=("python3", "-m", "sglang.launch_server"),
        args=("--model-path", "{model_dir}", "--host", "0.0.0.0", "--port", "{http}", "--served-model-name", "{name}",
              "--enable-metrics"),
        setting_args={"tensor": ("--tp-size", "{value}"), "pipeline": ("--pp-size", "{value}"),
                      "context": ("--context-length", "{value}"), "utilization": ("--mem-fraction-static", "{value}")},
        ports={HTTP_PORT_NAME: 8000}, readiness_path="/health_generate", liveness_path="/health",
        metrics_port=HTTP_PORT_NAME, metrics_path="/metrics", warmup_seconds=60,
        cache_env=_CACHE_ENV, cache_size="10Gi",
        scaling_metrics={"queue": ((_V0, "sglang:num_queue_reqs"),), "running": ((_V0, "sglang:num_running_reqs"),),
                         "kvCache": ((_V0, "sglang:token_usage"),)},
        metric_prefix="sglang:", ready_before_load=frozenset(), preallocates=True,
        flags_from_spec={"--model-path": "artifact", "--host": "server (pods listen on every address)",
                         "--port": "server.port", "--served-model-name": "server.servedModelName",
                         "--tp-size": "parallelism.tensor", "--pp-size": "parallelism.pipeline"},
        test_request=("/v1/completions", '{{"model":"{name}","prompt":"Hello","max_tokens":16}}'),
        latency_histogram=((_V0, "sglang:e2e_request_latency_seconds"),), request_seconds=LLM_REQUEST_SECONDS,
        body_size=LLM_BODY_SIZE),
    "custom": Runtime(
        name="custom", command=(), args=(), setting_args={}, ports={HTTP_PORT_NAME: 8000},
        readiness_path="/ready", liveness_path="/health", metrics_port=None, metrics_path="/metrics",
        warmup_seconds=0, cache_env=(), cache_size="1Gi", scaling_metrics={}, metric_prefix="",
        ready_before_load=frozenset()),
}
"""Every runtime by `server.runtime` name; `custom` is a server servespec knows nothing about."""

ENGINE_METRIC = re.compile(r"\b(" + "|".join(
    re.escape(runtime.metric_prefix) + ("[a-z_:]+" if runtime.metric_prefix.endswith(":") else "[a-z_]+")
    for runtime in RUNTIMES.values() if runtime.metric_prefix) + ")")
"""A metric name of one of the engines above, as it appears in a PromQL query."""

PRESETS = tuple(name for name, runtime in RUNTIMES.items() if runtime.command or runtime.args)
"""The runtimes whose preset fills the command line (all but `custom`)."""


def runtime_of_metric(metric: str) -> Optional[Runtime]:
    """The engine a metric name belongs to (None: not an engine metric)."""
    return next((runtime for runtime in RUNTIMES.values()
                 if runtime.metric_prefix and metric.startswith(runtime.metric_prefix)), None)
