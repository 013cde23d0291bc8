"""PrometheusRules: GPU health and waste alerts on DCGM exporter metrics of the fleet's pods (`build`), and
each model version's P99 latency with a regression alert (`build_latency`, `monitoring.latencyRegression`).

DCGM facts (../shared/FACTS.md, with their sources): the GPU Operator's dcgm-exporter ServiceMonitor has
honorLabels false, so a GPU pod's namespace and name arrive as `exported_namespace` and `exported_pod`
(`monitoring.dcgmNamespaceLabel`, `dcgmPodLabel`); `DCGM_FI_DEV_GPU_UTIL` is not reported for MIG slices,
`DCGM_FI_PROF_GR_ENGINE_ACTIVE` (0-1, in the GPU Operator's counter set) is (NVIDIA/dcgm-exporter#216).
Framebuffer total = used + free + reserved (`DCGM_FI_DEV_FB_RESERVED`, driver-reserved memory no process can
use, in newer default counter sets): pressure counts the reserved part as taken, and falls back to used /
(used + free) where the exporter does not send it.

XIDs: `DCGM_FI_DEV_XID_ERRORS` holds the last XID (a gauge). Since dcgm-exporter 3.3.6-3.4.2 it carries
labels `err_code` (= the value) and `err_msg` (internal/pkg/collector/gpu_collector.go `toMetric`), so each new
XID is a new series whose value never changes: the alert fires on a hardware XID (`catalog.xids`) whose series
is new in the last 10 minutes, or whose value changed (exporters before the labels).

Counters (NVIDIA/dcgm-exporter etc/default-counters.csv and etc/dcp-metrics-included.csv at 4.5.3-4.8.2): XID,
framebuffer, temperature, utilization, `DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS` and
`DCGM_FI_DEV_ROW_REMAP_FAILURE` are in both sets; `DCGM_FI_DEV_ECC_DBE_VOL_TOTAL` and
`DCGM_FI_DEV_THERMAL_VIOLATION` are commented out in both: their alerts are emitted only when
`monitoring.dcgm.counters` says a custom set has them, and GPUExporterAbsent only with
`monitoring.dcgm.alertWhenAbsent` (on a cluster without the exporter it would fire forever).

Engines that take a fixed share of GPU memory at start (vLLM `gpu_memory_utilization`, TGI
`--cuda-memory-fraction`, SGLang `--mem-fraction-static`: `Runtime.preallocates`) hold the framebuffer at that
share whatever the load: framebuffer pressure says nothing about them. Their pressure is the engine's KV-cache
usage (the `kvCache` metric: vLLM's per image version, SGLang's `token_usage`; TGI exports none), read from
the PodMonitor's series.
"""

from __future__ import annotations

from typing import Any

from servespec.catalog.xids import HARDWARE_XIDS
from servespec.spec.model import LatencyRegression
from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.spec.types import number_text
from servespec.synth.common import fleet_metadata, manifest

LOW_UTILIZATION_PERCENT = 10
MEMORY_PRESSURE_RATIO = 0.95
ECC_DBE, THERMAL = "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", "DCGM_FI_DEV_THERMAL_VIOLATION"
LATENCY_RECORD = "servespec:request_latency_p99_seconds:rate5m"
"""Each model version's P99 request latency, from the engine's own histogram."""
MODEL_LABEL, VERSION_LABEL = "app_kubernetes_io_instance", "app_kubernetes_io_version"
"""`app.kubernetes.io/instance` and `/version` as the PodMonitor's `podTargetLabels` put them on every series."""


def _alert(name: str, duration: str, severity: str, expr: str, summary: str, description: str,
           labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"alert": name, "expr": expr, "for": duration, "labels": {"severity": severity, **(labels or {})},
            "annotations": {"summary": summary, "description": description}}


def pod_pattern(models: list[ResolvedModel]) -> str:
    """RE2 matching the pods of `models` and no other model's: `<name>-<replica set>-<id>` (Flagger's primary
    `<name>-primary-...`); a name segment never holds a hyphen, so `a` does not match the pods of `a-b`."""
    return f"({'|'.join(sorted(model.name for model in models))})(-primary)?-[0-9a-z]+-[0-9a-z]+"


def _framebuffer_pressure(fleet: ResolvedFleet, where: str, by: str) -> list[dict[str, Any]]:
    """Framebuffer pressure of the GPU models whose engine does not preallocate a share of the GPU."""
    models = [model for model in fleet.models if model.gpu_resources and not model.server.runtime.preallocates]
    if not models:
        return []
    pod = fleet.spec.monitoring.dcgm_pod_label
    selector = f'{where},{pod}=~"{pod_pattern(models)}"'
    used, free, reserved = (f"DCGM_FI_DEV_FB_{part}{{{selector}}}" for part in ("USED", "FREE", "RESERVED"))
    return [_alert("GPUMemoryPressure", "10m", "warning",
                   f"max by ({by}, gpu) ((1 - {free} / ({used} + {free} + {reserved})) or "
                   f"({used} / ({used} + {free}))) > {MEMORY_PRESSURE_RATIO}",
                   f"GPU memory of {{{{ $labels.{pod} }}}} above 95% for 10 minutes",
                   "The model is close to CUDA out-of-memory; lower the batch size or "
                   "give it a larger GPU or MIG slice.")]


def _kv_cache_pressure(fleet: ResolvedFleet) -> list[dict[str, Any]]:
    """KV-cache usage of the models whose engine preallocates GPU memory and exports it."""
    by_metric: dict[str, list[str]] = {}
    for model in fleet.models:
        metric = model.server.engine.scaling_metrics.get("kvCache")
        if metric and model.server.runtime.preallocates and model.server.metrics:
            by_metric.setdefault(metric, []).append(model.name)
    if not by_metric or not fleet.spec.monitoring.pod_monitors:
        return []
    usage = " or ".join(f'{metric}{{namespace="{fleet.namespace}",{MODEL_LABEL}=~"{"|".join(sorted(names))}"}}'
                        for metric, names in sorted(by_metric.items()))
    return [_alert("KVCachePressure", "10m", "warning",
                   f"max by (namespace, {MODEL_LABEL}, pod) ({usage}) > {MEMORY_PRESSURE_RATIO}",
                   "KV cache of {{ $labels.pod }} above 95% for 10 minutes",
                   "The engine holds a fixed share of GPU memory and its KV cache is full: requests wait or are "
                   "preempted; add replicas (scaling.target kvCache), a larger GPU or a shorter context.")]


def build(fleet: ResolvedFleet) -> dict[str, Any]:
    monitoring = fleet.spec.monitoring
    namespace, pod = monitoring.dcgm_namespace_label, monitoring.dcgm_pod_label
    where = f'{namespace}="{fleet.namespace}"'
    by = f"{namespace}, {pod}"
    xid = f"DCGM_FI_DEV_XID_ERRORS{{{where}}}"
    hardware = " or ".join(f"{xid} == {code}" for code in sorted(HARDWARE_XIDS))
    counters = ["DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS"] + [ECC_DBE] * (ECC_DBE in monitoring.dcgm.counters)
    # each side filtered before `or`: `or` keeps the left side's series wherever both have the same labels
    uncorrectable = " or ".join(f"max by ({by}, gpu, Hostname) (increase({counter}{{{where}}}[1h])) > 0"
                                for counter in counters)
    rules = _framebuffer_pressure(fleet, where, by) + _kv_cache_pressure(fleet) + [
        _alert("GPUXidErrors", "0m", "critical",
               f"({hardware}) and (changes({xid}[10m]) > 0 or ({xid} unless {xid} offset 10m))",
               f"XID {{{{ $value }}}} on the GPU of {{{{ $labels.{pod} }}}}",
               "The driver reported a new hardware XID (GPU, memory, NVLink, bus or GSP failure); "
               "the GPU may need a reset or the node a drain."),
        _alert("GPUMemoryRowRemapFailed", "0m", "critical",
               f"max by ({by}, gpu, Hostname) (DCGM_FI_DEV_ROW_REMAP_FAILURE{{{where}}}) > 0",
               f"GPU memory row remapping failed on the GPU of {{{{ $labels.{pod} }}}}",
               "The GPU has no spare rows left for an uncorrectable memory error: "
               "drain the node and have the GPU replaced."),
        _alert("GPUUncorrectableMemoryErrors", "0m", "warning", uncorrectable,
               f"Uncorrectable memory errors on the GPU of {{{{ $labels.{pod} }}}}",
               "Rows were remapped" + (" or double-bit ECC errors counted" if ECC_DBE in monitoring.dcgm.counters
                                       else "") + " in the last hour; reset the GPU (drain the node) to apply "
               "the remapping."),
    ]
    if THERMAL in monitoring.dcgm.counters:
        rules.append(_alert("GPUThermalThrottling", "10m", "warning",
                            f"max by ({by}, gpu, Hostname) (rate({THERMAL}{{{where}}}[5m])) > 0",
                            f"The GPU of {{{{ $labels.{pod} }}}} is slowed down by heat",
                            "Thermal throttling for 10 minutes: latency rises; check the node's "
                            "cooling and airflow."))
    if monitoring.dcgm.alert_when_absent:
        rules.append(_alert("GPUExporterAbsent", "15m", "warning", "absent(DCGM_FI_DEV_GPU_TEMP)",
                            "No DCGM exporter metrics in Prometheus for 15 minutes",
                            "Every GPU alert is blind: check the dcgm-exporter pods and their ServiceMonitor."))
    rules.append(_alert(
        "GPULowUtilization", "6h", "info",
        f"(avg by ({by}) (avg_over_time(DCGM_FI_PROF_GR_ENGINE_ACTIVE{{{where}}}[1h])) * 100 or "
        f"avg by ({by}) (avg_over_time(DCGM_FI_DEV_GPU_UTIL{{{where}}}[1h]))) < {LOW_UTILIZATION_PERCENT}",
        f"GPU of {{{{ $labels.{pod} }}}} under 10% busy for 6 hours",
        "Paid GPU capacity is idle: use a MIG slice, a smaller GPU or fewer replicas."))
    return _rule_object(fleet, "gpu", rules)


def latency_models(fleet: ResolvedFleet) -> list[ResolvedModel]:
    """Models whose P99 is recorded: scraped, with an engine latency histogram."""
    settings = fleet.spec.monitoring.latency_regression or LatencyRegression()
    if not settings.enabled or not fleet.spec.monitoring.pod_monitors:
        return []
    return [model for model in fleet.models
            if model.server.metrics is not None and model.server.engine.latency_histogram is not None]


def build_latency(fleet: ResolvedFleet) -> dict[str, Any]:
    """One recording rule (P99 per model version, every engine histogram of the fleet) and one regression alert
    per model, for rollback decisions: the running version (the spec's) against the average P99 of every other
    version over the baseline window. Each alert carries its model as a static label, so that no two rules of
    the group share a name and labels (promtool check rules --lint-fatal)."""
    settings = fleet.spec.monitoring.latency_regression or LatencyRegression()
    ratio = number_text(settings.ratio)
    models = latency_models(fleet)
    by_histogram: dict[str, list[str]] = {}
    for model in models:
        assert model.server.engine.latency_histogram is not None
        by_histogram.setdefault(model.server.engine.latency_histogram, []).append(model.name)
    rates = " or ".join(f'rate({histogram}_bucket{{namespace="{fleet.namespace}",{MODEL_LABEL}=~"'
                        f'{"|".join(sorted(names))}"}}[5m])' for histogram, names in sorted(by_histogram.items()))
    rules: list[dict[str, Any]] = [{"record": LATENCY_RECORD, "expr": f"histogram_quantile(0.99, sum by (le, "
                                    f"namespace, {MODEL_LABEL}, {VERSION_LABEL}) ({rates}))"}]
    for model in models:
        selector = f'namespace="{fleet.namespace}",{MODEL_LABEL}="{model.name}"'
        version = model.spec.version
        current = f'{LATENCY_RECORD}{{{selector},{VERSION_LABEL}="{version}"}}'
        earlier = (f"avg by (namespace, {MODEL_LABEL}) (avg_over_time({LATENCY_RECORD}{{{selector},"
                   f'{VERSION_LABEL}!="{version}"}}[{settings.baseline_window}]))')
        rules.append(_alert("ModelLatencyRegression", settings.for_, "warning",
                            f"{current} > on (namespace, {MODEL_LABEL}) group_left {earlier} * {ratio}",
                            f"{model.name} {version}: P99 {{{{ $value | humanizeDuration }}}}, above {ratio} x the "
                            "average P99 of its earlier versions",
                            "The running version is slower than the versions before it: roll back to the previous "
                            "version (`servespec diff --base <previous revision>` shows what that changes).",
                            {MODEL_LABEL: model.name}))
    return _rule_object(fleet, "latency", rules)


def _rule_object(fleet: ResolvedFleet, topic: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    """The PrometheusRule `<fleet>-<topic>` with one group, selected by `monitoring.selectorLabels`."""
    metadata = fleet_metadata(fleet, f"{fleet.name}-{topic}", "alerts")
    metadata["labels"].update(fleet.spec.monitoring.selector_labels)
    return manifest("monitoring.coreos.com/v1", "PrometheusRule", metadata,
                    spec={"groups": [{"name": f"{fleet.name}.{topic}", "rules": rules}]})
