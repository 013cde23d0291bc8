"""Lint reports as JUnit XML for CI test tabs: one test case per spec file and enabled rule."""

from __future__ import annotations

from xml.etree import ElementTree

from servespec.lint.engine import INVALID_SPEC_ID, INVALID_SPEC_SLUG, LintFinding, LintReport
from servespec.policies.registry import RULES


def _cases(report: LintReport) -> list[tuple[str, str, str]]:
    """(file, rule ID, slug) for each test case."""
    rules = [(rule_id, RULES[rule_id].slug) for rule_id in report.policy.rules]
    rules += [(custom.id, custom.slug) for custom in report.policy.custom]
    return [(file, INVALID_SPEC_ID, INVALID_SPEC_SLUG) for file in report.files] + \
        [(file, rule_id, slug) for file in report.files for rule_id, slug in rules]


def render_junit(report: LintReport, fail_on: str) -> str:
    suites = ElementTree.Element("testsuites", name="servespec lint")
    suite = ElementTree.SubElement(suites, "testsuite", name=f"servespec lint (policy {report.policy.name})")
    tests = failures = errors = 0
    for message in report.input_errors:
        case = ElementTree.SubElement(suite, "testcase", classname="input", name="read spec")
        ElementTree.SubElement(case, "error", message=message)
        tests += 1
        errors += 1
    by_case: dict[tuple[str, str], list[LintFinding]] = {}
    for finding in report.findings:
        by_case.setdefault((finding.file, finding.rule_id), []).append(finding)
    for file, rule_id, slug in _cases(report):
        case = ElementTree.SubElement(suite, "testcase", classname=file, name=f"{rule_id} {slug}")
        tests += 1
        findings = by_case.get((file, rule_id), [])
        failing = [f for f in findings if not f.waived and f.severity.at_least(fail_on)]
        lines = [f"{f.file}:{f.line}:{f.column}: {'waived ' if f.waived else ''}{f.severity}: {f.message}"
                 for f in findings]
        if failing:
            failures += 1
            failure = ElementTree.SubElement(case, "failure", message=failing[0].message, type=failing[0].severity)
            failure.text = "\n".join(lines)
        elif lines:
            ElementTree.SubElement(case, "system-out").text = "\n".join(lines)
    for element in (suites, suite):
        element.set("tests", str(tests))
        element.set("failures", str(failures))
        element.set("errors", str(errors))
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
