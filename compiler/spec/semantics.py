"""Checks across fields: references, unique names, and combinations no manifest could express."""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Iterable, Iterator, Sequence

from servespec.catalog import GPU_TYPES, GPUType
from servespec.catalog.downloads import ENV_AUTH_SCHEMES, SCHEMES, split_uri
from servespec.catalog.platforms import PLATFORMS, Platform
from servespec.catalog.runtimes import PRESETS, SETTINGS
from servespec.diagnostics import Diagnostic, suggest
from servespec.spec.container import (
    api_key_setting,
    engine_facts,
    memory_limit_bytes,
    runtime_of,
    server_plan,
    server_ports,
    spec_settings,
)
from servespec.spec.gpus import gpu_types, profiles_hint
from servespec.spec.identity import download_credentials, identity_kinds
from servespec.spec.lifecycle import load_seconds, progress_deadline_seconds, startup_budget_seconds
from servespec.spec.loader import SourceMap, SpecPath
from servespec.spec.mig import profiles_used
from servespec.spec.model import EnvValueFrom, FleetSpec, GPUPool, Model
from servespec.spec.parallel import (
    ParallelPlan,
    parallel_plan,
    pipeline_degree,
    replica_gpus,
    rolling_update,
    tensor_degree,
    whole_gpus_per_node,
)
from servespec.spec.traffic import MIRROR_PROVIDERS, OUTSIDE_CLUSTER_GATEWAY_CLASSES, setting_path, traffic_plan
from servespec.spec.types import INT32_MAX, duration_seconds, format_bytes, parse_version_tuple, quantity_value

VULNERABILITY_RULE = ("SUP001", "image-vulnerable")
"""The rule whose findings are per vulnerability: the only one a waiver's `cve` can name."""

MIN_ANALYSIS_INTERVAL_SECONDS = 10
"""Flagger refuses analysis intervals under 10s."""


def check_semantics(spec: FleetSpec, source_map: SourceMap) -> list[Diagnostic]:
    """Every cross-field problem of the spec, located."""
    return list(_problems(spec, source_map))


def _duplicates(names: Iterable[str]) -> set[str]:
    return {name for name, count in Counter(names).items() if count > 1}


def _unique(items: Sequence[Any], prefix: SpecPath, what: str, source_map: SourceMap) -> Iterator[Diagnostic]:
    twice = _duplicates(item.name for item in items)
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        if item.name in twice:
            if item.name in first:
                line, _ = source_map.locate(prefix + (first[item.name], "name"))
                yield source_map.diagnostic(prefix + (index, "name"),
                                            f"{what} name {item.name!r} is used twice (first at line {line})")
            else:
                first[item.name] = index


def _problems(spec: FleetSpec, source_map: SourceMap) -> Iterator[Diagnostic]:
    """Every cross-field problem, in the order of the spec's sections."""
    where = source_map.diagnostic
    yield from _unique(spec.gpu_types, ("gpuTypes",), "GPU type", source_map)
    yield from _unique(spec.gpu_pools, ("gpuPools",), "pool", source_map)
    yield from _unique(spec.models, ("models",), "model", source_map)
    yield from _gpu_type_problems(spec, where)
    known_gpus = gpu_types(spec)
    platform = PLATFORMS[spec.cluster.platform]
    for index, pool in enumerate(spec.gpu_pools):
        yield from _pool_problems(spec, platform, known_gpus, pool, ("gpuPools", index), where)
    for index, model in enumerate(spec.models):
        yield from _model_problems(spec, platform, model, ("models", index), source_map)
    yield from _fleet_problems(spec, where)


def _gpu_type_problems(spec: FleetSpec, where: Callable[..., Diagnostic]) -> Iterator[Diagnostic]:
    for index, custom in enumerate(spec.gpu_types):
        if custom.name in GPU_TYPES:
            yield where(("gpuTypes", index, "name"), f"GPU type {custom.name!r} is already in the catalog",
                        hint="use the catalog entry, or give the custom type another name")
        if custom.mig_profiles and parse_version_tuple(custom.compute_capability) < (8, 0):
            yield where(("gpuTypes", index, "migProfiles"), "MIG needs compute capability 8.0 or newer")


def _pool_problems(spec: FleetSpec, platform: Platform, known_gpus: dict[str, GPUType], pool: GPUPool,
                   path: SpecPath, where: Callable[..., Diagnostic]) -> Iterator[Diagnostic]:
    yield from _platform_pool_problems(platform, pool, path, where)
    gpu = known_gpus.get(pool.gpu)
    if gpu is None:
        yield where(path + ("gpu",), f"unknown GPU type {pool.gpu!r}",
                    hint=" ".join(filter(None, [suggest(pool.gpu, known_gpus),
                                                f"known types: {', '.join(sorted(known_gpus))}; "
                                                "or declare it under `gpuTypes`"])))
        return
    if pool.mig.strategy != "none" and not gpu.supports_mig:
        yield where(path + ("mig", "strategy"), f"{gpu.name} does not support MIG",
                    hint="MIG GPUs: " + ", ".join(sorted(n for n, g in known_gpus.items() if g.supports_mig)))
    yield from _mig_problems(spec, pool, gpu, path, where)
    yield from _product(pool, gpu, path, where)


def _mig_problems(spec: FleetSpec, pool: GPUPool, gpu: GPUType, path: SpecPath,
                  where: Callable[..., Diagnostic]) -> Iterator[Diagnostic]:
    used = profiles_used(pool, list(spec.models))
    if pool.mig.strategy == "mixed" and len(used) > 1 and (pool.gpus_per_node or 0) < len(used):
        yield where(path + ("gpusPerNode",) if pool.gpus_per_node else path + ("mig",),
                    f"the models on pool {pool.name!r} use {len(used)} MIG profiles ({', '.join(used)}): "
                    f"set gpusPerNode (at least {len(used)}) so that servespec can give each profile whole GPUs "
                    "of every node in the MIG Manager's configuration")
    if pool.mig.strategy == "single":
        if pool.mig.profile is None:
            yield where(path + ("mig",), "MIG strategy single needs `profile`: the slice every GPU is split into")
        elif gpu.supports_mig and gpu.mig_profile(pool.mig.profile) is None:
            yield where(path + ("mig", "profile"), f"{gpu.name} has no MIG profile {pool.mig.profile!r}",
                        hint=profiles_hint(gpu))
    elif pool.mig.profile is not None:
        yield where(path + ("mig", "profile"), "`profile` applies only to MIG strategy single")


def _model_problems(spec: FleetSpec, platform: Platform, model: Model, path: SpecPath,
                    source_map: SourceMap) -> Iterator[Diagnostic]:
    where = source_map.diagnostic
    pool_names = [pool.name for pool in spec.gpu_pools]
    pool = next((pool for pool in spec.gpu_pools if pool.name == model.pool), None)
    if pool is None:
        yield where(path + ("pool",), f"unknown pool {model.pool!r}",
                    hint=suggest(model.pool, pool_names) or
                    (f"pools: {', '.join(pool_names)}" if pool_names else "declare it under `gpuPools`"))
    if model.replicas.min > model.replicas.max:
        yield where(path + ("replicas", "min"),
                    f"replicas.min ({model.replicas.min}) is greater than replicas.max ({model.replicas.max})")
    if model.artifact and max(startup_budget_seconds(model), progress_deadline_seconds(model)) > INT32_MAX:
        yield where(path + ("artifact", "sizeGB"),
                    f"loading {model.artifact.size_gb:g} GB at {model.artifact.load_mbps:g} MB/s takes "
                    f"{load_seconds(model):.3g} s: longer than a Kubernetes probe or progress deadline can "
                    f"count ({INT32_MAX} s)", hint="check sizeGB and loadMBps, or set server.startupSeconds")
    yield from _unique(model.scaling.schedules, path + ("scaling", "schedules"), "schedule", source_map)
    for number, schedule in enumerate(model.scaling.schedules):
        if schedule.start.split() == schedule.end.split():
            yield where(path + ("scaling", "schedules", number, "end"), "a schedule's end must differ from its start")
    yield from _rollout_problems(model, path, where)
    if model.disruption is not None and \
            (model.disruption.min_available is None) == (model.disruption.max_unavailable is None):
        yield where(path + ("disruption",), "set exactly one of minAvailable and maxUnavailable")
    output_range = model.validator.output_range if model.validator else None
    if output_range and output_range.min >= output_range.max:
        yield where(path + ("validator", "outputRange", "max"), "outputRange.max must exceed outputRange.min")
    yield from _server_problems(model, path, where)
    yield from _artifact_problems(model, path, where)
    yield from _env_problems(model, path, where)
    yield from _parallel_problems(model, pool, path, where)
    yield from _memory_problems(model, pool, path, where)
    yield from _architecture_problems(model, path, where)
    yield from _traffic_problems(spec, model, path, where)
    yield from _identity_problems(platform, model, path, where)


def _fleet_problems(spec: FleetSpec, where: Callable[..., Diagnostic]) -> Iterator[Diagnostic]:
    """Fleet-wide settings: traffic, patches, waivers."""
    if spec.traffic is not None and spec.traffic.rate_limit is not None and spec.traffic.provider != "nginx":
        yield where(("traffic", "rateLimit"), "rateLimit is compiled for the nginx provider only",
                    hint="rate-limit at your gateway, or use provider nginx")
    for index, patch in enumerate(spec.patches):
        if (patch.json_patch is None) == (patch.merge_patch is None):
            yield where(("patches", index), "a patch needs exactly one of jsonPatch and mergePatch")
    model_names = [model.name for model in spec.models]
    for index, waiver in enumerate(spec.waivers):
        if waiver.model is not None and waiver.model not in model_names:
            yield where(("waivers", index, "model"), f"waiver names unknown model {waiver.model!r}",
                        hint=suggest(waiver.model, model_names))
        if waiver.cve is not None and waiver.rule not in VULNERABILITY_RULE:
            yield where(("waivers", index, "cve"), f"`cve` applies to rule {VULNERABILITY_RULE[1]} only "
                                                   f"(this waiver is for {waiver.rule!r})")


def _rollout_problems(model: Model, path: SpecPath, where: Callable[..., Diagnostic]) -> Iterator[Diagnostic]:
    rollout = model.rollout
    for strategy, settings, key in (("canary", rollout.canary, "canary"),
                                    ("blueGreen", rollout.blue_green, "blueGreen")):
        if settings is not None and rollout.strategy != strategy:
            yield where(path + ("rollout", key), f"`{key}` settings given but strategy is {rollout.strategy!r}",
                        hint=f"set `strategy: {strategy}` or remove the `{key}` block")
        if settings is not None and (settings.interval.endswith("h")
                                     or duration_seconds(settings.interval) < MIN_ANALYSIS_INTERVAL_SECONDS):
            yield where(path + ("rollout", key, "interval"),
                        f"interval {settings.interval!r} must be at least 10s, in s or m (Flagger)")




def _server_problems(model: Model, path: SpecPath, where: Callable[..., Diagnostic]) -> Iterator[Diagnostic]:
    runtime = runtime_of(model)
    ports = server_ports(model)
    seen_names: dict[str, int] = {}
    seen_numbers: dict[int, str] = {}
    for number, extra in enumerate(model.server.ports):
        at = path + ("server", "ports", number)
        preset = len(ports) - len(model.server.ports)
        if extra.name in dict(ports[:preset]) or extra.name in seen_names:
            yield where(at + ("name",), f"port name {extra.name!r} is already used",
                        hint="names in use: " + ", ".join(name for name, _ in ports[:preset + number]))
        seen_names[extra.name] = number
    for name, port in ports:
        if port in seen_numbers:
            yield where(path + ("server",), f"ports {seen_numbers[port]!r} and {name!r} both use {port}",
                        hint="give every port its own number")
        seen_numbers.setdefault(port, name)
    if model.validator and model.validator.port in seen_numbers:
        yield where(path + ("validator", "port"),
                    f"the validator sidecar needs a port other than the server's ({model.validator.port} is "
                    f"{seen_numbers[model.validator.port]!r})")
    if model.server.metrics_port is not None and model.server.metrics_port not in dict(ports):
        yield where(path + ("server", "metricsPort"), f"no port is named {model.server.metrics_port!r}",
                    hint=suggest(model.server.metrics_port, [name for name, _ in ports])
                    or "ports: " + ", ".join(name for name, _ in ports))
    plan = ParallelPlan(tensor_degree(model), pipeline_degree(model), replica_gpus(model), 1)
    from_spec = dict(runtime.flags_from_spec)
    for setting in spec_settings(model, plan):
        flag = runtime.flag_of(setting)
        if flag is not None:
            from_spec.setdefault(flag, SETTINGS[setting])
    for number, arg in enumerate(model.server.args):
        flag = arg.split("=", 1)[0]
        if flag in from_spec:
            yield where(path + ("server", "args", number),
                        f"the {runtime.name} preset already sets {flag} (from `{from_spec[flag]}`)",
                        hint=f"remove {flag} from args and set `{from_spec[flag]}` instead, or "
                             "use `runtime: custom` to write the whole command line")
    yield from _api_key_problems(model, path, where)
    target = model.scaling.target
    if target is not None:
        at = path + ("scaling", "target", "metric")
        if not runtime.scaling_metrics:
            yield where(at, f"runtime {runtime.name!r} has no known load metric",
                        hint="scale with `scaling.prometheus` and a query on your server's metrics, or set "
                             f"`server.runtime` to {', '.join(PRESETS[:-1])} or {PRESETS[-1]}")
        elif target.metric not in runtime.scaling_metrics:
            known = list(runtime.scaling_metrics)
            yield where(at, f"{runtime.name} has no scaling metric {target.metric!r}",
                        hint=" ".join(filter(None, [suggest(target.metric, known),
                                                    f"{runtime.name} offers: {', '.join(known)}"])))
        elif target.metric not in engine_facts(model).scaling_metrics:
            first = runtime.first_version(target.metric)
            assert first is not None
            yield where(path + ("image",), f"scaling.target {target.metric!r} reads a metric {runtime.name} exports "
                                           f"from version {'.'.join(map(str, first))} on; image "
                                           f"{model.image.split('@')[0]!r} is older and KEDA would never scale it",
                        hint=f"use a {runtime.name} image of version {'.'.join(map(str, first))} or newer, or "
                             "another scaling.target metric")


def _api_key_problems(model: Model, path: SpecPath, where: Callable[..., Diagnostic]) -> Iterator[Diagnostic]:
    """Probes on paths the engine answers with 401 once its API needs a key: they never pass."""
    key = api_key_setting(model)
    if key is None:
        return
    runtime = runtime_of(model)
    guards = engine_facts(model).api_key_guards
    for field, given, default in (("readinessPath", model.server.readiness_path, runtime.readiness_path),
                                  ("livenessPath", model.server.liveness_path, runtime.liveness_path)):
        probe_path = given or default
        if probe_path.startswith(guards):
            yield where(path + ("server", field) if given else path + key,
                        f"{'.'.join(map(str, key))} puts the {runtime.name} API behind a key, and {runtime.name} "
                        f"answers {probe_path} with 401 without it: the probe never passes and the pod never "
                        "becomes Ready", hint=f"probe a path outside {', '.join(guards)}, e.g. {runtime.liveness_path}")


def _artifact_problems(model: Model, path: SpecPath, where: Callable[..., Diagnostic]) -> Iterator[Diagnostic]:
    artifact = model.artifact
    if artifact is None:
        return
    at = path + ("artifact",)
    own = {"pvc": "claimName", "download": "download", "image": "image"}
    for source, key in own.items():
        if source != artifact.source and getattr(artifact, _FIELDS[key]) is not None:
            yield where(at + (key,), f"`{key}` applies only to source {source} (this artifact's source is "
                                     f"{artifact.source})", hint=f"remove `{key}` or set `source: {source}`")
    if artifact.source == "pvc" and artifact.claim_name is None:
        yield where(at + ("source",), "source pvc needs `claimName`: the PersistentVolumeClaim holding the weights")
    elif artifact.source == "image" and artifact.image is None:
        yield where(at + ("source",), "source image needs `image: {reference: ...}`: the image holding the weights")
    elif artifact.source == "download":
        yield from _download_problems(model, at, where)


def _download_problems(model: Model, at: SpecPath, where: Callable[..., Diagnostic]) -> Iterator[Diagnostic]:
    artifact = model.artifact
    assert artifact is not None
    given_image = artifact.download.image if artifact.download else None
    if artifact.uri is None:
        yield where(at + ("source",), "source download needs `uri`: where to fetch the weights from",
                    hint="e.g. s3://bucket/model/v1, gs://bucket/model, hf://org/repo@revision")
        return
    scheme, _ = split_uri(artifact.uri)
    download = artifact.download
    if scheme not in SCHEMES and (given_image is None or (download is not None and download.command is None
                                                          and download.args is None)):
        yield where(at + ("download", "image") if given_image else at + ("uri",),
                    f"servespec has no default download for {artifact.uri!r}"
                    + (": the init container would run the image's entrypoint with no arguments" if given_image
                       else ""),
                    hint=f"use one of {', '.join(f'{s}://' for s in SCHEMES)}, or set `download.command` (and "
                         "`download.args`) to fetch it into /models")
    elif scheme in ENV_AUTH_SCHEMES and download is not None and download.credentials == "secret" \
            and download.secret_name is None:
        yield where(at + ("download", "credentials"), "credentials: secret needs `download.secretName`")
    elif scheme in ENV_AUTH_SCHEMES and download_credentials(model) is None:
        yield where(at + ("uri",), f"the {scheme}:// download has no Secret: rclone's env_auth then asks the node's "
                                   "metadata server, the EKS Pod Identity agent or STS, and the NetworkPolicy "
                                   "opens none of them; the download could never authenticate",
                    hint="set `download.secretName`, the model's `identity`, or `download.credentials`: "
                         "instanceMetadata (GKE Workload Identity, EC2 roles), podIdentity (EKS), webIdentity (IRSA, "
                         "STS in egress) or anonymous")
    elif scheme == "hf" and given_image is None and not runtime_of(model).ships_huggingface_hub:
        yield where(at + ("uri",), f"hf:// downloads use the server image's huggingface_hub, which the "
                                   f"{model.server.runtime} runtime does not promise",
                    hint="set `download.image` to an image with huggingface_hub (and `download.command`)")


_FIELDS = {"claimName": "claim_name", "download": "download", "image": "image"}


def _env_problems(model: Model, path: SpecPath, where: Callable[..., Diagnostic]) -> Iterator[Diagnostic]:
    for name, value in model.env.items():
        if isinstance(value, EnvValueFrom) and \
                (value.secret_key_ref is None) == (value.config_map_key_ref is None):
            yield where(path + ("env", name), f"environment variable {name} needs exactly one of "
                                              "secretKeyRef and configMapKeyRef")
    for number, source in enumerate(model.env_from):
        if (source.secret is None) == (source.config_map is None):
            yield where(path + ("envFrom", number), "an envFrom entry needs exactly one of secret and configMap")


def _parallel_problems(model: Model, pool: GPUPool | None, path: SpecPath,
                       where: Callable[..., Diagnostic]) -> Iterator[Diagnostic]:
    parallelism, gpu, runtime = model.parallelism, model.gpu, runtime_of(model)
    if parallelism is not None:
        if gpu is None:
            yield where(path + ("parallelism",), "parallelism needs GPUs: add `gpu:`")
            return
        wanted = parallelism.tensor * parallelism.pipeline
        if gpu.count is not None and gpu.count != wanted:
            yield where(path + ("gpu", "count"), f"gpu.count is {gpu.count} but parallelism needs tensor x "
                                                 f"pipeline = {wanted} GPUs per replica",
                        hint=f"remove gpu.count (it defaults to {wanted}) or change parallelism")
        if parallelism.pipeline > 1 and runtime.shards_tensors and runtime.flag_of("pipeline") is None:
            yield where(path + ("parallelism", "pipeline"),
                        f"{runtime.name} shards tensors only: it has no pipeline parallelism",
                        hint="set pipeline: 1 and tensor to the GPUs per replica, or use `runtime: vllm`")
    gpus_per_node = whole_gpus_per_node(pool) if pool is not None else None
    gpus = replica_gpus(model)
    multi_node = (gpus_per_node is not None and gpus > gpus_per_node and runtime.multi_node
                  and not (gpu is not None and gpu.mig))
    if multi_node:
        assert gpus_per_node is not None
        at = path + (("parallelism",) if parallelism is not None else ("gpu", "count"))
        if gpus % gpus_per_node:
            yield where(at, f"{gpus} GPUs per replica do not fill whole nodes of {gpus_per_node} GPUs (pool "
                            f"{model.pool!r}): a multi-node replica takes every GPU of its nodes",
                        hint=f"use a multiple of {gpus_per_node} GPUs, e.g. tensor {gpus_per_node} x pipeline "
                             f"{-(-gpus // gpus_per_node)}")
        if model.rollout.strategy != "rolling":
            yield where(path + ("rollout", "strategy"),
                        f"{model.name!r} spans {-(-gpus // gpus_per_node)} nodes per replica (a LeaderWorkerSet); "
                        f"Flagger cannot run a {model.rollout.strategy} rollout of a LeaderWorkerSet",
                        hint="use strategy rolling (the LeaderWorkerSet rolls group by group)")
    update = rolling_update(model)
    if update["maxSurge"] in (0, "0%") and update["maxUnavailable"] in (0, "0%"):
        yield where(path + ("rollout",), "maxSurge and maxUnavailable are both 0: a rolling update could "
                                         "never replace a replica", hint="set one of them above 0")


def _memory_problems(model: Model, pool: GPUPool | None, path: SpecPath,
                     where: Callable[..., Diagnostic]) -> Iterator[Diagnostic]:
    """A memory limit /dev/shm alone can exceed: files in a memory-backed emptyDir count against the
    container's memory limit (kubernetes.io/docs/concepts/storage/volumes/#emptydir), so NCCL or the engine
    filling shared memory gets the container OOM-killed."""
    if pool is None:
        return
    limit = memory_limit_bytes(model)
    shm = server_plan(model, parallel_plan(model, pool)).shm_size
    if limit <= quantity_value(shm):
        field = "memoryLimit" if model.resources.memory_limit else "memory"
        yield where(path + ("resources", field),
                    f"the memory limit ({format_bytes(limit)}) is not above /dev/shm ({shm}), a memory-backed volume "
                    "counted against it: the container is OOM-killed before shared memory is full",
                    hint=f"raise resources.{field}, or lower server.shmSize")


_KV_FIELDS = {"layers": "layers", "headDim": "head_dim", "contextLength": "context_length"}


def _architecture_problems(model: Model, path: SpecPath, where: Callable[..., Diagnostic]) -> Iterator[Diagnostic]:
    architecture = model.model
    if architecture is None:
        return
    at = path + ("model",)
    if model.gpu is None:
        yield where(at, "`model` sizes GPU memory: it needs `gpu:`")
    kv_heads = architecture.kv_heads or architecture.attention_heads
    if architecture.kv_heads and architecture.attention_heads and (
            architecture.attention_heads % architecture.kv_heads):
        yield where(at + ("kvHeads",), f"kvHeads ({architecture.kv_heads}) must divide attentionHeads "
                                       f"({architecture.attention_heads}): each key/value head serves a group "
                                       "of query heads")
    shape = [key for key, name in _KV_FIELDS.items() if getattr(architecture, name) is not None]
    started = architecture.layers or architecture.head_dim or architecture.kv_heads
    if architecture.kv_cache_gb is None and started and (
            len(shape) < len(_KV_FIELDS) or kv_heads is None):
        missing = [key for key in _KV_FIELDS if key not in shape] + ([] if kv_heads else ["kvHeads"])
        yield where(at, f"the KV cache is computed from layers, kvHeads (or attentionHeads), headDim and "
                        f"contextLength; missing: {', '.join(missing)}",
                    hint="set them from the model's config.json, or give `kvCacheGB`")


def _traffic_problems(spec: FleetSpec, model: Model, path: SpecPath,
                      where: Callable[..., Diagnostic]) -> Iterator[Diagnostic]:
    """Traffic settings the model's provider cannot compile."""
    plan = traffic_plan(spec.traffic, model)
    provider = plan.provider
    if model.traffic is not None and model.traffic.rate_limit is not None and provider != "nginx":
        yield where(path + ("traffic", "rateLimit"), f"rateLimit is compiled for the nginx provider only (model "
                                                     f"{model.name!r} uses {provider or 'no provider'})",
                    hint="rate-limit at your gateway, or use provider nginx")
    if plan.rate_limit is not None and plan.rate_limit.burst % plan.rate_limit.rps:
        yield where(setting_path(spec.traffic, model, path, "rate_limit"),
                    f"rateLimit.burst {plan.rate_limit.burst} is not a multiple of rps {plan.rate_limit.rps}: "
                    "ingress-nginx sets the burst as rps x limit-burst-multiplier")
    if model.traffic is not None and model.traffic.mirror:
        at = path + ("traffic", "mirror")
        if model.rollout.strategy != "blueGreen":
            yield where(at, f"mirror applies to blue/green rollouts only (strategy is {model.rollout.strategy!r})")
        elif provider not in MIRROR_PROVIDERS:
            yield where(at, f"Flagger mirrors traffic with istio and gatewayapi only (model {model.name!r} uses "
                            f"{provider or 'no provider'})", hint="use a load test (`traffic.loadTest`) instead")
    tls_secret = plan.settings.nginx.tls_secret
    if tls_secret is not None and provider == "nginx" and not plan.hosts:
        yield where(("traffic", "nginx", "tlsSecret"), f"TLS needs the host names of model {model.name!r}",
                    hint="set traffic.domain or traffic.hosts")
    gateway_class = plan.settings.gatewayapi.gateway_class_name
    if provider == "gatewayapi" and gateway_class and gateway_class.startswith(OUTSIDE_CLUSTER_GATEWAY_CLASSES) \
            and not spec.security.ingress.from_cidrs:
        yield where(("traffic", "gatewayapi", "gatewayClassName"),
                    f"{gateway_class} gateways are cloud load balancers outside the cluster: their requests come "
                    "from VPC addresses, which a NetworkPolicy peer by namespace never matches, so every request "
                    f"to {model.name!r} would be dropped",
                    hint="list the proxy-only subnet and the health-check ranges 35.191.0.0/16, 130.211.0.0/22 "
                         "in security.ingress.fromCIDRs")
    if provider == "gatewayapi" and not plan.settings.gatewayapi.gateway_refs:
        yield where(setting_path(spec.traffic, model, path, "provider"),
                    "provider gatewayapi needs `traffic.gatewayapi.gatewayRefs`: the Gateways the routes attach to")
    key = api_key_setting(model)
    if plan.load_test is not None and plan.load_test.command is None and model.rollout.strategy != "rolling" \
            and key is not None:
        yield where(path + key, f"{'.'.join(map(str, key))} puts the {model.server.runtime} API behind a key, but "
                                "the default load test sends none: every test request gets 401 and the analysis "
                                "can never pass",
                    hint="give `traffic.loadTest.command` with the key the load tester holds, e.g. "
                         "-H \"Authorization: Bearer $API_KEY\" (flagger-loadtester runs it with sh -c)")
    if plan.load_test is not None and plan.load_test.command is None and model.rollout.strategy != "rolling" \
            and runtime_of(model).test_request is None:
        yield where(setting_path(spec.traffic, model, path, "load_test"),
                    f"loadTest needs `command` for runtime {model.server.runtime.name!r}: servespec knows no test "
                    "request for it", hint="e.g. command: \"hey -z 1m -q 2 -c 2 http://<model>-canary.<namespace>:<port>/...\"")


def _platform_pool_problems(platform: Platform, pool: GPUPool, path: SpecPath,
                            where: Callable[..., Diagnostic]) -> Iterator[Diagnostic]:
    """What the pool asks of its nodes that the platform does not give (catalog.platforms)."""
    if pool.driver_version is None and not platform.driver_managed:
        yield where(path, f"pool {pool.name!r} needs `driverVersion` on platform {platform.name}: nothing else "
                          "tells which driver its nodes run (the CUDA checks need it)",
                    hint="the GPU Operator's ClusterPolicy `driver.version`, or `nvidia-smi` on a node")
    if pool.product is not None and not platform.feature_discovery:
        yield where(path + ("product",), f"`product` selects GPU Feature Discovery's nvidia.com/gpu.product, which "
                                         f"{platform.name} nodes do not carry", hint="remove it: the platform's "
                                         "node pool and GPU type labels select the pool")
    if pool.mig.strategy != "none" and not platform.feature_discovery:
        yield where(path + ("mig", "strategy"), f"MIG pools are compiled for the GPU Operator's MIG Manager and "
                                                f"device plugin (nvidia.com/mig-* resources), not for {platform.name}",
                    hint="use cluster.platform: gpu-operator where the GPU Operator runs, or whole GPUs")


def _identity_problems(platform: Platform, model: Model, path: SpecPath,
                       where: Callable[..., Diagnostic]) -> Iterator[Diagnostic]:
    identity = model.identity
    if identity is None:
        return
    kinds = identity_kinds(identity)
    if len(kinds) > 1:
        yield where(path + ("identity",), f"give one kind of identity, not {' and '.join(kinds)}")
    for kind in kinds:
        if kind not in platform.identities:
            yield where(path + ("identity", kind), f"{kind} is not an identity {platform.name} pods can use",
                        hint=f"{platform.name}: {', '.join(platform.identities)}")


def _product(pool: GPUPool, gpu: GPUType, path: SpecPath,
             where: Callable[..., Diagnostic]) -> Iterator[Diagnostic]:
    """`product` must be one of the GPU type's GFD values (when the catalog knows them). Every MIG strategy keeps
    the label: with mixed GFD labels the whole GPU (`nvidia.com/gpu.product`) beside each profile's
    `nvidia.com/mig-<profile>.*` (NVIDIA/k8s-device-plugin v0.20.0 internal/lm/mig-strategy.go: the full-GPU
    labeler is merged with the MIG one, which names only `nvidia.com/mig-<profile>` resources); with single it
    is `<product>-MIG-<profile>` (`spec.gpus.gfd_product_label`)."""
    if pool.product is None:
        return
    if gpu.products and pool.product not in gpu.products:
        yield where(path + ("product",), f"{pool.product!r} is not a GPU Feature Discovery product of {gpu.name}",
                    hint=" ".join(filter(None, [suggest(pool.product, gpu.products),
                                                f"{gpu.name}: {', '.join(gpu.products)}"])))
