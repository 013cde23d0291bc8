from __future__ import annotations

from typing import Iterator

from pydantic import Field

from servespec.policies.rule import Finding, LintContext, Rule, RuleOptions, model_path
from servespec.spec.rollout import allowed_disruptions


class PDBMissingOptions(RuleOptions):
    min_replicas: int = Field(default=2, ge=2, description="Replica count from which a budget is expected.")


class PDBMissing(Rule):
    """Model with two or more replicas has no effective PodDisruptionBudget.

    What it does:
        Fires for a model with `replicas.min` >= the option `minReplicas` (default 2) whose compiled
        PodDisruptionBudget is missing or lets every replica go at once.

    Why it matters:
        A node drain or upgrade may then evict all replicas together; with minutes of model load time the
        model is down until they come back.

    Fix:
        Remove `disruption` (the default is maxUnavailable 1) or set a budget that keeps replicas up.
    """

    id = "SCA006"
    slug = "pdb-missing"
    category = "scaling"
    Options = PDBMissingOptions

    def check(self, context: LintContext, options: PDBMissingOptions) -> Iterator[Finding]:
        budgets = {model.name: budget for model, budget in context.model_manifests("PodDisruptionBudget")}
        for model in context.fleet.models:
            replicas = model.spec.replicas.min
            if replicas < options.min_replicas:
                continue
            budget = budgets.get(model.name)
            allowed = allowed_disruptions(budget.data["spec"], replicas) if budget else replicas
            if allowed >= replicas:
                yield Finding(f"no disruption budget keeps any of the {replicas} replicas of {model.name!r} up: a "
                              "drain may evict them all at once", model_path(model, "disruption"), model.name,
                              hint="set disruption: {maxUnavailable: 1}")
