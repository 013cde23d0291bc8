"""`make rule ID=XXX000 SLUG=some-slug CATEGORY=gpu`: a new rule in one command, like ruff's add_rule script.
Writes the rule module (docstring sections, id, slug, category, an empty `check`) and its fire/silent cases
beside it, registers the class in `registry.py`, gives it a severity in the baseline pack; `make schema`
then regenerates docs/rules.md and the README's rule table. What is left is the rule's logic and its cases:
until then tests/test_rules.py fails on the firing case, as it should."""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ID_PATTERN = re.compile(r"^[A-Z]{3}[0-9]{3}$")
SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")

MODULE = '''from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path


class {cls}(Rule):
    """TODO: one line saying what is wrong.

    What it does:
        TODO: what the rule reads (spec, resolved fleet or compiled objects) and when it fires.

    Why it matters:
        TODO: what breaks in the cluster, with the upstream source.

    Fix:
        TODO: what to change in the spec.
    """

    id = "{rule_id}"
    slug = "{slug}"
    category = "{category}"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            if False:  # TODO: the condition
                yield Finding(f"TODO {{model.name!r}}", model_path(model), model.name, hint="TODO")
'''

CASES = '''# {rule_id} {slug}: a change to the base spec (base.yaml) that makes it fire, where the finding points,
# and the nearest change that must not fire. The first is the rule's documented example.
fires:
  change: {{}}
  at: models[0]
silent:
  change: {{}}
'''


def class_name(slug: str) -> str:
    return "".join(part.capitalize() for part in slug.split("-"))


def _insert_sorted(lines: list[str], start: int, end: int, line: str) -> None:
    """Insert `line` among lines[start:end] (kept sorted)."""
    block = lines[start:end] + [line]
    lines[start:end] = sorted(block)


def scaffold(rule_id: str, slug: str, category: str, rules: Path = HERE / "rules", registry: Path = HERE /
             "registry.py", pack: Path = HERE / "packs" / "baseline.yaml") -> list[Path]:
    """Write the rule's files and register it; the paths written. ValueError on a bad or taken ID or slug."""
    if not ID_PATTERN.match(rule_id) or not SLUG_PATTERN.match(slug) or not re.fullmatch(r"[a-z]+", category):
        raise ValueError("ID like GPU010, SLUG like cuda-too-new (words joined by '-'), CATEGORY like gpu")
    module = slug.replace("-", "_")
    text = registry.read_text()
    if f'"{rule_id}"' in "".join(path.read_text() for path in rules.glob("*.py")) or f"    {module},\n" in text:
        raise ValueError(f"{rule_id} or {slug} exists already")
    (rules / f"{module}.py").write_text(MODULE.format(cls=class_name(slug), rule_id=rule_id, slug=slug,
                                                      category=category))
    (rules / f"{module}.yaml").write_text(CASES.format(rule_id=rule_id, slug=slug))
    lines = text.splitlines(keepends=True)
    first = lines.index("from servespec.policies.rules import (\n") + 1
    _insert_sorted(lines, first, lines.index(")\n", first), f"    {module},\n")
    end = lines.index(")\n", lines.index("RULE_CLASSES: tuple[type[Rule], ...] = (\n"))
    lines.insert(end, f"    {module}.{class_name(slug)},\n")
    registry.write_text("".join(lines))
    pack_text = pack.read_text()
    marker = "  # Waivers\n"
    pack.write_text(pack_text.replace(marker, f"  {slug}: warning\n{marker}", 1) if marker in pack_text
                    else pack_text + f"  {slug}: warning\n")
    return [rules / f"{module}.py", rules / f"{module}.yaml", registry, pack]


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: make rule ID=GPU010 SLUG=cuda-too-new CATEGORY=gpu", file=sys.stderr)
        return 2
    try:
        written = scaffold(argv[0], argv[1], argv[2])
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("wrote " + ", ".join(str(path.relative_to(HERE.parent)) for path in written))
    print("next: write check() and the cases, then `make schema` for docs/rules.md and the README table")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
