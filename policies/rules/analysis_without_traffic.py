from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path
from servespec.spec.rollout import analysis_gets_traffic, header_routed
from servespec.spec.traffic import CANARY_HEADER, setting_path


class AnalysisWithoutTraffic(Rule):
    """A canary or blue/green analysis that no request reaches.

    What it does:
        Fires when a rollout's analysis gets no traffic: a canary without a traffic provider (nothing shifts
        weight to it), a blue/green without `traffic.mirror` (istio, gatewayapi) or `traffic.loadTest`, or an
        ingress-nginx blue/green whose load-test command does not send the canary header.

    Why it matters:
        Flagger's blue/green keeps all live traffic on the old version until the analysis passes (Flagger
        "Deployment Strategies"), and ingress-nginx routes the analysis only the requests carrying the
        header. With no requests the metrics have no values: every check fails and each release is rolled
        back, or with no gates, promoted untested.

    Fix:
        Set `traffic.provider` for canaries; give blue/green `traffic.loadTest` (or `traffic.mirror` on istio
        and gatewayapi); a custom nginx load test must send the canary header.
    """

    id = "TRF001"
    slug = "analysis-without-traffic"
    category = "traffic"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            if model.analysis is None:
                continue
            strategy = model.spec.rollout.strategy
            load_test = model.traffic.load_test
            if not analysis_gets_traffic(model):
                if strategy == "canary":
                    yield Finding(f"the canary of {model.name!r} has no traffic provider: nothing shifts requests "
                                  "to the new version", model_path(model, "rollout", "strategy"), model.name,
                                  hint="set traffic.provider (istio, gatewayapi or nginx)")
                else:
                    yield Finding(f"the blue/green analysis of {model.name!r} receives no requests: live traffic "
                                  "stays on the old version until promotion", model_path(model, "rollout", "strategy"),
                                  model.name, hint="set traffic.loadTest (or traffic.mirror on istio/gatewayapi)")
            elif header_routed(model) and load_test is not None and load_test.command is not None \
                    and CANARY_HEADER[0] not in load_test.command.lower():
                at = setting_path(context.fleet.spec.traffic, model.spec, model_path(model), "load_test")
                yield Finding(f"the ingress-nginx blue/green of {model.name!r} routes only requests with header "
                              f"{CANARY_HEADER[0]}: {CANARY_HEADER[1]} to the new version, and the load test "
                              "sends none", at, model.name,
                              hint=f"add -H '{CANARY_HEADER[0]}: {CANARY_HEADER[1]}' and send through the "
                                   "ingress controller, or drop `command` for the default")
