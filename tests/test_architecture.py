"""The import contract: layers import only downwards, siblings not at all, and no module imports itself
back through others (function-level and type-only imports count too)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

FOLDERS = {"servespec": ROOT / "compiler", "servespec.policies": ROOT / "policies",
           "servespec.schemas": ROOT / "schemas"}
"""Import package -> source folder, as pyproject.toml's package-dir maps them."""

LAYERS = [
    {"__main__"},
    {"cli"},
    {"api"},
    {"report"},
    {"lint", "review", "build"},
    {"policies"},
    {"capacity", "synth"},
    {"spec"},
    {"catalog"},
    {"diagnostics"},
    {"", "schemas"},
]
"""Top to bottom; a part ("" is the package's own __init__: the version) imports only parts below it.
Parts on one line are independent of each other."""


def modules() -> dict[str, Path]:
    found = {}
    for package, folder in FOLDERS.items():
        for path in folder.rglob("*.py"):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = ".".join([package, *parts])
            found.setdefault(name, path)
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """servespec modules `name` imports anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parents = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parents + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {module for module in found if module in known and module != name}


def part(module: str) -> str:
    """The layer part of a module: servespec.spec.model -> spec, servespec.policies.rules.x -> policies."""
    rest = module.split(".")[1:]
    return rest[0] if rest else ""


def layer(module: str) -> int:
    return next(index for index, parts in enumerate(LAYERS) if part(module) in parts)


GRAPH = {name: imports(name, path, modules()) for name, path in modules().items()}


def test_every_module_belongs_to_a_layer():
    assert {part(module) for module in GRAPH} <= set().union(*LAYERS)
    assert len(GRAPH) > 90  # the walk found the whole package


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_down_the_layers(module):
    wrong = [target for target in GRAPH[module]
             if part(target) != part(module) and layer(target) <= layer(module)]
    assert not wrong, f"{module} imports {wrong}, which are not below it: {LAYERS}"


def test_no_import_cycles():
    cycles = []

    def visit(module, path):
        for target in sorted(GRAPH[module]):
            if target in path:
                cycles.append(path[path.index(target):] + [target])
            elif target not in done:
                visit(target, path + [target])
        done.add(module)

    done: set[str] = set()
    for module in sorted(GRAPH):
        if module not in done:
            visit(module, [module])
    assert not cycles, "\n".join(" -> ".join(cycle) for cycle in cycles[:10])


def test_the_contract_sees_a_violation(tmp_path):
    """The parser resolves relative and submodule imports, so the checks above can fail."""
    source = tmp_path / "m.py"
    source.write_text("from ..spec import model\nfrom servespec.synth import canary\nimport servespec.api\n")
    known = {"servespec.spec.model": source, "servespec.synth.canary": source, "servespec.api": source,
             "servespec.catalog.m": source}
    assert imports("servespec.catalog.m", source, known) == {"servespec.spec.model", "servespec.synth.canary",
                                                              "servespec.api"}


COMPILE_MODULES = """
import os, sys, tempfile
from servespec.cli import main
out = os.path.join(tempfile.mkdtemp(), "out")
main(["compile", "examples/quickstart.yaml", "-o", out, "--validator", "built-in"], standalone_mode=False)
print(" ".join(sorted({m.split(".")[0] for m in sys.modules} & {"jsii", "cdk8s", "constructs", "pydantic"})))
"""


def test_compile_drives_cdk8s_in_node_without_jsii():
    """cdk8s runs in its own runtime (one Node process fed a stream), never object by object through the
    jsii bindings; pydantic is imported, so the probe sees modules."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", COMPILE_MODULES], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-2].split() == ["pydantic"]


SKIPPING = """
import pytest

def test_needs_a_tool():
    pytest.skip("sometool is not installed")

@pytest.mark.skipif(True, reason="othertool is not installed")
def test_needs_another_tool():
    pass
"""


@pytest.mark.parametrize("required", [False, True])
def test_a_missing_tool_skips_or_fails_as_the_environment_says(pytester, monkeypatch, required):
    pytester.makeconftest((ROOT / "tests" / "conftest.py").read_text())
    pytester.makepyfile(SKIPPING)
    if required:
        monkeypatch.setenv("SERVESPEC_REQUIRE_TOOLS", "1")
    else:
        monkeypatch.delenv("SERVESPEC_REQUIRE_TOOLS", raising=False)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    if required:
        result.assert_outcomes(failed=1, errors=1)  # a skip at setup (skipif, a fixture) fails as an error
        result.stdout.fnmatch_lines(["*SERVESPEC_REQUIRE_TOOLS is set, so this skip is a failure*sometool*"])
    else:
        result.assert_outcomes(skipped=2)
