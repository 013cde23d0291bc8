from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path
from servespec.policies.rules.canary_gates_missing import GATES
from servespec.spec.rollout import engine_metrics, flagger_provider
from servespec.synth import metric_template


class AnalysisMetricUnavailable(Rule):
    """A rollout gate the analysis cannot measure with this provider and engine.

    What it does:
        Fires when the analysis runs on the engine's own metrics (provider gatewayapi, or blue/green without
        a provider) and the spec sets a gate the engine has no metric for: any gate of a custom server, the
        P99 latency of Triton (no latency histogram).

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
            if not engine_metrics(model):
                continue
            runtime = model.server.runtime
            block = "canary" if model.spec.rollout.strategy == "canary" else "blueGreen"
            for gate in metric_template.gates(model):
                if metric_template.query(runtime, gate) is None:
                    yield Finding(f"{GATES[gate]} of {model.name!r} cannot be measured: provider "
                                  f"{flagger_provider(model)} has no built-in {gate} for it and runtime "
                                  f"{runtime.name!r} exports no such metric; the gate is left out",
                                  model_path(model, "rollout", block, GATES[gate]), model.name,
                                  hint="use runtime vllm or tgi, or provider istio or nginx")
