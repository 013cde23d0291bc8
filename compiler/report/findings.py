"""Lint reports as text, JSON and GitHub Actions workflow commands."""

from __future__ import annotations

import json

from servespec.lint.engine import LintFinding, LintReport


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(report: LintReport) -> str:
    counts = report.counts()
    parts = [_plural(counts["error"], "error"), _plural(counts["warning"], "warning"), f"{counts['info']} info"]
    if counts["waived"]:
        parts.append(f"{counts['waived']} waived")
    return f"{', '.join(parts)} in {_plural(len(report.files), 'spec file')} (policy {report.policy.name})"


def render_text(report: LintReport, fail_on: str) -> str:
    lines = [f"error: {message}" for message in report.input_errors]
    for finding in report.findings:
        label = f"waived {finding.severity}" if finding.waived else finding.severity
        lines.append(f"{finding.file}:{finding.line}:{finding.column}: {label}: {finding.message} "
                     f"[{finding.rule_id} {finding.slug}]")
        if finding.waived:
            lines.append(f"    waiver: {finding.waived}")
        elif finding.hint:
            lines.append(f"    hint: {finding.hint}")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def render_json(report: LintReport, fail_on: str) -> str:
    return json.dumps({
        "policy": report.policy.name,
        "failOn": fail_on,
        "passed": not report.failed(fail_on) and not report.input_errors,
        "files": report.files,
        "inputErrors": report.input_errors,
        "summary": report.counts(),
        "findings": [finding.as_dict() for finding in report.findings],
    }, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(finding: LintFinding) -> str:
    title = f"{finding.rule_id} {finding.slug}"
    message = finding.message + (f" (hint: {finding.hint})" if finding.hint else "")
    return (f"::{finding.severity.github_command} file={_escape_property(finding.file)},line={finding.line},"
            f"col={finding.column},title={_escape_property(title)}::{_escape_data(message)}")


def render_github(report: LintReport, fail_on: str) -> str:
    """One workflow command per unwaived finding (annotations on the pull request), then the summary."""
    lines = [f"::error::{_escape_data(message)}" for message in report.input_errors]
    lines += [_annotation(finding) for finding in report.active]
    lines.append(summary(report))
    return "\n".join(lines) + "\n"
