"""Compile and check: specs -> planned objects -> cdk8s -> rendered, validated files, written atomically.

The objects stream model by model through synthesis, rendering, writing and validation
(`servespec.build.pipeline`).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Optional

from servespec.build.golden import Drift, compare
from servespec.build.validation import SchemaOptions, check_objects
from servespec.build.writer import (
    OWNER_MARKER,
    owned_output_directory,
    remove_tree,
    replace_tree,
    stage,
    staging_directory,
    write_files,
)
from servespec.diagnostics import InputError

if TYPE_CHECKING:
    from servespec.build.validation import SchemaProblem
    from servespec.synth.manifest import Manifest


@dataclass
class CompileResult:
    """Compiled files (relative path -> YAML text), the objects behind them, and schema problems."""

    files: dict[str, str] = field(default_factory=dict)
    manifests: dict[str, list[Manifest]] = field(default_factory=dict)
    problems: list[SchemaProblem] = field(default_factory=list)
    validator: str = "off"

    @property
    def ok(self) -> bool:
        """No object is invalid (objects with no schema to check against, or using a feature gate, are only
        reported)."""
        return not self.invalid

    @property
    def invalid(self) -> list[SchemaProblem]:
        return [p for p in self.problems if p.status not in ("missing-schema", "feature-gate")]

    @property
    def gated(self) -> list[SchemaProblem]:
        """Objects using a feature that is behind a feature gate, off by default, in the target version."""
        return [p for p in self.problems if p.status == "feature-gate"]

    @property
    def unchecked(self) -> list[SchemaProblem]:
        return [p for p in self.problems if p.status == "missing-schema"]


@dataclass(frozen=True)
class Target:
    """One spec compiled in one environment into the output subtree `tree` ("" = the root)."""

    tree: str
    file: str
    env: Optional[str]
    revision: Optional[str] = None
    """Recorded in the rollback points (`servespec.dev/spec-revision`); golden trees never have one."""


def compile_targets(specs: list[str], env: Optional[str] = None, revision: Optional[str] = None) -> list[Target]:
    """What `compile` writes: one spec into the root, several into a subtree per file name. `revision` is
    recorded in every rollback point: a revision as given, or `git` for each spec's last commit."""
    from servespec.spec.git import resolve_revision

    revisions = [None if revision is None else resolve_revision(spec, revision) for spec in specs]
    if len(specs) == 1:
        return [Target("", specs[0], env, revisions[0])]
    return [Target(tree, spec, env, rev) for tree, spec, rev in zip(_trees(specs), specs, revisions)]


def golden_targets(specs: list[str]) -> list[Target]:
    """What `check` compares: every spec as `<name>/` and each of its environments as `<name>@<env>/`."""
    from servespec.spec.frontend import variant_names
    from servespec.spec.loader import load_spec

    return [Target(tree if env is None else f"{tree}@{env}", spec, env)
            for tree, spec in zip(_trees(specs), specs) for env in variant_names(load_spec(spec))]


def _trees(specs: list[str]) -> list[str]:
    names = [os.path.splitext(os.path.basename(spec))[0] for spec in specs]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise InputError(f"several spec files are named {', '.join(twice)}: output trees would collide")
    return names


def compile_to_files(targets: list[Target], options: Optional[SchemaOptions] = None,
                     directory: Optional[Path] = None, *, always_synthesize: bool = True) -> CompileResult:
    """Compile every target (raises `SpecError`) into rendered files, validated when `options` say so.

    The result is what cdk8s returned; should it differ from the plan, it is rendered and validated
    again. `directory`, an empty existing directory, receives the rendered files. With `always_synthesize`
    off, cdk8s runs only if it would change some object (`synthesize.kept_by_cdk8s`): the result is the
    same, without starting Node when nothing needs it."""
    from servespec.build.pipeline import render, run

    outcome = run(targets, options, directory, always_synthesize=always_synthesize)
    result = CompileResult(outcome.files, outcome.synthesized, outcome.problems, outcome.validator)
    if outcome.synthesized is not outcome.planned and not _same(outcome.planned, outcome.synthesized):
        result.files = render(outcome.synthesized)
        if directory is not None:
            for child in directory.iterdir():
                if child.name != OWNER_MARKER:
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
            write_files(directory, result.files)
        if options is not None:
            validate_result(result, options, directory)
    return result


def _same(planned: dict[str, list[Manifest]], synthesized: dict[str, list[Manifest]]) -> bool:
    """The same objects in value and type (the objects cdk8s did not change are the planned ones). `==`
    alone takes 1.0 for 1 (which render differently); JSON back from Node holds no float of integral
    value, so that can only be missed when a planned object holds one, which `kept_by_cdk8s` rules out
    (else the two are compared as sorted JSON)."""
    from servespec.build.synthesize import kept_by_cdk8s

    if planned.keys() != synthesized.keys() or any(len(planned[t]) != len(synthesized[t]) for t in planned):
        return False
    pairs = [(before.data, after.data) for tree, items in planned.items()
             for before, after in zip(items, synthesized[tree]) if before is not after]
    return all(before == after and (kept_by_cdk8s(before) or json.dumps(before, sort_keys=True)
                                    == json.dumps(after, sort_keys=True)) for before, after in pairs)


def validate_result(result: CompileResult, options: SchemaOptions, directory: Optional[Path] = None) -> None:
    """Fill `result.problems` and `result.validator` (kubeconform reads `directory` when given)."""
    result.problems, result.validator = check_objects(
        result.files, [(name, manifest.data) for name, manifest in named_manifests(result)], options, directory)


def named_manifests(result: CompileResult) -> Iterator[tuple[str, Manifest]]:
    """(output file name, Manifest) for every compiled object."""
    from servespec.build.pipeline import named

    return named(result.manifests)


def compile_specs(specs: list[str], out_dir: str, env: Optional[str] = None,
                  options: SchemaOptions = SchemaOptions(), *, force: bool = False,
                  revision: Optional[str] = None) -> CompileResult:
    """Compile specs into `out_dir`, atomically: on any error or invalid object `out_dir` is untouched.
    `revision` as in `compile_targets`.
    `out_dir` must be servespec's to replace (`writer.owned_output_directory`; `force` for a non-empty
    directory without the marker), else InputError before anything is read or written."""
    target = owned_output_directory(out_dir, specs, force=force)
    staging = staging_directory(target)
    try:
        result = compile_to_files(compile_targets(list(specs), env, revision), options, staging)
        if result.ok:
            replace_tree(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return result


def compile_stream(specs: list[str], env: Optional[str] = None,
                   options: SchemaOptions = SchemaOptions(), *, revision: Optional[str] = None
                   ) -> tuple[CompileResult, str]:
    """Compile specs into one YAML stream (`---` before each object, in file-name order), for tools that
    read manifests from standard output (Argo CD plugins, `kubectl apply -f -`); no file is written."""
    result = compile_to_files(compile_targets(list(specs), env, revision), options)
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
                 options: SchemaOptions = SchemaOptions(), force: bool = False
                 ) -> tuple[CompileResult, list[Drift]]:
    """Compile every spec and environment and compare with `golden_dir`; with `update`, rewrite it
    (only when every object passed schema validation). Every tree to rewrite or remove is checked with
    `writer.owned_output_directory` (`force` for trees without the marker) before anything changes."""
    targets = golden_targets(list(specs))
    root = Path(golden_dir)
    trees = [t.tree for t in targets]
    stale = _stale_environment_trees(root, trees)
    owned = {tree: owned_output_directory(root / tree, specs, force=force) for tree in trees + stale} \
        if update else {}
    result = compile_to_files(targets, options, always_synthesize=False)
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
