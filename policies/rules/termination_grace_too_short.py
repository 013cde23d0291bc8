from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path
from servespec.spec.container import request_seconds


class TerminationGraceTooShort(Rule):
    """Termination grace period is shorter than the longest request.

    What it does:
        Compares the compiled pod's `terminationGracePeriodSeconds` with `server.maxRequestSeconds`.

    Why it matters:
        On scale-down, rollout or drain the pod gets SIGTERM and, after the grace period, SIGKILL. Requests
        still running then fail: long generations are cut off mid-answer on every deploy.

    Fix:
        Remove `server.terminationGraceSeconds` (the default is maxRequestSeconds + 15 s) or raise it.
    """

    id = "LIF004"
    slug = "termination-grace-too-short"
    category = "lifecycle"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model, pod in context.serving_pods():
            grace = pod["spec"].get("terminationGracePeriodSeconds", 30)
            longest = request_seconds(model.spec)
            if grace < longest:
                yield Finding(f"terminationGracePeriodSeconds is {grace} s but requests to {model.name!r} may take "
                              f"{longest} s: they are killed on every rollout and scale-down",
                              model_path(model, "server", "terminationGraceSeconds"), model.name,
                              hint=f"raise it to at least {longest + 15}, or remove it")
