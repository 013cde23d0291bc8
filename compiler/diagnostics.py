"""Diagnostics: one problem found in a spec, with the file, line and column it points at."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A problem located in a source file. Lines and columns are 1-based."""

    file: str
    line: int
    column: int
    message: str
    severity: str = "error"
    hint: str = ""
    path: str = field(default="", compare=False)

    def render(self) -> str:
        """`file:line:col: severity: message`, then an indented hint line when there is one."""
        text = f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "path": self.path,
        }


class SpecError(Exception):
    """Raised when a spec cannot be used; carries every diagnostic found, sorted by position."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = sorted(set(diagnostics))
        super().__init__("\n".join(d.render() for d in self.diagnostics))


class InputError(Exception):
    """The tool could not read its input at all (missing file, directory, permission): exit code 2."""
