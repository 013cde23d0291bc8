from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path
from servespec.spec.container import SHM_MIN_PER_GPU_GI
from servespec.spec.types import quantity_value

_GI = 2**30


class ShmTooSmall(Rule):
    """Shared memory too small for the replica's tensor-parallel GPUs.

    What it does:
        Reads the serving pod's memory-backed `/dev/shm` volume and fires when a pod with more than one GPU
        gets less than 1Gi of it per GPU.

    Why it matters:
        With tensor parallelism the engine runs one process per GPU; NCCL and PyTorch pass tensors between
        them through /dev/shm when the GPUs cannot reach each other directly. Too little of it fails the
        NCCL set-up ("unable to allocate shared memory", a bus error) or falls back to slow paths, at
        start-up or under load. The container runtime's default is 64Mi.

    Fix:
        Remove `server.shmSize` (the default is 2Gi per GPU) or raise it to at least 1Gi per GPU. It is
        memory: keep the memory limit above what the server uses plus the shared memory.
    """

    id = "SRV003"
    slug = "shm-too-small"
    category = "serving"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model, pod in context.serving_pods():
            gpus = model.parallel.gpus_per_pod
            volumes = pod["spec"]["volumes"]
            shm = next((v["emptyDir"].get("sizeLimit") for v in volumes if v["name"] == "dshm"), None)
            if gpus < 2 or shm is None:
                continue
            needed = SHM_MIN_PER_GPU_GI * gpus
            if quantity_value(shm) < needed * _GI:
                yield Finding(f"{model.name!r} runs {gpus} tensor-parallel GPUs with {shm} of /dev/shm; NCCL "
                              f"needs at least {needed}Gi", model_path(model, "server", "shmSize"), model.name,
                              hint=f"remove server.shmSize (default {2 * gpus}Gi) or set at least {needed}Gi")
