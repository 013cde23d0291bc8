"""The front end every command shares: a spec file in, a checked and resolved fleet out, for the base spec
and each of its environment overlays."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Iterator, Optional

from servespec.diagnostics import Diagnostic, InputError, SpecError
from servespec.spec.loader import LoadedSpec, load_spec
from servespec.spec.overlay import apply_environment, environment_names

if TYPE_CHECKING:
    from servespec.spec.model import FleetSpec
    from servespec.spec.resolve import ResolvedFleet


def variant_names(loaded: LoadedSpec, env: Optional[str] = None) -> list[Optional[str]]:
    """None (the base spec), then `env`, or else every environment the spec defines."""
    return [None, *([env] if env is not None else environment_names(loaded.data))]


def variants(loaded: LoadedSpec, env: Optional[str] = None) -> Iterator[tuple[Optional[str], LoadedSpec]]:
    """`variant_names` with each overlay applied: the base first (an environment overlays it, so a problem in
    the base is reported once), then `env` or every environment."""
    for name in variant_names(loaded, env):
        yield name, loaded if name is None else apply_environment(loaded, name)


def checked_spec(loaded: LoadedSpec) -> FleetSpec:
    """Parse and check a loaded spec; raises SpecError with every problem found."""
    from servespec.spec.parse import parse_fleet
    from servespec.spec.semantics import check_semantics

    spec = parse_fleet(loaded.data, loaded.source_map)
    problems = check_semantics(spec, loaded.source_map)
    if problems:
        raise SpecError(problems)
    return spec


def resolve_loaded(loaded: LoadedSpec, env: Optional[str] = None) -> ResolvedFleet:
    """Check and resolve a loaded spec (`env` names the overlay already applied to it)."""
    from servespec.spec.resolve import resolve

    return resolve(checked_spec(loaded), loaded.source_map, loaded.file, env)


def resolved_variants(loaded: LoadedSpec, env: Optional[str] = None) -> list[tuple[Optional[str], ResolvedFleet]]:
    """`variants`, each checked and resolved (raises SpecError at the first variant with a problem)."""
    return [(name, resolve_loaded(variant, name)) for name, variant in variants(loaded, env)]


def fleet_of(loaded: LoadedSpec, env: Optional[str] = None) -> ResolvedFleet:
    """The resolved base spec, or (with `env`) the base checked first, then resolved with that overlay."""
    if env is None:
        return resolve_loaded(loaded)
    return resolved_variants(loaded, env)[-1][1]


def load_fleet(file: str, env: Optional[str] = None) -> ResolvedFleet:
    """Load, check and resolve one spec file (with the environment overlay `env` applied)."""
    return fleet_of(load_spec(file), env)


@dataclass
class ValidationResult:
    """Diagnostics for a set of files; `input_errors` are files that could not be read at all."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    input_errors: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.diagnostics and not self.input_errors


def validate_file(file: str, env: Optional[str] = None) -> list[Diagnostic]:
    """Every problem of one spec: the base's, or else each environment's (only `env`'s when given)."""
    found: set[Diagnostic] = set()
    for name, variant in variants(load_spec(file), env):
        try:
            checked_spec(variant)
        except SpecError as err:
            if name is None:
                return err.diagnostics
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
