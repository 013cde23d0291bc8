"""Property tests: generated valid specs validate; mangled ones give located errors, never tracebacks."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servespec import api
from tests.conftest import run_cli
from tests.strategies import fleets, to_yaml

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                          HealthCheck.function_scoped_fixture])


def validate_text(tmp_path, text: str | bytes):
    spec = tmp_path / "spec.yaml"
    spec.write_bytes(text if isinstance(text, bytes) else text.encode())
    return api.validate_files([str(spec)]), str(spec)


def paths(data, prefix=()):
    """Every path into nested dicts and lists."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths(value, prefix + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from paths(value, prefix + (index,))


def parent_and_key(data, path):
    node = data
    for part in path[:-1]:
        node = node[part]
    return node, path[-1]


@SETTINGS
@given(fleets())
def test_generated_specs_validate(tmp_path, spec):
    result, _ = validate_text(tmp_path, to_yaml(spec))
    assert result.ok, [d.render() for d in result.diagnostics]


@SETTINGS
@given(fleets())
def test_generated_specs_resolve_with_every_environment(tmp_path, spec):
    _, file = validate_text(tmp_path, to_yaml(spec))
    for env in [None, *spec.get("environments", {})]:
        fleet = api.load_fleet(file, env)
        assert len(fleet.models) == len(spec["models"])


def assert_located(result, file):
    assert not result.ok
    for diagnostic in result.diagnostics:
        assert diagnostic.file == file and diagnostic.line >= 1 and diagnostic.column >= 1
        assert diagnostic.message


@SETTINGS
@given(fleets(), st.data())
def test_unknown_key_anywhere_is_an_error(tmp_path, spec, data):
    target = data.draw(st.sampled_from([p for p in paths(spec) if isinstance(_node(spec, p), dict)]))
    mangled = copy.deepcopy(spec)
    _node(mangled, target)["unknownKeyXyz"] = 1
    result, file = validate_text(tmp_path, to_yaml(mangled))
    assert_located(result, file)


@SETTINGS
@given(fleets(), st.data())
def test_wrong_type_anywhere_is_an_error(tmp_path, spec, data):
    target = data.draw(st.sampled_from([p for p in paths(spec) if p]))
    mangled = copy.deepcopy(spec)
    parent, key = parent_and_key(mangled, target)
    parent[key] = {"nested": [{"x": 1}]}
    result, file = validate_text(tmp_path, to_yaml(mangled))
    assert_located(result, file)


@SETTINGS
@given(fleets(), st.data())
def test_deleted_key_never_crashes(tmp_path, spec, data):
    target = data.draw(st.sampled_from([p for p in paths(spec) if p and isinstance(p[-1], str)]))
    mangled = copy.deepcopy(spec)
    parent, key = parent_and_key(mangled, target)
    del parent[key]
    result, file = validate_text(tmp_path, to_yaml(mangled))
    if not result.ok:
        assert_located(result, file)


@SETTINGS
@given(fleets(), st.data())
def test_truncated_file_never_crashes(tmp_path, spec, data):
    text = to_yaml(spec)
    cut = data.draw(st.integers(0, len(text) - 1))
    result, file = validate_text(tmp_path, text[:cut])
    if not result.ok:
        assert_located(result, file)


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_give_exit_1_with_a_message(tmp_path, blob):
    spec = tmp_path / "spec.yaml"
    spec.write_bytes(blob)
    code, output = run_cli("validate", str(spec))
    assert code == 1 and f"{spec}:" in output


@SETTINGS
@given(fleets(), st.binary(min_size=1, max_size=40), st.data())
def test_random_bytes_spliced_into_a_spec(tmp_path, spec, blob, data):
    text = to_yaml(spec).encode()
    at = data.draw(st.integers(0, len(text)))
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_bytes(text[:at] + blob + text[at:])
    code, output = run_cli("validate", str(spec_file))
    assert code in (0, 1)
    assert "Traceback" not in output


def _node(data, path):
    for part in path:
        data = data[part]
    return data
