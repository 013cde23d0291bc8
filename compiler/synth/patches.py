"""The spec's `patches`, applied to the compiled objects they target after synthesis and before validation:
RFC 6902 JSON patches (the `jsonpatch` package) and RFC 7386 JSON merge patches. A patch that matches no object
or cannot apply is a located error."""

from __future__ import annotations

import copy
from typing import Any, Iterable

import jsonpatch

from servespec.diagnostics import SpecError
from servespec.spec.model import Patch
from servespec.spec.resolve import ResolvedFleet
from servespec.synth.manifest import Manifest


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: a mapping patch merges into a mapping (null removes a key), anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def _matches(patch: Patch, data: dict[str, Any]) -> bool:
    return data.get("kind") == patch.target.kind and patch.target.name in (None, data["metadata"].get("name"))


class Patcher:
    """Applies the fleet's patches to each object; `finish` reports the patches that matched nothing."""

    def __init__(self, fleet: ResolvedFleet):
        self._fleet = fleet
        self._used: set[int] = set()

    def apply(self, manifests: Iterable[Manifest]) -> list[Manifest]:
        out = []
        for item in manifests:
            data = item.data
            for index, patch in enumerate(self._fleet.spec.patches):
                if _matches(patch, data):
                    self._used.add(index)
                    data = self._patched(index, patch, data)
            out.append(item if data is item.data else Manifest(data, item.source_path))
        return out

    def _patched(self, index: int, patch: Patch, data: dict[str, Any]) -> dict[str, Any]:
        if patch.merge_patch is not None:
            result: dict[str, Any] = merge_patch(data, patch.merge_patch)
            return result
        patched = data
        for number, operation in enumerate(patch.json_patch or []):
            try:
                patched = jsonpatch.apply_patch(patched, [operation])
            except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, ValueError,
                    KeyError, IndexError) as error:
                reason = str(error).split(" in {", 1)[0].split(" of {", 1)[0][:200]
                raise SpecError([self._fleet.source_map.diagnostic(
                    ("patches", index, "jsonPatch", number),
                    f"operation {number + 1} ({operation.get('op')} {operation.get('path')}) cannot apply to "
                    f"{data['kind']} {data['metadata'].get('name')}: {reason}")]) from None
        return patched

    def finish(self) -> None:
        """Raise a located error for every patch that matched no object."""
        problems = []
        for index, patch in enumerate(self._fleet.spec.patches):
            if index not in self._used:
                what = " ".join(filter(None, [patch.target.kind, patch.target.name]))
                problems.append(self._fleet.source_map.diagnostic(
                    ("patches", index, "target"), f"the patch matches no compiled object ({what})",
                    hint="`servespec compile -o -` lists the compiled objects"))
        if problems:
            raise SpecError(problems)
