"""`servespec rollback-point` as YAML or JSON: the same document either way."""

from __future__ import annotations

import json
from typing import Any

import yaml

from servespec.review.rollback import ModelRelease, RollbackBundle


def bundle_data(bundle: RollbackBundle) -> dict[str, Any]:
    data: dict[str, Any] = {"fleet": bundle.fleet, "file": bundle.file, "environment": bundle.environment,
                            "specRevision": bundle.revision}
    if bundle.revision_note:
        data["specRevisionNote"] = bundle.revision_note
    if bundle.prometheus:
        data["prometheus"] = bundle.prometheus
    data["models"] = [_release(release, bool(bundle.prometheus)) for release in bundle.models]
    return data


def _release(release: ModelRelease, measured: bool) -> dict[str, Any]:
    point = release.point
    data: dict[str, Any] = {"model": point.model, "namespace": point.namespace, "workload": release.workload,
                            "version": point.version, "images": dict(point.images),
                            "unpinnedImages": point.unpinned, "weights": point.weights}
    if release.latency_query is not None:
        data["latencyBaseline"] = {"query": release.latency_query}
        if measured:
            data["latencyBaseline"]["p99Seconds"] = release.p99_seconds
    return data


def render_yaml(bundle: RollbackBundle) -> str:
    return yaml.safe_dump(bundle_data(bundle), sort_keys=False, width=1000, allow_unicode=True)


def render_json(bundle: RollbackBundle) -> str:
    return json.dumps(bundle_data(bundle), indent=2) + "\n"
