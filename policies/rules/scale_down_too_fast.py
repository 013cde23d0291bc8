from __future__ import annotations

from typing import Iterator

from pydantic import Field

from servespec.policies.rule import Finding, LintContext, Rule, RuleOptions, model_path


class ScaleDownTooFastOptions(RuleOptions):
    minimum_seconds: int = Field(default=300, ge=0, le=3600, description="Shortest acceptable window.")


class ScaleDownTooFast(Rule):
    """Autoscaler scale-down stabilization window is under 300 s.

    What it does:
        Reads `scaleDown.stabilizationWindowSeconds` of the compiled ScaledObject's HPA behaviour and fires
        below the option `minimumSeconds` (default 300, the HPA default).

    Why it matters:
        A GPU replica takes minutes to load its model. Scaling down on a short dip throws that work away and
        the next spike meets cold replicas: latency spikes and flapping.

    Fix:
        Set `scaling.scaleDownStabilizationSeconds` to 300 or more (longer than the model's load time).
    """

    id = "SCA001"
    slug = "scale-down-too-fast"
    category = "scaling"
    Options = ScaleDownTooFastOptions

    def check(self, context: LintContext, options: ScaleDownTooFastOptions) -> Iterator[Finding]:
        for model, scaled_object in context.model_manifests("ScaledObject"):
            behavior = scaled_object.data["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
            window = behavior["scaleDown"]["stabilizationWindowSeconds"]
            if window < options.minimum_seconds:
                yield Finding(f"{model.name!r} scales down after {window} s of lower load, but a new replica may "
                              f"need up to {model.startup_budget_seconds} s to start",
                              model_path(model, "scaling", "scaleDownStabilizationSeconds"), model.name,
                              hint=f"use at least {options.minimum_seconds} s")
