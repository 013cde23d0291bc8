from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path


class ScheduleExceedsMax(Rule):
    """A schedule asks for more replicas than replicas.max.

    What it does:
        Fires for a schedule whose `replicas` is above the model's `replicas.max`.

    Why it matters:
        KEDA caps every trigger at maxReplicaCount: the window silently gets fewer replicas than planned,
        and the capacity it was sized for never shows up.

    Fix:
        Raise `replicas.max` to the schedule's replicas, or lower the schedule.
    """

    id = "SCA003"
    slug = "schedule-exceeds-max"
    category = "scaling"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            for index, schedule in enumerate(model.spec.scaling.schedules):
                if schedule.replicas > model.spec.replicas.max:
                    yield Finding(f"schedule {schedule.name!r} asks for {schedule.replicas} replicas but "
                                  f"replicas.max is {model.spec.replicas.max}: KEDA caps it",
                                  model_path(model, "scaling", "schedules", index, "replicas"), model.name,
                                  hint=f"raise replicas.max to {schedule.replicas} or lower the schedule")
