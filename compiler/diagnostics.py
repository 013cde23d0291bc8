"""Diagnostics: one problem found in a spec, with the file, line and column it points at."""

from __future__ import annotations

import difflib
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


class PolicyError(SpecError):
    """A policy pack cannot be used: exit code 2, since the input of the run is wrong, not the spec."""


def suggest(word: str, choices: Iterable[str]) -> str:
    """A `did you mean ...?` hint, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""
