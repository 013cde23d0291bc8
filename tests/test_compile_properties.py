"""Property tests: generated valid specs compile, pass strict schemas, are deterministic and restricted."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from servespec import api
from servespec.build.validation import BuiltinValidator
from tests.pod_security import restricted_violations
from tests.strategies import fleets, to_yaml
from tests.test_compile import CRD_LOCATION, needs_crds

VALIDATOR = BuiltinValidator([CRD_LOCATION], api.DEFAULT_KUBERNETES_VERSION)


@needs_crds
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(fleets(max_models=3))
def test_generated_specs_compile_to_valid_restricted_deterministic_manifests(tmp_path, spec):
    file = tmp_path / "fleet.yaml"
    file.write_text(to_yaml(spec))
    targets = api.golden_targets([str(file)])
    first = api.compile_to_files(targets)
    second = api.compile_to_files(targets)
    assert first.files == second.files
    for name, manifest in api.named_manifests(first):
        assert VALIDATOR.validate(name, manifest.data) == [], name
        assert restricted_violations(manifest.data) == [], name


json_scalars = (st.none() | st.booleans() | st.integers(-2 ** 60, 2 ** 60)
                | st.floats(allow_nan=False, allow_infinity=False)
                | st.sampled_from(["", " ", "yes", "No", "on", "~", "null", "0842677045507966", "1_000", "0o17",
                                   "+.5e3", "-", "- x", "a: b", "#x", "x #y", "'q'", '"d"', "@a", "`b", "%c", "{x}",
                                   "[y]", "*z",
                                   "&w", "!v", "|", ">", "tab\there", "line\nbreak", "trail ", " lead", "ümlaut",
                                   "\u2028", "\x85", "emoji 🚀", "\x00", "a" * 1200, "word " * 300, "v1.2.0", "1.0"])
                | st.text(max_size=40))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=12) | st.sampled_from(["yes", "1", "a: b", ""]), inner,
                                             max_size=4), max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=12), json_values, max_size=6))
def test_the_fast_yaml_writer_is_byte_for_byte_pyyaml(data):
    from servespec.build.writer import pyyaml_render, render_yaml

    assert render_yaml(data) == pyyaml_render(data)


_printable = "".join(chr(code) for code in range(0x20, 0x7F))


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=_printable, min_size=1, max_size=12)
       | st.text(alphabet="abz09 :#-?,[]{}'\"!&*|>%@`", min_size=1, max_size=8)
       | st.from_regex(r"\A[a-z0-9][a-z0-9 :#=_./-]{90,150}\Z")
       | st.sampled_from(["yes", "Off", "null", "NULL", "1_000", "0x1F", "0o17", "0b101", "1e3", "1.5", "1.", ".5",
                          "2027-03-01", "2027-03-01t10:00:00", "inf", "Infinity", "nan", "y", "N", "1:20", "190:20:30",
                          "a-b.c/d_e", "v1.2.3", "1-2", "12-34-56", "a:", "a: b", "a #b", "a#b", "a b", "a  b", "<<",
                          "=", "x" * 1000 + "y", "x " * 499 + "z"]))
def test_strings_written_as_they_are_are_what_pyyaml_writes(value):
    """The writer's shortcut for plain strings (no PyYAML call) gives PyYAML's text, as key and as value."""
    from servespec.build.writer import _written_as_is, pyyaml_render

    if _written_as_is(value, True):
        assert pyyaml_render({value: 0}) == f"{value}: 0\n"
    if _written_as_is(value, False):
        assert pyyaml_render({"k": value}) == f"k: {value}\n"


objects = st.fixed_dictionaries({
    "apiVersion": st.sampled_from(["v1", "apps/v1", "a.b/v1", "a/b/c"]), "kind": st.sampled_from(["Thing", "Other"]),
    "metadata": st.fixed_dictionaries({"name": st.from_regex(r"\A[a-z]{1,8}\Z")},
                                      optional={"labels": st.dictionaries(st.text(max_size=5), json_values, max_size=3),
                                                "annotations": json_values, "finalizers": json_values})},
    optional={"spec": json_values, "data": json_values})


@settings(max_examples=40, deadline=None)
@given(st.lists(objects, min_size=1, max_size=30, unique_by=lambda o: (o["kind"], o["metadata"]["name"])))
def test_objects_cdk8s_keeps_come_back_from_cdk8s_exactly(items):
    """`kept_by_cdk8s` is what lets check and diff skip Node: every object it accepts must come back from the
    installed cdk8s exactly (type and value), and the generated objects include ones it rejects."""
    import json

    from servespec.build.synthesize import kept_by_cdk8s, synthesize
    from servespec.synth.manifest import Manifest

    kept = [item for item in items if kept_by_cdk8s(item)]
    if not kept:
        return
    planned = {"": [Manifest(item, ()) for item in kept]}
    synthesized = synthesize(planned, everything=True)[""]
    for before, after in zip(kept, synthesized):
        assert json.dumps(after.data, sort_keys=True) == json.dumps(before, sort_keys=True)


@settings(max_examples=40, deadline=None)
@given(st.lists(objects.filter(lambda o: o["apiVersion"].count("/") <= 1), min_size=1, max_size=30,
                unique_by=lambda o: (o["kind"], o["metadata"]["name"])))
@example([{"apiVersion": "v1", "kind": "Thing", "metadata": {"name": "a"}, "spec": [1.0]}])
@example([{"apiVersion": "v1", "kind": "Thing", "metadata": {"name": "a"}, "spec": [-0.0]}])
@example([{"apiVersion": "v1", "kind": "Thing", "metadata": {"name": "a"}, "spec": [1e16]}])
@example([{"apiVersion": "v1", "kind": "Thing", "metadata": {"name": "a"}, "spec": [2.5e16]}])
@example([{"apiVersion": "v1", "kind": "Thing", "metadata": {"name": "a"}, "spec": [2 ** 53 + 1]}])
@example([{"apiVersion": "v1", "kind": "Thing", "metadata": {"name": "a"}, "spec": [-(2 ** 60)]}])
@example([{"apiVersion": "v1", "kind": "Thing", "metadata": {"name": "a"}, "spec": {"9": 1, "10": 2, "b": None}}])
@example([{"apiVersion": "v1", "kind": "Thing", "metadata": {"name": "a", "labels": {"k": "ümlaut 🚀"}}}])
def test_node_returns_every_object_cdk8s_changes(items):
    """Node sends back only the objects cdk8s changed; the planned objects with those in their place are
    exactly (type and value) what cdk8s returns for every object."""
    import json

    from servespec.build.synthesize import synthesize
    from servespec.synth.manifest import Manifest

    planned = {"": [Manifest(item, ()) for item in items]}
    try:
        everything = synthesize(planned, everything=True)[""]
    except RuntimeError as failure:  # cdk8s refuses some generated metadata (finalizers: {})
        with pytest.raises(RuntimeError, match="cdk8s synthesis failed") as again:
            synthesize(planned)
        assert str(again.value) == str(failure)
        return
    changed_only = synthesize(planned)[""]
    assert [json.dumps(m.data, sort_keys=True) for m in changed_only] == \
        [json.dumps(m.data, sort_keys=True) for m in everything]


@settings(max_examples=25, deadline=None)
@given(st.lists(objects.filter(lambda o: o["apiVersion"].count("/") <= 1), min_size=1, max_size=30,
                unique_by=lambda o: (o["kind"], o["metadata"]["name"])), st.integers(min_value=1, max_value=8))
def test_groups_synthesize_as_one_chart_does(items, group_size):
    """Objects synthesized group by group (as compile streams them, one model at a time) come back from cdk8s
    exactly as when every object is in one chart of one app: same objects, same order, same count."""
    from servespec.build.cdk8s_runtime import Host

    def synthesized(size):
        host = Host(everything=True)
        try:
            for index, item in enumerate(items):
                host.define("", "chart", item)
                if (index + 1) % size == 0:
                    host.end_group()
            return host.synthesize()
        finally:
            host.close()

    try:
        whole = synthesized(len(items) + 1)
    except RuntimeError as failure:  # cdk8s refuses some generated metadata (finalizers: {})
        with pytest.raises(RuntimeError) as again:
            synthesized(group_size)
        assert str(again.value) == str(failure)
        return
    assert synthesized(group_size) == whole


def test_kept_by_cdk8s_rejects_what_cdk8s_changes():
    from servespec.build.synthesize import kept_by_cdk8s

    base = {"apiVersion": "v1", "kind": "Thing", "metadata": {"name": "n"}}
    assert kept_by_cdk8s(base)
    for changed in ({**base, "spec": {"a": None}}, {**base, "spec": {"a": 1.0}}, {**base, "spec": [2 ** 60]},
                    {**base, "metadata": {"name": "n", "labels": {}}}, {**base, "apiVersion": "a/b/c"},
                    {**base, "metadata": {}}, {**base, "spec": float("nan")},
                    {**base, "metadata": {"name": "n", "annotations": False}},
                    {**base, "metadata": {"name": "n", "finalizers": "ab"}}):
        assert not kept_by_cdk8s(changed), changed
