from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule

ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"


class PodSecurityWeaker(Rule):
    """Namespace enforces a Pod Security level weaker than restricted.

    What it does:
        Reads the `pod-security.kubernetes.io/enforce` label of the compiled Namespace (from
        `security.podSecurity`) and fires unless it is `restricted`.

    Why it matters:
        The pods servespec compiles satisfy "restricted", but the namespace is where other workloads
        land too. A baseline or privileged namespace admits root containers, host paths and privilege
        escalation next to the models and their weights.

    Fix:
        Use `podSecurity: restricted` (the default); waive this rule with a reason if a workload in the
        namespace needs more.
    """

    id = "SEC003"
    slug = "pod-security-weaker"
    category = "security"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        namespace = context.fleet_manifest("Namespace")
        level = namespace.data["metadata"]["labels"].get(ENFORCE_LABEL) if namespace else None
        if level != "restricted":
            yield Finding(f"namespace {context.fleet.namespace!r} enforces Pod Security level {level!r}, weaker "
                          "than restricted", ("security", "podSecurity"), hint="use podSecurity: restricted")
