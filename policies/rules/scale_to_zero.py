from __future__ import annotations

from typing import Iterator, Literal

from pydantic import Field

from servespec.policies.rule import Finding, LintContext, Rule, RuleOptions, model_path


class ScaleToZeroOptions(RuleOptions):
    tiers: list[Literal["critical", "standard", "batch"]] = Field(
        default=["critical", "standard"], description="Priority tiers that must keep a replica.")


class ScaleToZero(Rule):
    """Critical or standard model may scale to zero replicas.

    What it does:
        Fires for `replicas.min: 0` on a model whose priority is in the option `tiers` (default critical and
        standard).

    Why it matters:
        The first request after idle waits for a GPU node, an image pull and the model load: minutes, not
        milliseconds. That is fine for batch scoring, not for an interactive model.

    Fix:
        Keep `replicas.min: 1` or more, or give the model `priority: batch` if cold starts are acceptable.
    """

    id = "SCA002"
    slug = "scale-to-zero"
    category = "scaling"
    Options = ScaleToZeroOptions

    def check(self, context: LintContext, options: ScaleToZeroOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            if model.spec.replicas.min == 0 and model.spec.priority in options.tiers:
                yield Finding(f"{model.spec.priority} model {model.name!r} may scale to zero: the first request "
                              "after idle waits for a GPU node, the image pull and the model load",
                              model_path(model, "replicas", "min"), model.name,
                              hint="keep replicas.min at 1 or more, or use priority batch")
