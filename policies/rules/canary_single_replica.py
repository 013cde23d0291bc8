from __future__ import annotations

from typing import Iterator

from pydantic import Field

from servespec.policies.rule import Finding, LintContext, Rule, RuleOptions, model_path


class CanarySingleReplicaOptions(RuleOptions):
    min_replicas: int = Field(default=2, ge=2, description="Fewest replicas a canary rollout should run with.")


class CanarySingleReplica(Rule):
    """Canary or blue/green rollout of a model that may run a single replica.

    What it does:
        Fires for a canary or blue/green model whose `replicas.min` is below the option `minReplicas`
        (default 2).

    Why it matters:
        With one primary replica there is nothing to shift traffic between gradually and no redundancy
        while Flagger swaps primaries; the canary's metrics come from a handful of requests, so the gates
        decide on noise.

    Fix:
        Run at least two replicas, or use `strategy: rolling`.
    """

    id = "ROL003"
    slug = "canary-single-replica"
    category = "rollout"
    Options = CanarySingleReplicaOptions

    def check(self, context: LintContext, options: CanarySingleReplicaOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            if model.analysis is not None and model.spec.replicas.min < options.min_replicas:
                yield Finding(f"{model.spec.rollout.strategy} rollout of {model.name!r} with replicas.min "
                              f"{model.spec.replicas.min}: too little traffic and no redundancy for the analysis",
                              model_path(model, "rollout", "strategy"), model.name,
                              hint=f"run at least {options.min_replicas} replicas, or use strategy rolling")
