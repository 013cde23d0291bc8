"""The lint engine: run a policy's rules over resolved fleets, locate findings, apply waivers.

Rules never start Node: rules about compiled objects read the planned manifests (`build_manifests`), which
are what cdk8s receives. Without an environment, the base spec and every environment overlay are linted;
a finding that only an environment has names it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from typing import Any, Iterator, Optional

from servespec.diagnostics import Diagnostic, InputError, Severity, SpecError
from servespec.lint.policy import CustomRule, Policy
from servespec.policies.image_reports import ImageReport
from servespec.policies.registry import RULES
from servespec.policies.rule import Finding, LintContext
from servespec.spec.frontend import resolved_variants
from servespec.spec.loader import load_spec
from servespec.spec.resolve import ResolvedFleet

INVALID_SPEC_ID = "SPEC001"
INVALID_SPEC_SLUG = "invalid-spec"
"""Findings for specs that do not validate: `servespec validate` problems, always errors."""


@dataclass(frozen=True, order=True)
class LintFinding:
    """A located finding. `waived` holds the waiver's reason when a waiver covers it."""

    file: str
    line: int
    column: int
    rule_id: str
    message: str
    severity: Severity
    slug: str = ""
    hint: str = ""
    path: str = ""
    model: Optional[str] = None
    environment: Optional[str] = None
    waived: str = ""
    vulnerability: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column, "rule": self.rule_id,
                "slug": self.slug, "severity": self.severity, "message": self.message, "hint": self.hint,
                "path": self.path, "model": self.model, "environment": self.environment,
                "waived": bool(self.waived), "waiverReason": self.waived or None}


@dataclass
class LintReport:
    """Findings over the spec files that could be read (`files`) under one policy."""

    policy: Policy
    findings: list[LintFinding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    input_errors: list[str] = field(default_factory=list)

    @property
    def active(self) -> list[LintFinding]:
        return [finding for finding in self.findings if not finding.waived]

    def failed(self, fail_on: str = "error") -> bool:
        """True when an unwaived finding is at `fail_on` severity or above."""
        return any(finding.severity.at_least(fail_on) for finding in self.active)

    def counts(self) -> dict[str, int]:
        counts = {severity.value: 0 for severity in Severity}
        for finding in self.active:
            counts[finding.severity] += 1
        counts["waived"] = len(self.findings) - len(self.active)
        return counts


def lint_files(files: list[str], policy: Policy, env: Optional[str] = None,
               today: Optional[datetime.date] = None, image_reports: tuple[ImageReport, ...] = ()) -> LintReport:
    """Lint several spec files; never raises for a bad spec (its problems become findings)."""
    report = LintReport(policy)
    for file in files:
        try:
            report.findings.extend(lint_file(file, policy, env, today, image_reports))
        except InputError as err:
            report.input_errors.append(str(err))
        else:
            report.files.append(file)
    report.findings.sort()
    return report


def lint_file(file: str, policy: Policy, env: Optional[str] = None,
              today: Optional[datetime.date] = None, image_reports: tuple[ImageReport, ...] = ()) -> list[LintFinding]:
    """Findings of one spec: the base and each environment (or just `env`), waivers applied."""
    today = today or datetime.date.today()
    try:
        variants = resolved_variants(load_spec(file), env)
    except SpecError as err:
        return [_invalid(diagnostic) for diagnostic in err.diagnostics]
    targets = variants[1:] if env is not None else variants

    keys = policy.rule_keys()
    used: set[int] = set()
    found: dict[tuple[str, int, int, str, str], LintFinding] = {}
    for name, fleet in targets:
        context = LintContext(fleet, today, keys, used, image_reports)
        for finding in _run(context, policy, after_waivers=False):
            identity = (finding.file, finding.line, finding.column, finding.rule_id, finding.message)
            if identity not in found:
                found[identity] = finding if name is None or env is not None else _in_environment(finding, name)
    context = LintContext(variants[0][1], today, keys, used)
    findings = list(found.values()) + list(_run(context, policy, after_waivers=True))
    return sorted(findings)


def _run(context: LintContext, policy: Policy, after_waivers: bool) -> Iterator[LintFinding]:
    fleet = context.fleet
    for rule_id, enabled in policy.rules.items():
        rule = RULES[rule_id]
        if rule.after_waivers != after_waivers:
            continue
        for finding in rule.check(context, enabled.options):
            located = _locate(fleet, rule_id, rule.slug, enabled.severity, finding)
            yield located if after_waivers else _waive(context, located)
    if not after_waivers:
        for custom in policy.custom:
            for finding in _custom_findings(context, custom):
                yield _waive(context, _locate(fleet, custom.id, custom.slug, Severity(custom.severity), finding))


def _locate(fleet: ResolvedFleet, rule_id: str, slug: str, severity: Severity, finding: Finding) -> LintFinding:
    diagnostic = fleet.source_map.diagnostic(finding.path, finding.message, hint=finding.hint)
    return LintFinding(diagnostic.file, diagnostic.line, diagnostic.column, rule_id, finding.message, severity,
                       slug, finding.hint, diagnostic.path, finding.model, fleet.environment,
                       vulnerability=finding.vulnerability)


def _waive(context: LintContext, finding: LintFinding) -> LintFinding:
    """Mark the finding waived by the first unexpired waiver naming its rule and its model (or the fleet), and
    its vulnerability when the waiver names one (`cve`)."""
    for index, waiver in enumerate(context.fleet.spec.waivers):
        if waiver.rule not in (finding.rule_id, finding.slug) or not waiver.in_force(context.today):
            continue
        if waiver.cve is not None and waiver.cve != finding.vulnerability:
            continue
        if waiver.model is None or waiver.model == finding.model:
            context.used_waivers.add(index)
            return replace(finding, waived=waiver.reason)
    return finding


def _custom_findings(context: LintContext, custom: CustomRule) -> Iterator[Finding]:
    from jsonschema.exceptions import best_match

    from servespec.lint.rule_schema import rule_validator

    validator = rule_validator(custom.schema_)
    for manifest in context.manifests:
        if manifest.kind != custom.kind:
            continue
        error = best_match(validator.iter_errors(manifest.data))
        if error is not None:
            where = "/".join(str(part) for part in error.absolute_path) or "(root)"
            model = context.model_of(manifest)
            yield Finding(f"{custom.message}: {manifest.kind} {manifest.name}: {error.message} (at {where})",
                          manifest.source_path, model.name if model else None)


def _in_environment(finding: LintFinding, env: str) -> LintFinding:
    return replace(finding, message=f"{finding.message} (environment {env!r})", environment=env)


def _invalid(diagnostic: Diagnostic) -> LintFinding:
    return LintFinding(diagnostic.file, diagnostic.line, diagnostic.column, INVALID_SPEC_ID, diagnostic.message,
                       Severity.ERROR, INVALID_SPEC_SLUG, diagnostic.hint, diagnostic.path)
