"""The GPU alerts: every expression parses with a PromQL parser (promql-parser, a port of Prometheus's
grammar), selects the fleet's pods by the DCGM exporter's labels, and follows the DCGM facts."""

from __future__ import annotations

import re

import promql_parser
import pytest

from servespec.catalog.xids import HARDWARE_XIDS
from tests.test_runtimes import compiled, errors


def alerts(objects: dict) -> dict[str, str]:
    rule = next(data for (kind, _), data in objects.items() if kind == "PrometheusRule")
    return {item["alert"]: item["expr"] for item in rule["spec"]["groups"][0]["rules"]}


def test_every_alert_expression_parses(tmp_path):
    for name, expr in alerts(compiled(tmp_path, {})).items():
        assert promql_parser.parse(expr) is not None, name


def test_the_parser_rejects_broken_promql():
    with pytest.raises(ValueError):
        promql_parser.parse("max by (pod) (DCGM_FI_DEV_FB_USED")


def test_alerts_select_the_gpu_operators_exported_labels(tmp_path):
    expressions = alerts(compiled(tmp_path, {}))
    del expressions["GPUExporterAbsent"]  # about the exporter itself, not the fleet's pods
    for expr in expressions.values():
        assert 'exported_namespace="ml-serving"' in expr and 'namespace="ml-serving"' not in \
            expr.replace('exported_namespace="ml-serving"', "")
    honored = alerts(compiled(tmp_path, {"monitoring": {"dcgmNamespaceLabel": "namespace", "dcgmPodLabel": "pod"}}))
    del honored["GPUExporterAbsent"]
    assert all('namespace="ml-serving"' in expr and "exported_" not in expr for expr in honored.values())


def test_xid_alert_fires_on_a_change_to_a_hardware_xid_and_reports_the_code(tmp_path):
    expr = alerts(compiled(tmp_path, {}))["GPUXidErrors"]
    assert expr.startswith("(DCGM_FI_DEV_XID_ERRORS{")  # $value is the XID, not the count of changes
    assert "changes(DCGM_FI_DEV_XID_ERRORS" in expr and "[10m]) > 0" in expr
    codes = {int(code) for code in re.findall(r"== ([0-9]+)", expr)}
    assert codes == set(HARDWARE_XIDS) and {48, 79, 95} <= codes
    assert not codes & {13, 31, 43, 45}  # application faults (Xid Catalog: RESTART_APP)
    assert all(source for _, _, source in HARDWARE_XIDS.values())


def test_memory_pressure_counts_reserved_memory_and_falls_back_without_it(tmp_path):
    expr = alerts(compiled(tmp_path, {}))["GPUMemoryPressure"]
    assert "DCGM_FI_DEV_FB_RESERVED{" in expr
    assert ") or (DCGM_FI_DEV_FB_USED{" in expr  # exporters without the reserved counter


def test_utilization_is_mig_aware(tmp_path):
    expr = alerts(compiled(tmp_path, {}))["GPULowUtilization"]
    assert "DCGM_FI_PROF_GR_ENGINE_ACTIVE" in expr and "* 100 or" in expr



def test_health_alerts_use_the_dcgm_counters(tmp_path):
    expressions = alerts(compiled(tmp_path, {}))
    assert set(expressions) == {"GPUMemoryPressure", "GPUXidErrors", "GPUMemoryRowRemapFailed",
                                "GPUUncorrectableMemoryErrors", "GPUThermalThrottling", "GPUExporterAbsent",
                                "GPULowUtilization"}
    assert "DCGM_FI_DEV_ROW_REMAP_FAILURE{" in expressions["GPUMemoryRowRemapFailed"]
    assert "increase(DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS{" in expressions["GPUUncorrectableMemoryErrors"]
    assert "rate(DCGM_FI_DEV_THERMAL_VIOLATION{" in expressions["GPUThermalThrottling"]
    assert expressions["GPUExporterAbsent"] == "absent(DCGM_FI_DEV_GPU_TEMP)"  # any GPU, not only the fleet's


def test_prometheus_selects_the_rule_and_the_pod_monitors_by_the_selector_labels(tmp_path):
    objects = compiled(tmp_path, {"models[0].server": {"runtime": "vllm"},
                                  "monitoring": {"selectorLabels": {"release": "kube-prometheus-stack"}}})
    for kind in ("PrometheusRule", "PodMonitor"):
        data = next(data for (found, _), data in objects.items() if found == kind)
        assert data["metadata"]["labels"]["release"] == "kube-prometheus-stack", kind
    plain = compiled(tmp_path, {"models[0].server": {"runtime": "vllm"}})
    assert all("release" not in data["metadata"]["labels"] for data in plain.values())


def test_a_dcgm_label_that_is_no_prometheus_label_is_a_located_error(tmp_path):
    found = errors(tmp_path, {"monitoring": {"dcgmNamespaceLabel": "exported-namespace"}})
    assert any("'exported-namespace' is not a Prometheus label name" in text for text in found), found


def test_latency_per_version_is_recorded_and_a_regression_alerts(tmp_path):
    objects = compiled(tmp_path, {"models[0].server": {"runtime": "vllm"},
                                  "monitoring": {"latencyRegression": {"ratio": 1.5, "for": "30m"}}})
    rule = objects[("PrometheusRule", "quickstart-latency")]["spec"]["groups"][0]["rules"]
    record, alert = rule
    assert record["record"] == "servespec:request_latency_p99_seconds:rate5m"
    assert "vllm:e2e_request_latency_seconds_bucket{" in record["expr"]
    assert "app_kubernetes_io_version" in record["expr"]  # one series per model version
    assert alert["for"] == "30m" and alert["expr"].endswith("[168h])) * 1.5")
    assert 'app_kubernetes_io_version="v1.0.0"}' in alert["expr"] and '!="v1.0.0"' in alert["expr"]
    for item in rule:
        assert promql_parser.parse(item["expr"]) is not None
    custom = compiled(tmp_path, {})  # a custom server has no latency histogram
    assert ("PrometheusRule", "quickstart-latency") not in custom
    off = compiled(tmp_path, {"models[0].server": {"runtime": "vllm"}, "monitoring": {"latencyRegression": {
        "enabled": False}}})
    assert ("PrometheusRule", "quickstart-latency") not in off
