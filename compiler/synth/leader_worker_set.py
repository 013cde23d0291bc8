"""LeaderWorkerSet (leaderworkerset.x-k8s.io/v1) of a model whose replica spans several nodes: one group of
`size` pods per replica, a leader (Ray head, then the engine) and workers (Ray workers), the whole group
recreated when any pod restarts, rolled group by group. KEDA scales it through its scale subresource.

Source: kubernetes-sigs/lws v0.7.0 api/leaderworkerset/v1/leaderworkerset_types.go (size, restartPolicy
RecreateGroupOnPodRestart, rolloutStrategy.rollingUpdateConfiguration maxSurge/maxUnavailable in groups,
startupPolicy LeaderCreated: workers start with the leader, which waits for them), and docs.vllm.ai
"Deployment / LWS".

Leader address: the workers join `LWS_LEADER_ADDRESS` = `<lws>-<group>.<subdomain>.<namespace>`
(pkg/utils/pod/pod_utils.go), a name only a headless Service called `<subdomain>` makes resolvable. With the
default subdomainPolicy Shared that Service is `<lws>`, and the controller creates it only when no Service of
that name exists (`CreateHeadlessServiceIfNotExists`, pkg/utils/controller/controller_utils.go): the model's
own ClusterIP Service `<name>` would take the name and the workers would never find the leader. So the
policy is UniquePerReplica: one headless Service per group, `<lws>-<group>`, created by the controller
(pkg/controllers/pod_controller.go), and `<name>` stays the clients' Service.
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
        "networkConfig": {"subdomainPolicy": "UniquePerReplica"},
        "rolloutStrategy": {"type": "RollingUpdate", "rollingUpdateConfiguration": dict(model.rolling_update)},
        "leaderWorkerTemplate": {
            "size": model.parallel.nodes,
            "restartPolicy": "RecreateGroupOnPodRestart",
            "leaderTemplate": pod.template(fleet, model, "leader"),
            "workerTemplate": pod.template(fleet, model, "worker"),
        },
    })
    return manifest(API_VERSION, KIND, workload_metadata(fleet, model), spec=body)
