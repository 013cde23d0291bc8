"""Deployment of a model whose replica fits one node: the pod template (`synth.pod`), the rolling update
(surge one replica, or replace in place from four GPUs per replica) and the progress deadline."""

from __future__ import annotations

from typing import Any

from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth import pod
from servespec.synth.common import manifest, selector_labels, workload_metadata

KIND = "Deployment"


def build(fleet: ResolvedFleet, model: ResolvedModel, autoscaled: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "selector": {"matchLabels": selector_labels(model)},
        "revisionHistoryLimit": 5,
        "progressDeadlineSeconds": model.progress_deadline_seconds,
        "strategy": {"type": "RollingUpdate", "rollingUpdate": dict(model.rolling_update)},
        "template": pod.template(fleet, model),
    }
    if not autoscaled:
        body["replicas"] = model.spec.replicas.min
    return manifest("apps/v1", KIND, workload_metadata(fleet, model), spec=body)
