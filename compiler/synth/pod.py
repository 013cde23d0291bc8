"""The pod template of a model, shared by the Deployment and the LeaderWorkerSet: the engine's command line
and ports, GPU or MIG request, pool placement, probes sized from the artifact, weights delivered read-only
(claim, download init container or image volume), restricted pods. A multi-node replica's leader starts the
Ray head and then the engine; its workers join the head (`catalog.runtimes`, vLLM multi-node serving)."""

from __future__ import annotations

import copy
import math
import shlex
from typing import Any, Literal

from servespec.catalog.runtimes import HTTP_PORT_NAME, MULTI_NODE_SCRIPT
from servespec.spec import identity
from servespec.spec.lifecycle import STARTUP_PERIOD_SECONDS, ray_init_timeout_seconds
from servespec.spec.model import EnvValueFrom
from servespec.spec.paths import CACHE_DIR, MODEL_DIR
from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.spec.storage import download_volume_size, ephemeral_storage, tmp_size_limit
from servespec.synth import mesh, validator_config
from servespec.synth.common import model_labels, selector_labels, spec_hash
from servespec.synth.priority_class import class_name

Role = Literal["server", "leader", "worker"]
"""The pod of a single-node replica, or the leader or a worker of a multi-node replica."""

ROLE_LABEL = "servespec.dev/role"
"""`leader` or `worker` on the pods of a multi-node replica; the Service selects the leader."""

RUN_AS_USER = 10001
"""Non-root user and group the pods run as (the restricted profile forbids uid 0)."""

PROBE_TIMEOUT_SECONDS = 5

SPOT_TOLERATIONS = [
    {"key": "cloud.google.com/gke-spot", "operator": "Equal", "value": "true", "effect": "NoSchedule"},
    {"key": "kubernetes.azure.com/scalesetpriority", "operator": "Equal", "value": "spot", "effect": "NoSchedule"},
    {"key": "karpenter.sh/capacity-type", "operator": "Equal", "value": "spot", "effect": "NoSchedule"},
]
"""Taints the managed Kubernetes services put on spot/preemptible nodes (GKE, AKS, Karpenter)."""

VALIDATOR_RESOURCES = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}

DOWNLOAD_RESOURCES = {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "2Gi"}}
"""The weights downloader: network- and disk-bound; rclone and huggingface_hub stream to disk."""


def container_security_context() -> dict[str, Any]:
    """Pod Security Standards "restricted", plus a read-only root filesystem."""
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "runAsUser": RUN_AS_USER,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def _probe(path: str, failure_threshold: int) -> dict[str, Any]:
    return {"httpGet": {"path": path, "port": HTTP_PORT_NAME}, "periodSeconds": STARTUP_PERIOD_SECONDS,
            "timeoutSeconds": PROBE_TIMEOUT_SECONDS, "failureThreshold": failure_threshold}


def _env_value(name: str, value: str | EnvValueFrom) -> dict[str, Any]:
    if isinstance(value, str):
        return {"name": name, "value": value}
    if value.secret_key_ref is not None:
        return {"name": name, "valueFrom": {"secretKeyRef": {"name": value.secret_key_ref.name,
                                                             "key": value.secret_key_ref.key}}}
    assert value.config_map_key_ref is not None  # semantics: exactly one of the two
    return {"name": name, "valueFrom": {"configMapKeyRef": {"name": value.config_map_key_ref.name,
                                                            "key": value.config_map_key_ref.key}}}


def _env(model: ResolvedModel) -> list[dict[str, Any]]:
    """The spec's variables; the preset's cache variables and MODEL_DIR unless the spec sets them."""
    spec = model.spec
    env = {"MODEL_DIR": MODEL_DIR, **dict(model.server.cache_env)}
    merged: dict[str, str | EnvValueFrom] = {**env, **spec.env}
    return [_env_value(name, value) for name, value in sorted(merged.items())]


def _env_from(model: ResolvedModel) -> list[dict[str, Any]]:
    return [{"secretRef": {"name": source.secret}} if source.secret else {"configMapRef": {"name": source.config_map}}
            for source in model.spec.env_from]


def _command_line(model: ResolvedModel, role: Role) -> tuple[list[str], list[str]]:
    """(command, args) of the server container: the engine's; for a multi-node leader the Ray head first (it
    waits until every worker joined), then the engine; for a worker, joining the leader's Ray head."""
    server = model.server
    if role == "server":
        return list(server.command), list(server.args)
    if role == "leader":
        engine = shlex.join(server.command + server.args)
        return ["sh", "-c"], [f"bash {MULTI_NODE_SCRIPT} leader --ray_cluster_size={model.parallel.nodes} "
                              f"--ray_init_timeout={ray_init_timeout_seconds(model.spec)} && exec {engine}"]
    return ["sh", "-c"], [f'bash {MULTI_NODE_SCRIPT} worker --ray_address="${{LWS_LEADER_ADDRESS}}"']


def startup_seconds(model: ResolvedModel, role: Role) -> int:
    """The startup probe's budget: a leader also waits for its workers to join Ray."""
    wait = ray_init_timeout_seconds(model.spec) if role == "leader" else 0
    return model.startup_budget_seconds + wait


def _server_container(model: ResolvedModel, role: Role) -> dict[str, Any]:
    spec, server = model.spec, model.server
    gpu = {name: str(count) for name, count in sorted(model.gpu_resources.items())}
    requests: dict[str, str] = {"cpu": spec.resources.cpu, "memory": spec.resources.memory, **gpu}
    storage = ephemeral_storage(model)
    if storage:
        requests["ephemeral-storage"] = storage
    container: dict[str, Any] = {"name": "server", "image": spec.image, "imagePullPolicy": "IfNotPresent"}
    command, args = _command_line(model, role)
    if command:
        container["command"] = command
    if args:
        container["args"] = args
    if role != "worker":
        container["ports"] = [{"name": name, "containerPort": port, "protocol": "TCP"}
                              for name, port in server.ports]
    container["env"] = _env(model)
    env_from = _env_from(model)
    if env_from:
        container["envFrom"] = env_from
    container["resources"] = {"requests": requests, "limits": {"memory": model.memory_limit, **gpu}}
    if role != "worker":
        container.update({
            "startupProbe": _probe(server.readiness_path,
                                   math.ceil(startup_seconds(model, role) / STARTUP_PERIOD_SECONDS)),
            "readinessProbe": _probe(server.readiness_path, 3),
            "livenessProbe": _probe(server.liveness_path, 3),
        })
    container.update({"securityContext": container_security_context(), "volumeMounts": _server_mounts(model)})
    return container


def _server_mounts(model: ResolvedModel) -> list[dict[str, Any]]:
    mounts: list[dict[str, Any]] = [{"name": "tmp", "mountPath": "/tmp"}, {"name": "dshm", "mountPath": "/dev/shm"}]
    if model.server.cache_env:
        mounts.append({"name": "cache", "mountPath": CACHE_DIR})
    if model.spec.artifact is not None:
        mounts.append({"name": "model", "mountPath": MODEL_DIR, "readOnly": True})
    return mounts + [dict(mount) for mount in model.spec.pod.volume_mounts]


def _download_container(model: ResolvedModel) -> dict[str, Any]:
    step = model.server.download
    assert step is not None, "only models with a download get the init container"
    container: dict[str, Any] = {"name": "download", "image": step.image, "imagePullPolicy": "IfNotPresent"}
    if step.command:
        container["command"] = list(step.command)
    if step.args:
        container["args"] = list(step.args)
    container["env"] = [{"name": "HOME", "value": "/tmp"}]
    if step.secret_name:
        container["envFrom"] = [{"secretRef": {"name": step.secret_name}}]
    container.update({
        "resources": DOWNLOAD_RESOURCES,
        "securityContext": container_security_context(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}, {"name": "model", "mountPath": MODEL_DIR}],
    })
    return container


def _validator_container(model: ResolvedModel) -> dict[str, Any]:
    validator = model.spec.validator
    assert validator is not None, "only models with a validator get the sidecar"
    return {
        "name": "validator",
        "image": validator.image,
        "imagePullPolicy": "IfNotPresent",
        "args": [f"--config={validator_config.MOUNT_PATH}/{validator_config.FILE_NAME}"],
        "ports": [{"name": "validator", "containerPort": validator.port, "protocol": "TCP"}],
        # the sidecar's listener: a hung validator is restarted and a pod whose validator is not up is not Ready
        "readinessProbe": {"tcpSocket": {"port": "validator"}, "periodSeconds": 10},
        "livenessProbe": {"tcpSocket": {"port": "validator"}, "periodSeconds": 10, "failureThreshold": 3},
        "resources": VALIDATOR_RESOURCES,
        "securityContext": container_security_context(),
        "volumeMounts": [
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "validator-config", "mountPath": validator_config.MOUNT_PATH, "readOnly": True},
        ],
    }


def _model_volume(model: ResolvedModel) -> dict[str, Any] | None:
    artifact = model.spec.artifact
    if artifact is None:
        return None
    if artifact.source == "pvc":
        return {"name": "model", "persistentVolumeClaim": {"claimName": artifact.claim_name, "readOnly": True}}
    if artifact.source == "image":
        assert artifact.image is not None  # semantics: source image needs `image`
        return {"name": "model", "image": {"reference": artifact.image.reference,
                                           "pullPolicy": artifact.image.pull_policy}}
    return {"name": "model", "emptyDir": {"sizeLimit": download_volume_size(model)}}


def _volumes(model: ResolvedModel, role: Role) -> list[dict[str, Any]]:
    volumes = [
        {"name": "tmp", "emptyDir": {"sizeLimit": tmp_size_limit(model)}},
        {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": model.server.shm_size}},
    ]
    if model.server.cache_env:
        volumes.append({"name": "cache", "emptyDir": {"sizeLimit": model.server.runtime.cache_size}})
    model_volume = _model_volume(model)
    if model_volume is not None:
        volumes.append(model_volume)
    if model.spec.validator and role != "worker":
        volumes.append({"name": "validator-config",
                        "configMap": {"name": validator_config.config_map_name(model)}})
    return volumes + [dict(volume) for volume in model.spec.pod.volumes]


def _compute_capability(fleet: ResolvedFleet, model: ResolvedModel) -> list[dict[str, Any]]:
    """The GPU's compute capability, from GPU Feature Discovery's labels: only where they exist."""
    if not model.gpu_resources or not fleet.platform.feature_discovery:
        return []
    major, minor = model.pool.gpu.compute_capability
    return [{"key": "nvidia.com/gpu.compute.major", "operator": "In", "values": [str(major)]},
            {"key": "nvidia.com/gpu.compute.minor", "operator": "In", "values": [str(minor)]}]


def _affinity(fleet: ResolvedFleet, model: ResolvedModel) -> dict[str, Any] | None:
    """The compute-capability node affinity, with `pod.affinity`: its required node terms each ANDed with it
    (node selector terms are ORed, the expressions of one term ANDed), everything else as given."""
    ours = _compute_capability(fleet, model)
    given = copy.deepcopy(model.spec.pod.affinity)
    node = given.get("nodeAffinity", {})
    required = node.get("requiredDuringSchedulingIgnoredDuringExecution", {})
    terms = required.get("nodeSelectorTerms") or ([{}] if ours else [])
    if ours:
        required["nodeSelectorTerms"] = [{**term, "matchExpressions": ours + term.get("matchExpressions", [])}
                                         for term in terms]
        node["requiredDuringSchedulingIgnoredDuringExecution"] = required
        given["nodeAffinity"] = node
    return given or None


def _tolerations(fleet: ResolvedFleet, model: ResolvedModel) -> list[dict[str, Any]]:
    tolerations = [dict(taint) for taint in fleet.platform.tolerations] if model.gpu_resources else []
    if model.pool.spec.spot:
        tolerations += SPOT_TOLERATIONS
    return tolerations + [dict(toleration) for toleration in model.spec.pod.tolerations]


def template(fleet: ResolvedFleet, model: ResolvedModel, role: Role = "server") -> dict[str, Any]:
    """The pod template of one role of the model."""
    spec = model.spec
    containers = [_server_container(model, role)]
    template_annotations = {**model.spec.pod.annotations, **mesh.pod_annotations(model, role)}
    if spec.validator and role != "worker":
        containers.append(_validator_container(model))
        template_annotations["servespec.dev/validator-config-hash"] = spec_hash(validator_config.config(model))
    pod = {
        "serviceAccountName": model.name,
        "automountServiceAccountToken": False,
        "priorityClassName": class_name(fleet, spec.priority),
        "terminationGracePeriodSeconds": model.termination_grace_seconds,
        "securityContext": {"runAsNonRoot": True, "runAsUser": RUN_AS_USER, "runAsGroup": RUN_AS_USER,
                            "fsGroup": RUN_AS_USER, "seccompProfile": {"type": "RuntimeDefault"}},
        "nodeSelector": dict(model.node_selector),
        "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
                                       "whenUnsatisfiable": "ScheduleAnyway",
                                       "labelSelector": {"matchLabels": selector_labels(model)}}],
        "containers": containers,
        "volumes": _volumes(model, role),
    }
    if model.server.download is not None:
        pod["initContainers"] = [_download_container(model)]
    affinity = _affinity(fleet, model)
    if affinity:
        pod["affinity"] = affinity
    tolerations = _tolerations(fleet, model)
    if tolerations:
        pod["tolerations"] = tolerations
    labels = {**model.spec.pod.labels, **model_labels(fleet, model), **mesh.pod_labels(fleet, model, role),
              **identity.pod_labels(model.spec)}
    if role != "server":
        labels[ROLE_LABEL] = role
    template_metadata: dict[str, Any] = {"labels": labels}
    if template_annotations:
        template_metadata["annotations"] = template_annotations
    return {"metadata": template_metadata, "spec": pod}
