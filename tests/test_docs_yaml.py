"""Every YAML block of the README and docs/ is read as a user who copies it would read it: by servespec's own
spec reader (a block that does not parse there misleads). Spec fragments are merged into
examples/quickstart.yaml and must validate; a policy pack must load; rules.md's blocks are excerpts of rule
cases, which tests/test_rules.py runs whole, and CI configurations are read only."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from ruamel.yaml import YAML

from servespec import api
from servespec.diagnostics import SpecError
from servespec.lint.policy import load_policy
from servespec.spec.loader import load_text
from tests.conftest import ROOT

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SPEC_KEYS = {"apiVersion", "metadata", "security", "gpuPools", "gpuTypes", "models", "environments", "traffic",
             "monitoring", "budget", "waivers", "gpuOperator"}
DIGEST_PLACEHOLDER = "@sha256:..."


def yaml_blocks() -> list[tuple[str, str]]:
    blocks = []
    for document in DOCUMENTS:
        for number, block in enumerate(re.findall(r"```yaml\n(.*?)```", document.read_text(), re.S), 1):
            blocks.append((f"{document.relative_to(ROOT)}#{number}", block))
    return blocks


BLOCKS = yaml_blocks()


def merged_into_quickstart(fragment: dict) -> dict:
    """The quickstart spec with the fragment's sections: list items by name onto the base's item of that name
    (else onto its first, for the fields the fragment leaves out), other keys replaced."""
    spec = yaml.safe_load((ROOT / "examples" / "quickstart.yaml").read_text())
    waived = [waiver["model"] for waiver in fragment.get("waivers", []) if "model" in waiver]
    if waived:  # the models its waivers name
        fragment = {"models": [{"name": name} for name in waived], **fragment}
    for key, value in fragment.items():
        if isinstance(value, list) and isinstance(spec.get(key), list):
            base = {item["name"]: item for item in spec[key]}
            merged = []
            for item in value:
                template = copy.deepcopy(base.get(item.get("name"), spec[key][0]))
                template.update(item)
                merged.append(template)
            spec[key] = merged
        else:
            spec[key] = value
    return spec


def test_the_documents_have_yaml_blocks():
    assert len(BLOCKS) >= 20


@pytest.mark.parametrize("where, block", BLOCKS, ids=[where for where, _ in BLOCKS])
def test_yaml_block_reads_and_validates(where, block, tmp_path):
    text = block.replace(DIGEST_PLACEHOLDER, "@sha256:" + "0" * 64)
    data = YAML(typ="safe", pure=True).load(text)  # YAML 1.2, as GitHub and pre-commit read their files
    servespec_input = isinstance(data, dict) and str(data.get("apiVersion", "servespec.dev")).startswith(
        "servespec.dev") and (set(data) & SPEC_KEYS or ("rules" in data and "name" in data))
    if not servespec_input or where.startswith("docs/rules.md"):
        return
    try:
        load_text(text, where)
    except SpecError as error:
        pytest.fail("\n".join(d.render() for d in error.diagnostics))
    if "rules" in data and "name" in data:  # a policy pack
        (tmp_path / "pack.yaml").write_text(text)
        assert load_policy(str(tmp_path / "pack.yaml")).name == data["name"]
    elif set(data) & SPEC_KEYS and set(data) <= SPEC_KEYS | {"kind"}:
        spec = data if "apiVersion" in data else merged_into_quickstart(data)
        path = tmp_path / "fleet.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False))
        problems = [d.render() for d in api.validate_file(str(path)) if d.severity == "error"]
        assert problems == [], f"{where}:\n" + "\n".join(problems)


def test_a_colon_in_a_flow_value_is_explained(tmp_path):
    """YAML 1.1 ends a plain scalar in {...} at ':': the error says to quote it."""
    path = tmp_path / "fleet.yaml"
    path.write_text(Path(ROOT / "examples/quickstart.yaml").read_text()
                    + "traffic: {provider: istio, loadTest: {url: http://tester.loadtest/}}\n")
    with pytest.raises(SpecError) as raised:
        api.validate_file(str(path))
    assert 'quote a value holding' in raised.value.diagnostics[0].hint
