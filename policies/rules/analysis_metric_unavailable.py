from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path
from servespec.spec.analysis import ERROR_RATE, analysis_gates
from servespec.spec.rollout import flagger_provider


class AnalysisMetricUnavailable(Rule):
    """A rollout gate the analysis cannot measure with this provider and engine.

    What it does:
        Fires when the analysis runs on the engine's own metrics (provider gatewayapi, or blue/green without
        a provider) and the spec sets a gate the engine image has no metric for: any gate of a custom server,
        the P99 latency of Triton before 23.05 (no latency summary) or of a vLLM image before 0.3.1.

    Why it matters:
        Flagger's built-in metrics for these providers read application metrics labelled
        `kubernetes_pod_name` that no engine serves (fluxcd/flagger observers/http.go), so servespec gates
        on the engine's metrics instead. A gate without a metric is left out of the Canary: the version is
        promoted without that check.

    Fix:
        Use a runtime preset with the metric (vllm, tgi), or the istio or nginx provider, whose built-in
        metrics come from the proxy.
    """

    id = "TRF003"
    slug = "analysis-metric-unavailable"
    category = "traffic"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            block = "canary" if model.spec.rollout.strategy == "canary" else "blueGreen"
            runtime = model.server.runtime
            for gate in analysis_gates(model):
                if not gate.measurable:
                    what = "success rate" if gate.setting == ERROR_RATE else "P99 latency"
                    yield Finding(f"{gate.setting} of {model.name!r} cannot be measured: provider "
                                  f"{flagger_provider(model)} has no built-in {what} for it and the {runtime.name} "
                                  "image exports no such metric; the gate is left out",
                                  model_path(model, "rollout", block, gate.setting), model.name,
                                  hint="use runtime vllm, tgi or triton (23.05 or newer), or provider istio or nginx")
