"""Compare compiled trees with committed golden files; rewrite them only when asked."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path


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


def read_tree(root: Path) -> dict[str, str]:
    if not root.is_dir():
        return {}
    return {path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(root.rglob("*")) if path.is_file()}


def compare(expected: dict[str, str], golden_root: Path, trees: list[str]) -> list[Drift]:
    """Drift between compiled files (relative to `golden_root`) and what the golden trees hold."""
    actual: dict[str, str] = {}
    for tree in trees:
        actual.update({f"{tree}/{name}": text for name, text in read_tree(golden_root / tree).items()})
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
