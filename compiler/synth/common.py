"""Labels, metadata and hashes shared by every emitted kind."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable

from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.spec.rollback import rollback_point

MANAGED_BY = "servespec"
SPEC_HASH = "servespec.dev/spec-hash"


def spec_hash(*parts: Any) -> str:
    """A short, stable hash of spec sections (pydantic models or plain data)."""
    return _digest(_json(part) for part in parts)


def _json(part: Any) -> str:
    return json.dumps(_plain(part), sort_keys=True, separators=(",", ":"), default=str)


def _digest(json_parts: Iterable[str]) -> str:
    """The hash of the JSON list of the parts (the same text `json.dumps` gives for the whole list)."""
    return hashlib.sha256(f"[{','.join(json_parts)}]".encode()).hexdigest()[:16]


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


_MODEL_HASHES: dict[int, tuple[ResolvedFleet, dict[str, str], dict[int, str]]] = {}
"""Per recent fleet (by identity): its pools' and fleet-wide sections as JSON, and each model's hash; a
model's objects all carry the same hash, so each section is serialized once."""


def model_hash(fleet: ResolvedFleet, model: ResolvedModel) -> str:
    """Hash of everything a model's objects are compiled from: the model, its pool, the fleet's security,
    namespace, metadata and traffic (`spec_hash` of those, traffic only when set)."""
    entry = _MODEL_HASHES.get(id(fleet))
    if entry is None or entry[0] is not fleet:
        if len(_MODEL_HASHES) >= 8:
            _MODEL_HASHES.pop(next(iter(_MODEL_HASHES)))
        parts = [fleet.spec.security, fleet.namespace, fleet.spec.metadata]
        if fleet.spec.traffic is not None:
            parts.append(fleet.spec.traffic)
        fleet_parts = ",".join(_json(part) for part in parts)
        entry = _MODEL_HASHES[id(fleet)] = (fleet, {"": fleet_parts}, {})
    sections, hashes = entry[1], entry[2]
    if model.index not in hashes:
        pool = sections.get(model.pool.name)
        if pool is None:
            pool = sections[model.pool.name] = _json(model.pool.spec)
        hashes[model.index] = _digest((_json(model.spec), pool, sections[""]))
    return hashes[model.index]


def model_metadata(fleet: ResolvedFleet, model: ResolvedModel, name: str | None = None,
                   component: str = "inference") -> dict[str, Any]:
    return {
        "name": name or model.name,
        "namespace": fleet.namespace,
        "labels": model_labels(fleet, model, component),
        "annotations": {**fleet.spec.metadata.annotations, SPEC_HASH: model_hash(fleet, model)},
    }


def workload_metadata(fleet: ResolvedFleet, model: ResolvedModel) -> dict[str, Any]:
    """A model's Deployment or LeaderWorkerSet: its metadata and the rollback point it releases."""
    metadata = model_metadata(fleet, model)
    metadata["annotations"].update(rollback_point(fleet.namespace, model, fleet.revision).annotations())
    return metadata


def fleet_metadata(fleet: ResolvedFleet, name: str, component: str, namespaced: bool = True) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespaced:
        metadata["namespace"] = fleet.namespace
    metadata["labels"] = fleet_labels(fleet, component)
    metadata["annotations"] = {**fleet.spec.metadata.annotations,
                               SPEC_HASH: spec_hash(fleet.spec.metadata, fleet.spec.security, fleet.spec.monitoring,
                                                    fleet.namespace)}
    return metadata


def serving_ports(model: ResolvedModel) -> list[tuple[str, int]]:
    """The server's named ports callers use: all but a dedicated metrics port."""
    metrics = model.server.metrics[0] if model.server.metrics else None
    return [(name, port) for name, port in model.server.ports if name != metrics or name == "http"]


def json_number(value: float) -> float | int:
    """Numbers as JSON (and so cdk8s) writes them: 99.0 -> 99."""
    return int(value) if float(value).is_integer() else value


def manifest(api_version: str, kind: str, metadata: dict[str, Any], **body: Any) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, **body}
