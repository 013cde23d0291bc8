"""LeaderWorkerSet (leaderworkerset.x-k8s.io/v1) of a model whose replica spans several nodes: one group of
`size` pods per replica, a leader (Ray head, then the engine) and workers (Ray workers), the whole group
recreated when any pod restarts, rolled group by group. KEDA scales it through its scale subresource.

Source: kubernetes-sigs/lws api/leaderworkerset/v1/leaderworkerset_types.go (size, restartPolicy
RecreateGroupOnPodRestart, rolloutStrategy.rollingUpdateConfiguration maxSurge/maxUnavailable, startupPolicy
LeaderCreated: workers start with the leader, which waits for them), and docs.vllm.ai "Deployment / LWS".
"""

from __future__ import annotations

from typing import Any

from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth import pod
from servespec.synth.common import manifest, workload_metadata

API_VERSION = "leaderworkerset.x-k8s.io/v1"
KIND = "LeaderWorkerSet"


def build(fleet: ResolvedFleet, model: ResolvedModel, autoscaled: bool) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if not autoscaled:
        body["replicas"] = model.spec.replicas.min
    body.update({
        "startupPolicy": "LeaderCreated",
        "rolloutStrategy": {"type": "RollingUpdate", "rollingUpdateConfiguration": dict(model.rolling_update)},
        "leaderWorkerTemplate": {
            "size": model.parallel.nodes,
            "restartPolicy": "RecreateGroupOnPodRestart",
            "leaderTemplate": pod.template(fleet, model, "leader"),
            "workerTemplate": pod.template(fleet, model, "worker"),
        },
    })
    return manifest(API_VERSION, KIND, workload_metadata(fleet, model), spec=body)
