"""Diff reports as text (coloured on a terminal), Markdown (a pull-request comment) and JSON."""

from __future__ import annotations

import json
from typing import Any, Optional

from servespec.review.changes import DiffReport
from servespec.review.objects import MISSING
from servespec.review.risks import RISKS
from servespec.spec.rollback import RollbackPoint

SIGN = {"added": "+", "removed": "-", "changed": "~"}
COLOUR = {"added": "32", "removed": "31", "changed": "33", "error": "31", "warning": "33", "info": "36"}


def _paint(text: str, key: str, color: bool) -> str:
    return f"\x1b[{COLOUR[key]}m{text}\x1b[0m" if color else text


def render_text(report: DiffReport, color: bool = False) -> str:
    lines = []
    for change in report.changes:
        lines.append(_paint(f"{SIGN[change.status]} {change.label}", change.status, color))
        lines += [f"    {item.render()}" for item in change.changes]
    if report.risks:
        lines += ["", "Risk notes:"]
        lines += [f"  {_paint(note.severity, note.severity, color)} {note.id} {note.slug}: {note.subject}: "
                  f"{note.message}" for note in report.risks]
    if report.costs:
        lines += ["", "Projected monthly GPU cost:"]
        lines += [f"  {name}: ${old:,.0f} -> ${new:,.0f}" for name, old, new in report.costs]
    if report.rollback:
        lines += ["", f"Rollback to {report.rollback_to}:"]
        lines += [f"  {step.render()}" for step in report.rollback]
    if lines:
        lines.append("")
    lines.append(report.summary)
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: DiffReport) -> str:
    icon = {"error": ":red_circle:", "warning": ":warning:", "info": ":information_source:"}
    lines = ["### servespec diff", "", f"**{report.summary}**"]
    if report.risks:
        lines += ["", "| | Risk | Object | Note |", "|---|---|---|---|"]
        lines += [f"| {icon[note.severity]} {note.severity} | `{note.id}` {note.slug} | {_cell(note.subject)} | "
                  f"{_cell(note.message)} |" for note in report.risks]
    if report.costs:
        lines += ["", "| Fleet | Monthly GPU cost before | after |", "|---|---:|---:|"]
        lines += [f"| {name} | ${old:,.0f} | ${new:,.0f} |" for name, old, new in report.costs]
    if report.rollback:
        lines += ["", f"**Rollback to `{_cell(report.rollback_to)}`:**", ""]
        lines += [f"- {_cell(step.render())}" for step in report.rollback]
    if report.changes:
        lines += ["", "<details><summary>Changed objects</summary>", "", "```diff"]
        for change in report.changes:
            lines.append(f"{SIGN[change.status].replace('~', '!')} {change.label}")
            lines += [f"    {item.render()}" for item in change.changes]
        lines += ["```", "", "</details>"]
    return "\n".join(lines) + "\n"


def _value(value: Any) -> Any:
    return None if value is MISSING else value


def _point(point: Optional[RollbackPoint]) -> Optional[dict[str, Any]]:
    if point is None:
        return None
    return {"version": point.version, "images": dict(point.images), "weights": point.weights}


def render_json(report: DiffReport) -> str:
    return json.dumps({
        "summary": {"add": report.count("added"), "change": report.count("changed"),
                    "remove": report.count("removed"), "text": report.summary},
        "objects": [{"apiVersion": c.identity[0], "kind": c.identity[1], "namespace": c.identity[2],
                     "name": c.identity[3], "status": c.status,
                     "changes": [{"path": i.path, "old": _value(i.old), "new": _value(i.new),
                                  "oldPresent": i.old is not MISSING, "newPresent": i.new is not MISSING}
                                 for i in c.changes]} for c in report.changes],
        "risks": [{"id": n.id, "slug": n.slug, "severity": n.severity, "subject": n.subject, "message": n.message}
                  for n in report.risks],
        "costs": [{"fleet": name, "oldMonthlyUSD": round(old, 2), "newMonthlyUSD": round(new, 2)}
                  for name, old, new in report.costs],
        "rollback": {"to": report.rollback_to,
                     "models": [{"namespace": step.namespace, "model": step.model, "summary": step.render(),
                                 "now": _point(step.now), "then": _point(step.then)} for step in report.rollback]},
    }, indent=2) + "\n"


def risk_table_markdown() -> str:
    """The README's table of risk notes."""
    lines = ["| ID | severity | fires when |", "|---|---|---|"]
    lines += [f"| {risk.id} `{risk.slug}` | {risk.severities or risk.severity} | {risk.when} |"
              for risk in RISKS.values()]
    return "\n".join(lines) + "\n"
