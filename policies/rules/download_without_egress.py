from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path


class DownloadWithoutEgress(Rule):
    """The weights download has nowhere to connect to.

    What it does:
        Fires for a model with `artifact.source: download` whose `download.egress` names no CIDR and no
        namespace, while the fleet's egress is restricted (`security.egress.allowAll` is false). The
        compiled NetworkPolicy then lets the pod reach DNS and the fleet's own destinations only.

    Why it matters:
        NetworkPolicy egress applies to init containers too: the download times out, the init container
        restarts forever (Init:CrashLoopBackOff), and the model never starts. Nothing in the manifests or
        the API server's answer points at the cause.

    Fix:
        List where the weights come from under `artifact.download.egress`: the object store's CIDRs (or a
        proxy's), or the namespace of an in-cluster store, and its ports (443 by default).
    """

    id = "SRV001"
    slug = "download-without-egress"
    category = "serving"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        if context.fleet.spec.security.egress.allow_all:
            return
        for model in context.fleet.models:
            artifact = model.spec.artifact
            if model.server.download is None or artifact is None:
                continue
            egress = artifact.download.egress if artifact.download else None
            if egress is None or not (egress.cidrs or egress.namespaces):
                yield Finding(f"{model.name!r} downloads {artifact.uri} but its NetworkPolicy allows no "
                              "connection there: the download init container never finishes",
                              model_path(model, "artifact", "source"), model.name,
                              hint="set artifact.download.egress.cidrs (the store's IP ranges) or .namespaces")
