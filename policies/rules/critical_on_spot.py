from __future__ import annotations

from typing import Iterator, Literal

from pydantic import Field

from servespec.policies.rule import Finding, LintContext, Rule, RuleOptions, model_path


class CriticalOnSpotOptions(RuleOptions):
    tiers: list[Literal["critical", "standard", "batch"]] = Field(
        default=["critical"], description="Priority tiers that must not run on spot nodes.")


class CriticalOnSpot(Rule):
    """Latency-critical model on a spot GPU pool.

    What it does:
        Fires for a model whose priority is in the option `tiers` (default critical) placed on a pool with
        `spot: true`.

    Why it matters:
        Spot GPUs are reclaimed with about 30 s to 2 min of notice, often many at once when a zone runs
        short; reloading the model elsewhere takes minutes. A critical model goes down with them.

    Fix:
        Move the model to an on-demand pool, or lower its priority if interruptions are acceptable.
    """

    id = "PLC001"
    slug = "critical-on-spot"
    category = "placement"
    Options = CriticalOnSpotOptions

    def check(self, context: LintContext, options: CriticalOnSpotOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            if model.pool.spec.spot and model.spec.priority in options.tiers:
                yield Finding(f"{model.spec.priority} model {model.name!r} runs on spot pool {model.pool.name!r}: "
                              "a reclaim takes it down", model_path(model, "pool"), model.name,
                              hint="use an on-demand pool")
