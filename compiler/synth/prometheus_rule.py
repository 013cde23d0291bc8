"""PrometheusRule with GPU health and waste alerts on DCGM exporter metrics."""

from __future__ import annotations

from typing import Any

from servespec.spec.resolve import ResolvedFleet
from servespec.synth.common import fleet_metadata, manifest

LOW_UTILIZATION_PERCENT = 10
MEMORY_PRESSURE_RATIO = 0.95


def build(fleet: ResolvedFleet) -> dict[str, Any]:
    where = f'namespace="{fleet.namespace}"'
    rules = [
        {
            "alert": "GPUMemoryPressure",
            "expr": f"max by (pod, gpu) (DCGM_FI_DEV_FB_USED{{{where}}} / (DCGM_FI_DEV_FB_USED{{{where}}} + "
                    f"DCGM_FI_DEV_FB_FREE{{{where}}})) > {MEMORY_PRESSURE_RATIO}",
            "for": "10m",
            "labels": {"severity": "warning"},
            "annotations": {"summary": "GPU memory of {{ $labels.pod }} above 95% for 10 minutes",
                            "description": "The model is close to CUDA out-of-memory; lower the batch size or "
                                           "give it a larger GPU or MIG slice."},
        },
        {
            "alert": "GPUXidErrors",
            "expr": f"max by (pod, gpu, Hostname) (max_over_time(DCGM_FI_DEV_XID_ERRORS{{{where}}}[5m])) > 0",
            "for": "0m",
            "labels": {"severity": "critical"},
            "annotations": {"summary": "XID error {{ $value }} on the GPU of {{ $labels.pod }}",
                            "description": "The driver reported an XID error; the GPU may need a reset or "
                                           "the node a drain."},
        },
        {
            "alert": "GPULowUtilization",
            "expr": f"avg by (pod) (avg_over_time(DCGM_FI_DEV_GPU_UTIL{{{where}}}[1h])) < {LOW_UTILIZATION_PERCENT}",
            "for": "6h",
            "labels": {"severity": "info"},
            "annotations": {"summary": "GPU of {{ $labels.pod }} under 10% busy for 6 hours",
                            "description": "Paid GPU capacity is idle: use a MIG slice, a smaller GPU or fewer "
                                           "replicas."},
        },
    ]
    return manifest("monitoring.coreos.com/v1", "PrometheusRule", fleet_metadata(fleet, f"{fleet.name}-gpu", "alerts"),
                    spec={"groups": [{"name": f"{fleet.name}.gpu", "rules": rules}]})
