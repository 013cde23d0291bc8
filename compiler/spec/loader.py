"""Read one spec file into plain data plus a source map from every path to its line and column.

The data and the source map are built in one pass over the events of ruamel.yaml's C parser, whose
events carry start marks; no node tree is built (ruamel's composer would build one, a node and marks
per value, which took three quarters of the load time and most of the memory). Anything the walk
does not accept becomes a located `Diagnostic`.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from ruamel.yaml.nodes import ScalarNode
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

Event = Any
"""A parser event (ruamel.yaml.events), dispatched on its exact class, which mypy does not narrow on."""

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_MERGE_TAG = _CORE + "merge"
_STR = _CORE + "str"


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
    """ruamel's resolver, picking its YAML-version table once per document instead of once per scalar."""

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
    loader, parser = yaml.get_constructor_parser(text)
    events = _Events(parser)
    walker = _Walker(file, events, loader.resolve, yaml.constructor)
    try:
        data, root = walker.document()
    except MarkedYAMLError as err:
        raise SpecError([_yaml_error(file, err)]) from None
    except YAMLError as err:
        raise SpecError([Diagnostic(file, 1, 1, f"invalid YAML: {err}")]) from None
    finally:
        parser.dispose()
        yaml.constructor.constructed_objects.clear()
    if root is None:
        raise SpecError([Diagnostic(file, 1, 1, "the file is empty",
                                    hint="start from examples/quickstart.yaml")])
    if walker.problems:
        raise SpecError(list(dict.fromkeys(walker.problems)))  # an alias repeats its node's problems
    if not isinstance(data, dict):
        line, column = _position(root)
        raise SpecError([Diagnostic(file, line, column,
                                    f"the top level must be a mapping, not a {_kind(data)}",
                                    hint="a spec starts with `apiVersion: servespec.dev/v1alpha1`")])
    return LoadedSpec(file, data, SourceMap(file, walker.values, walker.keys))


def _position(event: Event) -> tuple[int, int]:
    mark = event.start_mark
    return mark.line + 1, mark.column + 1


def _short(tag: Optional[str]) -> str:
    tag = tag or "?"
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


def _kind(value: Any) -> str:
    return {list: "list", dict: "mapping", str: "string", type(None): "null"}.get(type(value), type(value).__name__)


def _yaml_error(file: str, err: MarkedYAMLError) -> Diagnostic:
    mark = err.problem_mark or err.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    message = f"invalid YAML: {err.problem or 'invalid YAML'}"
    if err.context:
        message += f" ({err.context})"
    hint = ""
    if err.problem == "found unexpected ':'" and err.context == "while scanning a plain scalar":
        # YAML 1.1 (the spec reader's C parser) ends a plain scalar inside {...} or [...] at every ':'
        hint = "quote a value holding ':' inside {...} or [...], e.g. {url: \"http://host/\"}"
    return Diagnostic(file, line, column, message, hint=hint)


Reader = Callable[[], Event]
"""The next event of a node being walked: from the parser, or from the tape when an alias is replayed."""


class _Events:
    """The parser's events, one at a time. The events of every anchored node are kept on a tape (only
    those: nothing else of the document is held), so that an alias replays its node's events."""

    def __init__(self, parser: Any):
        self._get = parser.get_event
        self.tape: list[Event] = []
        self.spans: dict[str, Optional[tuple[int, int]]] = {}
        """Anchor -> its node's events on the tape (start, end); None while the node is still open."""
        self.first: dict[str, Event] = {}
        """Anchor -> the event that defined it first."""
        self.twice: list[tuple[Event, Event]] = []
        """(first, second) definitions of an anchor defined twice."""
        self._open: list[tuple[str, int, int]] = []
        self._depth = 0

    def next(self) -> Event:
        event = self._get()
        kind = type(event)
        if kind is ScalarEvent or kind is MappingStartEvent or kind is SequenceStartEvent:
            anchor = event.anchor
            if anchor is not None:
                if anchor in self.first:
                    self.twice.append((self.first[anchor], event))
                else:
                    self.first[anchor] = event
                start = len(self.tape)
                self.tape.append(event)
                if kind is ScalarEvent:
                    self.spans[anchor] = (start, start + 1)
                else:
                    self.spans[anchor] = None
                    self._open.append((anchor, start, self._depth))
                    self._depth += 1
                return event
            if kind is not ScalarEvent:
                self._depth += 1
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            self._depth -= 1
            if self._open:
                self.tape.append(event)
                if self._open[-1][2] == self._depth:
                    anchor, start, _ = self._open.pop()
                    self.spans[anchor] = (start, len(self.tape))
                return event
        if self._open:
            self.tape.append(event)
        return event

    def replay(self, span: tuple[int, int]) -> Reader:
        return iter(self.tape[span[0]:span[1]]).__next__


_MISSING = object()


class _Walker:
    """Builds plain data from the parser's events, recording positions and refusing what a spec must not
    hold. Each scalar's tag is resolved once per distinct text and each non-string value constructed once
    per distinct tag and text; no node tree is built."""

    def __init__(self, file: str, events: _Events, resolve: Callable[..., Any], constructor: SafeConstructor):
        self.file = file
        self.events = events
        self.values: dict[SpecPath, tuple[int, int]] = {}
        self.keys: dict[SpecPath, tuple[int, int]] = {}
        self.problems: list[Diagnostic] = []
        self.expanded = 0
        self.merging = 0
        self._resolve = resolve
        self._constructor = constructor
        self._tags: dict[tuple[str, Any], str] = {}
        self._scalars: dict[tuple[str, str], Any] = {}

    def problem(self, event: Event, message: str, hint: str = "") -> None:
        line, column = _position(event)
        self.problems.append(Diagnostic(self.file, line, column, message, hint=hint))

    def document(self) -> tuple[Any, Optional[Event]]:
        """The one document's data and its root event (None for an empty stream)."""
        read = self.events.next
        read()  # StreamStartEvent
        if type(read()) is StreamEndEvent:
            return None, None
        root = read()
        data = self.build(root, read, (), False)
        read()  # DocumentEndEvent
        after = read()
        if type(after) is not StreamEndEvent:
            line, column = _position(after)
            raise SpecError([Diagnostic(self.file, line, column, "the file holds more than one YAML document",
                                        hint="keep one fleet per file; remove the `---` separator")])
        for first, second in self.events.twice:
            line, column = _position(first)
            self.problem(second, f"anchor &{second.anchor} is defined twice (first at line {line}, "
                                 f"column {column})", hint="give each anchor its own name")
        return data, root

    def build(self, event: Event, read: Reader, path: SpecPath, replayed: bool) -> Any:
        """The value of the node that starts with `event` (its other events come from `read`) at `path`;
        `replayed` when it is an alias's copy."""
        kind = type(event)
        if kind is AliasEvent:
            span = self.events.spans.get(event.anchor, _MISSING)
            if span is _MISSING:
                self.problem(event, f"alias *{event.anchor} refers to no anchor defined before it")
                return None
            if span is None:
                self.problem(event, f"alias *{event.anchor} is inside the node it refers to",
                             hint="a spec cannot refer to itself")
                return None
            replay = self.events.replay(span)  # type: ignore[arg-type]
            return self.build(replay(), replay, path, True)
        if len(path) > MAX_DEPTH:
            if not any(problem.message.startswith("mappings and lists nest") for problem in self.problems):
                self.problem(event, f"mappings and lists nest deeper than {MAX_DEPTH} levels")
            _skip(event, read)
            return None
        if replayed:
            self.expanded += 1
            if self.expanded > MAX_ALIAS_EXPANSION:
                if self.expanded == MAX_ALIAS_EXPANSION + 1:
                    self.problem(event, f"aliases expand to more than {MAX_ALIAS_EXPANSION} nodes",
                                 hint="an alias bomb? use fewer nested aliases")
                _skip(event, read)
                return None
        mark = event.start_mark
        self.values[path] = (mark.line + 1, mark.column + 1)
        if kind is ScalarEvent:
            return self.scalar(event)
        tag = event.tag
        if kind is SequenceStartEvent:
            if tag is not None and tag != "!" and tag != _CORE + "seq":
                self.problem(event, f"tag {_short(tag)} is not allowed", hint="use a plain YAML list")
                _skip(event, read)
                return None
            items: list[Any] = []
            item = read()
            while type(item) is not SequenceEndEvent:
                items.append(self.build(item, read, path + (len(items),), replayed))
                item = read()
            return items
        if kind is MappingStartEvent:
            if tag is not None and tag != "!" and tag != _CORE + "map":
                self.problem(event, f"tag {_short(tag)} is not allowed", hint="use a plain YAML mapping")
                _skip(event, read)
                return None
            result: dict[str, Any] = {}
            self.entries(result, read, path, replayed, merged=False)
            return result
        self.problem(event, "unsupported YAML node")
        _skip(event, read)
        return None

    def scalar(self, event: ScalarEvent) -> Any:
        value = event.value
        tag = event.tag
        if tag is None or tag == "!":
            implicit = event.implicit
            tag = self._tags.get((value, implicit))
            if tag is None:
                tag = self._tags[(value, implicit)] = str(self._resolve(ScalarNode, value, implicit))
        if tag == _STR:
            return value
        if tag not in _SCALAR_TAGS:
            self.problem(event, f"tag {_short(tag)} is not allowed", hint="use plain YAML scalars, "
                         "mappings and lists (core tags only)")
            return None
        constructed = self._scalars.get((tag, value), _MISSING)
        if constructed is _MISSING:
            try:
                constructed = self._constructor.construct_object(
                    ScalarNode(tag, value, start_mark=event.start_mark, end_mark=event.end_mark))
            except (ValueError, OverflowError, YAMLError) as err:
                self.problem(event, f"{value!r} is not a valid {_short(tag)[2:]}: {err}")
                return None
            self._scalars[(tag, value)] = constructed
        return constructed

    def key_of(self, event: Event) -> Event:
        """The scalar event naming a mapping key (an alias's, for an alias), or None."""
        if type(event) is AliasEvent:
            span = self.events.spans.get(event.anchor)
            if span is None or span[1] - span[0] != 1:
                return None
            event = self.events.tape[span[0]]
        return event if type(event) is ScalarEvent else None

    def key_tag(self, event: ScalarEvent) -> str:
        tag = event.tag
        if tag is None or tag == "!":
            return str(self._resolve(ScalarNode, event.value, event.implicit))
        return str(tag)

    def entries(self, result: dict[str, Any], read: Reader, path: SpecPath, replayed: bool, *, merged: bool) -> None:
        """A mapping's entries into `result`, up to its end event. `merged`: the mapping is a `<<` merge
        source, whose keys only fill in those `result` does not have yet."""
        merges: list[tuple[Event, list[Event]]] = []
        event = read()
        while type(event) is not MappingEndEvent:
            key_event = self.key_of(event)
            tag = self.key_tag(key_event) if key_event is not None else None
            if tag == _MERGE_TAG:
                value = read()
                merges.append((value, _capture(value, read)))
            elif tag != _STR:
                self.problem(event, "mapping keys must be plain strings",
                             hint="quote the key if it looks like a number, a boolean or null")
                _skip(event, read)
                value = read()
                _skip(value, read)
            else:
                key = key_event.value
                child = path + (key,)
                if key in result:
                    if not merged:
                        line, column = self.keys[child]
                        self.problem(key_event, f"duplicate key {key!r} (first defined at line {line}, "
                                                f"column {column})", hint="remove one of the two")
                    value = read()
                    _skip(value, read)
                else:
                    self.keys[child] = _position(key_event)
                    result[key] = self.build(read(), read, child, replayed)
            event = read()
        for value, captured in merges:
            self.merge(result, value, captured, path, replayed)

    def merge(self, result: dict[str, Any], value: Event, captured: list[Event], path: SpecPath,
              replayed: bool) -> None:
        """Fill `result` from the source(s) of a `<<` merge: a mapping, or a list of mappings (aliases or not)."""
        self.merging += 1
        try:
            if self.merging > MAX_DEPTH:
                self.problem(value, f"`<<` merges nest deeper than {MAX_DEPTH} levels")
                return
            sources = self.merge_sources(value, captured, replayed)
            if sources is None:
                self.problem(value, "a `<<` merge takes a mapping or a list of mappings")
                return
            for source, from_alias in sources:
                read = iter(source).__next__
                read()  # MappingStartEvent
                self.entries(result, read, path, from_alias, merged=True)
        finally:
            self.merging -= 1

    def merge_sources(self, value: Event, captured: list[Event], replayed: bool
                      ) -> Optional[list[tuple[list[Event], bool]]]:
        """The mappings a merge takes, each as its events and whether it is an alias's copy; None if not
        mappings."""
        node, from_alias = self.resolved(captured, replayed)
        if node is None:
            return None
        if type(node[0]) is MappingStartEvent:
            return [(node, from_alias)]
        if type(node[0]) is not SequenceStartEvent:
            return None
        sources = []
        read = iter(node[1:]).__next__
        item = read()
        while type(item) is not SequenceEndEvent:
            source, source_alias = self.resolved(_capture(item, read), from_alias)
            if source is None or type(source[0]) is not MappingStartEvent:
                return None
            sources.append((source, source_alias))
            item = read()
        return sources

    def resolved(self, events: list[Event], replayed: bool) -> tuple[Optional[list[Event]], bool]:
        """A captured node's events, an alias's own node's instead (None for an unknown alias)."""
        if type(events[0]) is not AliasEvent:
            return events, replayed
        span = self.events.spans.get(events[0].anchor)
        return (self.events.tape[span[0]:span[1]], True) if span is not None else (None, True)


def _capture(event: Event, read: Reader) -> list[Event]:
    """The events of the node starting with `event`, read to its end."""
    captured = [event]
    if type(event) is MappingStartEvent or type(event) is SequenceStartEvent:
        depth = 1
        while depth:
            event = read()
            captured.append(event)
            kind = type(event)
            if kind is MappingStartEvent or kind is SequenceStartEvent:
                depth += 1
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                depth -= 1
    return captured


def _skip(event: Event, read: Reader) -> None:
    """Read past the rest of the node that starts with `event`."""
    if type(event) is MappingStartEvent or type(event) is SequenceStartEvent:
        depth = 1
        while depth:
            kind = type(read())
            if kind is MappingStartEvent or kind is SequenceStartEvent:
                depth += 1
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                depth -= 1
