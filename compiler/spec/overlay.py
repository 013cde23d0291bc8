"""Apply an environment overlay to the loaded data, moving source positions along with the values."""

from __future__ import annotations

import copy
from typing import Any

from servespec.diagnostics import SpecError, suggest
from servespec.spec.loader import LoadedSpec, SourceMap, SpecPath

_SECTIONS = ("models", "gpuPools")


def environment_names(data: dict[str, Any]) -> list[str]:
    environments = data.get("environments")
    return sorted(environments) if isinstance(environments, dict) else []


def apply_environment(loaded: LoadedSpec, env: str) -> LoadedSpec:
    """The spec as the environment `env` sees it: overlay values deep-merged over the base.

    List items (models, pools) are matched by name; lists inside them are replaced, mappings merged.
    Every merged value keeps the position it has in the overlay, so errors point at the overlay line.
    """
    data, source_map = loaded.data, loaded.source_map
    names = environment_names(data)
    if env not in names:
        hint = suggest(env, names) or (f"known environments: {', '.join(names)}" if names else
                                       "the spec has no `environments` section")
        raise SpecError([source_map.diagnostic(("environments",), f"unknown environment {env!r}", hint=hint)])
    overlay = data["environments"][env]
    merged = copy.deepcopy(data)
    values, keys = dict(source_map.values), dict(source_map.keys)
    moved = SourceMap(source_map.file, values, keys)
    problems = []
    if not isinstance(overlay, dict):
        return LoadedSpec(loaded.file, merged, moved)
    base: SpecPath = ("environments", env)
    if isinstance(overlay.get("namespace"), str) and isinstance(merged.get("metadata"), dict):
        merged["metadata"]["namespace"] = overlay["namespace"]
        _move(source_map, base + ("namespace",), ("metadata", "namespace"), values, keys)
    for section in _SECTIONS:
        patches = overlay.get(section)
        items = merged.get(section)
        if not isinstance(patches, dict) or not isinstance(items, list):
            continue
        by_name = {item.get("name"): index for index, item in enumerate(items) if isinstance(item, dict)}
        for name, patch in patches.items():
            if name not in by_name:
                problems.append(source_map.diagnostic(
                    base + (section, name), f"environment {env!r} overrides unknown {section[:-1]} {name!r}",
                    key=True, hint=suggest(str(name), [n for n in by_name if isinstance(n, str)])))
                continue
            index = by_name[name]
            items[index] = _merge(items[index], patch)
            _move(source_map, base + (section, name), (section, index), values, keys)
    if problems:
        raise SpecError(problems)
    return LoadedSpec(loaded.file, merged, moved)


def _merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = _merge(base.get(key), value)
        return out
    return copy.deepcopy(patch)


def _move(source_map: SourceMap, old: SpecPath, new: SpecPath, values: dict[SpecPath, tuple[int, int]],
          keys: dict[SpecPath, tuple[int, int]]) -> None:
    size = len(old)
    for table, target in ((source_map.values, values), (source_map.keys, keys)):
        for path, position in table.items():
            if path[:size] == old and len(path) > size:
                target[new + path[size:]] = position
    if old in source_map.values:
        values[new] = source_map.values[old]
