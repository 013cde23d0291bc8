"""Every example, in the base spec and every environment, on a real control plane: applied with no warning,
every model Running at its minimum replicas on nodes of its pool, its ReplicaSet holding its rollback point,
and one pod of each evictable. No
LeaderWorkerSet controller runs: the API server accepts the LeaderWorkerSet (its CRD is installed), and the
test creates the groups' pods from the stored templates as the controller would (`group_pods`), which Pod
Security "restricted" admits and the scheduler places one per whole node."""

from __future__ import annotations

import json

import pytest

from servespec import api
from servespec.spec.rollback import rollback_point
from tests.conftest import EXAMPLES, relative
from tests.e2e.cluster import wait_for


def labels_gpus(labels: dict[str, str]) -> int:
    return int(labels["nvidia.com/gpu.count"])


TARGETS = api.golden_targets([relative(path) for path in EXAMPLES])


@pytest.mark.parametrize("target", TARGETS, ids=[target.tree for target in TARGETS])
def test_example_is_accepted_scheduled_running_and_drainable(deploy, target):
    deployed = deploy(target.file, target.env)
    assert deployed.applied.stderr.strip() == "", deployed.applied.stderr  # no warning of any kind
    fleet = deployed.fleet
    for model in fleet.models:
        deployed.scale(model.name, model.spec.replicas.min)
    for model in fleet.models:
        wanted = model.spec.replicas.min * model.parallel.nodes
        wait_for(lambda name=model.name, wanted=wanted: len(deployed.running(name)) == wanted
                 and len(deployed.pods(name)) == wanted,
                 f"{wanted} Running pods of {model.name}")
        for pod in deployed.running(model.name):
            labels = deployed.node_labels[pod["spec"]["nodeName"]]
            assert all(labels.get(key) == value for key, value in model.node_selector.items()), \
                f"{pod['metadata']['name']} runs on {pod['spec']['nodeName']}, not a node of pool {model.pool.name}"
        if model.parallel.multi_node:  # every pod of a group takes a whole node of its own
            nodes = [pod["spec"]["nodeName"] for pod in deployed.running(model.name)]
            assert len(set(nodes)) == len(nodes)
            assert all(labels_gpus(deployed.node_labels[node]) == model.parallel.gpus_per_pod for node in nodes)
        else:  # the Deployment controller keeps the release's rollback point on its ReplicaSet
            point = rollback_point(fleet.namespace, model).annotations()
            sets = deployed.cluster.get("replicasets", "-n", fleet.namespace, "-l",
                                        f"app.kubernetes.io/name={model.name}")["items"]
            assert len(sets) == 1 and all(sets[0]["metadata"]["annotations"].get(key) == value
                                          for key, value in point.items()), sets
    for model in fleet.models:
        # The disruption controller counts a PDB's expected pods through each pod's controller (here it would
        # be the LeaderWorkerSet's StatefulSets); pods created without the LWS controller have none.
        if model.spec.replicas.min == 0 or model.parallel.multi_node:
            continue
        if model.disruption is not None:
            wait_for(lambda name=model.name: deployed.cluster.get("pdb", name, "-n", fleet.namespace)
                     .get("status", {}).get("disruptionsAllowed", 0) >= 1,
                     f"the PodDisruptionBudget of {model.name} to allow a disruption")
        pod = deployed.running(model.name)[0]["metadata"]["name"]
        evicted = deployed.cluster.evict(fleet.namespace, pod)
        assert evicted.returncode == 0, f"evicting {pod}: {evicted.stderr}"
        assert json.loads(evicted.stdout)["status"] == "Success"
