"""The library interface: everything the CLI does, usable without it.

    from compiler import api
    fleet = api.load_fleet("examples/quickstart.yaml")          # raises SpecError
    result = api.validate_files(["examples/quickstart.yaml"])    # never raises for bad specs
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterable, Optional

from compiler.diagnostics import Diagnostic, InputError, SpecError
from compiler.loader import LoadedSpec, load_spec
from compiler.model import FleetSpec
from compiler.overlay import apply_environment, environment_names
from compiler.parse import parse_fleet
from compiler.reference import spec_reference
from compiler.resolve import ResolvedFleet, resolve
from compiler.semantics import check_semantics


@dataclass
class ValidationResult:
    """Diagnostics for a set of files; `input_errors` are files that could not be read at all."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    input_errors: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.diagnostics and not self.input_errors


def _spec_of(loaded: LoadedSpec) -> FleetSpec:
    spec = parse_fleet(loaded.data, loaded.source_map)
    problems = check_semantics(spec, loaded.source_map)
    if problems:
        raise SpecError(problems)
    return spec


def load_fleet(file: str, env: Optional[str] = None) -> ResolvedFleet:
    """Load, validate and resolve one spec file (with the environment overlay `env` applied)."""
    loaded = load_spec(file)
    spec = _spec_of(loaded)
    if env is not None:
        loaded = apply_environment(loaded, env)
        spec = _spec_of(loaded)
    return resolve(spec, loaded.source_map, file, env)


def validate_file(file: str, env: Optional[str] = None) -> list[Diagnostic]:
    """Every problem of one spec; without `env`, the base spec and each of its environments are checked."""
    loaded = load_spec(file)
    try:
        _spec_of(loaded)
    except SpecError as err:
        return err.diagnostics
    found: set[Diagnostic] = set()
    for name in [env] if env is not None else environment_names(loaded.data):
        try:
            _spec_of(apply_environment(loaded, name))
        except SpecError as err:
            found.update(_in_environment(d, name) for d in err.diagnostics)
    return sorted(found)


def _in_environment(diagnostic: Diagnostic, env: str) -> Diagnostic:
    if f"environment {env!r}" in diagnostic.message:
        return diagnostic
    return Diagnostic(diagnostic.file, diagnostic.line, diagnostic.column,
                      f"{diagnostic.message} (environment {env!r})", diagnostic.severity, diagnostic.hint,
                      diagnostic.path)


def validate_files(files: Iterable[str], env: Optional[str] = None) -> ValidationResult:
    """Validate several spec files; collects every diagnostic, never raises for bad input."""
    result = ValidationResult()
    for file in files:
        result.files.append(file)
        try:
            result.diagnostics.extend(validate_file(file, env))
        except SpecError as err:
            result.diagnostics.extend(err.diagnostics)
        except InputError as err:
            result.input_errors.append(str(err))
    return result


def spec_json_schema() -> dict:
    """The JSON Schema of the spec format (draft 2020-12)."""
    schema = FleetSpec.model_json_schema(by_alias=True)
    schema = {"$schema": schema.pop("$schema"), "$id": "https://servespec.dev/schemas/servespec.schema.json",
              **schema}
    return schema


def spec_json_schema_text() -> str:
    """`spec_json_schema()` as the exact text of schemas/servespec.schema.json."""
    return json.dumps(spec_json_schema(), indent=2, sort_keys=False) + "\n"


def spec_reference_text() -> str:
    """The Markdown spec reference, the exact text of docs/spec.md."""
    return spec_reference(spec_json_schema())
