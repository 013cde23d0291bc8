"""Local disk of a model's pod: the scratch volumes (weights download, engine caches, /tmp) and the
ephemeral-storage request that lets the scheduler find a node with room for them."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from servespec.catalog.downloads import HEADROOM
from servespec.spec.types import quantity_value

if TYPE_CHECKING:
    from servespec.spec.resolve import ResolvedModel

TMP_SIZE_LIMIT = "1Gi"
"""The /tmp emptyDir of every container."""

RAY_TMP_SIZE_LIMIT = "10Gi"
"""/tmp of a multi-node replica's pods: Ray keeps its session files, logs and spilled objects in /tmp/ray."""

_GI = 2**30


def download_volume_size(model: ResolvedModel) -> str:
    """sizeLimit of the emptyDir the weights are downloaded into: `sizeGB` + 10%, in whole GB."""
    artifact = model.spec.artifact
    assert artifact is not None, "only models with an artifact have a model volume"
    return f"{math.ceil(artifact.size_gb * HEADROOM)}G"


def tmp_size_limit(model: ResolvedModel) -> str:
    return RAY_TMP_SIZE_LIMIT if model.parallel.multi_node else TMP_SIZE_LIMIT


def scratch_volume_sizes(model: ResolvedModel) -> list[str]:
    """sizeLimits of the pod's disk-backed emptyDirs (the memory-backed /dev/shm is not disk)."""
    sizes = [tmp_size_limit(model)]
    if model.server.cache_env:
        sizes.append(model.server.runtime.cache_size)
    if model.server.download is not None:
        sizes.append(download_volume_size(model))
    return sizes


def ephemeral_storage(model: ResolvedModel) -> str:
    """The server's ephemeral-storage request: `resources.ephemeralStorage`, else the scratch volumes'
    total in whole Gi when weights are downloaded or a preset caches (empty: no request)."""
    given = model.spec.resources.ephemeral_storage
    if given is not None:
        return given
    if model.server.download is None and not model.server.cache_env and not model.parallel.multi_node:
        return ""
    total = sum(quantity_value(size) for size in scratch_volume_sizes(model))
    return f"{math.ceil(total / _GI)}Gi"
