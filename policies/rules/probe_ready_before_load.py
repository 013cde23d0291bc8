from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path, server_container


class ProbeReadyBeforeLoad(Rule):
    """Readiness or startup probe on an endpoint that answers before the model is loaded.

    What it does:
        Reads the compiled server container's startup and readiness probes and fires when one calls a
        path the model's engine answers as soon as its process runs, before any model is loaded (for
        Triton: `/v2/health/live`; the table is in docs/runtimes.md).

    Why it matters:
        The pod turns Ready while the model is still loading: the Service sends it requests that fail
        (Triton answers "model not ready"), a rolling update removes a working replica for one that
        cannot serve, and a canary's analysis measures errors that are not the new version's fault.

    Fix:
        Remove `server.readinessPath` to use the engine's model-loaded endpoint (Triton
        `/v2/health/ready`), or point it at a path that checks the model.
    """

    id = "SRV004"
    slug = "probe-ready-before-load"
    category = "serving"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model, pod in context.serving_pods():
            early = model.server.runtime.ready_before_load
            container = server_container(pod)
            for probe in ("startupProbe", "readinessProbe"):
                path = container.get(probe, {}).get("httpGet", {}).get("path")
                if path in early:
                    yield Finding(f"the {probe} of {model.name!r} calls {path}, which {model.server.runtime.name} "
                                  "answers before the model is loaded", model_path(model, "server", "readinessPath"),
                                  model.name, hint=f"remove readinessPath (the {model.server.runtime.name} "
                                                   f"default is {model.server.runtime.readiness_path})")
                    break
