"""Trivy JSON image reports (`trivy image -f json`), read for the vulnerability gate (SUP001).

The shape follows Trivy's report type (aquasecurity/trivy pkg/types/report.go, SchemaVersion 2):
`ArtifactName`, `Metadata.RepoDigests` (`<repository>@sha256:<digest>`), `Results[].Vulnerabilities[]` with
`VulnerabilityID`, `PkgName`, `InstalledVersion`, `FixedVersion`, `Severity`, `Title`. A report that is not
JSON or not of that shape is an input error naming its file, line and column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

from servespec.diagnostics import InputError

MAX_REPORT_BYTES = 256 * 2**20
"""Reports of large images run to tens of MiB; anything beyond this is refused."""

SEVERITIES = ("UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL")


@dataclass(frozen=True)
class Vulnerability:
    id: str
    severity: str
    package: str
    installed: str
    fixed: str
    """Fixed version ("" when none is published)."""
    title: str


@dataclass(frozen=True)
class ImageReport:
    file: str
    artifact: str
    digests: frozenset[str]
    """`sha256:...` digests the scanned image is known by (from ArtifactName and RepoDigests)."""
    vulnerabilities: tuple[Vulnerability, ...]

    def covers(self, image: str) -> bool:
        """The report is about `image`: same digest, or the same reference as scanned."""
        digest = image.rsplit("@", 1)[1] if "@" in image else ""
        return (bool(digest) and digest in self.digests) or image == self.artifact


def load_image_reports(paths: Iterable[str]) -> tuple[ImageReport, ...]:
    return tuple(load_image_report(path) for path in paths)


def load_image_report(path: str) -> ImageReport:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_REPORT_BYTES + 1)
    except OSError as err:
        raise InputError(f"{path}: cannot read the image report: {err.strerror or err}") from None
    if len(raw) > MAX_REPORT_BYTES:
        raise InputError(f"{path}: image report larger than {MAX_REPORT_BYTES // 2**20} MiB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 (byte {err.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{path}:{err.lineno}:{err.colno}: not a Trivy JSON report: {err.msg}") from None
    except RecursionError:
        raise InputError(f"{path}:1:1: not a Trivy JSON report: nested too deeply") from None
    return _report(path, text, data)


class _Shape(Exception):
    def __init__(self, where: tuple[Any, ...], message: str):
        super().__init__(message)
        self.where, self.message = where, message


def _report(path: str, text: str, data: Any) -> ImageReport:
    try:
        return _parse(path, data)
    except _Shape as err:
        line, column = _position(text, err.where)
        at = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in err.where).lstrip(".")
        raise InputError(f"{path}:{line}:{column}: not a Trivy JSON report: {at or 'the document'} "
                         f"{err.message}") from None


def _parse(path: str, data: Any) -> ImageReport:
    _expect(data, dict, (), "must be an object (trivy image -f json)")
    artifact = _string(data, "ArtifactName", ())
    metadata = data.get("Metadata") or {}
    _expect(metadata, dict, ("Metadata",), "must be an object")
    repo_digests = metadata.get("RepoDigests") or []
    _expect(repo_digests, list, ("Metadata", "RepoDigests"), "must be a list")
    digests = set()
    for index, item in enumerate(repo_digests):
        _expect(item, str, ("Metadata", "RepoDigests", index), "must be a string")
        if "@" in item:
            digests.add(item.rsplit("@", 1)[1])
    if "@" in artifact:
        digests.add(artifact.rsplit("@", 1)[1])
    results = data.get("Results") or []
    _expect(results, list, ("Results",), "must be a list")
    found = []
    for number, result in enumerate(results):
        _expect(result, dict, ("Results", number), "must be an object")
        items = result.get("Vulnerabilities") or []
        _expect(items, list, ("Results", number, "Vulnerabilities"), "must be a list")
        for index, item in enumerate(items):
            found.append(_vulnerability(item, ("Results", number, "Vulnerabilities", index)))
    return ImageReport(path, artifact, frozenset(digests), tuple(found))


def _vulnerability(item: Any, where: tuple[Any, ...]) -> Vulnerability:
    _expect(item, dict, where, "must be an object")
    vulnerability_id = _string(item, "VulnerabilityID", where, required=True)
    severity = _string(item, "Severity", where, required=True)
    if severity not in SEVERITIES:
        raise _Shape(where + ("Severity",), f"must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    return Vulnerability(vulnerability_id, severity, _string(item, "PkgName", where),
                         _string(item, "InstalledVersion", where), _string(item, "FixedVersion", where),
                         _string(item, "Title", where))


def _string(data: dict[str, Any], key: str, where: tuple[Any, ...], required: bool = False) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise _Shape(where, f"needs {key}")
        return ""
    _expect(value, str, where + (key,), "must be a string")
    return str(value)


def _expect(value: Any, kind: type, where: tuple[Any, ...], message: str) -> None:
    if not isinstance(value, kind):
        raise _Shape(where, message)


def _position(text: str, where: tuple[Any, ...]) -> tuple[int, int]:
    """Line and column (1-based) of the value at `where`, through ruamel.yaml's positions (JSON is YAML);
    the start of the document when it cannot say."""
    from ruamel.yaml import YAML

    try:
        node: Any = YAML(typ="rt", pure=True).load(text)
        line, column = 0, 0
        for part in where:
            if isinstance(node, dict) and part in node:
                line, column = node.lc.value(part) if hasattr(node, "lc") else (line, column)
            elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                line, column = node.lc.item(part) if hasattr(node, "lc") else (line, column)
            else:
                break
            node = node[part]
        return line + 1, column + 1
    except Exception:  # the position is a courtesy: the error itself is already known
        return 1, 1


def blocking(report: ImageReport, severities: tuple[str, ...] = ("HIGH", "CRITICAL")) -> list[Vulnerability]:
    """The report's vulnerabilities at `severities`, each ID once, in a fixed order."""
    seen: dict[str, Vulnerability] = {}
    for item in report.vulnerabilities:
        if item.severity in severities and item.id not in seen:
            seen[item.id] = item
    return sorted(seen.values(), key=lambda item: (-SEVERITIES.index(item.severity), item.id))

