"""The library interface: everything the CLI does, usable without it.

    from compiler import api
    fleet = api.load_fleet("examples/quickstart.yaml")          # raises SpecError
    result = api.validate_files(["examples/quickstart.yaml"])    # never raises for bad specs
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional

from compiler import cdk8s_runtime
from compiler.diagnostics import Diagnostic, InputError, SpecError
from compiler.golden import compare
from compiler.manifest_validation import (
    DEFAULT_KUBERNETES_VERSION,
    BuiltinValidator,
    find_kubeconform,
    validate_with_kubeconform,
)
from compiler.writer import (
    OWNER_MARKER,
    owned_output_directory,
    remove_tree,
    replace_tree,
    stage,
    staging_directory,
    write_files,
)

if TYPE_CHECKING:
    import datetime

    from compiler.loader import LoadedSpec
    from compiler.model import FleetSpec
    from compiler.resolve import ResolvedFleet

    from compiler.lint import LintReport
    from compiler.plan import FleetPlan
    from compiler.review import DiffReport


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
    from compiler.parse import parse_fleet
    from compiler.semantics import check_semantics

    spec = parse_fleet(loaded.data, loaded.source_map)
    problems = check_semantics(spec, loaded.source_map)
    if problems:
        raise SpecError(problems)
    return spec


def resolve_loaded(loaded: LoadedSpec, env: Optional[str] = None) -> ResolvedFleet:
    """Validate and resolve a loaded spec (`env` names the overlay already applied to it)."""
    from compiler.resolve import resolve

    return resolve(_spec_of(loaded), loaded.source_map, loaded.file, env)


def fleet_of(loaded: LoadedSpec, env: Optional[str] = None) -> ResolvedFleet:
    """Validate and resolve a loaded spec: the base, then (when `env` is given) with that overlay applied."""
    from compiler.overlay import apply_environment

    fleet = resolve_loaded(loaded)
    return fleet if env is None else resolve_loaded(apply_environment(loaded, env), env)


def load_fleet(file: str, env: Optional[str] = None) -> ResolvedFleet:
    """Load, validate and resolve one spec file (with the environment overlay `env` applied)."""
    from compiler.loader import load_spec

    return fleet_of(load_spec(file), env)


def lint(files: Iterable[str], policy: str = "baseline", env: Optional[str] = None,
         today: Optional["datetime.date"] = None) -> "LintReport":
    """Lint spec files under a policy pack (a built-in name or a file). Bad specs become findings;
    a bad pack raises `PolicyError`."""
    from compiler.lint import lint_files
    from compiler.policy import load_policy

    return lint_files(list(files), load_policy(policy), env, today)


def validate_file(file: str, env: Optional[str] = None) -> list[Diagnostic]:
    """Every problem of one spec; without `env`, the base spec and each of its environments are checked."""
    from compiler.loader import load_spec
    from compiler.overlay import apply_environment, environment_names

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


def diff(old: Optional[str] = None, new: Optional[str] = None, *, base: Optional[str] = None,
         specs: Iterable[str] = (), env: Optional[str] = None,
         cost_threshold: Optional[float] = None) -> "DiffReport":
    """Compare two compiled trees or spec files (`old`, `new`), or `specs` at git revision `base` with the
    working tree. Specs are compiled in memory, without Node. Raises SpecError / InputError."""
    from compiler.review import (DEFAULT_COST_THRESHOLD, objects_at_revision, objects_of, objects_of_specs,
                                 review)

    threshold = DEFAULT_COST_THRESHOLD if cost_threshold is None else cost_threshold
    if base is not None:
        specs = list(specs)
        return review(objects_at_revision(base, specs, env), objects_of_specs(specs, env), threshold)
    if old is None or new is None:
        raise InputError("diff needs OLD and NEW, or --base with spec files")
    return review(objects_of(old, env), objects_of(new, env), threshold)


def plan(file: str, env: Optional[str] = None) -> "FleetPlan":
    """The weekly capacity and cost plan of one spec (in one environment)."""
    from compiler.plan import plan_fleet

    return plan_fleet(load_fleet(file, env))


def spec_json_schema() -> dict:
    """The JSON Schema of the spec format (draft 2020-12)."""
    from compiler.model import FleetSpec

    schema = FleetSpec.model_json_schema(by_alias=True)
    schema = {"$schema": schema.pop("$schema"), "$id": "https://servespec.dev/schemas/servespec.schema.json",
              **schema}
    return schema


def spec_json_schema_text() -> str:
    """`spec_json_schema()` as the exact text of schemas/servespec.schema.json."""
    return json.dumps(spec_json_schema(), indent=2, sort_keys=False) + "\n"


def spec_reference_text() -> str:
    """The Markdown spec reference, the exact text of docs/spec.md."""
    from compiler.reference import spec_reference

    return spec_reference(spec_json_schema())


@dataclass
class CompileResult:
    """Compiled files (relative path -> YAML text), the objects behind them, and schema problems."""

    files: dict[str, str] = field(default_factory=dict)
    manifests: dict[str, list] = field(default_factory=dict)
    problems: list = field(default_factory=list)
    validator: str = "off"

    @property
    def ok(self) -> bool:
        """No object is invalid (objects with no schema to check against are only reported)."""
        return not self.invalid

    @property
    def invalid(self) -> list:
        return [p for p in self.problems if p.status != "missing-schema"]

    @property
    def unchecked(self) -> list:
        return [p for p in self.problems if p.status == "missing-schema"]


@dataclass(frozen=True)
class Target:
    """One spec compiled in one environment into the output subtree `tree` ("" = the root)."""

    tree: str
    file: str
    env: Optional[str]


def compile_targets(specs: list[str], env: Optional[str] = None) -> list[Target]:
    """What `compile` writes: one spec into the root, several into a subtree per file name."""
    if len(specs) == 1:
        return [Target("", specs[0], env)]
    return [Target(tree, spec, env) for tree, spec in zip(_trees(specs), specs)]


def golden_targets(specs: list[str]) -> list[Target]:
    """What `check` compares: every spec as `<name>/` and each of its environments as `<name>@<env>/`."""
    from compiler.loader import load_spec
    from compiler.overlay import environment_names

    targets = []
    for tree, spec in zip(_trees(specs), specs):
        targets.append(Target(tree, spec, None))
        targets += [Target(f"{tree}@{env}", spec, env) for env in environment_names(load_spec(spec).data)]
    return targets


def _trees(specs: list[str]) -> list[str]:
    names = [os.path.splitext(os.path.basename(spec))[0] for spec in specs]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise InputError(f"several spec files are named {', '.join(twice)}: output trees would collide")
    return names


def compile_fleet(fleet: "ResolvedFleet") -> list:
    """Synthesize one resolved fleet through cdk8s into `Manifest`s."""
    from compiler.manifests import synthesize
    from compiler.synth import build_manifests

    return synthesize(build_manifests(fleet))


def compile_to_files(targets: list[Target], options: Optional["SchemaOptions"] = None,
                     directory: Optional[Path] = None, *, fork: Optional[bool] = None) -> CompileResult:
    """Compile every target (raises `SpecError`) into rendered files, validated when `options` say so.

    The specs are loaded, planned, rendered and validated by `compiler.planner` (in a forked child when it
    can) while this process starts cdk8s and synthesizes the planned objects. The result is what cdk8s
    returned; should it differ from the plan in any byte of its JSON, it is rendered and validated again.
    `directory`, an empty existing directory, receives the rendered files (kubeconform reads them there)."""
    from compiler.manifests import synthesize
    from compiler.planner import Planner, render

    planner = Planner(targets, options, directory, fork)
    try:
        cdk8s_runtime.start()
        planned = planner.planned()
        expected = _fingerprint(planned)
        synthesized = {tree: synthesize(items) for tree, items in planned.items()}
        checked = planner.checked()
    finally:
        planner.close()
    result = CompileResult(checked.files, synthesized, checked.problems, checked.validator)
    if _fingerprint(synthesized) != expected:
        result.files = render(synthesized)
        if directory is not None:
            for child in directory.iterdir():
                if child.name != OWNER_MARKER:
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
            write_files(directory, result.files)
        if options is not None:
            validate_result(result, options, directory)
    return result


def _fingerprint(manifests: dict[str, list]) -> str:
    """A digest of every object's JSON, to tell whether cdk8s returned exactly the planned objects."""
    digest = hashlib.sha256()
    for tree in sorted(manifests):
        for manifest in manifests[tree]:
            digest.update(json.dumps([tree, manifest.data], sort_keys=True).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class SchemaOptions:
    """How compiled objects are checked: kubeconform if found (else built in), extra schema locations."""

    enabled: bool = True
    schema_locations: tuple[str, ...] = ()
    kubernetes_version: str = DEFAULT_KUBERNETES_VERSION
    use_kubeconform: bool = True


def validate_result(result: CompileResult, options: SchemaOptions, directory: Optional[Path] = None) -> None:
    """Fill `result.problems`; kubeconform reads `directory` (a temporary copy when not given)."""
    if not options.enabled:
        return
    binary = find_kubeconform() if options.use_kubeconform else None
    if binary is None:
        validator = BuiltinValidator(list(options.schema_locations), options.kubernetes_version)
        result.problems = sorted(problem for name, manifest in named_manifests(result)
                                 for problem in validator.validate(name, manifest.data))
        result.validator = "built-in"
        return
    own_dir = directory is None
    directory = Path(tempfile.mkdtemp(prefix="servespec-")) if own_dir else directory
    try:
        if own_dir:
            write_files(directory, result.files)
        result.problems = validate_with_kubeconform(directory, [m.data for _, m in named_manifests(result)],
                                                    list(options.schema_locations), options.kubernetes_version,
                                                    binary)
    finally:
        if own_dir:
            shutil.rmtree(directory, ignore_errors=True)
    result.validator = "kubeconform"


def named_manifests(result: CompileResult):
    """(output file name, Manifest) for every compiled object."""
    for tree, manifests in result.manifests.items():
        prefix = f"{tree}/" if tree else ""
        for manifest in manifests:
            yield prefix + manifest.file_name, manifest


def compile_specs(specs: list[str], out_dir: str, env: Optional[str] = None,
                  options: SchemaOptions = SchemaOptions(), *, force: bool = False) -> CompileResult:
    """Compile specs into `out_dir`, atomically: on any error or invalid object `out_dir` is untouched.
    `out_dir` must be servespec's to replace (`writer.owned_output_directory`; `force` for a non-empty
    directory without the marker), else InputError before anything is read or written."""
    target = owned_output_directory(out_dir, specs, force=force)
    staging = staging_directory(target)
    try:
        result = compile_to_files(compile_targets(list(specs), env), options, staging)
        if result.ok:
            replace_tree(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return result


def compile_stream(specs: list[str], env: Optional[str] = None,
                   options: SchemaOptions = SchemaOptions()) -> tuple[CompileResult, str]:
    """Compile specs into one YAML stream (`---` before each object, in file-name order), for tools that
    read manifests from standard output (Argo CD plugins, `kubectl apply -f -`)."""
    with tempfile.TemporaryDirectory(prefix="servespec-") as scratch:
        result = compile_to_files(compile_targets(list(specs), env), options, Path(scratch))
    return result, "".join(f"---\n{result.files[name]}" for name in sorted(result.files))


def _publish(target: Path, files: dict[str, str]) -> None:
    """Replace `target` with a tree holding exactly `files`, atomically."""
    staging = stage(target, files)
    try:
        replace_tree(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def check_golden(specs: list[str], golden_dir: str, *, update: bool = False,
                 options: SchemaOptions = SchemaOptions(), force: bool = False) -> tuple[CompileResult, list]:
    """Compile every spec and environment and compare with `golden_dir`; with `update`, rewrite it
    (only when every object passed schema validation). Every tree to rewrite or remove is checked with
    `writer.owned_output_directory` (`force` for trees without the marker) before anything changes."""
    targets = golden_targets(list(specs))
    root = Path(golden_dir)
    trees = [t.tree for t in targets]
    stale = _stale_environment_trees(root, trees)
    owned = {tree: owned_output_directory(root / tree, specs, force=force) for tree in trees + stale} \
        if update else {}
    result = compile_to_files(targets, options)
    drift = compare(result.files, root, trees + stale)
    if update and result.ok:
        for tree in trees:
            if drift or not (owned[tree] / OWNER_MARKER).is_file():
                _publish(owned[tree], {name[len(tree) + 1:]: text for name, text in result.files.items()
                                       if name.startswith(tree + "/")})
        for tree in stale:
            remove_tree(root / tree)
    return result, drift


def _stale_environment_trees(root: Path, trees: list[str]) -> list[str]:
    """Golden trees `<name>@<env>/` of a checked spec whose environment no longer exists."""
    names = {tree for tree in trees if "@" not in tree}
    if not root.is_dir():
        return []
    return sorted(path.name for path in root.iterdir() if path.is_dir() and "@" in path.name
                  and path.name.split("@", 1)[0] in names and path.name not in trees)
