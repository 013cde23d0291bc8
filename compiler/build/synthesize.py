"""Synthesis of planned objects through cdk8s, and when it can be skipped because cdk8s provably keeps them.

Nothing here imports the spec model. cdk8s runs in Node (`servespec.build.cdk8s_runtime`), which only
`compile`, and `check` or `diff` for an object cdk8s would change, ever start.
"""

from __future__ import annotations

import math
from typing import Any, Optional

from servespec.build.cdk8s_runtime import Host
from servespec.synth.manifest import Manifest

_SAFE_INTEGER = 2 ** 53
"""Integers beyond this lose digits in JavaScript's numbers."""

Identity = tuple[str, str, str, Optional[str], str]


def synthesize(planned: dict[str, list[Manifest]], *, everything: bool = False) -> dict[str, list[Manifest]]:
    """Pass every planned object of every output tree through cdk8s; what cdk8s returned, in plan order
    (`planned` itself when cdk8s changed nothing). With `everything`, each object is the one cdk8s
    returned, decoded from Node's output even when it is the same (for tests of the comparison)."""
    host = Host(everything=everything)
    try:
        for tree, items in planned.items():
            for item in items:
                host.define(tree, item.chart_id, item.data)
        return match(planned, host.synthesize())
    finally:
        host.close()


def as_cdk8s_returns(planned: list[Manifest]) -> list[Manifest]:
    """One tree's objects as cdk8s returns them: as planned, without starting Node, when cdk8s keeps every
    one (`kept_by_cdk8s`); else through cdk8s."""
    if all(kept_by_cdk8s(item.data) for item in planned):
        return planned
    return synthesize({"": planned})[""]


def match(planned: dict[str, list[Manifest]], changed: list[tuple[str, dict[str, Any]]]
          ) -> dict[str, list[Manifest]]:
    """The planned objects with those cdk8s `changed` in their place (in plan order, with the planned spec
    paths); `planned` itself when there are none."""
    if not changed:
        return planned
    by_identity = {identity(tree, data): data for tree, data in changed}
    known = {identity(tree, item.data) for tree, items in planned.items() for item in items}
    unknown = sorted(str(key) for key in by_identity.keys() - known)
    if unknown:
        raise RuntimeError(f"cdk8s returned objects that were not defined: {', '.join(unknown)}")
    return {tree: [Manifest(by_identity[key], item.source_path) if (key := identity(tree, item.data)) in by_identity
                   else item for item in items] for tree, items in planned.items()}


def identity(tree: str, data: dict[str, Any]) -> Identity:
    return tree, data["apiVersion"], data["kind"], data["metadata"].get("namespace"), data["metadata"]["name"]


def kept_by_cdk8s(data: dict[str, Any]) -> bool:
    """Whether cdk8s synthesizes this object exactly as planned, so that nothing need start Node to know.

    What cdk8s 2.x does to an object (lib/api-object.js `toJson`, lib/_util.js `sanitizeValue`,
    lib/resolve.js, lib/metadata.js): it drops null values of mappings, and empty lists and mappings
    anywhere in `metadata`; it copies `metadata.labels` and `annotations` as mappings and `finalizers` and
    `ownerReferences` as lists (spreading any other value); it fills in a missing `metadata.name` and
    rejects an `apiVersion` with more
    than one `/`; its resolvers change only values with a `resolve()` method, `Lazy` values and
    number-or-string unions, which JSON data cannot hold. On the way through JSON into Node and back,
    integers beyond 2**53 lose digits, floats with an integral value come back as integers (1.0 as 1) and
    NaN or infinity cannot pass. An object with none of these is returned as it was planned; tests
    synthesize generated objects to hold this to the installed cdk8s."""
    metadata = data.get("metadata")
    api_version = data.get("apiVersion")
    return (isinstance(metadata, dict) and isinstance(metadata.get("name"), str)
            and all(isinstance(metadata.get(key, {}), dict) for key in ("labels", "annotations"))
            and all(isinstance(metadata.get(key, []), list) for key in ("finalizers", "ownerReferences"))
            and isinstance(api_version, str) and api_version.count("/") <= 1 and isinstance(data.get("kind"), str)
            and _plain(data) and _nothing_empty(metadata))


def _plain(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(key, str) and _plain(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_plain(item) for item in value)
    if isinstance(value, (str, bool)):
        return True
    if isinstance(value, int):
        return -_SAFE_INTEGER <= value <= _SAFE_INTEGER
    if isinstance(value, float):
        return math.isfinite(value) and not value.is_integer()
    return False


def _nothing_empty(value: Any) -> bool:
    if isinstance(value, dict):
        return bool(value) and all(_nothing_empty(item) for item in value.values())
    if isinstance(value, list):
        return bool(value) and all(_nothing_empty(item) for item in value)
    return True
