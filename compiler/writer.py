"""Deterministic YAML rendering and atomic writing of output trees."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeDumper as _Dumper

_FIRST_KEYS = ("apiVersion", "kind", "metadata")


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def render_yaml(data: dict[str, Any]) -> str:
    """One object as YAML: apiVersion, kind, metadata first, every other key sorted; byte-stable."""
    ordered = {key: _sorted(data[key]) for key in _FIRST_KEYS if key in data}
    ordered.update({key: _sorted(data[key]) for key in sorted(data) if key not in _FIRST_KEYS})
    return yaml.dump(ordered, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
                     width=10_000)


def write_files(root: Path, files: dict[str, str]) -> None:
    for relative, text in sorted(files.items()):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def staging_directory(target: Path) -> Path:
    """A new empty directory beside `target` (same file system, so it can be renamed into place)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))


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
    """Put the staged tree in place of `target` with renames: `target` is never half-written."""
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{target} exists and is not a directory")
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


def write_file_atomically(path: str, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
