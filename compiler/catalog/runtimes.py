"""Inference engines servespec can start from a spec (`server.runtime`): one row per engine.

Each row holds what the engine's own documentation and source say, cited per engine:

vLLM (OpenAI-compatible server, image vllm/vllm-openai)
- `vllm serve <model> --port --served-model-name --tensor-parallel-size --pipeline-parallel-size
  --max-model-len --gpu-memory-utilization --kv-cache-dtype fp8`: docs.vllm.ai "OpenAI-Compatible Server",
  "Engine Arguments" (`gpu_memory_utilization` defaults to 0.9) and "Distributed Inference and Serving".
- Multi-node: a Ray cluster over the pods of a LeaderWorkerSet group, started by the image's
  `/vllm-workspace/examples/online_serving/multi-node-serving.sh` (`leader --ray_cluster_size=N` starts the
  head on port 6379 and waits up to `--ray_init_timeout` seconds, default 300, for N nodes; `worker
  --ray_address=<leader>` joins), then `vllm serve` on the leader: docs.vllm.ai "Deployment / LWS" and
  vllm-project/vllm examples/online_serving/multi-node-serving.sh. The tensor-parallel degree must divide
  the attention heads (vllm/config.py `verify_with_parallel_config`).
- `/health` (process up, engine alive), `/v1/models` (lists the served model once it is loaded), Prometheus
  metrics on `/metrics` of the same port: docs.vllm.ai "Production Metrics"; docs.vllm.ai "Using Kubernetes"
  (probes on port 8000, a Memory emptyDir at /dev/shm with sizeLimit 2Gi).
- Gauges `vllm:num_requests_waiting`, `vllm:num_requests_running`, `vllm:kv_cache_usage_perc` (0-1): vLLM
  design docs "Metrics" (V1 engine; `kv_cache_usage_perc` replaces V0's `gpu_cache_usage_perc`).
- Caches: `VLLM_CACHE_ROOT` (torch.compile artefacts, default ~/.cache/vllm), `HF_HOME`, `XDG_CACHE_HOME`,
  `TRITON_CACHE_DIR`, `TORCHINDUCTOR_CACHE_DIR`: vllm/envs.py.
- CUDA of the published image: vllm-project/vllm docker/Dockerfile, `ARG CUDA_VERSION=12.8.1` since v0.9.0.
  Earlier images are not listed: state `cuda:` in the spec for them.

Triton Inference Server (image nvcr.io/nvidia/tritonserver:<YY.MM>-py3)
- `tritonserver --model-repository --http-port --grpc-port --metrics-port`, HTTP 8000, gRPC 8001, metrics
  8002 on `/metrics`: Triton user guide "Metrics" and `tritonserver --help`.
- `/v2/health/live` answers as soon as the server process runs; `/v2/health/ready` only once every model
  is loaded (`--strict-readiness`, default true): KServe v2 protocol, Triton user guide "Model Management".
- Gauge `nv_inference_pending_request_count` (requests waiting in the scheduler): Triton "Metrics", Pending
  Request Count.
- CUDA per release: Triton release notes "Release YY.MM is based on CUDA ...": 24.01 12.3.2, 24.08 12.6,
  25.03 12.8.1, 25.04 12.9.0, 25.08 13.0.0 (docs.nvidia.com/deeplearning/triton-inference-server/release-notes).
  A tag between two rows takes the older row (a lower bound).

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

Rollout analysis on the engine's own metrics (docs/traffic.md), per pod:
- vLLM: counter `vllm:request_success_total` with label `finished_reason` (stop, length, abort: "aborted for
  another reason", vllm/v1/engine/__init__.py `RequestFinishedReason`) and histogram
  `vllm:e2e_request_latency_seconds`: vLLM design docs "Metrics". Test request: `POST /v1/completions`
  {model, prompt, max_tokens} (docs.vllm.ai "OpenAI-Compatible Server"; the model is `--served-model-name`).
- TGI: counters `tgi_request_count` and `tgi_request_success`, histogram `tgi_request_duration` (seconds, end
  to end): TGI reference "Metrics". Test request: `POST /generate` {inputs, parameters.max_new_tokens}
  (TGI OpenAPI spec).
- Triton: counters `nv_inference_request_success` and `nv_inference_request_failure` (Triton "Metrics");
  latency is a cumulative counter, no histogram: no P99 gate. Inference requests need the model's tensors:
  no built-in test request.

Warm-up seconds (CUDA graph capture, torch.compile, TGI's prefill warm-up) are servespec's defaults for a
mid-size model, added to the startup probe budget; set `server.warmupSeconds` when a model needs more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Optional

HTTP_PORT_NAME = "http"
GRPC_PORT_NAME = "grpc"
METRICS_PORT_NAME = "metrics"


@dataclass(frozen=True)
class Runtime:
    """One inference engine: how to start it, its ports, probes, metrics, caches and CUDA per version."""

    name: str
    command: tuple[str, ...]
    """The container command; empty: the image's entrypoint."""
    args: tuple[str, ...]
    """Arguments; {model_dir}, {name}, {tensor} and {<port name>} are filled from the spec."""
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
    scaling_metrics: Mapping[str, str]
    """`scaling.target.metric` -> the engine's Prometheus metric."""
    metric_prefix: str
    """Every metric the engine exposes starts with this."""
    ready_before_load: frozenset[str]
    """Paths that answer 200 before the model is loaded: wrong for readiness and startup probes."""
    cuda_by_version: tuple[tuple[tuple[int, ...], tuple[int, int]], ...] = ()
    """(first image version, CUDA major.minor of that image), oldest first."""
    ships_huggingface_hub: bool = False
    """The image has the `huggingface_hub` Python package (used to download hf:// artifacts)."""
    flags_from_spec: Mapping[str, str] = field(default_factory=dict)
    """Flags the preset always sets from spec fields: flag -> the field to change instead."""
    gpu_memory_utilization: Optional[float] = None
    """Share of GPU memory the engine takes by default (None: no such setting; the lint headroom applies)."""
    multi_node: bool = False
    """Can run one replica over several nodes (a LeaderWorkerSet group)."""
    success_rate_query: Optional[str] = None
    """PromQL: percent of requests that succeeded on the pods selected by {pods} over {interval}."""
    test_request: Optional[tuple[str, str]] = None
    """(path, JSON body) of a small inference request, {name} filled in: what a load test sends."""
    latency_histogram: Optional[str] = None
    """The engine's end-to-end request latency histogram in seconds (without `_bucket`)."""

    @property
    def shards_tensors(self) -> bool:
        """Splits each layer over all GPUs of a replica by default (vLLM tensor parallelism, TGI shards)."""
        return "tensor" in self.setting_args or any("{tensor}" in arg for arg in self.args)

    def flag_of(self, setting: str) -> Optional[str]:
        """The flag a spec setting compiles to (None: the engine has none)."""
        template = self.setting_args.get(setting)
        return template[0] if template else None

    @property
    def http_port(self) -> int:
        return self.ports[HTTP_PORT_NAME]

    def cuda_for(self, version: tuple[int, ...]) -> Optional[tuple[int, int]]:
        """The CUDA version of the engine image `version`, or None when the table has no row at or below it."""
        found = None
        for first, cuda in self.cuda_by_version:
            if version >= first:
                found = cuda
        return found


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

RAY_PORT = 6379

_CACHE_ENV = ("HOME", "XDG_CACHE_HOME", "HF_HOME", "TRITON_CACHE_DIR", "TORCHINDUCTOR_CACHE_DIR")

RUNTIMES: dict[str, Runtime] = {
    "custom": Runtime(
        name="custom", command=(), args=(), setting_args={}, ports={HTTP_PORT_NAME: 8000},
        readiness_path="/ready", liveness_path="/health", metrics_port=None, metrics_path="/metrics",
        warmup_seconds=0, cache_env=(), cache_size="1Gi", scaling_metrics={}, metric_prefix="",
        ready_before_load=frozenset()),
    "vllm": Runtime(
        name="vllm", command=("vllm", "serve"),
        args=("{model_dir}", "--port", "{http}", "--served-model-name", "{name}"),
        setting_args={"tensor": ("--tensor-parallel-size", "{value}"),
                      "pipeline": ("--pipeline-parallel-size", "{value}"),
                      "context": ("--max-model-len", "{value}"),
                      "utilization": ("--gpu-memory-utilization", "{value}"),
                      "kv_fp8": ("--kv-cache-dtype", "fp8")},
        ports={HTTP_PORT_NAME: 8000}, readiness_path="/v1/models", liveness_path="/health",
        metrics_port=HTTP_PORT_NAME, metrics_path="/metrics", warmup_seconds=120,
        cache_env=_CACHE_ENV + ("VLLM_CACHE_ROOT",), cache_size="10Gi",
        scaling_metrics={"queue": "vllm:num_requests_waiting", "running": "vllm:num_requests_running",
                         "kvCache": "vllm:kv_cache_usage_perc"},
        metric_prefix="vllm:", ready_before_load=frozenset(),
        cuda_by_version=(((0, 9, 0), (12, 8)),), ships_huggingface_hub=True,
        flags_from_spec={"--port": "server.port", "--served-model-name": "name",
                         "--tensor-parallel-size": "parallelism.tensor",
                         "--pipeline-parallel-size": "parallelism.pipeline"},
        gpu_memory_utilization=0.9, multi_node=True,
        success_rate_query=('sum(rate(vllm:request_success_total{{{pods},finished_reason!="abort"}}[{interval}])) / '
                            'sum(rate(vllm:request_success_total{{{pods}}}[{interval}])) * 100'),
        test_request=("/v1/completions", '{{"model":"{name}","prompt":"Hello","max_tokens":16}}'),
        latency_histogram="vllm:e2e_request_latency_seconds"),
    "triton": Runtime(
        name="triton", command=("tritonserver",),
        args=("--model-repository={model_dir}", "--http-port={http}", "--grpc-port={grpc}",
              "--metrics-port={metrics}"),
        setting_args={},
        ports={HTTP_PORT_NAME: 8000, GRPC_PORT_NAME: 8001, METRICS_PORT_NAME: 8002},
        readiness_path="/v2/health/ready", liveness_path="/v2/health/live", metrics_port=METRICS_PORT_NAME,
        metrics_path="/metrics", warmup_seconds=30, cache_env=_CACHE_ENV, cache_size="5Gi",
        scaling_metrics={"queue": "nv_inference_pending_request_count"}, metric_prefix="nv_",
        success_rate_query=('sum(rate(nv_inference_request_success{{{pods}}}[{interval}])) / '
                            '(sum(rate(nv_inference_request_success{{{pods}}}[{interval}])) + '
                            'sum(rate(nv_inference_request_failure{{{pods}}}[{interval}]))) * 100'),
        ready_before_load=frozenset({"/v2/health/live"}),
        cuda_by_version=(((24, 1), (12, 3)), ((24, 8), (12, 6)), ((25, 3), (12, 8)), ((25, 4), (12, 9)),
                         ((25, 8), (13, 0))),
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
        scaling_metrics={"queue": "tgi_queue_size", "running": "tgi_batch_current_size"},
        metric_prefix="tgi_", ready_before_load=frozenset(), ships_huggingface_hub=True,
        flags_from_spec={"--model-id": "artifact", "--port": "server.port", "--num-shard": "parallelism.tensor"},
        gpu_memory_utilization=1.0,
        success_rate_query=('sum(rate(tgi_request_success{{{pods}}}[{interval}])) / '
                            'sum(rate(tgi_request_count{{{pods}}}[{interval}])) * 100'),
        test_request=("/generate", '{{"inputs":"Hello","parameters":{{"max_new_tokens":16}}}}'),
        latency_histogram="tgi_request_duration"),
}
"""Every runtime by `server.runtime` name; `custom` is a server servespec knows nothing about."""

ENGINE_METRIC = re.compile(r"\b(vllm:[a-z_:]+|nv_[a-z_]+|tgi_[a-z_]+)")
"""A metric name of one of the engines above, as it appears in a PromQL query."""


def runtime_of_metric(metric: str) -> Optional[Runtime]:
    """The engine a metric name belongs to (None: not an engine metric)."""
    return next((runtime for runtime in RUNTIMES.values()
                 if runtime.metric_prefix and metric.startswith(runtime.metric_prefix)), None)
