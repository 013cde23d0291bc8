from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path


class StepWeightAboveMax(Rule):
    """Canary step weight is larger than its max weight.

    What it does:
        Fires when `stepWeight` > `maxWeight` in a canary rollout.

    Why it matters:
        The first step already exceeds the weight at which the canary is promoted: it goes from 0 to full
        promotion in one interval, with a single analysis, which defeats the point of a canary.

    Fix:
        Use a step weight well below maxWeight (e.g. 10 with maxWeight 50).
    """

    id = "ROL002"
    slug = "step-weight-above-max"
    category = "rollout"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            canary = model.spec.rollout.canary
            if model.spec.rollout.strategy == "canary" and canary and canary.step_weight > canary.max_weight:
                yield Finding(f"stepWeight {canary.step_weight} is above maxWeight {canary.max_weight}: the canary "
                              "is promoted after a single step", model_path(model, "rollout", "canary", "stepWeight"),
                              model.name, hint="use a stepWeight of maxWeight / 5 or less")
