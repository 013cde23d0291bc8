"""The spec reference in Markdown, generated from the JSON Schema (docs/spec.md is its output)."""

from __future__ import annotations

import json
from typing import Any


def _type(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        return str(prop["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in prop:
        return " or ".join(_type(option, defs) for option in prop["anyOf"] if option.get("type") != "null")
    if "enum" in prop:
        return " \\| ".join(f"`{value}`" for value in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list of {_type(prop.get('items', {}), defs)}"
    if kind == "object" and isinstance(prop.get("additionalProperties"), dict):
        return f"map of {_type(prop['additionalProperties'], defs)}"
    return str(kind)


def _section(title: str, node: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    lines = [f"## {title}", "", node.get("description", ""), "",
             "| key | type | required | default | description |", "|---|---|---|---|---|"]
    required = set(node.get("required", []))
    for name, prop in node.get("properties", {}).items():
        default = json.dumps(prop["default"]) if "default" in prop else ""
        description = prop.get("description", "").replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{name}` | {_type(prop, defs)} | {'yes' if name in required else ''} | {default} | "
                     f"{description} |")
    return lines + [""]


def spec_reference(schema: dict[str, Any]) -> str:
    defs = schema.get("$defs", {})
    lines = ["# Spec reference", "",
             "Generated from `schemas/servespec.schema.json` by `servespec schema --markdown`; do not edit.", ""]
    lines += _section("ServingFleet (top level)", schema, defs)
    for name in sorted(defs):
        lines += _section(name, defs[name], defs)
    return "\n".join(lines).rstrip("\n") + "\n"
