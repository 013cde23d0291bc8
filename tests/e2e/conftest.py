"""The e2e tier: compiled objects applied to a real control plane (see `cluster.py`), marked `e2e`.

The control plane is built once (`.tools/kc-bin`, reused by later runs) and started once per session; it is
stopped at the end of the session, also when a test fails. Only a machine without Go (or without
`../shared/cluster/` beside the checkout) skips the tier, with a message saying so; with
SERVESPEC_REQUIRE_TOOLS set (CI), that skip is a failure (tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid

import pytest

from servespec import api
from servespec.spec.resolve import ResolvedFleet
from tests.conftest import ROOT
from tests.e2e.cluster import Cluster, start, stop, wait_for
from tests.e2e.nodes import cpu_nodes, pool_nodes

SHARED_CLUSTER = ROOT.parent / "shared" / "cluster"
BINARIES = ROOT / ".tools" / "kc-bin"
NEEDED = ("kube-apiserver", "kube-scheduler", "kube-controller-manager", "kwok")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def _missing() -> str:
    if not SHARED_CLUSTER.is_dir():
        return f"{SHARED_CLUSTER} is not beside the checkout"
    if shutil.which("kubectl") is None:
        return "kubectl is not installed"
    if shutil.which("go") is None and not all((BINARIES / name).exists() for name in NEEDED):
        return "Go is not installed: the control plane is built from the Go module proxy"
    return ""


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    missing = _missing()
    if missing:
        pytest.skip(f"e2e tier skipped: {missing}")
    run_dir = tmp_path_factory.mktemp("control-plane")
    try:
        yield start(SHARED_CLUSTER, BINARIES, run_dir)
    finally:
        stop(SHARED_CLUSTER, run_dir)


class Deployed:
    """One fleet's compiled objects applied to the cluster, on nodes of its own pools."""

    def __init__(self, cluster: Cluster, fleet: ResolvedFleet, objects: list[dict], taint_gpu_nodes: bool = True):
        self.cluster, self.fleet = cluster, fleet
        self.run = f"e2e-{uuid.uuid4().hex[:6]}"
        nodes = pool_nodes(fleet, self.run, taint_gpu_nodes) + cpu_nodes(self.run)
        for item in nodes:
            item["metadata"]["labels"]["servespec.dev/e2e-run"] = self.run
        cluster.add_nodes(nodes)
        self.node_labels = {item["metadata"]["name"]: item["metadata"]["labels"] for item in nodes}
        wait_for(lambda: self._nodes_ready(), "the fake nodes to be Ready")
        order = {"Namespace": 0, "PriorityClass": 1}
        compiled = {o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"}
        others = sorted({o["metadata"]["namespace"] for o in objects if o["metadata"].get("namespace")} - compiled)
        if others:  # e.g. the GPU Operator's, which the platform runs
            cluster.apply_objects([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
                                   for name in others])
        self.applied = cluster.apply_objects(sorted(objects, key=lambda o: order.get(o["kind"], 2)))
        claims = self._weight_claims()
        if claims:
            cluster.apply_objects(claims)

    def _weight_claims(self) -> list[dict]:
        """The claims holding model weights (`artifact.claimName`), which the platform team provides already
        filled: each bound to a read-only volume of the artifact's size."""
        objects = []
        for model in self.fleet.models:
            claim = model.spec.artifact.claim_name if model.spec.artifact else None
            if claim is None:
                continue
            size = f"{max(1, int(model.spec.artifact.size_gb + 0.999))}G"
            volume = f"{self.run}-{self.fleet.namespace}-{claim}"
            common = {"accessModes": ["ReadOnlyMany"], "storageClassName": ""}
            objects.append({"apiVersion": "v1", "kind": "PersistentVolume",
                            "metadata": {"name": volume, "labels": {"servespec.dev/e2e-run": self.run}},
                            "spec": {**common, "capacity": {"storage": size},
                                     "hostPath": {"path": f"/var/lib/models/{claim}"},
                                     "claimRef": {"namespace": self.fleet.namespace, "name": claim}}})
            objects.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                            "metadata": {"name": claim, "namespace": self.fleet.namespace},
                            "spec": {**common, "volumeName": volume, "resources": {"requests": {"storage": size}}}})
        return objects

    def _nodes_ready(self) -> bool:
        nodes = self.cluster.get("nodes", "-l", f"servespec.dev/e2e-run={self.run}")["items"]
        return len(nodes) == len(self.node_labels) and all(
            any(c["type"] == "Ready" and c["status"] == "True" for c in n.get("status", {}).get("conditions", []))
            and not any(t["key"] == "node.kubernetes.io/not-ready" for t in n["spec"].get("taints", []))
            for n in nodes)

    def scale(self, model: str, replicas: int) -> None:
        """Scale the model's Deployment; for a multi-node model (no LeaderWorkerSet controller runs here) scale
        the LeaderWorkerSet through its scale subresource and create the groups' pods as the controller would."""
        resolved = next(m for m in self.fleet.models if m.name == model)
        kind = "leaderworkerset" if resolved.parallel.multi_node else "deployment"
        self.cluster.kubectl("scale", kind, model, "-n", self.fleet.namespace, f"--replicas={replicas}")
        if resolved.parallel.multi_node:
            lws = self.cluster.get("leaderworkerset", model, "-n", self.fleet.namespace)
            self.cluster.apply_objects(group_pods(lws, replicas))

    def pods(self, model: str) -> list[dict]:
        return [pod for pod in self.cluster.pods(self.fleet.namespace, f"app.kubernetes.io/name={model}")
                if "deletionTimestamp" not in pod["metadata"]]

    def running(self, model: str) -> list[dict]:
        return [pod for pod in self.pods(model) if pod["status"].get("phase") == "Running" and any(
            c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))]

    def pending(self, model: str) -> list[dict]:
        return [pod for pod in self.pods(model) if pod["status"].get("phase") == "Pending"]

    def scheduling_message(self, pod: dict) -> str:
        return " ".join(c.get("message", "") for c in pod["status"].get("conditions", [])
                        if c["type"] == "PodScheduled")

    def close(self) -> None:
        self.cluster.kubectl("delete", "namespace", self.fleet.namespace, "--wait=true", "--timeout=90s",
                             check=False, timeout=120)
        self.cluster.delete_nodes(f"servespec.dev/e2e-run={self.run}")
        self.cluster.kubectl("delete", "pv", "-l", f"servespec.dev/e2e-run={self.run}", "--wait=false", check=False)


def group_pods(lws: dict, groups: int) -> list[dict]:
    """The pods the LeaderWorkerSet controller creates for `groups` groups, from the object as the API server
    stored it: leader `<name>-<g>` from leaderTemplate, workers `<name>-<g>-<i>` from workerTemplate, with the
    controller's labels and the LWS_* variables it adds to every container (kubernetes-sigs/lws
    api/leaderworkerset/v1/leaderworkerset_types.go)."""
    name, namespace = lws["metadata"]["name"], lws["metadata"]["namespace"]
    template = lws["spec"]["leaderWorkerTemplate"]
    size = template["size"]
    pods = []
    for group in range(groups):
        leader = f"{name}-{group}"
        for index in range(size):
            source = template["leaderTemplate"] if index == 0 else template["workerTemplate"]
            pod_name = leader if index == 0 else f"{leader}-{index}"
            labels = {**source["metadata"]["labels"], "leaderworkerset.sigs.k8s.io/name": name,
                      "leaderworkerset.sigs.k8s.io/group-index": str(group),
                      "leaderworkerset.sigs.k8s.io/worker-index": str(index)}
            spec = json.loads(json.dumps(source["spec"]))
            env = [{"name": "LWS_LEADER_ADDRESS", "value": f"{leader}.{name}.{namespace}"},
                   {"name": "LWS_GROUP_SIZE", "value": str(size)},
                   {"name": "LWS_WORKER_INDEX", "value": str(index)}]
            for container in spec["containers"]:
                container["env"] = container.get("env", []) + env
            pods.append({"apiVersion": "v1", "kind": "Pod",
                         "metadata": {"name": pod_name, "namespace": namespace, "labels": labels}, "spec": spec})
    return pods


def compiled_objects(file: str, env: str | None) -> list[dict]:
    """What `compile` writes for one spec and environment (synthesized through cdk8s)."""
    result = api.compile_to_files([api.Target("", file, env)], api.SchemaOptions(enabled=False))
    return [manifest.data for _, manifest in api.named_manifests(result)]


@pytest.fixture
def deploy(cluster):
    """deploy(file, env=None, taint_gpu_nodes=True) -> Deployed; everything is removed after the test."""
    made: list[Deployed] = []

    def _deploy(file: str, env: str | None = None, taint_gpu_nodes: bool = True) -> Deployed:
        fleet = api.load_fleet(file, env)
        made.append(Deployed(cluster, fleet, compiled_objects(file, env), taint_gpu_nodes))
        return made[-1]

    yield _deploy
    for deployed in made:
        deployed.close()
