"""Property tests: generated valid specs compile, pass strict schemas, are deterministic and restricted."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

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
