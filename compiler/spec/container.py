"""The model server container as the spec and its runtime preset define it: command line, named ports,
probe paths, metrics endpoint, writable caches, shared memory and the weights download. Shared by the
Deployment emitter, the checks and the rules, so all of them read one answer."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Optional

from servespec.catalog.downloads import default_download
from servespec.catalog.runtimes import HTTP_PORT_NAME, EngineFacts, Runtime
from servespec.spec.parallel import ParallelPlan
from servespec.spec.paths import CACHE_DIR, MODEL_DIR
from servespec.spec.types import parse_image, quantity_value

if TYPE_CHECKING:
    from servespec.spec.model import Model

CACHE_PATHS = {
    "HOME": CACHE_DIR,
    "XDG_CACHE_HOME": CACHE_DIR,
    "HF_HOME": f"{CACHE_DIR}/huggingface",
    "HUGGINGFACE_HUB_CACHE": f"{CACHE_DIR}/huggingface/hub",
    "TRITON_CACHE_DIR": f"{CACHE_DIR}/triton",
    "TORCHINDUCTOR_CACHE_DIR": f"{CACHE_DIR}/torchinductor",
    "VLLM_CACHE_ROOT": f"{CACHE_DIR}/vllm",
}
"""Where each cache variable of a preset points, all inside the cache volume."""

MEMORY_LIMIT_FACTOR = Decimal("1.2")
"""Memory limit = 1.2 x request unless `resources.memoryLimit` is set."""

SHM_PER_GPU_GI = 2
"""Default /dev/shm: 2Gi per GPU of the pod (vLLM's Kubernetes guide uses 2Gi for one GPU; NCCL's
shared-memory transport between tensor-parallel ranks needs more with every rank)."""

SHM_MIN_PER_GPU_GI = 1
"""Below 1Gi per GPU, tensor-parallel NCCL runs out of shared memory (TGI README, "A note on Shared Memory":
1 GB for sharding)."""


@dataclass(frozen=True)
class DownloadStep:
    """The init container fetching the weights into the model volume."""

    image: str
    command: tuple[str, ...]
    args: tuple[str, ...]
    secret_name: Optional[str]


@dataclass(frozen=True)
class ServerPlan:
    """Everything about the server container that the spec and its preset decide together."""

    runtime: Runtime
    engine: EngineFacts
    """The runtime's facts for the model image's version."""
    command: tuple[str, ...]
    args: tuple[str, ...]
    ports: tuple[tuple[str, int], ...]
    """(name, container port), `http` first."""
    readiness_path: str
    liveness_path: str
    metrics: Optional[tuple[str, str]]
    """(port name, path) of the Prometheus endpoint; None: nothing to scrape."""
    warmup_seconds: int
    cache_env: tuple[tuple[str, str], ...]
    shm_size: str
    download: Optional[DownloadStep]

    @property
    def http_port(self) -> int:
        return self.ports[0][1]

    def port(self, name: str) -> Optional[int]:
        return next((number for port_name, number in self.ports if port_name == name), None)

    @property
    def metrics_port_number(self) -> Optional[int]:
        return self.port(self.metrics[0]) if self.metrics else None


def runtime_of(model: Model) -> Runtime:
    runtime: Runtime = model.server.runtime
    return runtime


def warmup_seconds(model: Model) -> int:
    """The engine's warm-up after loading: `server.warmupSeconds`, else the preset's."""
    given = model.server.warmup_seconds
    return given if given is not None else runtime_of(model).warmup_seconds


def spec_settings(model: Model, plan: ParallelPlan) -> dict[str, str]:
    """The spec values a preset turns into arguments (`catalog.runtimes.SETTINGS`), as text."""
    settings: dict[str, str] = {}
    if plan.tensor > 1:
        settings["tensor"] = str(plan.tensor)
    if plan.pipeline > 1:
        settings["pipeline"] = str(plan.pipeline)
    architecture = model.model
    if architecture is not None and architecture.context_length is not None:
        settings["context"] = str(architecture.context_length)
    if model.server.gpu_memory_utilization is not None:
        settings["utilization"] = f"{model.server.gpu_memory_utilization:g}"
    if architecture is not None and architecture.kv_cache_dtype == "fp8":
        settings["kv_fp8"] = "fp8"
    return settings


def memory_limit_bytes(model: Model) -> Decimal:
    """The server container's memory limit: `resources.memoryLimit`, else 1.2 x the request."""
    if model.resources.memory_limit:
        return quantity_value(model.resources.memory_limit)
    return quantity_value(model.resources.memory) * MEMORY_LIMIT_FACTOR


def api_key_setting(model: Model) -> Optional[tuple[str | int, ...]]:
    """Where the spec puts the engine's API behind a key (`env.<VAR>` or the flag in `server.args`), relative to
    the model; None: no key."""
    runtime = runtime_of(model)
    if runtime.api_key_env is not None and runtime.api_key_env in model.env:
        return ("env", runtime.api_key_env)
    for number, arg in enumerate(model.server.args):
        if runtime.api_key_flag is not None and arg.split("=", 1)[0] == runtime.api_key_flag:
            return ("server", "args", number)
    return None


def request_seconds(model: Model) -> int:
    """The longest request: `server.maxRequestSeconds`, else the engine's default."""
    return model.server.max_request_seconds or runtime_of(model).request_seconds


def served_name(model: Model) -> str:
    """The name clients call the model by (the `model` of an OpenAI-style request)."""
    return model.server.served_model_name or model.name


def engine_facts(model: Model) -> EngineFacts:
    """The facts of the model's runtime for the version its image tag names."""
    return runtime_of(model).facts(parse_image(model.image).version)


def preset_args(model: Model, ports: dict[str, int], plan: ParallelPlan) -> tuple[str, ...]:
    """The preset's own arguments, filled from the spec."""
    runtime = runtime_of(model)
    values = {"model_dir": MODEL_DIR, "name": served_name(model), "tensor": str(plan.tensor),
              **{name: str(number) for name, number in ports.items()}}
    args = [arg.format(**values) for arg in runtime.args] + list(engine_facts(model).args)
    for setting, value in spec_settings(model, plan).items():
        args += [arg.format(value=value) for arg in runtime.setting_args.get(setting, ())]
    return tuple(args)


def server_ports(model: Model) -> tuple[tuple[str, int], ...]:
    """The preset's ports with `server.port` as the http port, then the spec's extra ports."""
    runtime = runtime_of(model)
    ports = dict(runtime.ports)
    if model.server.port is not None:
        ports[HTTP_PORT_NAME] = model.server.port
    return tuple(ports.items()) + tuple((extra.name, extra.port) for extra in model.server.ports)


def download_step(model: Model) -> Optional[DownloadStep]:
    """The init container of `artifact.source: download`; None for other sources (or no usable default,
    which the checks report)."""
    artifact = model.artifact
    if artifact is None or artifact.source != "download" or artifact.uri is None:
        return None
    given = artifact.download
    try:
        default = default_download(artifact.uri, MODEL_DIR)
    except ValueError:
        if given is None or given.image is None:
            return None
        default = None
    image = (given.image if given and given.image else None) or (default.image if default else None)
    if image is None and runtime_of(model).ships_huggingface_hub:
        image = model.image
    if image is None:
        return None
    command = given.command if given and given.command is not None else (default.command if default else ())
    args = given.args if given and given.args is not None else (default.args if default else ())
    return DownloadStep(image, tuple(command), tuple(args), given.secret_name if given else None)


def server_plan(model: Model, plan: ParallelPlan) -> ServerPlan:
    """The server container of `model`, split as `plan` says, preset defaults filled in."""
    runtime = runtime_of(model)
    server = model.server
    ports = server_ports(model)
    metrics: Optional[tuple[str, str]] = None
    if runtime.metrics_port or server.metrics_path:
        metrics = (server.metrics_port or runtime.metrics_port or HTTP_PORT_NAME,
                   server.metrics_path or runtime.metrics_path)
    gpus = max(1, plan.gpus_per_pod)
    return ServerPlan(
        runtime=runtime,
        engine=engine_facts(model),
        command=tuple(server.command) if server.command is not None else runtime.command,
        args=preset_args(model, dict(ports), plan) + tuple(server.args),
        ports=ports,
        readiness_path=server.readiness_path or runtime.readiness_path,
        liveness_path=server.liveness_path or runtime.liveness_path,
        metrics=metrics,
        warmup_seconds=warmup_seconds(model),
        cache_env=tuple((name, CACHE_PATHS[name]) for name in runtime.cache_env),
        shm_size=server.shm_size or f"{SHM_PER_GPU_GI * gpus}Gi",
        download=download_step(model),
    )
