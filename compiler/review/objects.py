"""Semantic diff of two sets of compiled objects: matched by (apiVersion, kind, namespace, name), fields
compared as data (key order and formatting ignored), list items matched by `name` where they have one
(containers, env, ports, volumes, triggers, metrics)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import yaml

from servespec.diagnostics import InputError, SpecError
from servespec.spec.loader import MAX_DEPTH, read_bytes
from servespec.spec.rollback import ANNOTATIONS as ROLLBACK_ANNOTATIONS

if TYPE_CHECKING:
    from servespec.spec.resolve import ResolvedFleet

Identity = tuple[str, str, Optional[str], str]
IGNORED_ANNOTATIONS = ("servespec.dev/spec-hash", *ROLLBACK_ANNOTATIONS)
"""The spec hash changes with any edit; the rollback point repeats the version and images (shown in the
report's rollback section) and the spec revision changes with every commit: never reported as a change."""


class _Missing:
    def __repr__(self) -> str:
        return "(absent)"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class FieldChange:
    """One changed value; `old` or `new` is MISSING for an added or removed key."""

    path: str
    old: Any
    new: Any

    def render(self) -> str:
        return f"{self.path}: {show(self.old)} -> {show(self.new)}"


@dataclass(frozen=True)
class ObjectChange:
    identity: Identity
    status: str
    """added, removed or changed"""
    old: Optional[dict[str, Any]] = None
    new: Optional[dict[str, Any]] = None
    changes: tuple[FieldChange, ...] = ()

    @property
    def before(self) -> dict[str, Any]:
        """The old object; only for a change or a removal."""
        assert self.old is not None, f"{self.label} was {self.status}"
        return self.old

    @property
    def after(self) -> dict[str, Any]:
        """The new object; only for a change or an addition."""
        assert self.new is not None, f"{self.label} was {self.status}"
        return self.new

    @property
    def kind(self) -> str:
        return self.identity[1]

    @property
    def name(self) -> str:
        return self.identity[3]

    @property
    def label(self) -> str:
        _, kind, namespace, name = self.identity
        return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


@dataclass
class ObjectSet:
    """Compiled objects by identity, and the resolved fleets they came from (when compiled from specs)."""

    objects: dict[Identity, dict[str, Any]] = field(default_factory=dict)
    fleets: list[ResolvedFleet] = field(default_factory=list)
    from_specs: bool = False

    def add(self, data: dict[str, Any], origin: str) -> None:
        try:
            metadata = data["metadata"]
            identity = (data["apiVersion"], data["kind"], metadata.get("namespace"), metadata["name"])
        except (KeyError, TypeError, AttributeError):
            raise InputError(f"{origin}: not a Kubernetes object (apiVersion, kind and metadata.name needed)") from None
        if identity in self.objects:
            raise InputError(f"{origin}: {identity[1]} {identity[3]} appears twice")
        self.objects[identity] = data


def show(value: Any, limit: int = 160) -> str:
    """A value as one short line of JSON."""
    if value is MISSING:
        return "(absent)"
    text = json.dumps(value, sort_keys=True, separators=(", ", ": "))
    return text if len(text) <= limit else text[:limit - 3] + "..."


def read_objects(directory: str) -> ObjectSet:
    """Every object in the YAML files under a compiled tree."""
    root = Path(directory)
    if not root.is_dir():
        raise InputError(f"{directory}: not a directory")
    objects = ObjectSet()
    for path in sorted(root.rglob("*.y*ml")):
        try:
            text = read_bytes(str(path)).decode("utf-8")
            documents = list(yaml.load_all(text, Loader=yaml.CSafeLoader))
        except SpecError as err:
            raise InputError(err.diagnostics[0].render()) from None
        except (yaml.YAMLError, UnicodeDecodeError) as err:
            raise InputError(f"{path}: not readable YAML: {err}") from None
        except RecursionError:
            raise InputError(f"{path}: nests too deeply to be a Kubernetes object") from None
        for document in documents:
            _check_expansion(path, document)
            if isinstance(document, dict) and document.get("kind") == "ServingFleet":
                raise InputError(f"{path}: a servespec spec, not a compiled object: give spec files as OLD and "
                                 "NEW, or directories that `servespec compile` wrote")
            if document is not None and path.name != "kustomization.yaml":
                objects.add(document, str(path))
    return objects


MAX_VALUES_PER_OBJECT = 1_000_000
"""Most values one object of a compiled tree may expand to (YAML aliases copy whole subtrees)."""


def _check_expansion(path: Path, document: Any) -> None:
    """Refuse an object whose aliases expand to more values than any manifest holds (an alias bomb), or
    that nests deeper than MAX_DEPTH; counted without recursion, so a cyclic alias is caught too."""
    budget, pending = MAX_VALUES_PER_OBJECT, [(document, 0)]
    while pending:
        value, depth = pending.pop()
        budget -= 1
        if budget < 0 or depth > MAX_DEPTH:
            raise InputError(f"{path}: an object expands to more than {MAX_VALUES_PER_OBJECT} values or nests "
                             f"deeper than {MAX_DEPTH} levels (YAML aliases?); not a compiled manifest")
        if isinstance(value, dict):
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)


def diff_objects(old: ObjectSet, new: ObjectSet) -> list[ObjectChange]:
    """Added, removed and changed objects, sorted by kind, namespace and name."""
    out = []
    for identity in sorted(set(old.objects) | set(new.objects), key=lambda i: (i[1], i[2] or "", i[3], i[0])):
        before, after = old.objects.get(identity), new.objects.get(identity)
        if before is None:
            out.append(ObjectChange(identity, "added", new=after))
        elif after is None:
            out.append(ObjectChange(identity, "removed", old=before))
        else:
            changes = tuple(change for change in field_changes(before, after) if not _ignored(change.path))
            if changes:
                out.append(ObjectChange(identity, "changed", before, after, changes))
    return out


def _ignored(path: str) -> bool:
    return any(path == f'metadata.annotations["{name}"]' for name in IGNORED_ANNOTATIONS)


def _key(path: str, key: str) -> str:
    if key.replace("_", "").replace("-", "").isalnum():
        return f"{path}.{key}" if path else key
    return f'{path}["{key}"]'


def _named(items: list[Any]) -> Optional[dict[str, Any]]:
    """Items by name, when every item is a mapping with a distinct string `name`."""
    if not items or not all(isinstance(item, dict) and isinstance(item.get("name"), str) for item in items):
        return None
    names = {item["name"]: item for item in items}
    return names if len(names) == len(items) else None


def field_changes(old: Any, new: Any, path: str = "") -> list[FieldChange]:
    """The leaf-level differences between two values."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new), key=str):
            out += field_changes(old.get(key, MISSING), new.get(key, MISSING), _key(path, str(key)))
        return out
    if isinstance(old, list) and isinstance(new, list) and old != new:
        old_named, new_named = _named(old), _named(new)
        if old_named is not None and new_named is not None:
            out = []
            for name in sorted(set(old_named) | set(new_named)):
                out += field_changes(old_named.get(name, MISSING), new_named.get(name, MISSING), f"{path}[{name}]")
            return out
        if len(old) == len(new) and all(isinstance(item, dict) for item in old + new):
            out = []
            for index, (before, after) in enumerate(zip(old, new)):
                out += field_changes(before, after, f"{path}[{index}]")
            return out
    if old == new:
        return []
    return [FieldChange(path, old, new)]
