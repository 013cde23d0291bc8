"""Lint reports as SARIF 2.1.0, the format GitHub code scanning imports."""

from __future__ import annotations

import json
import os
from pathlib import PurePosixPath
from typing import Any

from servespec import __version__
from servespec.diagnostics import Severity
from servespec.lint.engine import INVALID_SPEC_ID, INVALID_SPEC_SLUG, LintFinding, LintReport
from servespec.lint.policy import Policy
from servespec.policies.registry import RULES
from servespec.policies.rule import EXAMPLE

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/servespec/servespec"
RULES_DOC = "docs/rules.md"


def _uri(file: str) -> str:
    """Repository-relative POSIX path when the file is under the working directory, as code scanning wants."""
    path = os.path.relpath(file) if os.path.isabs(file) else file
    if path.startswith(".."):
        path = os.path.abspath(file)
    return PurePosixPath(*path.split(os.sep)).as_posix()


def _descriptors(policy: Policy) -> list[dict[str, Any]]:
    descriptors = []
    for rule_id, rule in RULES.items():
        if rule_id not in policy.rules:
            continue
        sections = rule.sections()
        text = "\n\n".join(f"{heading}:\n{body}" for heading, body in sections.items())
        markdown = "\n\n".join(f"**{heading}**\n\n" + (f"```yaml\n{body}\n```" if heading == EXAMPLE
                                                        else body) for heading, body in sections.items())
        descriptors.append({
            "id": rule_id,
            "name": rule.slug,
            "shortDescription": {"text": rule.title()},
            "fullDescription": {"text": " ".join(sections["What it does"].split())},
            "help": {"text": text, "markdown": markdown},
            "helpUri": f"{INFORMATION_URI}/blob/main/{RULES_DOC}#{rule_id.lower()}",
            "defaultConfiguration": {"level": policy.rules[rule_id].severity.sarif_level},
            "properties": {"tags": [rule.category, "servespec"]},
        })
    for custom in policy.custom:
        descriptors.append({
            "id": custom.id,
            "name": custom.slug,
            "shortDescription": {"text": custom.message},
            "fullDescription": {"text": custom.description or custom.message},
            "help": {"text": custom.description or custom.message},
            "defaultConfiguration": {"level": Severity(custom.severity).sarif_level},
            "properties": {"tags": ["custom", f"kind:{custom.kind}"]},
        })
    descriptors.append({
        "id": INVALID_SPEC_ID,
        "name": INVALID_SPEC_SLUG,
        "shortDescription": {"text": "The spec does not validate"},
        "fullDescription": {"text": "The spec has YAML, schema or reference errors (see `servespec validate`)."},
        "help": {"text": "Fix the problems `servespec validate` reports."},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["validation", "servespec"]},
    })
    return descriptors


def _result(finding: LintFinding, index: dict[str, int]) -> dict[str, Any]:
    result = {
        "ruleId": finding.rule_id,
        "ruleIndex": index[finding.rule_id],
        "level": finding.severity.sarif_level,
        "message": {"text": finding.message + (f" Hint: {finding.hint}." if finding.hint else "")},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": _uri(finding.file)},
            "region": {"startLine": finding.line, "startColumn": finding.column},
        }}],
        "partialFingerprints": {"servespecFinding/v1": f"{finding.rule_id}:{finding.path}:{finding.model or ''}"},
    }
    if finding.waived:
        result["suppressions"] = [{"kind": "inSource", "justification": finding.waived}]
    return result


def render_sarif(report: LintReport, fail_on: str) -> str:
    descriptors = _descriptors(report.policy)
    index = {descriptor["id"]: number for number, descriptor in enumerate(descriptors)}
    run = {
        "tool": {"driver": {"name": "servespec", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFORMATION_URI, "rules": descriptors}},
        "columnKind": "unicodeCodePoints",
        "invocations": [{"executionSuccessful": not report.input_errors,
                         "toolExecutionNotifications": [{"level": "error", "message": {"text": message}}
                                                        for message in report.input_errors]}],
        "results": [_result(finding, index) for finding in report.findings],
        "properties": {"policy": report.policy.name},
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"
