"""Turn loaded data into a `FleetSpec`, reporting every pydantic error at the spec's file:line:col."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from servespec.diagnostics import Diagnostic, SpecError, suggest
from servespec.spec.loader import SourceMap, SpecPath
from servespec.spec.model import ENV_REFERENCE_TAG, FleetSpec


def parse_fleet(data: dict[str, Any], source_map: SourceMap) -> FleetSpec:
    """Validate the data against the spec model; raise `SpecError` with one located diagnostic per problem."""
    spec: FleetSpec = parse_document(FleetSpec, data, source_map)
    return spec


def parse_document(model: type[BaseModel], data: Any, source_map: SourceMap, at: SpecPath = ()) -> Any:
    """Validate `data` (found at `at` in the document) against `model`, with located diagnostics."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise SpecError(_diagnostics(err, source_map, model, at)) from None


def _diagnostics(err: ValidationError, source_map: SourceMap, model: type[BaseModel],
                 at: SpecPath) -> list[Diagnostic]:
    seen: set[str] = set()
    out = []
    for error in err.errors(include_url=False):
        path = _data_path(error["loc"])
        diagnostic = _diagnostic(dict(error), path, source_map, model, tuple(at))
        if diagnostic.path not in seen or error["type"] == "extra_forbidden":
            seen.add(diagnostic.path)
            out.append(diagnostic)
    return out


def _data_path(loc: tuple[str | int, ...]) -> SpecPath:
    """Drop the parts of a pydantic location that name union members rather than data keys."""
    path: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and (part in {"int", "str", "float", "bool", ENV_REFERENCE_TAG}
                                      or part.startswith(("function-", "constrained-", "literal["))):
            continue
        path.append(part)
    return tuple(path)


def _diagnostic(error: dict[str, Any], path: SpecPath, source_map: SourceMap, model: type[BaseModel],
                at: SpecPath) -> Diagnostic:
    kind = error["type"]
    name = next((part for part in reversed(path) if isinstance(part, str) and part != "[key]"), "value")
    known = _field_names(model, path[:-1]) if kind == "extra_forbidden" else []
    path = at + tuple(path)
    if kind == "extra_forbidden":
        return source_map.diagnostic(path, f"unknown key {path[-1]!r}", key=True,
                                     hint=suggest(str(path[-1]), known) or _allowed(known))
    if kind == "missing":
        required = _field_names(model, path[len(at):-1], required_only=True)
        return source_map.diagnostic(path, f"missing required key {name!r}",
                                     hint=f"this mapping needs: {', '.join(required)}" if len(required) > 1 else "")
    if path and path[-1] == "[key]":
        key = error.get("input")
        return source_map.diagnostic(path[:-1] + (str(key),), f"key {key!r}: {_message(error)}", key=True)
    if kind == "literal_error":
        expected = error["ctx"]["expected"].replace("'", "")
        choices = [choice.strip() for choice in expected.replace(" or ", ",").split(",") if choice.strip()]
        return source_map.diagnostic(path, f"{name}: {error['input']!r} is not one of {', '.join(choices)}",
                                     hint=suggest(str(error["input"]), choices))
    return source_map.diagnostic(path, f"{name}: {_message(error)}")


def _message(error: dict[str, Any]) -> str:
    message = str(error["msg"])
    if message.startswith("Value error, "):
        return message[len("Value error, "):]
    value = error.get("input")
    text = message[0].lower() + message[1:]
    if error["type"].endswith(("_type", "_parsing")) and not isinstance(value, (dict, list)):
        text += f", got {value!r}"
    return text


def _allowed(known: list[str]) -> str:
    return f"allowed keys: {', '.join(known)}" if known else ""


def _field_names(model: Any, path: SpecPath, required_only: bool = False) -> list[str]:
    """The keys allowed (or only the required ones) in the mapping at `path` of a `model` document."""
    for part in path:
        model = _step(model, part)
        if model is None:
            return []
    model = _unwrap(model)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [field.alias or name for name, field in model.model_fields.items()
                if field.is_required() or not required_only]
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip Optional/Annotated down to the one concrete type: in a union of a scalar and one mapping
    type, the mapping type (None when ambiguous)."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            models = [arg for arg in args if isinstance(_unwrap(arg), type) and issubclass(_unwrap(arg), BaseModel)]
            if len(args) != 1 and len(models) != 1:
                return None
            annotation = args[0] if len(args) == 1 else models[0]
        else:
            return annotation


def _step(annotation: Any, part: Any) -> Any:
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin in (list, tuple) and isinstance(part, int):
        return typing.get_args(annotation)[0]
    if origin is dict:
        return typing.get_args(annotation)[1]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(part, str):
        for name, field in annotation.model_fields.items():
            if (field.alias or name) == part:
                return field.annotation
    return None
