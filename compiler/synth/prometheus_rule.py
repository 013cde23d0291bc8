"""PrometheusRules: GPU health and waste alerts on DCGM exporter metrics of the fleet's pods (`build`), and
each model version's P99 latency with a regression alert (`build_latency`, `monitoring.latencyRegression`).

DCGM facts (../shared/FACTS.md, with their sources): the GPU Operator's dcgm-exporter ServiceMonitor has
honorLabels false, so a GPU pod's namespace and name arrive as `exported_namespace` and `exported_pod`
(`monitoring.dcgmNamespaceLabel`, `dcgmPodLabel`); `DCGM_FI_DEV_GPU_UTIL` is not reported for MIG slices,
`DCGM_FI_PROF_GR_ENGINE_ACTIVE` (0-1, in the GPU Operator's counter set) is (NVIDIA/dcgm-exporter#216);
`DCGM_FI_DEV_XID_ERRORS` holds the last XID (a sticky gauge): alert when it changes to a hardware XID
(`catalog.xids`). Framebuffer total = used + free + reserved (`DCGM_FI_DEV_FB_RESERVED`, driver-reserved
memory no process can use, in newer default counter sets): pressure counts the reserved part as taken, and
falls back to used / (used + free) where the exporter does not send it.

Counters (NVIDIA/dcgm-exporter etc/default-counters.csv): XID, framebuffer, temperature, utilization,
`DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS` and `DCGM_FI_DEV_ROW_REMAP_FAILURE` are in the default set;
`DCGM_FI_DEV_ECC_DBE_VOL_TOTAL` and `DCGM_FI_DEV_THERMAL_VIOLATION` (throttled microseconds) are commented
out there and need a custom counter set: without them those two alerts stay silent.
"""

from __future__ import annotations

from typing import Any

from servespec.catalog.xids import HARDWARE_XIDS
from servespec.spec.model import LatencyRegression
from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth.common import fleet_metadata, manifest, number_text

LOW_UTILIZATION_PERCENT = 10
MEMORY_PRESSURE_RATIO = 0.95


def _alert(name: str, duration: str, severity: str, expr: str, summary: str, description: str) -> dict[str, Any]:
    return {"alert": name, "expr": expr, "for": duration, "labels": {"severity": severity},
            "annotations": {"summary": summary, "description": description}}


def build(fleet: ResolvedFleet) -> dict[str, Any]:
    monitoring = fleet.spec.monitoring
    namespace, pod = monitoring.dcgm_namespace_label, monitoring.dcgm_pod_label
    where = f'{namespace}="{fleet.namespace}"'
    by = f"{namespace}, {pod}"
    xid = f"DCGM_FI_DEV_XID_ERRORS{{{where}}}"
    hardware = " or ".join(f"{xid} == {code}" for code in sorted(HARDWARE_XIDS))
    used, free, reserved = (f"DCGM_FI_DEV_FB_{part}{{{where}}}" for part in ("USED", "FREE", "RESERVED"))
    rules = [
        _alert("GPUMemoryPressure", "10m", "warning",
               f"max by ({by}, gpu) ((1 - {free} / ({used} + {free} + {reserved})) or "
               f"({used} / ({used} + {free}))) > {MEMORY_PRESSURE_RATIO}",
               f"GPU memory of {{{{ $labels.{pod} }}}} above 95% for 10 minutes",
               "The model is close to CUDA out-of-memory; lower the batch size or "
               "give it a larger GPU or MIG slice."),
        _alert("GPUXidErrors", "0m", "critical",
               f"({hardware}) and (changes({xid}[10m]) > 0)",
               f"XID {{{{ $value }}}} on the GPU of {{{{ $labels.{pod} }}}}",
               "The driver reported a new hardware XID (GPU, memory, NVLink, bus or GSP failure); "
               "the GPU may need a reset or the node a drain."),
        _alert("GPUMemoryRowRemapFailed", "0m", "critical",
               f"max by ({by}, gpu, Hostname) (DCGM_FI_DEV_ROW_REMAP_FAILURE{{{where}}}) > 0",
               f"GPU memory row remapping failed on the GPU of {{{{ $labels.{pod} }}}}",
               "The GPU has no spare rows left for an uncorrectable memory error: "
               "drain the node and have the GPU replaced."),
        _alert("GPUUncorrectableMemoryErrors", "0m", "warning",
               f"max by ({by}, gpu, Hostname) (increase(DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS{{{where}}}[1h])"
               f" or increase(DCGM_FI_DEV_ECC_DBE_VOL_TOTAL{{{where}}}[1h])) > 0",
               f"Uncorrectable memory errors on the GPU of {{{{ $labels.{pod} }}}}",
               "Rows were remapped or double-bit ECC errors counted in the last hour; "
               "reset the GPU (drain the node) to apply the remapping."),
        _alert("GPUThermalThrottling", "10m", "warning",
               f"max by ({by}, gpu, Hostname) (rate(DCGM_FI_DEV_THERMAL_VIOLATION{{{where}}}[5m])) > 0",
               f"The GPU of {{{{ $labels.{pod} }}}} is slowed down by heat",
               "Thermal throttling for 10 minutes: latency rises; check the node's "
               "cooling and airflow."),
        _alert("GPUExporterAbsent", "15m", "warning",
               "absent(DCGM_FI_DEV_GPU_TEMP)",
               "No DCGM exporter metrics in Prometheus for 15 minutes",
               "Every GPU alert is blind: check the dcgm-exporter pods and their "
               "ServiceMonitor."),
        _alert("GPULowUtilization", "6h", "info",
               f"(avg by ({by}) (avg_over_time(DCGM_FI_PROF_GR_ENGINE_ACTIVE{{{where}}}[1h])) * 100 or "
               f"avg by ({by}) (avg_over_time(DCGM_FI_DEV_GPU_UTIL{{{where}}}[1h]))) < "
               f"{LOW_UTILIZATION_PERCENT}",
               f"GPU of {{{{ $labels.{pod} }}}} under 10% busy for 6 hours",
               "Paid GPU capacity is idle: use a MIG slice, a smaller GPU or fewer "
               "replicas."),
    ]
    return _rule_object(fleet, "gpu", rules)


LATENCY_RECORD = "servespec:request_latency_p99_seconds:rate5m"
"""Each model version's P99 request latency, from the engine's own histogram."""
MODEL_LABEL, VERSION_LABEL = "app_kubernetes_io_instance", "app_kubernetes_io_version"
"""`app.kubernetes.io/instance` and `/version` as the PodMonitor's `podTargetLabels` put them on every series."""


def latency_models(fleet: ResolvedFleet) -> list[ResolvedModel]:
    """Models whose P99 is recorded: scraped, with an engine latency histogram."""
    settings = fleet.spec.monitoring.latency_regression or LatencyRegression()
    if not settings.enabled or not fleet.spec.monitoring.pod_monitors:
        return []
    return [model for model in fleet.models
            if model.server.metrics is not None and model.server.runtime.latency_histogram is not None]


def build_latency(fleet: ResolvedFleet) -> dict[str, Any]:
    """Recording rules (P99 per model version) and one regression alert per model, for rollback decisions:
    the running version (the spec's) against the average P99 of every other version over the baseline window."""
    settings = fleet.spec.monitoring.latency_regression or LatencyRegression()
    ratio = number_text(settings.ratio)
    records, alerts = [], []
    for model in latency_models(fleet):
        selector = f'namespace="{fleet.namespace}",{MODEL_LABEL}="{model.name}"'
        version = model.spec.version
        records.append({"record": LATENCY_RECORD, "expr":
                        f"histogram_quantile(0.99, sum by (le, namespace, {MODEL_LABEL}, {VERSION_LABEL}) "
                        f"(rate({model.server.runtime.latency_histogram}_bucket{{{selector}}}[5m])))"})
        current = f'{LATENCY_RECORD}{{{selector},{VERSION_LABEL}="{version}"}}'
        earlier = (f"avg by (namespace, {MODEL_LABEL}) (avg_over_time({LATENCY_RECORD}{{{selector},"
                   f'{VERSION_LABEL}!="{version}"}}[{settings.baseline_window}]))')
        alerts.append(_alert("ModelLatencyRegression", settings.for_, "warning",
                             f"{current} > on (namespace, {MODEL_LABEL}) {earlier} * {ratio}",
                             f"{model.name} {version}: P99 {{{{ $value | humanizeDuration }}}}, above {ratio} x the "
                             "average P99 of its earlier versions",
                             "The running version is slower than the versions before it: roll back to the previous "
                             "version (`servespec diff --base <previous revision>` shows what that changes)."))
    return _rule_object(fleet, "latency", records + alerts)


def _rule_object(fleet: ResolvedFleet, topic: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    """The PrometheusRule `<fleet>-<topic>` with one group, selected by `monitoring.selectorLabels`."""
    metadata = fleet_metadata(fleet, f"{fleet.name}-{topic}", "alerts")
    metadata["labels"].update(fleet.spec.monitoring.selector_labels)
    return manifest("monitoring.coreos.com/v1", "PrometheusRule", metadata,
                    spec={"groups": [{"name": f"{fleet.name}.{topic}", "rules": rules}]})
