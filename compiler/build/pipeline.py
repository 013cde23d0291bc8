"""The stream `compile` runs: each model's objects, as soon as they are planned, go to cdk8s, are rendered,
queued for writing and fed to the validator, so that planning, synthesis, validation and the disk overlap.

Three processes share the work: this one plans and renders (Python), Node synthesizes
(`servespec.build.cdk8s_runtime`), kubeconform validates (`servespec.build.validation.Validation`);
a thread writes the files.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator, Optional, Protocol, Sequence

from servespec.build.cdk8s_runtime import Host
from servespec.build.synthesize import kept_by_cdk8s, match, synthesize
from servespec.build.validation import SchemaOptions, SchemaProblem, Validation
from servespec.build.writer import FileWriter, render_yaml
from servespec.diagnostics import InputError
from servespec.synth.manifest import Manifest


class SpecTarget(Protocol):
    """One spec file in one environment, compiled into the output subtree `tree`."""

    @property
    def tree(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def env(self) -> Optional[str]: ...
    @property
    def revision(self) -> Optional[str]: ...


@dataclass
class Outcome:
    """What the stream produced: the planned and the synthesized objects per tree, the rendered files of the
    planned ones, and (when validated) the problems found and the validator used."""

    planned: dict[str, list[Manifest]] = field(default_factory=dict)
    synthesized: dict[str, list[Manifest]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    problems: list[SchemaProblem] = field(default_factory=list)
    validator: str = "off"


def planned_batches(target: SpecTarget) -> Iterator[list[Manifest]]:
    """A target's objects, one batch per model (the fleet's own objects first); loads and checks the spec
    first (raises SpecError)."""
    from servespec.spec.frontend import load_fleet
    from servespec.synth.fleet import manifests_by_model

    yield from manifests_by_model(replace(load_fleet(target.file, target.env), revision=target.revision))


def plan_targets(targets: Sequence[SpecTarget]) -> dict[str, list[Manifest]]:
    """Every target's objects as plain data (loads and checks the specs: raises SpecError)."""
    return {target.tree: [item for batch in planned_batches(target) for item in batch] for target in targets}


def output_name(tree: str, manifest: Manifest) -> str:
    """The output file of an object of tree `tree` ("" is the output root)."""
    return f"{tree}/{manifest.file_name}" if tree else manifest.file_name


def named(manifests: dict[str, list[Manifest]]) -> Iterator[tuple[str, Manifest]]:
    """(output file name, Manifest) for every object of every tree."""
    for tree, items in manifests.items():
        for manifest in items:
            yield output_name(tree, manifest), manifest


def render(manifests: dict[str, list[Manifest]]) -> dict[str, str]:
    """Output file name -> YAML text, for every object of every tree."""
    files: dict[str, str] = {}
    for name, manifest in named(manifests):
        if name in files:
            raise InputError(f"two objects would be written to {name}")
        files[name] = render_yaml(manifest.data)
    return files


def run(targets: Sequence[SpecTarget], options: Optional[SchemaOptions], directory: Optional[Path],
        *, always_synthesize: bool = True) -> Outcome:
    """Plan, synthesize, render, write (into `directory`, when given) and validate (when `options` say so)
    every target, model by model. Node is started at once, so it boots while the first spec loads; with
    `always_synthesize` off it is started only when some planned object is one cdk8s would change
    (`kept_by_cdk8s`), after planning, and otherwise the planned objects are the result."""
    trees = [target.tree for target in targets]
    host = Host() if always_synthesize else None
    validation = Validation(options, trees) if options is not None and options.enabled else None
    writer = FileWriter(directory) if directory is not None else None
    outcome = Outcome(planned={tree: [] for tree in trees})
    try:
        for target in targets:
            for batch in planned_batches(target):
                _add(outcome, target.tree, batch, host, validation, writer)
        if host is not None:
            outcome.synthesized = match(outcome.planned, host.synthesize())
        elif all(kept_by_cdk8s(item.data) for items in outcome.planned.values() for item in items):
            outcome.synthesized = outcome.planned
        else:
            outcome.synthesized = synthesize(outcome.planned)
        if validation is not None:
            outcome.problems, outcome.validator = validation.finish(), validation.validator
        if writer is not None:
            writer.close()
    finally:
        if host is not None:
            host.close()
        if validation is not None:
            validation.close()
        if writer is not None:
            writer.close(check=False)
    return outcome


def _add(outcome: Outcome, tree: str, batch: list[Manifest], host: Optional[Host], validation: Optional[Validation],
         writer: Optional[FileWriter]) -> None:
    """One model's objects into every stage of the stream."""
    for manifest in batch:
        if host is not None:
            host.define(tree, manifest.chart_id, manifest.data)
        name = output_name(tree, manifest)
        if name in outcome.files:
            raise InputError(f"two objects would be written to {name}")
        text = outcome.files[name] = render_yaml(manifest.data)
        if writer is not None:
            writer.write(name, text)
        if validation is not None:
            validation.add(tree, name, manifest.data, text)
    if host is not None:
        host.end_group()
    outcome.planned[tree] += batch
