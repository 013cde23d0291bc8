"""ConfigMap of the inference-validator sidecar: sampling, NaN/Inf and range checks, latency threshold."""

from __future__ import annotations

import json
from typing import Any

from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth.common import manifest, model_metadata

FILE_NAME = "config.json"
MOUNT_PATH = "/etc/inference-validator"


def config_map_name(model: ResolvedModel) -> str:
    return f"{model.name}-validator"


def config(model: ResolvedModel) -> dict[str, Any]:
    validator = model.spec.validator
    assert validator is not None, "only models with a validator get its config"
    checks: dict[str, Any] = {"nan": True, "inf": True}
    if validator.output_range:
        checks["outputRange"] = {"min": validator.output_range.min, "max": validator.output_range.max}
    if validator.max_latency_ms:
        checks["maxLatencyMs"] = validator.max_latency_ms
    return {"upstream": f"http://127.0.0.1:{model.server.http_port}", "listenPort": validator.port,
            "sampleRate": validator.sample_rate, "checks": checks,
            "model": {"name": model.name, "version": model.spec.version}}


def build(fleet: ResolvedFleet, model: ResolvedModel) -> dict[str, Any]:
    text = json.dumps(config(model), indent=2, sort_keys=True) + "\n"
    return manifest("v1", "ConfigMap", model_metadata(fleet, model, config_map_name(model), "validator"),
                    data={FILE_NAME: text})
