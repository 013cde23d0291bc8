"""The loader: plain data, exact positions, and located errors for every kind of bad input."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


@pytest.mark.parametrize("text, expected", [
    ("a: *x\n", "spec.yaml:1:4: error: alias *x refers to no anchor defined before it"),
    ("a: &x 1\nb: &x 2\nc: *x\n", "spec.yaml:2:4: error: anchor &x is defined twice (first at line 1, column 4)"),
    ("a: &a [*a]\n", "spec.yaml:1:8: error: alias *a is inside the node it refers to"),
    ("a: &a {b: {c: *a}}\n", "spec.yaml:1:15: error: alias *a is inside the node it refers to"),
    ("a: {<<: {1: x}}\n", "spec.yaml:1:10: error: mapping keys must be plain strings"),
    ("a: <<\n", "spec.yaml:1:4: error: tag !!merge is not allowed"),
    ("a: 1\n---\nb: [\n", "spec.yaml:2:1: error: the file holds more than one YAML document"),
])
def test_alias_anchor_and_document_problems_are_located(text, expected):
    assert any(line.startswith(expected) for line in errors(text)), errors(text)


def test_merges_nest_and_aliases_keep_their_anchor_positions():
    loaded = load_text("b: &b {x: 1}\nc: {<<: {<<: *b, y: 2}, z: 3}\nd: [*b]\n*k : 4\nk: &k key\n".replace(
        "*k : 4\nk: &k key\n", "k: &k key\n*k : 4\n"))
    assert loaded.data == {"b": {"x": 1}, "c": {"z": 3, "y": 2, "x": 1}, "d": [{"x": 1}], "k": "key", "key": 4}
    assert loaded.source_map.values[("c", "x")] == (1, 11)  # where the merged value is written
    assert loaded.source_map.values[("d", 0)] == (1, 4)
    assert loaded.source_map.keys[("key",)] == (4, 4)


def test_merge_chains_deeper_than_the_limit_are_refused():
    lines = ["a0: &a0 {k0: 0}"] + [f"a{i}: &a{i} {{<<: *a{i - 1}, k{i}: {i}}}" for i in range(1, 80)]
    assert any("merges nest deeper than 64 levels" in line for line in errors("\n".join(lines) + "\n"))


def _composed_positions(text: str) -> tuple[dict, dict]:
    """Positions the way ruamel's own composer marks its nodes: the oracle for the event walk."""
    from ruamel.yaml import YAML
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    values: dict = {}
    keys: dict = {}

    def walk(node, path):
        values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, MappingNode):
            for key, value in node.value:
                keys[path + (key.value,)] = (key.start_mark.line + 1, key.start_mark.column + 1)
                walk(value, path + (key.value,))
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, path + (index,))

    walk(YAML(typ="safe", pure=False).compose(text), ())
    return values, keys


_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12),
                     st.floats(allow_nan=False, allow_infinity=False), st.dates(),
                     st.sampled_from(["yes", "no", "on", "1_000", "0x1f", "~", "null", "<<", "1e3", "- a", ": b"]))
_keys = st.text(min_size=1, max_size=8) | st.sampled_from(["on", "no", "1", "null", "true"])


@settings(max_examples=150, deadline=None)
@given(st.data(), st.sampled_from([None, False, True]), st.integers(min_value=2, max_value=6))
def test_event_walk_matches_ruamel_on_generated_documents(data, flow, indent):
    """Generated documents (anchors and aliases where subtrees are shared, every scalar type, flow and block
    styles) load to ruamel's own data, with every position where ruamel's composer puts its node."""
    import io

    from ruamel.yaml import YAML

    leaves = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(_keys, inner, max_size=4), max_leaves=12)
    shared = data.draw(st.dictionaries(_keys, leaves, min_size=1, max_size=3))
    document = data.draw(st.dictionaries(_keys, leaves | st.just(shared) | st.lists(st.just(shared), max_size=2),
                                         min_size=1, max_size=6))
    dumper = YAML(typ="safe", pure=False)
    dumper.default_flow_style = flow
    dumper.indent = indent
    stream = io.StringIO()
    dumper.dump(document, stream)
    text = stream.getvalue()
    loaded = load_text(text, "spec.yaml")
    assert loaded.data == YAML(typ="safe", pure=False).load(text)
    values, keys = _composed_positions(text)
    assert loaded.source_map.values == values
    assert loaded.source_map.keys == keys


def test_a_problem_inside_an_anchored_node_is_reported_once():
    assert errors("a: &a {x: !foo 1}\nb: *a\nc: [*a, *a]\n") == [
        "spec.yaml:1:11: error: tag !foo is not allowed\n    hint: use plain YAML scalars, mappings and lists (core "
        "tags only)"]
