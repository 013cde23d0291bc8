from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path
from servespec.spec.rollout import allowed_disruptions


class SingleGroupOutage(Rule):
    """A multi-node model whose every rollout or node drain takes all its groups down.

    What it does:
        For a model served by a LeaderWorkerSet (one replica = a group of pods over several nodes), fires
        when `replicas.min` is 1 (draining any node of the group stops the model) or when the rolling update
        replaces groups in place (maxSurge 0) with maxUnavailable reaching `replicas.min` (every rollout stops
        it). servespec surges a group by default when the pool has GPUs for one beside every model's maximum.

    Why it matters:
        The LeaderWorkerSet recreates the whole group when any of its pods restarts or is evicted
        (`restartPolicy: RecreateGroupOnPodRestart`, kubernetes-sigs/lws leaderworkerset_types.go), and a
        multi-node group reloads its weights for minutes. The PodDisruptionBudget counts pods, so it lets the
        first eviction through: with one group that is a full outage on every drain and every release.

    Fix:
        Run at least two groups (`replicas.min: 2`), and give the pool room for a surge group
        (`rollout.maxSurge: 1`, `maxUnavailable: 0`).
    """

    id = "PAR006"
    slug = "single-group-outage"
    category = "parallelism"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            if not model.parallel.multi_node:
                continue
            groups = model.spec.replicas.min
            update = model.rolling_update
            in_place = update["maxSurge"] in (0, "0%") and allowed_disruptions(
                {"maxUnavailable": update["maxUnavailable"]}, groups) >= groups
            if groups <= 1 or in_place:
                what = ("every drain of one of its nodes" if groups <= 1 else "") + \
                       (" and " if groups <= 1 and in_place else "") + ("every rollout" if in_place else "")
                yield Finding(f"{model.name!r} runs {groups} LeaderWorkerSet group(s) of {model.parallel.nodes} "
                              f"nodes: {what} recreates all of them at once, a full outage",
                              model_path(model, "replicas", "min") if groups <= 1 else model_path(model, "rollout"),
                              model.name, hint="run replicas.min: 2 or more, and surge a group "
                                               "(rollout.maxSurge: 1, maxUnavailable: 0) where the pool has room")
