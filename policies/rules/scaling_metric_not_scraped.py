from __future__ import annotations

from typing import Iterator, Optional
from urllib.parse import urlparse

from servespec.catalog.runtimes import ENGINE_METRIC, runtime_of_metric
from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path
from servespec.spec.resolve import ResolvedFleet, ResolvedModel


def scraped(fleet: ResolvedFleet, model: ResolvedModel) -> bool:
    """The model's pods get a PodMonitor."""
    return fleet.spec.monitoring.pod_monitors and model.server.metrics is not None


def service_namespace(address: str) -> Optional[str]:
    """The namespace of an in-cluster Service URL (`http://prometheus.monitoring:9090`,
    `...monitoring.svc.cluster.local`); None for other hosts."""
    labels = (urlparse(address).hostname or "").split(".")
    if len(labels) >= 2 and labels[2:] in ([], ["svc"], ["svc", "cluster", "local"]):
        return labels[1]
    return None


class ScalingMetricNotScraped(Rule):
    """The autoscaler's query reads a metric nobody scrapes.

    What it does:
        For every model that scales on a metric (`scaling.target`, or an engine metric such as
        `vllm:num_requests_waiting`, `nv_inference_pending_request_count` or `tgi_queue_size` in
        `scaling.prometheus.query`), fires when:
        - no model of the fleet runs the engine that exposes that metric with a PodMonitor;
        - the model's own pods are not scraped (`monitoring.podMonitors: false`, or a custom server with
          no `metricsPath`);
        - the Prometheus the query goes to runs in another namespace than `monitoring.namespace`, the one
          the NetworkPolicy lets scrape the pods.

    Why it matters:
        KEDA's query then returns no data. The prometheus scaler treats that as 0 (or as an error, with
        `ignoreNullValues: false`): the model never scales out under load, or sits at its minimum while the
        queue grows, and nothing in the cluster says why.

    Fix:
        Use the metric of the model's own runtime (`scaling.target` picks it), keep `monitoring.podMonitors`
        on, and set `monitoring.namespace` to where Prometheus runs.
    """

    id = "SRV002"
    slug = "scaling-metric-not-scraped"
    category = "serving"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        fleet = context.fleet
        scraped_engines = {model.server.runtime.name for model in fleet.models if scraped(fleet, model)}
        monitoring = fleet.spec.monitoring
        for model in fleet.models:
            scaling = model.spec.scaling
            queries: list[tuple[tuple[str, ...], str, str]] = []
            if scaling.target is not None:
                metric = model.server.engine.scaling_metrics.get(scaling.target.metric, "")
                queries.append((("scaling", "target", "metric"), metric, monitoring.prometheus_address))
            if scaling.prometheus is not None:
                queries += [(("scaling", "prometheus", "query"), metric, scaling.prometheus.server_address)
                            for metric in ENGINE_METRIC.findall(scaling.prometheus.query)]
            for keys, metric, address in queries:
                engine = runtime_of_metric(metric)
                if engine is None:
                    continue
                at = model_path(model, *keys)
                if engine.name not in scraped_engines:
                    yield Finding(f"{model.name!r} scales on {metric}, a {engine.name} metric, but no scraped "
                                  f"model of the fleet runs {engine.name}", at, model.name,
                                  hint=f"scale on a metric of {model.server.runtime.name} (scaling.target), "
                                       "or scrape the model that exposes it")
                elif engine.name == model.server.runtime.name and not scraped(fleet, model):
                    yield Finding(f"{model.name!r} scales on {metric}, but its own pods are not scraped",
                                  at, model.name, hint="keep monitoring.podMonitors on")
                elif scraped(fleet, model) and service_namespace(address) not in (None, monitoring.namespace):
                    yield Finding(f"{model.name!r} scales on {metric} from the Prometheus at {address}, in "
                                  f"namespace {service_namespace(address)!r}, but only {monitoring.namespace!r} "
                                  "may scrape the pods", at, model.name,
                                  hint=f"set monitoring.namespace to {service_namespace(address)!r}")
