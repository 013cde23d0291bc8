from __future__ import annotations

from typing import Any, Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule


def allows_any_destination(policy: dict[str, Any]) -> bool:
    """True when a NetworkPolicy does not restrict egress, or has an egress rule with no `to` (anywhere)."""
    spec = policy["spec"]
    if "Egress" not in spec.get("policyTypes", []):
        return True
    return any(not rule.get("to") for rule in spec.get("egress", []))


class EgressUnrestricted(Rule):
    """Models may connect anywhere: unrestricted egress.

    What it does:
        Reads every compiled NetworkPolicy and fires when one leaves egress unrestricted (an egress rule
        without `to`, as `security.egress.allowAll: true` produces).

    Why it matters:
        A model server runs third-party code (tokenizers, custom ops, pickle-based weights). With open
        egress, one compromised dependency can send data or weights anywhere on the internet.

    Fix:
        List the namespaces and ports the models need under `security.egress.toNamespaces` / `ports`
        (DNS is always allowed).
    """

    id = "SEC004"
    slug = "egress-unrestricted"
    category = "security"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        open_to = [model.name for model, policy in context.model_manifests("NetworkPolicy")
                   if allows_any_destination(policy.data)]
        if open_to:
            yield Finding(f"egress is unrestricted for {len(open_to)} model(s): {', '.join(open_to)}",
                          ("security", "egress", "allowAll"),
                          hint="list destinations under security.egress.toNamespaces and ports")
