from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path
from servespec.spec.analysis import ERROR_RATE, LATENCY, analysis_gates


class CanaryGatesMissing(Rule):
    """Canary or blue/green rollout without both the error-rate and the latency gate.

    What it does:
        Reads the compiled Flagger Canary and fires unless its analysis checks both the success rate (from
        `maxErrorRatePercent`) and the P99 latency (from `maxLatencyP99Ms`).

    Why it matters:
        Flagger promotes a canary whose metrics pass. Without a gate, nothing is measured: a model that
        answers with errors, or ten times slower, is promoted on schedule. A canary with no metrics is a
        slow rolling update.

    Fix:
        Set both `maxErrorRatePercent` and `maxLatencyP99Ms` in the rollout block.
    """

    id = "ROL001"
    slug = "canary-gates-missing"
    category = "rollout"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model, canary in context.model_manifests("Canary"):
            present = {metric["name"] for metric in canary.data["spec"]["analysis"].get("metrics", [])}
            gates = {gate.setting: gate for gate in analysis_gates(model)}
            # a gate set but unmeasurable is analysis-metric-unavailable's finding
            missing = [setting for setting in (ERROR_RATE, LATENCY)
                       if setting not in gates or (gates[setting].measurable and gates[setting].metric not in present)]
            if missing:
                block = "canary" if model.spec.rollout.strategy == "canary" else "blueGreen"
                yield Finding(f"the {model.spec.rollout.strategy} rollout of {model.name!r} has no "
                              f"{' or '.join(missing)} gate: a bad version is promoted anyway",
                              model_path(model, "rollout", block), model.name,
                              hint=f"set {' and '.join(missing)} under rollout.{block}")
