from __future__ import annotations

from typing import Iterator

from pydantic import Field

from servespec.policies.rule import Finding, LintContext, Rule, RuleOptions, model_path


class ProgressDeadlineTooShortOptions(RuleOptions):
    factor: float = Field(default=1.0, gt=0, description="The deadline must be at least factor x the load time.")


class ProgressDeadlineTooShort(Rule):
    """Deployment progress deadline is shorter than the model load.

    What it does:
        Compares the compiled Deployment's `progressDeadlineSeconds` with the estimated load time of the
        model (`sizeGB x 1000 / loadMBps` seconds, times the option `factor`).

    Why it matters:
        A rollout that makes no progress for `progressDeadlineSeconds` is marked failed; Flagger and
        `kubectl rollout status` then roll back a version that was only still loading its weights.

    Fix:
        Remove `rollout.progressDeadlineSeconds` (the default is the startup budget + 300 s) or raise it.
    """

    id = "LIF002"
    slug = "progress-deadline-too-short"
    category = "lifecycle"
    Options = ProgressDeadlineTooShortOptions

    def check(self, context: LintContext, options: ProgressDeadlineTooShortOptions) -> Iterator[Finding]:
        for model, deployment in context.model_manifests("Deployment"):
            deadline = deployment.data["spec"].get("progressDeadlineSeconds", 600)
            needed = model.load_seconds * options.factor
            if model.load_seconds and deadline < needed:
                yield Finding(f"progressDeadlineSeconds is {deadline} s but {model.name!r} takes about "
                              f"{model.load_seconds:.0f} s to load: every rollout is marked failed",
                              model_path(model, "rollout", "progressDeadlineSeconds"), model.name,
                              hint=f"raise it to at least {int(needed) + 300}, or remove it")
