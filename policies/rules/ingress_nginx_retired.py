from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path
from servespec.spec.traffic import setting_path


class IngressNginxRetired(Rule):
    """A model is served through ingress-nginx, which is retired.

    What it does:
        Fires for every model whose traffic provider is `nginx` (the ingress-nginx controller).

    Why it matters:
        The Kubernetes project retired ingress-nginx: "Best-effort maintenance will continue until March
        2026. Afterward, there will be no further releases, no bugfixes" and no fixes for security
        vulnerabilities (kubernetes/ingress-nginx README). The controller at the edge of the fleet stops
        receiving security fixes.

    Fix:
        Move to the Gateway API (`traffic.provider: gatewayapi` with an implementation such as Envoy Gateway,
        Istio or a cloud's own gateway; Flagger's `gatewayapi:v1` provider keeps canary rollouts) or to Istio.
    """

    id = "TRF004"
    slug = "ingress-nginx-retired"
    category = "traffic"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            if model.traffic.provider == "nginx":
                yield Finding(f"{model.name!r} is served through ingress-nginx, retired since March 2026: no "
                              "releases or security fixes",
                              setting_path(context.fleet.spec.traffic, model.spec, model_path(model), "provider"),
                              model.name,
                              hint="move to traffic.provider: gatewayapi (or istio)")
