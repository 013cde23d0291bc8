"""Diagnostics: one problem found in a spec, with the file, line and column it points at; the severity
every finding, diagnostic and risk note carries; the errors the library raises for bad input."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Iterable


class Severity(StrEnum):
    """How serious a diagnostic, lint finding or risk note is. The value is the word users read and write
    (`--fail-on warning`, a pack's `severity: info`); `rank` orders them, ERROR highest."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def at_least(self, other: str) -> bool:
        """True when this severity is `other` or more serious."""
        return self.rank >= Severity(other).rank

    @property
    def sarif_level(self) -> str:
        """SARIF 2.1.0 `level` (§3.27.10: error, warning, note)."""
        return "note" if self is Severity.INFO else self.value

    @property
    def github_command(self) -> str:
        """GitHub Actions workflow command (error, warning, notice)."""
        return "notice" if self is Severity.INFO else self.value


_RANKS = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A problem located in a source file. Lines and columns are 1-based."""

    file: str
    line: int
    column: int
    message: str
    severity: Severity = Severity.ERROR
    hint: str = ""
    path: str = field(default="", compare=False)

    def render(self) -> str:
        """`file:line:col: severity: message`, then an indented hint line when there is one."""
        text = f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def as_dict(self) -> dict[str, Any]:
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
