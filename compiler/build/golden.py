"""Compare compiled trees with committed golden files; rewrite them only when asked."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

from servespec.build.writer import OWNER_MARKER
from servespec.diagnostics import InputError


@dataclass(frozen=True, order=True)
class Drift:
    """One golden file that differs (`changed`), has no golden copy (`missing`) or is no longer produced
    (`unused`)."""

    path: str
    status: str
    diff: str = ""

    def render(self) -> str:
        head = {"changed": "differs from the compiled output",
                "missing": "is missing (the compiler produces it)",
                "unused": "is not produced by the compiler any more"}[self.status]
        return f"{self.path}: {head}" + (f"\n{self.diff}" if self.diff else "")


def read_tree(root: Path, fence: Path) -> dict[str, str]:
    """Every file under `root` (relative path -> text), but the owner marker. A symbolic link is followed
    only when it stays inside `fence` (the golden directory); one leading out of it is an InputError, so
    nothing outside the golden directory is ever read or shown in a diff."""
    fence = Path(os.path.realpath(fence))

    def inside(path: Path) -> Path:
        real = Path(os.path.realpath(path))
        if real != fence and fence not in real.parents:
            raise InputError(f"{path}: a symbolic link leading out of the golden directory {fence} (to {real}); "
                             "golden files must live inside it")
        return real

    if not os.path.lexists(root):
        return {}
    top = inside(root)
    if not top.is_dir():
        return {}
    found: dict[str, str] = {}
    for directory, subdirectories, names in os.walk(top):
        for name in sorted(subdirectories):
            if os.path.islink(os.path.join(directory, name)):
                raise InputError(f"{os.path.join(directory, name)}: golden trees may not hold links to directories")
        for name in names:
            path = Path(directory, name)
            relative = path.relative_to(top).as_posix()
            if relative == OWNER_MARKER:
                continue
            real = inside(path)
            if not real.is_file():
                raise InputError(f"{path}: not a regular file")
            try:
                found[relative] = real.read_text(encoding="utf-8")
            except UnicodeDecodeError as err:
                raise InputError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    return found


def compare(expected: dict[str, str], golden_root: Path, trees: list[str]) -> list[Drift]:
    """Drift between compiled files (relative to `golden_root`) and what the golden trees hold."""
    actual: dict[str, str] = {}
    for tree in trees:
        actual.update({f"{tree}/{name}": text for name, text in read_tree(golden_root / tree, golden_root).items()})
    drift = []
    for path in sorted(set(expected) | set(actual)):
        if path not in actual:
            drift.append(Drift(f"{golden_root}/{path}", "missing"))
        elif path not in expected:
            drift.append(Drift(f"{golden_root}/{path}", "unused"))
        elif actual[path] != expected[path]:
            diff = "".join(difflib.unified_diff(actual[path].splitlines(keepends=True),
                                                expected[path].splitlines(keepends=True),
                                                f"golden/{path}", f"compiled/{path}"))
            drift.append(Drift(f"{golden_root}/{path}", "changed", diff.rstrip("\n")))
    return drift
