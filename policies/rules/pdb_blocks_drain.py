from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path
from servespec.spec.rollout import allowed_disruptions


class PDBBlocksDrain(Rule):
    """PodDisruptionBudget allows no eviction at the minimum replica count: node drains hang.

    What it does:
        Reads the compiled PodDisruptionBudget and computes how many pods it lets go when the model runs at
        `replicas.min`. Fires when that is zero (e.g. `minAvailable` >= replicas.min, or maxUnavailable 0).

    Why it matters:
        Every voluntary eviction is refused: `kubectl drain`, node upgrades and the cluster autoscaler's
        scale-down hang on this model's nodes until someone deletes the PDB by hand.

    Fix:
        Use `disruption: {maxUnavailable: 1}`, or a minAvailable below replicas.min.
    """

    id = "SCA005"
    slug = "pdb-blocks-drain"
    category = "scaling"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model, budget in context.model_manifests("PodDisruptionBudget"):
            replicas = model.spec.replicas.min
            spec = budget.data["spec"]
            if replicas > 0 and allowed_disruptions(spec, replicas) == 0:
                key = "minAvailable" if "minAvailable" in spec else "maxUnavailable"
                yield Finding(f"with {replicas} replica(s) the disruption budget ({key}: {spec[key]}) allows no "
                              "eviction: node drains and upgrades hang", model_path(model, "disruption", key),
                              model.name, hint="use maxUnavailable: 1")
