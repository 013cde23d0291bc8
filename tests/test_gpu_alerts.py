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
    for expr in expressions.values():
        assert 'exported_namespace="ml-serving"' in expr and 'namespace="ml-serving"' not in \
            expr.replace('exported_namespace="ml-serving"', "")
    honored = alerts(compiled(tmp_path, {"monitoring": {"dcgmNamespaceLabel": "namespace", "dcgmPodLabel": "pod"}}))
    assert all('namespace="ml-serving"' in expr and "exported_" not in expr for expr in honored.values())


def test_xid_alert_fires_on_a_change_to_a_hardware_xid_and_reports_the_code(tmp_path):
    expr = alerts(compiled(tmp_path, {}))["GPUXidErrors"]
    assert expr.startswith("(DCGM_FI_DEV_XID_ERRORS{")  # $value is the XID, not the count of changes
    assert "changes(DCGM_FI_DEV_XID_ERRORS" in expr and "[10m]) > 0" in expr
    # dcgm-exporter >= 3.3.6-3.4.2 labels each XID (err_code): a new series, whose value never changes
    assert 'unless DCGM_FI_DEV_XID_ERRORS{exported_namespace="ml-serving"} offset 10m' in expr
    codes = {int(code) for code in re.findall(r"== ([0-9]+)", expr)}
    assert codes == set(HARDWARE_XIDS) and {48, 79, 95} <= codes
    assert not codes & {13, 31, 43, 45}  # application faults (Xid Catalog: RESTART_APP)
    assert all(source for _, _, source in HARDWARE_XIDS.values())


def test_memory_pressure_counts_reserved_memory_and_falls_back_without_it(tmp_path):
    expr = alerts(compiled(tmp_path, {}))["GPUMemoryPressure"]
    assert "DCGM_FI_DEV_FB_RESERVED{" in expr
    assert ") or (DCGM_FI_DEV_FB_USED{" in expr  # exporters without the reserved counter
    assert 'exported_pod=~"(embedder)(-primary)?-[0-9a-z]+-[0-9a-z]+"' in expr  # the custom server's pods only


def test_engines_that_preallocate_gpu_memory_alert_on_their_kv_cache(tmp_path):
    """vLLM holds gpu_memory_utilization of the GPU from its start: the framebuffer ratio never moves with
    load, so its pressure is the KV-cache usage; TGI exports none and gets neither alert."""
    vllm = alerts(compiled(tmp_path, {"models[0].server": {"runtime": "vllm"}}))
    assert "GPUMemoryPressure" not in vllm
    assert vllm["KVCachePressure"] == ('max by (namespace, app_kubernetes_io_instance, pod) (vllm:kv_cache_usage_perc{'
                                       'namespace="ml-serving",app_kubernetes_io_instance=~"embedder"}) > 0.95')
    old = alerts(compiled(tmp_path, {"models[0].server": {"runtime": "vllm"}, "models[0].image":
                                     "docker.io/vllm/vllm-openai:v0.8.5@sha256:" + "3" * 64}))
    assert "vllm:gpu_cache_usage_perc{" in old["KVCachePressure"]  # the name before vLLM 0.9.2
    tgi = alerts(compiled(tmp_path, {"models[0].server": {"runtime": "tgi"}}))
    assert "GPUMemoryPressure" not in tgi and "KVCachePressure" not in tgi


def test_utilization_is_mig_aware(tmp_path):
    expr = alerts(compiled(tmp_path, {}))["GPULowUtilization"]
    assert "DCGM_FI_PROF_GR_ENGINE_ACTIVE" in expr and "* 100 or" in expr



def test_health_alerts_use_the_dcgm_counters(tmp_path):
    """Alerts on counters the default and DCP counter sets leave out, and the exporter-absent alert, only when
    the spec says the cluster has them: otherwise they could never fire, or never stop."""
    expressions = alerts(compiled(tmp_path, {}))
    assert set(expressions) == {"GPUMemoryPressure", "GPUXidErrors", "GPUMemoryRowRemapFailed",
                                "GPUUncorrectableMemoryErrors", "GPULowUtilization"}
    assert "DCGM_FI_DEV_ROW_REMAP_FAILURE{" in expressions["GPUMemoryRowRemapFailed"]
    assert "increase(DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS{" in expressions["GPUUncorrectableMemoryErrors"]
    assert "ECC_DBE" not in expressions["GPUUncorrectableMemoryErrors"]
    full = alerts(compiled(tmp_path, {"monitoring": {"dcgm": {"alertWhenAbsent": True, "counters": [
        "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", "DCGM_FI_DEV_THERMAL_VIOLATION"]}}}))
    assert "rate(DCGM_FI_DEV_THERMAL_VIOLATION{" in full["GPUThermalThrottling"]
    assert full["GPUExporterAbsent"] == "absent(DCGM_FI_DEV_GPU_TEMP)"  # any GPU, not only the fleet's
    # each counter is filtered before `or`, which would keep only the remapped rows where both have the labels
    assert full["GPUUncorrectableMemoryErrors"].count("[1h])) > 0") == 2
    assert ") > 0 or max by (" in full["GPUUncorrectableMemoryErrors"]


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
    # group_left keeps the current version's labels (one-to-one `on` would keep namespace and instance only)
    assert "> on (namespace, app_kubernetes_io_instance) group_left avg by" in alert["expr"]
    assert alert["labels"] == {"severity": "warning", "app_kubernetes_io_instance": "embedder"}
    assert 'app_kubernetes_io_version="v1.0.0"}' in alert["expr"] and '!="v1.0.0"' in alert["expr"]
    for item in rule:
        assert promql_parser.parse(item["expr"]) is not None
    custom = compiled(tmp_path, {})  # a custom server has no latency histogram
    assert ("PrometheusRule", "quickstart-latency") not in custom
    off = compiled(tmp_path, {"models[0].server": {"runtime": "vllm"}, "monitoring": {"latencyRegression": {
        "enabled": False}}})
    assert ("PrometheusRule", "quickstart-latency") not in off
