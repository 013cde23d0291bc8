from __future__ import annotations

from typing import Any, Iterator

from pydantic import Field

from servespec.policies.rule import Finding, LintContext, Rule, RuleOptions, model_path, server_container


class StartupBudgetTooShortOptions(RuleOptions):
    factor: float = Field(default=1.0, gt=0, description="The budget must be at least factor x the load time.")


def startup_budget_seconds(probe: dict[str, Any]) -> int:
    """initialDelaySeconds + failureThreshold x periodSeconds (Kubernetes defaults 0, 3, 10)."""
    return int(probe.get("initialDelaySeconds", 0)) + \
        int(probe.get("failureThreshold", 3)) * int(probe.get("periodSeconds", 10))


class StartupBudgetTooShort(Rule):
    """Startup probe budget is shorter than the estimated model load time.

    What it does:
        Reads the compiled Deployment's startupProbe (initialDelaySeconds + failureThreshold x periodSeconds)
        and compares it with the load time estimated from the artifact: `sizeGB x 1000 / loadMBps` seconds,
        times the option `factor` (default 1.0).

    Why it matters:
        No other probe runs until the startup probe succeeds, and when its budget runs out the kubelet kills
        the container. A model that needs longer to load is killed mid-load, forever: CrashLoopBackOff.

    Fix:
        Remove `server.startupSeconds` (the default is 2 x the load time + 60 s) or raise it.
    """

    id = "LIF001"
    slug = "startup-budget-too-short"
    category = "lifecycle"
    Options = StartupBudgetTooShortOptions

    def check(self, context: LintContext, options: StartupBudgetTooShortOptions) -> Iterator[Finding]:
        for model, pod in context.serving_pods():
            probe = server_container(pod).get("startupProbe")
            artifact = model.spec.artifact
            if model.load_seconds == 0 or probe is None or artifact is None:
                continue
            budget = startup_budget_seconds(probe)
            needed = model.load_seconds * options.factor
            if budget < needed:
                yield Finding(f"the startup probe gives {model.name!r} {budget} s, but loading "
                              f"{artifact.size_gb:g} GB at {artifact.load_mbps:g} MB/s takes "
                              f"about {model.load_seconds:.0f} s: the kubelet kills it mid-load",
                              model_path(model, "server", "startupSeconds"), model.name,
                              hint=f"raise server.startupSeconds to at least {int(needed) + 60}, or remove it")
