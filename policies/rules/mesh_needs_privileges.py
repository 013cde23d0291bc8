from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule


class MeshNeedsPrivileges(Rule):
    """Istio sidecars without the Istio CNI agent in a namespace that forbids their init container.

    What it does:
        Fires when a model uses the istio provider, `traffic.istio.cni` is false and the namespace enforces
        Pod Security "baseline" or "restricted".

    Why it matters:
        Without the CNI node agent Istio injects `istio-init`, which needs NET_ADMIN and NET_RAW; baseline and
        restricted reject those capabilities (istio.io "Install Istio with Pod Security Admission"). Every pod
        of the model is refused at admission: the Deployment never gets a replica.

    Fix:
        Install Istio with the CNI node agent (`components.cni.enabled=true`) and set `traffic.istio.cni:
        true`, or take the model off the mesh.
    """

    id = "TRF002"
    slug = "mesh-needs-privileges"
    category = "traffic"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        level = context.fleet.spec.security.pod_security
        if level == "privileged":
            return
        meshed = [model.name for model in context.fleet.models
                  if model.traffic.istio and not model.traffic.settings.istio.cni]
        if meshed:
            yield Finding(f"istio-init needs NET_ADMIN and NET_RAW, which Pod Security {level!r} rejects: the pods "
                          f"of {', '.join(map(repr, meshed))} are refused at admission", ("traffic", "istio", "cni"),
                          hint="install Istio with its CNI node agent and set traffic.istio.cni: true")
