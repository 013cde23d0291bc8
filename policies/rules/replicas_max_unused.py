from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path


class ReplicasMaxUnused(Rule):
    """`replicas.max` above `replicas.min` on a model that nothing scales.

    What it does:
        Fires for a model whose `replicas.max` is above `replicas.min` while it has no scaling trigger (no
        `scaling.target`, `scaling.prometheus` or schedule): no ScaledObject is compiled and the workload runs
        `replicas.min` replicas, always.

    Why it matters:
        The spec reads as if the model grows to `replicas.max` under load; it never does. Capacity is planned
        for replicas.min, and a traffic peak meets a fixed number of replicas.

    Fix:
        Add a trigger (`scaling.target` on the engine's queue, a `scaling.prometheus` query or a schedule),
        or set `replicas.max` to `replicas.min`.
    """

    id = "SCA007"
    slug = "replicas-max-unused"
    category = "scaling"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            replicas = model.spec.replicas
            if replicas.max > replicas.min and not model.scaling.autoscaled:
                yield Finding(f"replicas.max ({replicas.max}) of {model.name!r} has no effect: without a scaling "
                              f"trigger it always runs replicas.min ({replicas.min})",
                              model_path(model, "replicas", "max"), model.name,
                              hint="add scaling.target, scaling.prometheus or a schedule, or set replicas.max "
                                   "to replicas.min")
