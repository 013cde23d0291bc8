"""Every command's report formats by name; the CLI offers exactly these (`click.Choice(REGISTRY.names)`).

A reporter turns a command's result into the text written to standard output. Its module is imported only
when it is used, so naming the formats costs nothing at start-up (`compile` must not import the spec model).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from servespec.diagnostics import Severity


@dataclass(frozen=True)
class ReportOptions:
    """What some formats need beyond the result."""

    fail_on: Severity = Severity.ERROR
    """lint: the lowest severity that fails the run (the summary, SARIF and JUnit mark it)."""
    color: bool = False
    """diff text: ANSI colours."""
    hourly: bool = False
    """plan text: each model's replicas for every hour."""


@dataclass(frozen=True)
class Reporter:
    """`servespec.report.<module>.<function>(result, *options named in `uses`)`."""

    module: str
    function: str
    uses: tuple[str, ...] = ()

    def render(self, result: Any, options: ReportOptions) -> str:
        render = getattr(importlib.import_module(f"servespec.report.{self.module}"), self.function)
        return str(render(result, *(getattr(options, name) for name in self.uses)))


@dataclass(frozen=True)
class Reporters:
    """One command's formats: name -> reporter, the first being the default."""

    by_name: dict[str, Reporter]

    @property
    def names(self) -> list[str]:
        return list(self.by_name)

    @property
    def default(self) -> str:
        return next(iter(self.by_name))

    def render(self, name: str, result: Any, options: ReportOptions = ReportOptions()) -> str:
        return self.by_name[name].render(result, options)


VALIDATE = Reporters({
    "text": Reporter("validation", "render_text"),
    "json": Reporter("validation", "render_json"),
})

LINT = Reporters({
    "text": Reporter("findings", "render_text", ("fail_on",)),
    "json": Reporter("findings", "render_json", ("fail_on",)),
    "sarif": Reporter("sarif", "render_sarif", ("fail_on",)),
    "junit": Reporter("junit", "render_junit", ("fail_on",)),
    "github": Reporter("findings", "render_github", ("fail_on",)),
})

DIFF = Reporters({
    "text": Reporter("diff_report", "render_text", ("color",)),
    "markdown": Reporter("diff_report", "render_markdown"),
    "json": Reporter("diff_report", "render_json"),
})

PLAN = Reporters({
    "text": Reporter("plan_report", "render_text", ("hourly",)),
    "json": Reporter("plan_report", "render_json"),
})

ROLLBACK_POINT = Reporters({
    "yaml": Reporter("rollback_report", "render_yaml"),
    "json": Reporter("rollback_report", "render_json"),
})

PLAN_FILES = Reporters({
    "html": Reporter("plan_chart", "render_html"),
    "svg": Reporter("plan_chart", "render_svg"),
})
"""The plan's page and chart, written to files (`--html`, `--svg`)."""
