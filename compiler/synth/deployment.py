"""Deployment: GPU or MIG request, pool placement, probes sized from the artifact, restricted pods."""

from __future__ import annotations

import math
from typing import Any

from servespec.spec.container import MODEL_DIR
from servespec.spec.lifecycle import STARTUP_PERIOD_SECONDS
from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth import validator_config
from servespec.synth.common import manifest, model_labels, model_metadata, selector_labels, spec_hash
from servespec.synth.priority_class import class_name

RUN_AS_USER = 10001
"""Non-root user and group the pods run as (the restricted profile forbids uid 0)."""

SHM_SIZE_LIMIT = "2Gi"
TMP_SIZE_LIMIT = "1Gi"
PROBE_TIMEOUT_SECONDS = 5

SPOT_TOLERATIONS = [
    {"key": "cloud.google.com/gke-spot", "operator": "Equal", "value": "true", "effect": "NoSchedule"},
    {"key": "kubernetes.azure.com/scalesetpriority", "operator": "Equal", "value": "spot", "effect": "NoSchedule"},
    {"key": "karpenter.sh/capacity-type", "operator": "Equal", "value": "spot", "effect": "NoSchedule"},
]
"""Taints the managed Kubernetes services put on spot/preemptible nodes (GKE, AKS, Karpenter)."""

GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}

VALIDATOR_RESOURCES = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}


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
    return {"httpGet": {"path": path, "port": "http"}, "periodSeconds": STARTUP_PERIOD_SECONDS,
            "timeoutSeconds": PROBE_TIMEOUT_SECONDS, "failureThreshold": failure_threshold}


def _server_container(model: ResolvedModel) -> dict[str, Any]:
    spec = model.spec
    env = [{"name": key, "value": value} for key, value in sorted(spec.env.items())]
    env.append({"name": "MODEL_DIR", "value": MODEL_DIR})
    if spec.artifact:
        env.append({"name": "MODEL_URI", "value": spec.artifact.uri})
    gpu = {name: str(count) for name, count in sorted(model.gpu_resources.items())}
    return {
        "name": "server",
        "image": spec.image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": spec.server.port, "protocol": "TCP"}],
        "env": env,
        "resources": {
            "requests": {"cpu": spec.resources.cpu, "memory": spec.resources.memory, **gpu},
            "limits": {"memory": model.memory_limit, **gpu},
        },
        "startupProbe": _probe(spec.server.readiness_path,
                               math.ceil(model.startup_budget_seconds / STARTUP_PERIOD_SECONDS)),
        "readinessProbe": _probe(spec.server.readiness_path, 3),
        "livenessProbe": _probe(spec.server.liveness_path, 3),
        "securityContext": container_security_context(),
        "volumeMounts": [
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "dshm", "mountPath": "/dev/shm"},
            {"name": "model", "mountPath": MODEL_DIR, "readOnly": bool(spec.artifact and spec.artifact.claim_name)},
        ],
    }


def _validator_container(model: ResolvedModel) -> dict[str, Any]:
    validator = model.spec.validator
    assert validator is not None, "only models with a validator get the sidecar"
    return {
        "name": "validator",
        "image": validator.image,
        "imagePullPolicy": "IfNotPresent",
        "args": [f"--config={validator_config.MOUNT_PATH}/{validator_config.FILE_NAME}"],
        "ports": [{"name": "validator", "containerPort": validator.port, "protocol": "TCP"}],
        "resources": VALIDATOR_RESOURCES,
        "securityContext": container_security_context(),
        "volumeMounts": [
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "validator-config", "mountPath": validator_config.MOUNT_PATH, "readOnly": True},
        ],
    }


def _volumes(model: ResolvedModel) -> list[dict[str, Any]]:
    artifact = model.spec.artifact
    if artifact and artifact.claim_name:
        model_volume = {"name": "model", "persistentVolumeClaim": {"claimName": artifact.claim_name, "readOnly": True}}
    else:
        size = f"{math.ceil(artifact.size_gb * 1.1)}G" if artifact else TMP_SIZE_LIMIT
        model_volume = {"name": "model", "emptyDir": {"sizeLimit": size}}
    volumes = [
        {"name": "tmp", "emptyDir": {"sizeLimit": TMP_SIZE_LIMIT}},
        {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": SHM_SIZE_LIMIT}},
        model_volume,
    ]
    if model.spec.validator:
        volumes.append({"name": "validator-config",
                        "configMap": {"name": validator_config.config_map_name(model)}})
    return volumes


def _affinity(model: ResolvedModel) -> dict[str, Any] | None:
    if not model.gpu_resources:
        return None
    major, minor = model.pool.gpu.compute_capability
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [
            {"key": "nvidia.com/gpu.compute.major", "operator": "In", "values": [str(major)]},
            {"key": "nvidia.com/gpu.compute.minor", "operator": "In", "values": [str(minor)]},
        ]}]}}}


def _tolerations(model: ResolvedModel) -> list[dict[str, Any]]:
    tolerations = [GPU_TOLERATION] if model.gpu_resources else []
    if model.pool.spec.spot:
        tolerations += SPOT_TOLERATIONS
    return tolerations


def build(fleet: ResolvedFleet, model: ResolvedModel, autoscaled: bool) -> dict[str, Any]:
    spec = model.spec
    containers = [_server_container(model)]
    template_annotations = {}
    if spec.validator:
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
        "volumes": _volumes(model),
    }
    affinity = _affinity(model)
    if affinity:
        pod["affinity"] = affinity
    tolerations = _tolerations(model)
    if tolerations:
        pod["tolerations"] = tolerations
    template_metadata: dict[str, Any] = {"labels": model_labels(fleet, model)}
    if template_annotations:
        template_metadata["annotations"] = template_annotations
    body: dict[str, Any] = {
        "selector": {"matchLabels": selector_labels(model)},
        "revisionHistoryLimit": 5,
        "progressDeadlineSeconds": model.progress_deadline_seconds,
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
        "template": {"metadata": template_metadata, "spec": pod},
    }
    if not autoscaled:
        body["replicas"] = spec.replicas.min
    return manifest("apps/v1", "Deployment", model_metadata(fleet, model), spec=body)
