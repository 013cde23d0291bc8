"""The claims of lint rules, checked against the real scheduler and eviction API: each test writes a spec the
rule fires on, compiles it, and shows the failure the rule predicts happening in a cluster."""

from __future__ import annotations

import yaml

from servespec import api
from tests.e2e.cluster import wait_for

IMAGE = ("registry.example.com/server:2.2-cuda12.1@sha256:"
         "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef")


def write_spec(tmp_path, namespace: str, pool: dict, models: list[dict], **sections: dict) -> str:
    spec = {"apiVersion": "servespec.dev/v1alpha1", "kind": "ServingFleet",
            "metadata": {"name": namespace, "namespace": namespace},
            "gpuPools": [{"driverVersion": "550.107.02", "costPerGPUHour": 1.0, **pool}],
            "models": [{"version": "v1", "image": IMAGE, "pool": pool["name"],
                        "resources": {"cpu": "2", "memory": "4Gi"}, **model} for model in models], **sections}
    path = tmp_path / f"{namespace}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return str(path)


def fired(file: str) -> set[str]:
    return {finding.rule_id for finding in api.lint([file], policy="production").findings}


def test_gpu001_a_model_without_gpu_gets_no_gpu_and_never_a_cpu_node(deploy, tmp_path):
    """GPU001: with GPU nodes untainted (the GPU Operator's default) the model runs on a node of its GPU pool
    with no GPU device allocated: it serves from CPU. The pool's nodeSelector keeps it off CPU-only nodes."""
    file = write_spec(tmp_path, "claim-gpu001", {"name": "claim-gpu001-l4", "gpu": "L4", "maxGPUs": 1},
                      [{"name": "ranker"}])
    assert "GPU001" in fired(file)
    deployed = deploy(file, taint_gpu_nodes=False)
    deployed.scale("ranker", 1)
    pod = wait_for(lambda: deployed.running("ranker"), "the model without a GPU to run")[0]
    labels = deployed.node_labels[pod["spec"]["nodeName"]]
    assert labels.get("servespec.dev/gpu-pool") == "claim-gpu001-l4" and "servespec.dev/e2e-cpu" not in labels
    requested = {key for container in pod["spec"]["containers"]
                 for key in container.get("resources", {}).get("requests", {})}
    assert not any(key.startswith("nvidia.com/") for key in requested)


def test_gpu001_on_tainted_gpu_nodes_the_model_never_schedules(deploy, tmp_path):
    """GPU001 on managed Kubernetes (GPU nodes tainted nvidia.com/gpu): only pods that request a GPU tolerate
    the taint, so the model without one stays Pending instead of running anywhere."""
    file = write_spec(tmp_path, "claim-gpu001-tainted", {"name": "claim-gpu001-tainted", "gpu": "L4",
                                                         "maxGPUs": 1}, [{"name": "ranker"}])
    assert "GPU001" in fired(file)
    deployed = deploy(file)
    deployed.scale("ranker", 1)
    pod = wait_for(lambda: [p for p in deployed.pending("ranker") if deployed.scheduling_message(p)],
                   "the scheduler's verdict")[0]
    pool_nodes = [name for name, labels in deployed.node_labels.items()
                  if labels.get("servespec.dev/gpu-pool") == "claim-gpu001-tainted"]
    assert len(pool_nodes) == 1  # the one node of the pool is the one whose nvidia.com/gpu taint is not tolerated
    assert "1 node(s) had untolerated taint" in deployed.scheduling_message(pod)


def test_gpu008_a_schedule_above_the_pool_leaves_pods_pending(deploy, tmp_path):
    file = write_spec(tmp_path, "claim-gpu008", {"name": "claim-gpu008", "gpu": "L4", "maxGPUs": 2},
                      [{"name": "chat", "gpu": {"count": 1, "memoryGB": 16}, "replicas": {"min": 1, "max": 4},
                        "scaling": {"schedules": [{"name": "day", "timezone": "UTC", "start": "0 8 * * *",
                                                   "end": "0 20 * * *", "replicas": 4}]}}])
    assert "GPU008" in fired(file)
    deployed = deploy(file)
    deployed.scale("chat", 4)  # what KEDA's cron trigger asks for inside the window
    wait_for(lambda: len(deployed.running("chat")) == 2 and len(deployed.pending("chat")) == 2,
             "2 pods Running on the pool's 2 GPUs and 2 Pending")
    pending = wait_for(lambda: [p for p in deployed.pending("chat") if deployed.scheduling_message(p)],
                       "the scheduler's verdict")
    assert "Insufficient nvidia.com/gpu" in deployed.scheduling_message(pending[0])


def test_sca005_a_pdb_that_blocks_drains_refuses_eviction(deploy, tmp_path):
    file = write_spec(tmp_path, "claim-sca005", {"name": "claim-sca005", "gpu": "L4", "maxGPUs": 2},
                      [{"name": "embedder", "gpu": {"count": 1, "memoryGB": 8}, "replicas": {"min": 2, "max": 2},
                        "disruption": {"minAvailable": 2}}])
    assert "SCA005" in fired(file)
    deployed = deploy(file)
    deployed.scale("embedder", 2)
    wait_for(lambda: len(deployed.running("embedder")) == 2, "2 Running pods")
    wait_for(lambda: deployed.cluster.get("pdb", "embedder", "-n", "claim-sca005").get("status", {})
             .get("currentHealthy") == 2, "the disruption controller to count both pods")
    evicted = deployed.cluster.evict("claim-sca005", deployed.running("embedder")[0]["metadata"]["name"])
    assert evicted.returncode != 0 and "disruption budget" in evicted.stderr, evicted.stderr


def test_priority_classes_let_a_critical_model_preempt_batch_on_a_full_pool(deploy, tmp_path):
    """The tiers' PriorityClasses: a critical replica preempts a batch one when the (spot) pool is full;
    batch itself never preempts (preemptionPolicy Never). PLC001 flags the critical model on spot."""
    file = write_spec(tmp_path, "claim-priority", {"name": "claim-priority", "gpu": "T4", "maxGPUs": 2,
                                                   "spot": True},
                      [{"name": "scoring", "priority": "batch", "gpu": {"count": 1, "memoryGB": 8},
                        "replicas": {"min": 2, "max": 2}},
                       {"name": "ranker", "priority": "critical", "gpu": {"count": 1, "memoryGB": 8},
                        "replicas": {"min": 1, "max": 1}}])
    assert "PLC001" in fired(file)
    deployed = deploy(file)
    deployed.scale("ranker", 0)
    deployed.scale("scoring", 2)
    wait_for(lambda: len(deployed.running("scoring")) == 2, "batch filling the pool")
    deployed.scale("ranker", 1)
    wait_for(lambda: len(deployed.running("ranker")) == 1, "the critical replica to preempt a batch one", 120)
    wait_for(lambda: len(deployed.running("scoring")) == 1 and len(deployed.pending("scoring")) == 1,
             "one batch replica left Pending")


def test_gpu002_a_mig_profile_the_pool_does_not_offer_never_schedules(deploy, tmp_path):
    file = write_spec(tmp_path, "claim-gpu002", {"name": "claim-gpu002", "gpu": "A100-80GB", "maxGPUs": 1,
                                                 "mig": {"strategy": "mixed"}},
                      [{"name": "tagger", "gpu": {"mig": "1g.5gb", "memoryGB": 4}}])
    assert "GPU002" in fired(file)
    deployed = deploy(file)
    deployed.scale("tagger", 1)
    pod = wait_for(lambda: [p for p in deployed.pending("tagger") if deployed.scheduling_message(p)],
                   "the scheduler's verdict")[0]
    assert "Insufficient nvidia.com/mig-1g.5gb" in deployed.scheduling_message(pod)
    offered = {key for node in deployed.cluster.get("nodes", "-l", f"servespec.dev/e2e-run={deployed.run}")["items"]
               for key in node["status"]["allocatable"] if key.startswith("nvidia.com/mig-")}
    assert "nvidia.com/mig-1g.10gb" in offered and "nvidia.com/mig-1g.5gb" not in offered
