"""The loader: plain data, exact positions, and located errors for every kind of bad input."""

from __future__ import annotations

import datetime

import pytest

from servespec.diagnostics import InputError, SpecError
from servespec.spec.loader import MAX_FILE_BYTES, format_path, load_spec, load_text


def errors(text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_text(text, "spec.yaml")
    return [d.render() for d in caught.value.diagnostics]


def test_source_map_points_at_values_and_keys():
    loaded = load_text("a: 1\nmodels:\n  - name: x\n    gpu: {mig: 1g.10gb}\n", "f.yaml")
    assert loaded.data == {"a": 1, "models": [{"name": "x", "gpu": {"mig": "1g.10gb"}}]}
    assert loaded.source_map.locate(("models", 0, "gpu", "mig")) == (4, 16)
    assert loaded.source_map.locate(("models", 0, "gpu", "mig"), key=True) == (4, 11)
    assert loaded.source_map.locate(("models", 0, "name")) == (3, 11)
    # a path that does not exist falls back to its nearest ancestor
    assert loaded.source_map.locate(("models", 0, "gpu", "count")) == (4, 10)


def test_format_path():
    assert format_path(("models", 2, "gpu", "mig")) == "models[2].gpu.mig"


def test_yaml_1_2_scalars():
    data = load_text("a: yes\nb: 0x10\nc: 2027-03-01\nd: ~\ne: '1'\nf: 1.5\n").data
    assert data == {"a": "yes", "b": 16, "c": datetime.date(2027, 3, 1), "d": None, "e": "1", "f": 1.5}


def test_anchors_and_merge_keys():
    data = load_text("base: &b {cpu: '2', memory: 4Gi}\nr: {<<: *b, cpu: '4'}\n").data
    assert data["r"] == {"cpu": "4", "memory": "4Gi"}


@pytest.mark.parametrize("text, expected", [
    ("a: 1\na: 2\n", "spec.yaml:2:1: error: duplicate key 'a' (first defined at line 1, column 1)"),
    ("a: [\n", "spec.yaml:2:1: error: invalid YAML"),
    ("a: 1\n---\nb: 2\n", "spec.yaml:2:1: error: the file holds more than one YAML document"),
    ("", "spec.yaml:1:1: error: the file is empty"),
    ("# only a comment\n", "spec.yaml:1:1: error: the file is empty"),
    ("- 1\n", "spec.yaml:1:1: error: the top level must be a mapping, not a list"),
    ("just a string\n", "spec.yaml:1:1: error: the top level must be a mapping, not a string"),
    ("a: !!python/object:os.system x\n", "spec.yaml:1:4: error: tag !!python/object:os.system is not allowed"),
    ("a: !custom x\n", "spec.yaml:1:4: error: tag !custom is not allowed"),
    ("a: !!binary aGk=\n", "spec.yaml:1:4: error: tag !!binary is not allowed"),
    ("a: !!set {x}\n", "spec.yaml:1:4: error: tag !!set is not allowed"),
    ("1: x\n", "spec.yaml:1:1: error: mapping keys must be plain strings"),
    ("a: 2027-13-01\n", "spec.yaml:1:4: error: '2027-13-01' is not a valid timestamp"),
    ("a: {<<: 3}\n", "spec.yaml:1:9: error: a `<<` merge takes a mapping or a list of mappings"),
])
def test_bad_yaml_is_located(text, expected):
    assert any(line.startswith(expected) for line in errors(text)), errors(text)


def test_alias_bomb_is_refused_quickly():
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for previous, name in zip("abcdefgh", "bcdefghi"):
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    assert "aliases expand to more than" in errors("\n".join(levels) + "\n")[0]


def test_every_problem_is_reported_at_once():
    found = errors("a: 1\na: 2\nb: !x 1\nc: !y 2\n")
    assert len(found) == 3


def test_non_utf8_bytes_are_located(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(SpecError) as caught:
        load_spec(str(spec))
    assert caught.value.diagnostics[0].render().startswith(f"{spec}:2:7: error: byte 0xe9 is not valid UTF-8")


def test_utf8_bom_is_accepted(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert load_spec(str(spec)).data == {"a": 1}


def test_file_over_the_size_limit(tmp_path):
    spec = tmp_path / "big.yaml"
    spec.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(SpecError) as caught:
        load_spec(str(spec))
    assert "the limit is 8388608 bytes" in caught.value.diagnostics[0].message


@pytest.mark.parametrize("make", [lambda p: p / "missing.yaml", lambda p: p])
def test_unreadable_input(tmp_path, make):
    with pytest.raises(InputError):
        load_spec(str(make(tmp_path)))
