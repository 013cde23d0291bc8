from __future__ import annotations

from typing import Iterator

from pydantic import Field

from servespec.policies.rule import Finding, LintContext, Rule, RuleOptions, model_path
from servespec.spec.rollout import rollout_seconds


class CanaryDurationOptions(RuleOptions):
    over_minutes: int = Field(default=0, ge=0, description="Report only rollouts longer than this.")


class CanaryDuration(Rule):
    """How long a canary or blue/green rollout takes to reach promotion.

    What it does:
        Reports, for each canary model, the time to reach maxWeight (ceil(maxWeight / stepWeight) x interval)
        and, for blue/green, iterations x interval. With the option `overMinutes`, only longer rollouts.

    Why it matters:
        A reviewer should know that a change takes 50 minutes to reach half the traffic before approving
        a hotfix that needs to land in ten.

    Fix:
        Informational. Shorten `interval` or raise `stepWeight` if the rollout is too slow.
    """

    id = "ROL004"
    slug = "canary-duration"
    category = "rollout"
    Options = CanaryDurationOptions

    def check(self, context: LintContext, options: CanaryDurationOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            if model.analysis is None:
                continue
            seconds = rollout_seconds(model)
            if seconds > options.over_minutes * 60:
                target = ("maxWeight" if model.spec.rollout.strategy == "canary" else "promotion")
                yield Finding(f"{model.spec.rollout.strategy} rollout of {model.name!r} takes about "
                              f"{seconds / 60:g} min to reach {target} (plus the model's load time)",
                              model_path(model, "rollout", "strategy"), model.name)
