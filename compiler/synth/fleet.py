"""Every object of a fleet, in a fixed order: one emitter module per kind (this package), no cdk8s."""

from __future__ import annotations

from typing import Iterator

from servespec.spec.loader import SpecPath
from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth import (
    canary,
    deployment,
    http_route,
    ingress,
    leader_worker_set,
    metric_template,
    mig_config,
    namespace,
    network_policy,
    pod_disruption_budget,
    pod_monitor,
    priority_class,
    prometheus_rule,
    scaled_object,
    service,
    service_account,
    validator_config,
    virtual_service,
)
from servespec.synth.manifest import Manifest
from servespec.synth.patches import Patcher


def build_manifests(fleet: ResolvedFleet) -> list[Manifest]:
    """Every object of the fleet as plain data, in a fixed order (no cdk8s)."""
    return [manifest for batch in manifests_by_model(fleet) for manifest in batch]


def manifests_by_model(fleet: ResolvedFleet) -> Iterator[list[Manifest]]:
    """The objects of `build_manifests`, in its order: the fleet's own first, then one list per model, each
    made when it is asked for (so a consumer can work on a model while the next is planned)."""
    patcher = Patcher(fleet)
    out = [Manifest(namespace.build(fleet), ("metadata", "namespace"))]
    out += [Manifest(pc, ("models",)) for pc in priority_class.build(fleet)]
    if fleet.spec.monitoring.gpu_alerts:
        out.append(Manifest(prometheus_rule.build(fleet), ("monitoring", "gpuAlerts")))
    if prometheus_rule.latency_models(fleet):
        out.append(Manifest(prometheus_rule.build_latency(fleet), ("monitoring",)))
    if mig_config.has_layouts(fleet):
        out.append(Manifest(mig_config.build(fleet), ("gpuPools",)))
    out += [Manifest(metric_template.build(fleet, name, query), ("traffic",))
            for name, query in metric_template.needed(fleet)]
    yield patcher.apply(out)
    for model in fleet.models:
        yield patcher.apply(_model_manifests(fleet, model))
    patcher.finish()


def _model_manifests(fleet: ResolvedFleet, model: ResolvedModel) -> list[Manifest]:
    """One model's objects."""
    at = ("models", model.index)
    out: list[Manifest] = []
    autoscaled = model.scaling.autoscaled
    out.append(Manifest(service_account.build(fleet, model), at))
    if model.parallel.multi_node:
        out.append(Manifest(leader_worker_set.build(fleet, model, autoscaled), at + ("parallelism",)))
    else:
        out.append(Manifest(deployment.build(fleet, model, autoscaled), at))
    if model.analysis is None:
        out.append(Manifest(service.build(fleet, model), at + ("server",)))
    else:
        out.append(Manifest(canary.build(fleet, model), at + ("rollout",)))
    out += _routes(fleet, model, at)
    if autoscaled:
        out.append(Manifest(scaled_object.build(fleet, model), at + ("scaling",)))
    if model.disruption:
        out.append(Manifest(pod_disruption_budget.build(fleet, model), at + ("disruption",)))
    out.append(Manifest(network_policy.build(fleet, model), at))
    if pod_monitor.has_metrics(fleet, model):
        out.append(Manifest(pod_monitor.build(fleet, model), at + ("server",)))
    if model.spec.validator:
        out.append(Manifest(validator_config.build(fleet, model), at + ("validator",)))
    return out


def _routes(fleet: ResolvedFleet, model: ResolvedModel, at: SpecPath) -> list[Manifest]:
    """The provider's route to the model; under Flagger the Istio and Gateway API routes are Flagger's."""
    provider = model.traffic.provider
    if provider == "nginx":
        return [Manifest(ingress.build(fleet, model), at)]
    if model.analysis is not None:
        return []
    if provider == "istio":
        return [Manifest(virtual_service.build(fleet, model), at)]
    if provider == "gatewayapi":
        return [Manifest(http_route.build(fleet, model), at)]
    return []
