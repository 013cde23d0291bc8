from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule


class WaiverExpired(Rule):
    """A waiver has passed its expiry date.

    What it does:
        Fires for every entry of `waivers` whose `expires` date is before today. An expired waiver no
        longer waives anything: the findings it covered are reported again.

    Why it matters:
        Waivers are promises to fix something by a date. Without expiry they become permanent exceptions
        nobody remembers the reason for.

    Fix:
        Fix the finding and delete the waiver, or renew it with a new date and reason.
    """

    id = "WAV001"
    slug = "waiver-expired"
    category = "waivers"
    after_waivers = True

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for index, waiver in enumerate(context.fleet.spec.waivers):
            if not waiver.in_force(context.today):
                yield Finding(f"waiver of {waiver.rule} for {waiver.scope} expired on {waiver.expires.isoformat()}",
                              ("waivers", index, "expires"), waiver.model,
                              hint="fix the findings and delete the waiver, or renew it")
