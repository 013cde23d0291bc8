"""Validation results as text (one `file:line:col` line per problem) or JSON."""

from __future__ import annotations

import json

from servespec.spec.frontend import ValidationResult


def render_json(result: ValidationResult) -> str:
    return json.dumps({
        "valid": result.ok,
        "files": result.files,
        "inputErrors": result.input_errors,
        "diagnostics": [d.as_dict() for d in result.diagnostics],
    }, indent=2) + "\n"


def render_text(result: ValidationResult) -> str:
    lines = [f"error: {message}" for message in result.input_errors]
    lines += [diagnostic.render() for diagnostic in result.diagnostics]
    checked = len(result.files) - len(result.input_errors)
    files = f"{checked} spec file{'s' if checked != 1 else ''}"
    if result.ok:
        lines.append(f"{files} valid")
    elif result.diagnostics:
        count = len(result.diagnostics)
        bad_files = len({d.file for d in result.diagnostics})
        lines.append(f"{count} error{'s' if count != 1 else ''} in {bad_files} of {files}")
    return "".join(line + "\n" for line in lines)
