from __future__ import annotations

from typing import Iterator

from servespec.capacity.week import hour_label, window_hours
from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path


class SchedulesOverlap(Rule):
    """Two schedules of a model are open at the same time (the higher replicas win).

    What it does:
        Computes each schedule's open hours over a week (in its own time zone, compared in UTC) and reports
        every pair that overlaps, with the first overlapping hour.

    Why it matters:
        KEDA runs each cron trigger as its own metric and the highest one wins, so overlaps are legal. They
        are often a typo in a cron expression or a time zone, which this note makes visible.

    Fix:
        Nothing, if intended. Otherwise make one window end where the next starts.
    """

    id = "SCA004"
    slug = "schedules-overlap"
    category = "scaling"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            schedules = model.spec.scaling.schedules
            hours = [window_hours(schedule) for schedule in schedules]
            for first in range(len(schedules)):
                for second in range(first + 1, len(schedules)):
                    both = [hour for hour, (a, b) in enumerate(zip(hours[first], hours[second])) if a and b]
                    if both:
                        one, other = schedules[first], schedules[second]
                        winner = max(one.replicas, other.replicas)
                        yield Finding(f"schedules {one.name!r} and {other.name!r} are both open for {len(both)} "
                                      f"h a week (first at {hour_label(both[0])}); {winner} replicas win there",
                                      model_path(model, "scaling", "schedules", second), model.name)
