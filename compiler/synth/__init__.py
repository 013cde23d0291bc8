"""Synthesis: resolved fleet -> manifests, through a cdk8s App with one Chart per model.

Each kind's module builds its body as plain data; `emit` makes it one cdk8s `ApiObject` plus one JSON
patch (the cheapest jsii path: about 1 ms per object). cdk8s is imported only through
`compiler.cdk8s_runtime`, so `validate` and `lint` never start Node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compiler import cdk8s_runtime
from compiler.resolve import ResolvedFleet
from compiler.synth import (
    canary,
    deployment,
    namespace,
    network_policy,
    pod_disruption_budget,
    priority_class,
    prometheus_rule,
    scaled_object,
    service,
    service_account,
    validator_config,
)

CLUSTER_DIR = "_cluster"
"""Directory of cluster-scoped objects in the output tree."""


@dataclass(frozen=True)
class Manifest:
    """One compiled object and where it came from in the spec (for findings and diffs)."""

    data: dict[str, Any]
    source_path: tuple

    @property
    def kind(self) -> str:
        return self.data["kind"]

    @property
    def name(self) -> str:
        return self.data["metadata"]["name"]

    @property
    def namespace(self) -> str | None:
        return self.data["metadata"].get("namespace")

    @property
    def chart_id(self) -> str:
        """One cdk8s Chart per namespace; cluster-scoped objects share one of their own."""
        return self.namespace or CLUSTER_DIR

    @property
    def file_name(self) -> str:
        """`<namespace>/<kind>-<name>.yaml`, or `_cluster/<kind>-<name>.yaml` for cluster-scoped kinds."""
        return f"{self.namespace or CLUSTER_DIR}/{self.kind.lower()}-{self.name}.yaml"


def build_manifests(fleet: ResolvedFleet) -> list[Manifest]:
    """Every object of the fleet as plain data, in a fixed order (no cdk8s)."""
    out = [Manifest(namespace.build(fleet), ("metadata", "namespace"))]
    out += [Manifest(pc, ("models",)) for pc in priority_class.build(fleet)]
    if fleet.spec.monitoring.gpu_alerts:
        out.append(Manifest(prometheus_rule.build(fleet), ("monitoring", "gpuAlerts")))
    for model in fleet.models:
        at = ("models", model.index)
        autoscaled = scaled_object.has_triggers(model)
        out.append(Manifest(service_account.build(fleet, model), at))
        out.append(Manifest(deployment.build(fleet, model, autoscaled), at))
        if model.analysis is None:
            out.append(Manifest(service.build(fleet, model), at + ("server",)))
        else:
            out.append(Manifest(canary.build(fleet, model, autoscaled), at + ("rollout",)))
        if autoscaled:
            out.append(Manifest(scaled_object.build(fleet, model), at + ("scaling",)))
        if model.disruption:
            out.append(Manifest(pod_disruption_budget.build(fleet, model), at + ("disruption",)))
        out.append(Manifest(network_policy.build(fleet, model), at))
        if model.spec.validator:
            out.append(Manifest(validator_config.build(fleet, model), at + ("validator",)))
    return out


def synthesize(planned: list[Manifest]) -> list[Manifest]:
    """Pass every planned object through cdk8s; return what cdk8s synthesized, in the same order."""
    cdk8s_runtime.load()
    from cdk8s import ApiObject, App, Chart, JsonPatch

    app = App()
    charts: dict[str, Any] = {}
    for item in planned:
        chart = charts.get(item.chart_id)
        if chart is None:
            chart = charts[item.chart_id] = Chart(app, item.chart_id, disable_resource_name_hashes=True)
        data = item.data
        api_object = ApiObject(chart, f"{data['kind']}-{data['metadata']['name']}", api_version=data["apiVersion"],
                               kind=data["kind"], metadata=data["metadata"])
        body = {key: value for key, value in data.items() if key not in ("apiVersion", "kind", "metadata")}
        if body:
            api_object.add_json_patch(*(JsonPatch.add(f"/{key}", value) for key, value in body.items()))
    synthesized = {_identity(data): data for chart in charts.values() for data in chart.to_json()}
    return [Manifest(synthesized[_identity(item.data)], item.source_path) for item in planned]


def _identity(data: dict) -> tuple:
    return data["apiVersion"], data["kind"], data["metadata"].get("namespace"), data["metadata"]["name"]
