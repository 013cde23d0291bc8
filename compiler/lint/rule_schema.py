"""JSON Schema for custom lint rules, evaluated offline and in linear time.

A pack's custom rule is a JSON Schema (draft 2020-12) over compiled manifests. Two of the schema language's
features could stall or leak a lint run: regular expressions (`pattern`, `patternProperties`) matched by
Python's backtracking engine take exponential time on patterns like `^(a+)+$`, and a `$ref` to a URL would
be fetched over the network. Here patterns are matched by RE2 (linear time; no lookaround, no
backreferences), and a `$ref` must resolve inside the rule's own schema; both are checked when the pack loads.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterator, NoReturn

import re2
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import SchemaError, ValidationError
from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT202012

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
_ROOT = "urn:servespec:custom-rule"


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> Any:
    """The RE2 form of a schema pattern; raises `re2.error` for syntax RE2 does not have."""
    return re2.compile(pattern, options=_OPTIONS)


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not compile_pattern(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: dict[str, Any], instance: Any,
                        schema: dict[str, Any]) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        compiled = compile_pattern(pattern)
        for key, value in instance.items():
            if compiled.search(key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator: Any, allowed: Any, instance: Any,
                           schema: dict[str, Any]) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = [compile_pattern(pattern) for pattern in schema.get("patternProperties", {})]
    extras = sorted(key for key in instance
                    if key not in properties and not any(pattern.search(key) for pattern in patterns))
    if validator.is_type(allowed, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], allowed, path=extra)
    elif not allowed and extras:
        yield ValidationError(f"additional properties are not allowed ({', '.join(map(repr, extras))} unexpected)")


RuleValidator = validators.extend(Draft202012Validator, {  # type: ignore[no-untyped-call]
    "pattern": _pattern, "patternProperties": _pattern_properties, "additionalProperties": _additional_properties})
"""Draft 2020-12 with every regular expression matched by RE2."""


def _refuse_retrieval(uri: str) -> NoReturn:
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]  # attrs init; mypy misses the alias


def _registry(schema: dict[str, Any]) -> Registry[Any]:
    """The schema as the only resource; any other `$ref` target is refused, never fetched."""
    registry: Registry[Any] = Registry(retrieve=_refuse_retrieval)  # type: ignore[call-arg]  # attrs alias
    with_schema: Registry[Any] = registry.with_resource(_ROOT, DRAFT202012.create_resource(schema))
    return with_schema


def rule_validator(schema: dict[str, Any]) -> Any:
    """A validator for one custom rule's schema (which `check_rule_schema` accepted)."""
    registry = _registry(schema)
    return RuleValidator(schema, registry=registry, _resolver=registry.resolver(_ROOT))


def _walk(schema: Any) -> Iterator[tuple[str, Any]]:
    """Every (keyword, value) pair in a schema, nested ones included."""
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                yield key, value
                pending.append(value)
        elif isinstance(node, list):
            pending.extend(node)


def check_rule_schema(schema: dict[str, Any]) -> None:
    """Raise ValueError unless `schema` is valid draft 2020-12, its patterns are RE2 syntax and every `$ref`
    resolves inside it."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        raise ValueError(f"not a valid JSON Schema: {err.message}") from None
    resolver = _registry(schema).resolver(_ROOT)
    keywords = list(_walk(schema))
    if any(key == "patternProperties" for key, _ in keywords) and any(
            key == "unevaluatedProperties" for key, _ in keywords):
        raise ValueError("unevaluatedProperties cannot be combined with patternProperties in a custom rule")
    for key, value in keywords:
        patterns = [value] if key == "pattern" and isinstance(value, str) else \
            list(value) if key == "patternProperties" and isinstance(value, dict) else []
        for pattern in patterns:
            try:
                compile_pattern(pattern)
            except re2.error as err:
                reason = err.args[0].decode() if err.args and isinstance(err.args[0], bytes) else str(err)
                raise ValueError(f"pattern {pattern!r} is not RE2 syntax ({reason}); custom rules match in linear "
                                 "time, without lookaround or backreferences") from None
        if key == "$ref" and isinstance(value, str):
            try:
                resolver.lookup(value)
            except Unresolvable:
                raise ValueError(f"$ref {value!r} does not resolve inside the rule's schema (references to "
                                 "other documents or URLs are not fetched)") from None
