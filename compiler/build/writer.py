"""Deterministic YAML rendering, and writing outputs without ever destroying what servespec does not own.

An output directory (`compile -o DIR`, each golden tree of `check --update`) is replaced whole and
atomically: the new tree is staged beside it, then renamed into place. So DIR is replaced only when it is
missing, empty, or carries the marker file servespec leaves in every tree it writes; never when it is the
current directory, an ancestor of it or of an input, a file-system root, the home directory or the top of
a git work tree. A single output file (`plan --html`) is written by `write_output`: `-` is standard
output, a device or pipe is written to, anything else but a regular file is refused.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import stat
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml

from servespec.diagnostics import InputError

_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's dumper when PyYAML was built with it (the output is the same, faster)."""

_FIRST_KEYS = ("apiVersion", "kind", "metadata")

OWNER_MARKER = ".servespec-output"
"""File servespec leaves in every directory it writes; only such a directory is replaced when not empty."""

MARKER_TEXT = ("This directory is written by servespec (compile -o, check --update).\n"
               "It is replaced whole on every run: keep nothing else here.\n")

_GO_NUMBER = re.compile(
    r"[-+]?(0[xX]_?[0-9a-fA-F_]+(\.[0-9a-fA-F_]*)?([pP][-+]?[0-9_]+)?|0[bB][01_]+|0[oO][0-7_]+"
    r"|([0-9][0-9_]*(\.[0-9_]*)?|\.[0-9][0-9_]*)([eE][-+]?[0-9_]+)?|inf(inity)?|nan)", re.IGNORECASE)
"""Plain scalars that Go's YAML readers (kubectl, kubeconform: go-yaml with strconv.ParseInt/ParseFloat)
take for numbers although YAML 1.1 (PyYAML) does not, e.g. `0842677045507966`, `1_000`, `0o17`, `+.5e3`."""

_YAML_WORDS = re.compile(r"y|n|yes|no|on|off|true|false|null|~", re.IGNORECASE)
"""Booleans and nulls of YAML 1.1 and 1.2 in any case (PyYAML quotes only some spellings)."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if _GO_NUMBER.fullmatch(value) or _YAML_WORDS.fullmatch(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_str(value)


class _Dumper(_BaseDumper):  # type: ignore[valid-type,misc]  # a class chosen at import time
    """PyYAML's safe dumper, quoting every string another YAML reader could take for a number or boolean."""


_Dumper.add_representer(str, _represent_str)


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def _ordered_keys(data: dict[Any, Any]) -> list[Any]:
    """apiVersion, kind, metadata first, then every other key sorted."""
    return [key for key in _FIRST_KEYS if key in data] + sorted(key for key in data if key not in _FIRST_KEYS)


def pyyaml_render(data: dict[Any, Any]) -> str:
    """`render_yaml` by PyYAML alone: the definition its fast path matches byte for byte."""
    ordered = {key: _sorted(data[key]) for key in _ordered_keys(data)}
    return str(yaml.dump(ordered, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
                         width=10_000))


_LONGEST_SCALAR = 1_000
"""Longer scalars are left to PyYAML, which may fold them at a column that depends on their indent."""
_LINE_BREAKS = ("\n", "\r", "\x85", "\u2028", "\u2029")
"""What PyYAML takes for a line break: a scalar written with one spans lines, indented by context."""
_SCALARS: dict[tuple[type, Any, bool], str] = {}
_SCALARS_KEPT = 200_000
_KEYS: dict[str, str] = {}
"""The string keys of `_SCALARS` again, by the string alone: most lookups, without building a cache key."""
_STRINGS: dict[str, str] = {}
"""The string values of `_SCALARS` again, by the string alone."""


class _Unusual(Exception):
    """A value the fast path leaves to PyYAML: a scalar it writes over several lines, a long or complex
    key, a type outside JSON."""


_PLAIN = re.compile(r"[A-Za-z0-9](?:[ -~]*[!-~])?")
"""Strings that may be written plain: printable ASCII, starting with a letter or digit, ending in a
non-space."""
_RESOLVER = yaml.resolver.Resolver()


def _written_as_is(value: str, key: bool) -> bool:
    """Whether PyYAML writes this string as it is, as a mapping key or as a value: one line in plain style,
    a simple key (under its 128-character limit), not taken for a number, boolean, null or date by PyYAML or
    by Go's YAML readers (`_represent_str`). Checked against PyYAML on generated strings."""
    return (len(value) <= (100 if key else _LONGEST_SCALAR) and _PLAIN.fullmatch(value) is not None
            and ": " not in value and " #" not in value and not value.endswith(":")
            and not _GO_NUMBER.fullmatch(value) and not _YAML_WORDS.fullmatch(value)
            and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
            == "tag:yaml.org,2002:str")


def _scalar(value: Any, key: bool) -> str:
    """One scalar as PyYAML writes it as a mapping key or as a value (asked once per value, then cached)."""
    cached = (type(value), repr(value) if isinstance(value, float) else value, key)  # -0.0 == 0.0
    try:
        return _SCALARS[cached]
    except KeyError:
        pass
    if value is not None and not isinstance(value, (str, int, float)):
        raise _Unusual
    if type(value) is str and _written_as_is(value, key):
        head = value
    elif key:
        text = pyyaml_render({value: 0})
        head, well_formed = text[:-4], text.endswith(": 0\n") and not text.startswith("? ")
        if not well_formed or len(head) > _LONGEST_SCALAR or any(brk in head for brk in _LINE_BREAKS):
            raise _Unusual
    else:
        text = pyyaml_render({"k": value})
        head, well_formed = text[3:-1], text.startswith("k: ") and text.endswith("\n")
        if not well_formed or len(head) > _LONGEST_SCALAR or any(brk in head for brk in _LINE_BREAKS):
            raise _Unusual
    if len(_SCALARS) >= _SCALARS_KEPT:
        _SCALARS.clear()
        _KEYS.clear()
        _STRINGS.clear()
    _SCALARS[cached] = head
    if type(value) is str:
        (_KEYS if key else _STRINGS)[value] = head
    return head


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value, False)


def _mapping(out: list[str], mapping: dict[str, Any], keys: list[str], indent: str, first: str) -> None:
    """A block mapping with its entries at `indent`, the first line starting with `first` instead (`- ` in
    a sequence). A list value starts at its key's own indent, as in PyYAML."""
    prefix = first
    for key in keys:
        value = mapping[key]
        text = _KEYS.get(key)
        if text is None:
            if not isinstance(key, str):
                raise _Unusual
            text = _scalar(key, True)
        if type(value) is str:
            out.append(f"{prefix}{text}: {_STRINGS.get(value) or _scalar(value, False)}\n")
        elif isinstance(value, dict) and value:
            out.append(f"{prefix}{text}:\n")
            _mapping(out, value, sorted(value), indent + "  ", indent + "  ")
        elif isinstance(value, list) and value:
            out.append(f"{prefix}{text}:\n")
            _sequence(out, value, indent, indent)
        else:
            out.append(f"{prefix}{text}: {_value(value)}\n")
        prefix = indent


def _sequence(out: list[str], items: list[Any], indent: str, first: str) -> None:
    """A block sequence with its items at `indent`, the first at `first`."""
    prefix = first
    for item in items:
        if isinstance(item, dict) and item:
            _mapping(out, item, sorted(item), indent + "  ", prefix + "- ")
        elif isinstance(item, list) and item:
            _sequence(out, item, indent + "  ", prefix + "- ")
        else:
            out.append(f"{prefix}- {_value(item)}\n")
        prefix = indent


def render_yaml(data: dict[str, Any]) -> str:
    """One object as YAML: apiVersion, kind, metadata first, every other key sorted; byte-stable.

    The output of `pyyaml_render` (PyYAML's block style), written directly: the structure by the rules
    PyYAML follows, each distinct scalar as PyYAML writes it (asked once, then cached). Anything else (a
    scalar written over several lines or longer than 1,000 characters, a non-string key, a value outside
    JSON's types) is left to PyYAML whole."""
    if not data:
        return pyyaml_render(data)
    out: list[str] = []
    try:
        _mapping(out, data, _ordered_keys(data), "", "")
    except (_Unusual, TypeError):  # TypeError: keys that cannot be sorted or a value that cannot be cached
        return pyyaml_render(data)
    return "".join(out)


def write_files(root: Path, files: dict[str, str]) -> None:
    writer = FileWriter(root)
    for relative in sorted(files):
        writer.write_now(relative, files[relative])


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
"""How an output file is opened: three system calls per file (open, write, close) where Python's open()
makes seven (it also asks whether the file is a terminal and seekable), each a release of the interpreter
lock that the writing thread then waits to get back."""


class FileWriter:
    """Writes output files under `root`, each directory made once; `write` queues a file for a thread, so
    whoever renders never waits for the disk, and `close` waits for the queue and re-raises its error."""

    def __init__(self, root: Path):
        self._root = root
        self._made: set[str] = set()
        self._queue: queue.SimpleQueue[Optional[tuple[str, str]]] = queue.SimpleQueue()
        self._failure: list[BaseException] = []
        self._thread: Optional[threading.Thread] = None

    def write_now(self, relative: str, text: str) -> None:
        directory = os.path.dirname(relative)
        if directory not in self._made:
            (self._root / directory).mkdir(parents=True, exist_ok=True)
            self._made.add(directory)
        data = text.encode()
        descriptor = os.open(self._root / relative, _NEW_FILE, 0o666)  # the umask applies, as for open()
        try:
            written = 0
            while written < len(data):
                written += os.write(descriptor, data[written:])
        finally:
            os.close(descriptor)

    def write(self, relative: str, text: str) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._drain, name="servespec-writer", daemon=True)
            self._thread.start()
        self._queue.put((relative, text))

    def _drain(self) -> None:
        for relative, text in iter(self._queue.get, None):
            if not self._failure:
                try:
                    self.write_now(relative, text)
                except BaseException as err:  # re-raised by close()
                    self._failure.append(err)

    def close(self, *, check: bool = True) -> None:
        """Wait for every queued file; then, with `check`, raise the first error writing one."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        if check and self._failure:
            raise self._failure[0]


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _within(path: Path, ancestor: Path) -> bool:
    return path == ancestor or ancestor in path.parents


def owned_output_directory(directory: str | Path, inputs: Iterable[str] = (), *, force: bool = False) -> Path:
    """The real path of an output directory servespec may replace, or InputError saying why not.

    Never: a file-system root, the current directory or an ancestor of it, the home directory, an ancestor
    of an input file, the top of a git work tree. Otherwise: a missing or empty directory, one holding the
    marker file, or (with `force`) any other directory."""
    real = Path(os.path.realpath(directory))
    shown = str(directory) + (f" (-> {real})" if os.path.islink(directory) else "")
    cwd = Path(os.path.realpath(os.getcwd()))
    reasons = [(real.parent == real, "is a file-system root"),
               (_within(cwd, real), "is the current directory or one of its parents"),
               (real == Path(os.path.realpath(os.path.expanduser("~"))), "is the home directory"),
               (any(_within(Path(os.path.realpath(f)), real) for f in inputs), "holds an input spec"),
               (os.path.lexists(real / ".git"), "is the top of a git work tree")]
    for refused, why in reasons:
        if refused:
            raise InputError(f"{shown}: refusing to replace a directory that {why}; choose a new or empty "
                             "output directory")
    if not os.path.lexists(real):
        return real
    if not real.is_dir():
        raise InputError(f"{shown}: exists and is not a directory")
    if force or not any(real.iterdir()) or (real / OWNER_MARKER).is_file():
        return real
    raise InputError(f"{shown}: holds files servespec did not write (no {OWNER_MARKER} marker), so it is not "
                     "replaced; choose a new or empty directory, or pass --force to replace it whole")


def staging_directory(target: Path) -> Path:
    """A new empty directory beside `target` (same file system, so it can be renamed into place), with the
    owner marker and the permissions the umask gives (not mkdtemp's 0700)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    os.chmod(staging, 0o777 & ~_umask())
    (staging / OWNER_MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    return staging


def stage(target: Path, files: dict[str, str]) -> Path:
    """Write `files` into a new staging directory beside `target` and return it."""
    staging = staging_directory(target)
    try:
        write_files(staging, files)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def replace_tree(staging: Path, target: Path) -> None:
    """Put the staged tree in place of `target` (a real path, see `owned_output_directory`) with renames:
    `target` is never half-written."""
    retired = None
    if target.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.rmdir(retired)
        os.rename(target, retired)
    try:
        os.rename(staging, target)
    except BaseException:
        if retired is not None:
            os.rename(retired, target)
        raise
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def remove_tree(target: Path) -> None:
    """Remove an owned tree, or only the link when `target` is a symbolic link."""
    if target.is_symlink():
        target.unlink()
    else:
        shutil.rmtree(target)


def write_output(path: str, text: str) -> None:
    """Write one output file: `-` is standard output; a character device or pipe (also behind a link, like
    /dev/stdout) is written to; a missing or regular file is replaced atomically; anything else is refused."""
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as err:
        raise InputError(f"{path}: cannot write: {err.strerror}") from None
    if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return
    if os.path.islink(path):
        raise InputError(f"{path}: is a symbolic link; give the file it points to")
    if mode is not None and not stat.S_ISREG(mode):
        raise InputError(f"{path}: exists and is not a regular file")
    write_file_atomically(path, text)


def write_file_atomically(path: str, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
