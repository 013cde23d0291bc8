from __future__ import annotations

from typing import Iterator

from servespec.diagnostics import suggest
from servespec.policies.rule import Finding, LintContext, NoOptions, Rule


class WaiverUnmatched(Rule):
    """A waiver matches no finding.

    What it does:
        Fires for every waiver (not expired) that waived nothing in this lint run: its rule did not fire for
        its model, or the rule ID or slug is unknown.

    Why it matters:
        A stale waiver silently covers the next real finding of that rule. Delete it once the problem is
        fixed.

    Fix:
        Delete the waiver.
    """

    id = "WAV002"
    slug = "waiver-unmatched"
    category = "waivers"
    after_waivers = True

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for index, waiver in enumerate(context.fleet.spec.waivers):
            if waiver.rule not in context.rule_keys:
                yield Finding(f"waiver names unknown rule {waiver.rule!r}", ("waivers", index, "rule"), waiver.model,
                              hint=suggest(waiver.rule, sorted(context.rule_keys)) or "`servespec rules` lists them")
            elif waiver.in_force(context.today) and index not in context.used_waivers:
                yield Finding(f"waiver of {waiver.rule} for {waiver.scope} matches no finding",
                              ("waivers", index, "rule"), waiver.model, hint="delete it")
