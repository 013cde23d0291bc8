"""Read one spec file into plain data plus a source map from every path to its line and column.

The C-accelerated ruamel.yaml composer builds a node tree whose nodes carry start marks; the data
and the source map are built from those nodes in one walk (about 10x faster than the round-trip
loader on large files). Anything the walk does not accept becomes a located `Diagnostic`.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import Any, Optional, Union

from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import MappingEndEvent, MappingStartEvent, SequenceEndEvent, SequenceStartEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver

from servespec.diagnostics import Diagnostic, InputError, Severity, SpecError

MAX_FILE_BYTES = 8 * 1024 * 1024
"""Largest spec file accepted (8 MiB, about 300,000 lines)."""

MAX_ALIAS_EXPANSION = 100_000
"""Most nodes that aliases may copy in (each use of an alias copies its whole subtree)."""

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists accepted (a spec needs about 8)."""

SpecPath = tuple[Union[str, int], ...]
"""Where a value is in a spec: mapping keys and list indexes, e.g. ("models", 0, "gpu")."""

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_MERGE_TAG = _CORE + "merge"


def format_path(path: SpecPath) -> str:
    """`("models", 2, "gpu")` -> `models[2].gpu`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass
class SourceMap:
    """Line and column (1-based) of every value, and of every mapping key, by path."""

    file: str
    values: dict[SpecPath, tuple[int, int]]
    keys: dict[SpecPath, tuple[int, int]]

    def locate(self, path: SpecPath, *, key: bool = False) -> tuple[int, int]:
        """The position of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        if key and path in self.keys:
            return self.keys[path]
        while path:
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), (1, 1))

    def diagnostic(self, path: SpecPath, message: str, *, hint: str = "", key: bool = False,
                   severity: Severity = Severity.ERROR) -> Diagnostic:
        line, column = self.locate(path, key=key)
        return Diagnostic(self.file, line, column, message, severity, hint, format_path(path))


@dataclass
class LoadedSpec:
    """A parsed spec: its plain data and where each piece of it came from."""

    file: str
    data: dict[str, Any]
    source_map: SourceMap


def read_bytes(file: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """Read at most `limit` bytes of a spec file: a regular file, or a pipe or device (read with the same
    bound, so /dev/zero is refused, and a pipe nobody writes to reads as empty instead of hanging)."""
    try:
        info = os.stat(file)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"{file}: is a directory, not a spec file")
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode) or stat.S_ISCHR(info.st_mode)):
            raise InputError(f"{file}: is not a regular file")
        if info.st_size > limit:
            raise _too_large(file, info.st_size, limit)
        descriptor = os.open(file, os.O_RDONLY | os.O_NONBLOCK)
        os.set_blocking(descriptor, True)
        with os.fdopen(descriptor, "rb") as handle:
            raw = handle.read(limit + 1)
    except FileNotFoundError:
        raise InputError(f"{file}: no such file") from None
    except PermissionError:
        raise InputError(f"{file}: permission denied") from None
    except OSError as err:
        raise InputError(f"{file}: cannot read: {err.strerror}") from None
    if len(raw) > limit:
        raise _too_large(file, None, limit)
    return raw


def _too_large(file: str, size: int | None, limit: int) -> SpecError:
    what = f"file is {size} bytes" if size is not None else f"file holds more than {limit} bytes"
    return SpecError([Diagnostic(file, 1, 1, f"{what}; the limit is {limit} bytes ({limit // 2**20} MiB)",
                                 hint="split the fleet into several spec files")])


def decode(raw: bytes, file: str) -> str:
    """Spec bytes as UTF-8 text, with a located error for bytes that are not."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        before = raw[: err.start]
        line = before.count(b"\n") + 1
        column = err.start - (before.rfind(b"\n") + 1) + 1
        raise SpecError([Diagnostic(file, line, column, f"byte 0x{raw[err.start]:02x} is not valid UTF-8",
                                    hint="save the file as UTF-8")]) from None


def read_text(file: str) -> str:
    """Read a spec file (bounded, see `read_bytes`) as UTF-8, with located errors for bytes that are not."""
    return decode(read_bytes(file), file)


def load_spec(file: str) -> LoadedSpec:
    """Load one spec file; raise `SpecError` (located) or `InputError` (unreadable)."""
    return load_text(read_text(file), file)


class _Resolver(VersionedResolver):
    """ruamel's resolver, picking its YAML-version table once per document instead of once per scalar (a
    third of the load time of a large spec)."""

    @property
    def versioned_resolver(self) -> Any:
        table = self.__dict__.get("_table")
        if table is None:
            table = self._table = VersionedResolver.versioned_resolver.fget(self)  # type: ignore[attr-defined]
        return table


def load_text(text: str, file: str = "<string>") -> LoadedSpec:
    """Load spec text; `file` is the name used in diagnostics."""
    yaml = YAML(typ="safe", pure=False)
    yaml.Resolver = _Resolver
    try:
        root = yaml.compose(text)
    except RecursionError:
        raise SpecError([_too_deep(file, text)]) from None
    except MarkedYAMLError as err:
        raise SpecError([_yaml_error(file, err)]) from None
    except YAMLError as err:
        raise SpecError([Diagnostic(file, 1, 1, f"invalid YAML: {err}")]) from None
    if root is None:
        raise SpecError([Diagnostic(file, 1, 1, "the file is empty",
                                    hint="start from examples/quickstart.yaml")])
    walker = _Walker(file, yaml.constructor)
    data = walker.build(root, ())
    yaml.constructor.constructed_objects.clear()  # as ruamel's construct_document does: else its cache keeps
    # every scalar node (and its marks) alive in a reference cycle until a full garbage collection
    if walker.problems:
        raise SpecError(walker.problems)
    if not isinstance(data, dict):
        line, column = _mark(root)
        raise SpecError([Diagnostic(file, line, column,
                                    f"the top level must be a mapping, not a {_kind(data)}",
                                    hint="a spec starts with `apiVersion: servespec.dev/v1alpha1`")])
    return LoadedSpec(file, data, SourceMap(file, walker.values, walker.keys))


def _too_deep(file: str, text: str) -> Diagnostic:
    """Where the nesting first goes past MAX_DEPTH, found from the parser's events (no recursion)."""
    depth = 0
    for event in YAML(typ="safe", pure=False).parse(text):
        if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                return Diagnostic(file, event.start_mark.line + 1, event.start_mark.column + 1,
                                  f"mappings and lists nest deeper than {MAX_DEPTH} levels")
        elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
            depth -= 1
    return Diagnostic(file, 1, 1, f"mappings and lists nest deeper than {MAX_DEPTH} levels")


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _short(tag: Optional[str]) -> str:
    tag = tag or "?"
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


def _kind(value: Any) -> str:
    return {list: "list", dict: "mapping", str: "string", type(None): "null"}.get(type(value), type(value).__name__)


def _yaml_error(file: str, err: MarkedYAMLError) -> Diagnostic:
    mark = err.problem_mark or err.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = err.problem or "invalid YAML"
    if "expected a single document" in str(err.context or "") or "another document" in problem:
        return Diagnostic(file, line, column, "the file holds more than one YAML document",
                          hint="keep one fleet per file; remove the `---` separator")
    message = f"invalid YAML: {problem}"
    if err.context:
        message += f" ({err.context})"
    return Diagnostic(file, line, column, message)


class _Walker:
    """Builds plain data from composed nodes, recording positions and refusing what a spec must not hold."""

    def __init__(self, file: str, constructor: SafeConstructor):
        self.file = file
        self.values: dict[SpecPath, tuple[int, int]] = {}
        self.keys: dict[SpecPath, tuple[int, int]] = {}
        self.problems: list[Diagnostic] = []
        self.seen: set[int] = set()
        self.expanded = 0
        self.constructor = constructor

    def problem(self, node: Node, message: str, hint: str = "") -> None:
        line, column = _mark(node)
        self.problems.append(Diagnostic(self.file, line, column, message, hint=hint))

    def build(self, node: Node, path: SpecPath) -> Any:
        if len(path) > MAX_DEPTH:
            if not any(problem.message.startswith("mappings and lists nest") for problem in self.problems):
                self.problem(node, f"mappings and lists nest deeper than {MAX_DEPTH} levels")
            return None
        if id(node) in self.seen:
            self.expanded += 1
            if self.expanded > MAX_ALIAS_EXPANSION:
                if self.expanded == MAX_ALIAS_EXPANSION + 1:
                    self.problem(node, f"aliases expand to more than {MAX_ALIAS_EXPANSION} nodes",
                                 hint="an alias bomb? use fewer nested aliases")
                return None
        else:
            self.seen.add(id(node))
        self.values[path] = _mark(node)
        if isinstance(node, ScalarNode):
            if node.tag not in _SCALAR_TAGS:
                self.problem(node, f"tag {_short(node.tag)} is not allowed", hint="use plain YAML scalars, "
                             "mappings and lists (core tags only)")
                return None
            try:
                return self.constructor.construct_object(node)
            except (ValueError, OverflowError, YAMLError) as err:
                self.problem(node, f"{node.value!r} is not a valid {_short(node.tag)[2:]}: {err}")
                return None
        if isinstance(node, SequenceNode):
            if node.tag != _CORE + "seq":
                self.problem(node, f"tag {_short(node.tag)} is not allowed", hint="use a plain YAML list")
                return None
            return [self.build(item, path + (index,)) for index, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            if node.tag != _CORE + "map":
                self.problem(node, f"tag {_short(node.tag)} is not allowed", hint="use a plain YAML mapping")
                return None
            return self.build_mapping(node, path)
        self.problem(node, "unsupported YAML node")
        return None

    def build_mapping(self, node: MappingNode, path: SpecPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merges: list[MappingNode] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.extend(self.merge_sources(value_node))
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag != _CORE + "str":
                self.problem(key_node, "mapping keys must be plain strings",
                             hint="quote the key if it looks like a number, a boolean or null")
                continue
            key, child = key_node.value, path + (key_node.value,)
            if key in result:
                first_line, first_column = self.keys[child]
                self.problem(key_node, f"duplicate key {key!r} (first defined at line {first_line}, "
                                       f"column {first_column})", hint="remove one of the two")
                continue
            self.keys[child] = _mark(key_node)
            result[key] = self.build(value_node, child)
        for source in merges:
            for key_node, value_node in source.value:
                key, child = key_node.value, path + (key_node.value,)
                if isinstance(key_node, ScalarNode) and key not in result:
                    self.keys[child] = _mark(key_node)
                    result[key] = self.build(value_node, child)
        return result

    def merge_sources(self, node: Node) -> list[MappingNode]:
        if isinstance(node, MappingNode):
            return [node]
        if isinstance(node, SequenceNode) and all(isinstance(item, MappingNode) for item in node.value):
            return list(node.value)
        self.problem(node, "a `<<` merge takes a mapping or a list of mappings")
        return []
