"""Labels, metadata and hashes shared by every emitted kind."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from compiler.resolve import ResolvedFleet, ResolvedModel

MANAGED_BY = "servespec"
SPEC_HASH = "servespec.dev/spec-hash"


def spec_hash(*parts: Any) -> str:
    """A short, stable hash of spec sections (pydantic models or plain data)."""
    payload = json.dumps([_plain(part) for part in parts], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _plain(part: Any) -> Any:
    return part.model_dump(mode="json", by_alias=True, exclude_none=True) if hasattr(part, "model_dump") else part


def fleet_labels(fleet: ResolvedFleet, component: str) -> dict[str, str]:
    return {
        **fleet.spec.metadata.labels,
        "app.kubernetes.io/name": fleet.name,
        "app.kubernetes.io/instance": fleet.name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": fleet.name,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def selector_labels(model: ResolvedModel) -> dict[str, str]:
    """The one label the Deployment selects on (Flagger renames its value to `<name>-primary`)."""
    return {"app.kubernetes.io/name": model.name}


def instance_labels(model: ResolvedModel) -> dict[str, str]:
    """Labels shared by primary and canary pods: what PDBs and NetworkPolicies select."""
    return {"app.kubernetes.io/instance": model.name}


def model_labels(fleet: ResolvedFleet, model: ResolvedModel, component: str = "inference") -> dict[str, str]:
    return {
        **fleet.spec.metadata.labels,
        **selector_labels(model),
        **instance_labels(model),
        "app.kubernetes.io/version": model.spec.version,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": fleet.name,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def model_hash(fleet: ResolvedFleet, model: ResolvedModel) -> str:
    """Hash of everything a model's objects are compiled from."""
    return spec_hash(model.spec, model.pool.spec, fleet.spec.security, fleet.namespace, fleet.spec.metadata)


def model_metadata(fleet: ResolvedFleet, model: ResolvedModel, name: str | None = None,
                   component: str = "inference") -> dict[str, Any]:
    return {
        "name": name or model.name,
        "namespace": fleet.namespace,
        "labels": model_labels(fleet, model, component),
        "annotations": {SPEC_HASH: model_hash(fleet, model)},
    }


def fleet_metadata(fleet: ResolvedFleet, name: str, component: str, namespaced: bool = True) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespaced:
        metadata["namespace"] = fleet.namespace
    metadata["labels"] = fleet_labels(fleet, component)
    metadata["annotations"] = {SPEC_HASH: spec_hash(fleet.spec.metadata, fleet.spec.security, fleet.spec.monitoring,
                                                    fleet.namespace)}
    return metadata


def number_text(value: float) -> str:
    """KEDA metadata values are strings: 50.0 -> "50", 0.5 -> "0.5"."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def json_number(value: float) -> float | int:
    """Numbers as JSON (and so cdk8s) writes them: 99.0 -> 99."""
    return int(value) if float(value).is_integer() else value


def manifest(api_version: str, kind: str, metadata: dict, **body: Any) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, **body}
