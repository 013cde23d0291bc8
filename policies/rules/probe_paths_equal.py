from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path, server_container


class ProbePathsEqual(Rule):
    """Readiness and liveness probes call the same path.

    What it does:
        Fires when the compiled server container's readiness and liveness probes use the same HTTP path,
        unless the engine's HTTP server answers only once the model is loaded (vLLM: its own Kubernetes
        guide probes `/health` for both; docs/runtimes.md).

    Why it matters:
        Readiness should say "the model is loaded and can take traffic"; liveness only "the process is not
        stuck". With one path, a model that is busy or reloading fails liveness and is restarted, or a hung
        process keeps passing readiness.

    Fix:
        Point `readinessPath` at the model-loaded endpoint (e.g. /ready, /v2/health/ready) and
        `livenessPath` at the process health endpoint (e.g. /health, /v2/health/live).
    """

    id = "LIF003"
    slug = "probe-paths-equal"
    category = "lifecycle"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model, pod in context.serving_pods():
            container = server_container(pod)
            readiness = container.get("readinessProbe", {}).get("httpGet", {}).get("path")
            liveness = container.get("livenessProbe", {}).get("httpGet", {}).get("path")
            if readiness is not None and readiness == liveness and not model.server.runtime.serves_after_load:
                yield Finding(f"readiness and liveness probes of {model.name!r} both call {readiness}",
                              model_path(model, "server", "livenessPath"), model.name,
                              hint="readiness: model loaded (e.g. /ready); liveness: process healthy (e.g. /health)")
