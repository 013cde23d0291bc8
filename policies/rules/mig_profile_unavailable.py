from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path
from servespec.spec.gpus import profiles_hint


class MIGProfileUnavailable(Rule):
    """MIG slice not offered by the pool's GPU type.

    What it does:
        Fires when a model asks for a MIG profile the pool's GPU type does not have, or, on a pool with MIG
        strategy single, a profile other than the one every GPU is split into.

    Why it matters:
        The device plugin only advertises the slices the GPUs are cut into. A request for any other profile
        stays Pending forever: the Deployment never becomes available and the rollout times out.

    Fix:
        Pick a profile the pool's GPU offers (the finding's hint lists them),
        or move the model to a pool whose GPUs offer it.
    """

    id = "GPU002"
    slug = "mig-profile-unavailable"
    category = "gpu"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            request = model.spec.gpu
            pool = model.pool
            if request is None or request.mig is None or pool.spec.mig.strategy == "none":
                continue
            path = model_path(model, "gpu", "mig")
            if pool.gpu.mig_profile(request.mig) is None:
                yield Finding(f"{pool.gpu.name} has no MIG profile {request.mig!r} (pool {pool.name!r})", path,
                              model.name, hint=profiles_hint(pool.gpu))
            elif pool.spec.mig.strategy == "single" and request.mig != pool.spec.mig.profile:
                yield Finding(f"pool {pool.name!r} splits every GPU into {pool.spec.mig.profile} (MIG strategy "
                              f"single), so {request.mig} slices never exist", path, model.name,
                              hint=f"request {pool.spec.mig.profile}, or use a pool with MIG strategy mixed")
