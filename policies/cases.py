"""Rule cases: each rule module has a `<module>.yaml` beside it with two changes to the base spec
(`rules/base.yaml`): one that makes the rule fire (and where its finding points), one, as near as
possible, that must not. Tests run both; the rule's documentation shows the first as its example.

A change maps spec paths (`models[0].gpu.mig`, as findings print them) to values; null removes the key.
`imageReports` lists Trivy JSON reports the case is linted with (`lint --image-report`).
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

CASE_DATE = datetime.date(2026, 11, 23)
"""The date cases are linted as of (waiver expiry)."""

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class Case:
    change: dict[str, Any]
    at: str = ""
    """Where the finding points (fires only)."""
    show: tuple[str, ...] = ()
    """Further spec paths the documented example shows for context."""
    image_reports: tuple[str, ...] = ()
    """Trivy JSON reports (as text) the case is linted with (`lint --image-report`)."""

    def apply(self, base: dict[str, Any]) -> dict[str, Any]:
        """`base` with the change made (a copy)."""
        spec = copy.deepcopy(base)
        for path, value in self.change.items():
            *parents, last = parse_path(path)
            node: Any = spec
            for part in parents:
                node = node[part]
            if value is None:
                node.pop(last, None)
            else:
                node[last] = copy.deepcopy(value)
        return spec

    def example(self, base: dict[str, Any]) -> str:
        """The changed spec, cut to the top-level sections (list items) the change and `show` touch."""
        spec = self.apply(base)
        wanted: dict[str, set[int] | None] = {}
        for path in [*self.change, *self.show]:
            parts = parse_path(path)
            key = str(parts[0])
            if isinstance(spec.get(key), list) and len(parts) > 1 and isinstance(parts[1], int):
                indexes = wanted.setdefault(key, set())
                if indexes is not None:
                    indexes.add(parts[1])
            else:
                wanted[key] = None
        cut = {}
        for key in (key for key in spec if key in wanted):
            indexes = wanted[key]
            cut[key] = spec[key] if indexes is None else [spec[key][index] for index in sorted(indexes)]
        return yaml.safe_dump(cut, sort_keys=False, width=100, default_flow_style=None).rstrip("\n")


@dataclass(frozen=True)
class RuleCases:
    fires: Case
    silent: Case


def parse_path(path: str) -> list[str | int]:
    """`models[0].gpu.mig` -> ["models", 0, "gpu", "mig"]."""
    return [int(index) if index else key for key, index in _PART.findall(path)]


@lru_cache(maxsize=None)
def base_spec_text() -> str:
    return (resources.files("servespec.policies") / "rules" / "base.yaml").read_text()


def base_spec() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(base_spec_text())
    return data


@lru_cache(maxsize=None)
def cases_of(module: str) -> RuleCases:
    """The cases beside the rule module `servespec.policies.rules.<module>`."""
    data = yaml.safe_load((resources.files("servespec.policies") / "rules" / f"{module}.yaml").read_text())
    fires, silent = data["fires"], data["silent"]
    return RuleCases(Case(fires["change"], fires["at"], tuple(fires.get("show", ())), _reports(fires)),
                     Case(silent["change"], image_reports=_reports(silent)))


def _reports(case: dict[str, Any]) -> tuple[str, ...]:
    return tuple(json.dumps(report, indent=2) for report in case.get("imageReports", ()))
