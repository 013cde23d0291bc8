"""Write validation results as text (one `file:line:col` line per problem) or JSON."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from compiler.api import ValidationResult


def write_validation(result: ValidationResult, output_format: str, stream: TextIO) -> None:
    if output_format == "json":
        json.dump({
            "valid": result.ok,
            "files": result.files,
            "inputErrors": result.input_errors,
            "diagnostics": [d.as_dict() for d in result.diagnostics],
        }, stream, indent=2)
        stream.write("\n")
        return
    for message in result.input_errors:
        stream.write(f"error: {message}\n")
    for diagnostic in result.diagnostics:
        stream.write(diagnostic.render() + "\n")
    bad_files = {d.file for d in result.diagnostics}
    checked = len(result.files) - len(result.input_errors)
    if result.ok:
        stream.write(f"{checked} spec file{'s' if checked != 1 else ''} valid\n")
    elif result.diagnostics:
        count = len(result.diagnostics)
        stream.write(f"{count} error{'s' if count != 1 else ''} in {len(bad_files)} of {checked} "
                     f"spec file{'s' if checked != 1 else ''}\n")
