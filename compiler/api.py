"""The library interface: everything the CLI does, usable without it.

    from servespec import api
    fleet = api.load_fleet("examples/quickstart.yaml")          # raises SpecError
    result = api.validate_files(["examples/quickstart.yaml"])    # never raises for bad specs
    report = api.lint(["examples/quickstart.yaml"], "production")

Layers, each importing only those below it (a test enforces the order):
    cli -> api -> report -> lint | review | build -> policies -> capacity | synth -> spec -> catalog
    -> diagnostics
"""

from __future__ import annotations

import datetime
import json
from typing import TYPE_CHECKING, Any, Iterable, Optional

from servespec.build.compile import (
    CompileResult,
    Target,
    check_golden,
    compile_specs,
    compile_stream,
    compile_targets,
    compile_to_files,
    golden_targets,
    named_manifests,
)
from servespec.build.validation import DEFAULT_KUBERNETES_VERSION, SchemaOptions
from servespec.build.writer import write_output
from servespec.diagnostics import Diagnostic, InputError, PolicyError, Severity, SpecError
from servespec.spec.frontend import ValidationResult, load_fleet, validate_file, validate_files

if TYPE_CHECKING:
    from servespec.capacity.plan import FleetPlan
    from servespec.lint.engine import LintReport
    from servespec.review.changes import DiffReport
    from servespec.review.rollback import RollbackBundle

__all__ = [
    "DEFAULT_KUBERNETES_VERSION", "CompileResult", "Diagnostic", "InputError", "PolicyError", "SchemaOptions",
    "Severity", "SpecError", "Target", "ValidationResult", "check_golden", "compile_specs", "compile_stream",
    "compile_targets", "compile_to_files", "diff", "golden_targets", "lint", "load_fleet", "named_manifests",
    "plan", "rollback_point", "spec_json_schema", "spec_json_schema_text", "spec_reference_text", "validate_file",
    "validate_files", "write_output",
]


def lint(files: Iterable[str], policy: str = "baseline", env: Optional[str] = None,
         today: Optional[datetime.date] = None, image_reports: Iterable[str] = ()) -> LintReport:
    """Lint spec files under a policy pack (a built-in name or a file), with Trivy JSON `image_reports` for
    the vulnerability gate. Bad specs become findings; a bad pack raises `PolicyError`, a bad report
    `InputError`."""
    from servespec.lint.engine import lint_files
    from servespec.lint.policy import load_policy
    from servespec.policies.image_reports import load_image_reports

    reports = load_image_reports(image_reports)
    return lint_files(list(files), load_policy(policy), env, today, reports)


def diff(old: Optional[str] = None, new: Optional[str] = None, *, base: Optional[str] = None,
         specs: Iterable[str] = (), env: Optional[str] = None,
         cost_threshold: Optional[float] = None) -> DiffReport:
    """Compare two compiled trees or spec files (`old`, `new`), or `specs` at git revision `base` with the
    working tree. Specs are compiled in memory, without Node unless cdk8s would change an object
    (`build.synthesize.as_cdk8s_returns`). Raises SpecError / InputError."""
    from servespec.build.synthesize import as_cdk8s_returns
    from servespec.review.changes import (
        DEFAULT_COST_THRESHOLD,
        objects_at_revision,
        objects_of,
        objects_of_specs,
        review,
    )

    threshold = DEFAULT_COST_THRESHOLD if cost_threshold is None else cost_threshold
    if base is not None:
        specs = list(specs)
        return review(objects_at_revision(base, specs, env, as_cdk8s_returns),
                      objects_of_specs(specs, env, as_cdk8s_returns), threshold, base)
    if old is None or new is None:
        raise InputError("diff needs OLD and NEW, or --base with spec files")
    return review(objects_of(old, env, as_cdk8s_returns), objects_of(new, env, as_cdk8s_returns), threshold, old)


def plan(file: str, env: Optional[str] = None) -> FleetPlan:
    """The weekly capacity and cost plan of one spec (in one environment)."""
    from servespec.capacity.plan import plan_fleet

    return plan_fleet(load_fleet(file, env))


def rollback_point(file: str, env: Optional[str] = None, revision: Optional[str] = None,
                   prometheus: Optional[str] = None) -> RollbackBundle:
    """Each model's rollback point (version, images, weights, spec revision) and P99 latency baseline query,
    read from `prometheus` (a base URL) when given. `revision`: None = the spec's last commit when it is
    committed unchanged (else none, with the reason), `git` = the same or InputError, else as given."""
    from servespec.review.rollback import rollback_bundle

    return rollback_bundle(file, env, revision, prometheus)


def starter_spec(runtime: str = "vllm", platform: str = "gke", name: str = "inference") -> str:
    """A commented starter spec for a runtime and a platform (`servespec init`); it validates and lints clean."""
    from servespec.report.starter import starter_spec as text

    return text(runtime, platform, name)


def spec_json_schema() -> dict[str, Any]:
    """The JSON Schema of the spec format (draft 2020-12)."""
    from servespec.spec.model import FleetSpec

    schema = FleetSpec.model_json_schema(by_alias=True)
    return {"$schema": schema.pop("$schema"), "$id": "https://servespec.dev/schemas/servespec.schema.json",
            **schema}


def spec_json_schema_text() -> str:
    """`spec_json_schema()` as the exact text of schemas/servespec.schema.json."""
    return json.dumps(spec_json_schema(), indent=2, sort_keys=False) + "\n"


def spec_reference_text() -> str:
    """The Markdown spec reference, the exact text of docs/spec.md."""
    from servespec.spec.reference import spec_reference

    return spec_reference(spec_json_schema())
