"""What a rule is: an ID, a slug, documentation in its docstring, typed options, and `check()`.

A rule never decides its own severity: the policy pack does. `check()` yields `Finding`s that name the
spec path they are about; the engine turns that path into file:line:col.
"""

from __future__ import annotations

import datetime
import inspect
import re
import textwrap
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Iterator, Optional

from pydantic import BaseModel, ConfigDict

from servespec.policies.cases import RuleCases, base_spec, cases_of
from servespec.spec.loader import SpecPath

if TYPE_CHECKING:
    from servespec.capacity.week import PoolPeak
    from servespec.policies.image_reports import ImageReport
    from servespec.spec.resolve import ResolvedFleet, ResolvedModel
    from servespec.synth.manifest import Manifest

DOC_SECTIONS = ("What it does", "Why it matters", "Example that fires", "Fix")
"""The sections of every rule's documentation, in this order. The docstring has all but the example, which
is the rule's firing case (`servespec.policies.cases`)."""

EXAMPLE = "Example that fires"


class NoOptions(BaseModel):
    """A rule without options."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleOptions(BaseModel):
    """Base of a rule's options: camelCase keys in packs, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              alias_generator=lambda name: re.sub(r"_(\w)", lambda m: m[1].upper(), name))


@dataclass(frozen=True)
class Finding:
    """One problem a rule found: a message about the spec at `path`, for `model` (None: the fleet)."""

    message: str
    path: SpecPath
    model: Optional[str] = None
    hint: str = ""
    vulnerability: str = ""
    """The vulnerability ID a finding is about (waivers with `cve` match it)."""


@dataclass
class LintContext:
    """What rules read: the resolved fleet, its planned manifests (built on first use, never through Node),
    today's date and, for the rules about waivers, every rule ID and slug and which waivers matched."""

    fleet: "ResolvedFleet"
    today: datetime.date
    rule_keys: frozenset[str] = frozenset()
    used_waivers: set[int] = field(default_factory=set)
    image_reports: tuple["ImageReport", ...] = ()
    """Trivy reports given with `lint --image-report` (policies.image_reports)."""

    @cached_property
    def manifests(self) -> list["Manifest"]:
        from servespec.synth.fleet import build_manifests

        return build_manifests(self.fleet)

    def model_of(self, manifest: "Manifest") -> Optional["ResolvedModel"]:
        """The model a compiled object belongs to (None for fleet-wide objects)."""
        path = manifest.source_path
        if path[:1] == ("models",) and len(path) > 1 and isinstance(path[1], int):
            return self.fleet.models[path[1]]
        return None

    @cached_property
    def _model_manifests_by_kind(self) -> dict[str, list[tuple["ResolvedModel", "Manifest"]]]:
        by_kind: dict[str, list[tuple["ResolvedModel", "Manifest"]]] = {}
        for manifest in self.manifests:
            model = self.model_of(manifest)
            if model is not None:
                by_kind.setdefault(manifest.kind, []).append((model, manifest))
        return by_kind

    def model_manifests(self, kind: str) -> Iterator[tuple["ResolvedModel", "Manifest"]]:
        """Each model's compiled object of `kind`, paired with the model."""
        yield from self._model_manifests_by_kind.get(kind, ())

    @cached_property
    def pool_peaks(self) -> dict[str, "PoolPeak"]:
        """Each pool's weekly peak and rollout surges, computed once for every rule that needs them."""
        from servespec.capacity.week import pool_peak

        return {name: pool_peak(self.fleet, pool) for name, pool in self.fleet.pools.items()}

    def serving_pods(self) -> Iterator[tuple["ResolvedModel", dict[str, Any]]]:
        """Each model's serving pod template: its Deployment's, or its LeaderWorkerSet's leader."""
        for model, manifest in self.model_manifests("Deployment"):
            yield model, manifest.data["spec"]["template"]
        for model, manifest in self.model_manifests("LeaderWorkerSet"):
            yield model, manifest.data["spec"]["leaderWorkerTemplate"]["leaderTemplate"]

    def fleet_manifest(self, kind: str) -> Optional["Manifest"]:
        """The fleet-wide object of `kind` (Namespace, PrometheusRule), if compiled."""
        return next((m for m in self.manifests if m.kind == kind and self.model_of(m) is None), None)


def model_path(model: "ResolvedModel", *keys: str | int) -> SpecPath:
    """The spec path of a model's field, e.g. ("models", 2, "gpu", "mig")."""
    return ("models", model.index, *keys)


def cuda_models(fleet: "ResolvedFleet") -> Iterator[tuple["ResolvedModel", tuple[int, int], SpecPath]]:
    """Models that request a GPU and whose CUDA version is known, with that version and the spec path that
    sets it."""
    for model in fleet.models:
        if model.cuda is not None and model.spec.gpu is not None:
            yield model, model.cuda, model_path(model, "cuda" if model.spec.cuda else "image")


def driver_models(fleet: "ResolvedFleet"
                  ) -> Iterator[tuple["ResolvedModel", tuple[int, int], tuple[int, ...], SpecPath]]:
    """`cuda_models` with their pool's driver, where the CUDA table decides: not on a pool whose driver the
    spec does not name (a managed platform's), nor where the engine's release notes support the pool's driver
    (an NGC image with the CUDA forward-compatibility package, `catalog.runtimes.DriverSupport`)."""
    for model, cuda, path in cuda_models(fleet):
        driver, drivers = model.pool.driver, model.server.engine.drivers
        if driver is not None and (drivers is None or not drivers.supports(driver)):
            yield model, cuda, driver, path


def cuda_origin(model: "ResolvedModel") -> str:
    """What the model's CUDA version was read from, for messages: "image", or "the vllm 0.9.2 image"."""
    if model.cuda_source == "runtime" and model.image.version:
        return f"the {model.server.runtime.name} {'.'.join(map(str, model.image.version))} image"
    return "image"


def server_container(pod_template: dict[str, Any]) -> dict[str, Any]:
    """The model server container of a pod template (`LintContext.serving_pods`)."""
    container: dict[str, Any] = pod_template["spec"]["containers"][0]
    return container


class Rule:
    """Base class. Subclasses set `id`, `slug`, `category`, optionally `Options`, and implement `check`."""

    id: ClassVar[str]
    slug: ClassVar[str]
    category: ClassVar[str]
    Options: ClassVar[type[BaseModel]] = NoOptions
    after_waivers: ClassVar[bool] = False
    """True for rules about the waivers themselves: they run last and cannot be waived."""

    def check(self, context: LintContext, options: Any) -> Iterable[Finding]:
        """The findings of this rule; `options` is an instance of the rule's `Options`."""
        raise NotImplementedError

    @classmethod
    def title(cls) -> str:
        return (inspect.getdoc(cls) or "").splitlines()[0].rstrip(".")

    @classmethod
    def cases(cls) -> RuleCases:
        """The rule's fire and silent cases, from the YAML file beside its module."""
        return cases_of(cls.__module__.rsplit(".", 1)[-1])

    @classmethod
    def docstring_sections(cls) -> dict[str, str]:
        """The docstring's sections by heading."""
        doc = inspect.getdoc(cls) or ""
        parts = re.split(r"^(%s):\s*$" % "|".join(map(re.escape, DOC_SECTIONS)), doc, flags=re.M)
        return {heading: textwrap.dedent(body).strip("\n") for heading, body in zip(parts[1::2], parts[2::2])}

    @classmethod
    @cache
    def sections(cls) -> dict[str, str]:
        """The documentation by heading, in DOC_SECTIONS order: the docstring's, and the firing case as
        the example."""
        found = {**cls.docstring_sections(), EXAMPLE: cls.cases().fires.example(base_spec())}
        return {heading: found[heading] for heading in DOC_SECTIONS if heading in found}
