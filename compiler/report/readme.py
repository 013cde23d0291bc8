"""The README's generated tables: after each `<!-- generated: NAME ... -->` line, the table NAME returns.
`make schema` rewrites them; a test fails when they are stale."""

from __future__ import annotations

import re
from typing import Callable

from servespec.report.catalog_docs import cuda_table_markdown, gpu_table_markdown
from servespec.report.diff_report import risk_table_markdown
from servespec.report.rule_docs import rule_table_markdown

TABLES: dict[str, Callable[[], str]] = {
    "servespec.report.rule_docs.rule_table_markdown()": rule_table_markdown,
    "servespec.report.diff_report.risk_table_markdown()": risk_table_markdown,
    "servespec.report.catalog_docs.gpu_table_markdown()": gpu_table_markdown,
    "servespec.report.catalog_docs.cuda_table_markdown()": cuda_table_markdown,
}
_BLOCK = re.compile(r"^(<!-- generated: (\S+);[^\n]*-->\n)(?:\|[^\n]*\n)*", re.M)


def refresh(text: str) -> str:
    """`text` with every generated table replaced by its current content."""
    return _BLOCK.sub(lambda match: match[1] + TABLES[match[2]](), text)
