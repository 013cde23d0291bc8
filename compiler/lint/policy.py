"""Policy packs: YAML files that set each rule's severity and options, extend other packs and add custom
rules written as JSON Schema over compiled manifests.

    name: acme
    extends: production                 # a pack name, or a file relative to this one
    rules:
      SCA001: {severity: error, options: {minimumSeconds: 600}}
      canary-duration: off              # IDs or slugs
    custom:
      - id: ACME001
        slug: team-label
        kind: Deployment
        severity: error
        message: every Deployment needs a team label
        schema: {properties: {metadata: {required: [labels], properties: {labels: {required: [team]}}}}}

A rule a pack (and its parents) does not name is off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

from servespec.diagnostics import Diagnostic, PolicyError, Severity, SpecError, suggest
from servespec.policies.registry import RULES, SLUGS, find_rule
from servespec.spec.loader import SourceMap, SpecPath, load_spec
from servespec.spec.parse import parse_document

PACKS_DIR = Path(str(resources.files("servespec.policies") / "packs"))
"""The built-in packs (package data of `servespec.policies`)."""
DEFAULT_PACK = "baseline"
SeveritySetting = Literal["error", "warning", "info", "off"]
"""What a pack may set: a `Severity` value, or off."""


class RuleSetting(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    severity: Optional[SeveritySetting] = Field(default=None, description="Severity of the rule's findings.")
    options: dict[str, Any] = Field(default_factory=dict, description="The rule's options (see its docs).")


class CustomRule(BaseModel):
    """A rule every compiled manifest of `kind` must satisfy, written as JSON Schema."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Z][A-Z0-9]{1,9}[0-9]{3}$", description="Rule ID, e.g. ACME001.")
    slug: str = Field(pattern=r"^[a-z][a-z0-9-]{1,62}$", description="Readable name, e.g. team-label.")
    kind: str = Field(min_length=1, description="Manifest kind the schema applies to, e.g. Deployment.")
    severity: SeveritySetting = Field(default="error", description="Severity of its findings.")
    message: str = Field(min_length=1, description="What is wrong, shown with each finding.")
    description: str = Field(default="", description="Why it matters and how to fix it.")
    schema_: dict[str, Any] = Field(alias="schema", description="JSON Schema (draft 2020-12) of a manifest; "
                                    "patterns in RE2 syntax, `$ref` only inside the schema.")

    @field_validator("schema_")
    @classmethod
    def _valid_schema(cls, schema: dict[str, Any]) -> dict[str, Any]:
        from servespec.lint.rule_schema import check_rule_schema

        check_rule_schema(schema)
        return schema


class PackFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="Pack name.")
    description: str = Field(default="", description="What the pack is for.")
    extends: Optional[str] = Field(default=None, description="Parent pack: a name or a file path.")
    rules: dict[str, Union[SeveritySetting, RuleSetting]] = Field(default_factory=dict,
                                                          description="Per rule ID or slug: severity and options.")
    custom: list[CustomRule] = Field(default_factory=list, description="Custom JSON Schema rules.")


@dataclass(frozen=True)
class EnabledRule:
    severity: Severity
    options: BaseModel


@dataclass
class Policy:
    """A resolved pack: the severity and options of every enabled rule, and the custom rules."""

    name: str
    rules: dict[str, EnabledRule] = field(default_factory=dict)
    custom: list[CustomRule] = field(default_factory=list)
    """Custom rules whose severity is not `off`."""

    def rule_keys(self) -> frozenset[str]:
        """Every ID and slug a waiver may name: the built-in rules and this pack's custom rules."""
        return frozenset([*RULES, *SLUGS, *(rule.id for rule in self.custom), *(rule.slug for rule in self.custom)])

    def severity(self, rule_id: str) -> str:
        enabled = self.rules.get(rule_id)
        if enabled is not None:
            return enabled.severity
        return next((rule.severity for rule in self.custom if rule.id == rule_id), "off")


def pack_names() -> list[str]:
    """The built-in packs."""
    return sorted(path.stem for path in PACKS_DIR.glob("*.yaml"))


def load_policy(reference: str = DEFAULT_PACK) -> Policy:
    """A built-in pack by name, or a pack file; raises PolicyError with located diagnostics."""
    chain = _chain(_pack_path(reference, Path.cwd()), [])
    policy = Policy(name=chain[-1][1].name)
    settings: dict[str, tuple[str, dict[str, Any], SpecPath, SourceMap]] = {}
    for _, pack, source_map in chain:
        for key, setting in pack.rules.items():
            rule = find_rule(key)
            if rule is None:
                raise PolicyError([source_map.diagnostic(("rules", key), f"unknown rule {key!r}", key=True,
                                                         hint=suggest(key, [*RULES, *SLUGS]) or
                                                         "`servespec rules` lists them")])
            severity, options, _, _ = settings.get(rule.id, ("off", {}, (), source_map))
            if isinstance(setting, str):
                severity = setting
            else:
                severity = setting.severity or severity
                options = {**options, **setting.options}
            settings[rule.id] = (severity, options, ("rules", key, "options"), source_map)
        for index, custom in enumerate(pack.custom):
            if find_rule(custom.id) or find_rule(custom.slug) or any(
                    other.id == custom.id or other.slug == custom.slug for other in policy.custom):
                raise PolicyError([source_map.diagnostic(("custom", index, "id"),
                                                         f"custom rule {custom.id} ({custom.slug}) reuses the ID or "
                                                         "slug of another rule")])
            if custom.severity != "off":
                policy.custom.append(custom)
    for rule_id, (severity, options, at, source_map) in settings.items():
        try:
            parsed = parse_document(RULES[rule_id].Options, options, source_map, at)
        except SpecError as err:
            raise PolicyError(err.diagnostics) from None
        if severity != "off":
            policy.rules[rule_id] = EnabledRule(Severity(severity), parsed)
    return policy


def _pack_path(reference: str, base: Path) -> Path:
    if re.fullmatch(r"[a-z][a-z0-9-]*", reference) and (PACKS_DIR / f"{reference}.yaml").exists():
        return PACKS_DIR / f"{reference}.yaml"
    path = (base / reference).resolve()
    if not path.exists():
        raise PolicyError([Diagnostic(reference, 1, 1, f"no policy pack {reference!r}",
                                      hint=f"built-in packs: {', '.join(pack_names())}; or give a file path")])
    return path


PACK_HINT = "a policy pack is a mapping starting with `name:`; see policies/packs/production.yaml"


def _pack_hint(diagnostic: Diagnostic) -> Diagnostic:
    """Spec-shaped hints (empty file, not a mapping) replaced by one about packs."""
    if diagnostic.message == "the file is empty" or diagnostic.message.startswith("the top level must be"):
        return replace(diagnostic, hint=PACK_HINT)
    return diagnostic


def _chain(path: Path, seen: list[Path]) -> list[tuple[Path, PackFile, Any]]:
    """The pack and its ancestors, oldest first."""
    if path in seen:
        raise PolicyError([Diagnostic(str(path), 1, 1, "policy packs extend each other in a cycle: "
                                      + " -> ".join(p.name for p in [*seen, path]))])
    try:
        loaded = load_spec(str(path))
        pack = parse_document(PackFile, loaded.data, loaded.source_map)
    except SpecError as err:
        raise PolicyError([_pack_hint(diagnostic) for diagnostic in err.diagnostics]) from None
    parents = _chain(_pack_path(pack.extends, path.parent), [*seen, path]) if pack.extends else []
    return [*parents, (path, pack, loaded.source_map)]
