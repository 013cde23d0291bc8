"""Typed values and the GPU/CUDA facts tables."""

from __future__ import annotations

from decimal import Decimal

import pytest

from servespec.catalog import (
    GPU_TYPES,
    driver_floors,
    driver_text,
    min_cuda_for_compute_capability,
    min_driver_for_cuda,
)
from servespec.spec.types import duration_seconds, format_bytes, parse_image, quantity_value


@pytest.mark.parametrize("text, value", [("4", 4), ("500m", Decimal("0.5")), ("20Gi", 20 * 2**30),
                                         ("1k", 1000), ("1e3", 1000), ("1.5Gi", Decimal("1.5") * 2**30)])
def test_quantities(text, value):
    assert quantity_value(text) == value


@pytest.mark.parametrize("request_, limit", [("20Gi", "24Gi"), ("1Gi", "1229Mi"), ("512Mi", "615Mi"),
                                             ("10G", "11445Mi")])
def test_memory_limit_formatting(request_, limit):
    assert format_bytes(quantity_value(request_) * Decimal("1.2")) == limit


@pytest.mark.parametrize("reference, registry, repository, tag, cuda", [
    ("registry.cleanstart.com/pytorch:2.2-cuda12.1-cudnn8.9@sha256:" + "a" * 64,
     "registry.cleanstart.com", "pytorch", "2.2-cuda12.1-cudnn8.9", (12, 1)),
    ("nvidia/cuda:12.4.1-runtime-ubuntu22.04", "docker.io", "nvidia/cuda", "12.4.1-runtime-ubuntu22.04", (12, 4)),
    ("pytorch/pytorch:2.3.0-cu121", "docker.io", "pytorch/pytorch", "2.3.0-cu121", (12, 1)),
    ("python:3.11", "docker.io", "library/python", "3.11", None),
    ("localhost:5000/team/server", "localhost:5000", "team/server", None, None),
    ("nvcr.io/nvidia/tritonserver:24.05-py3", "nvcr.io", "nvidia/tritonserver", "24.05-py3", None),
])
def test_image_references(reference, registry, repository, tag, cuda):
    image = parse_image(reference)
    assert (image.registry, image.repository, image.tag, image.cuda) == (registry, repository, tag, cuda)


@pytest.mark.parametrize("bad", ["UPPER/case:1", "reg.io/x:1@sha256:abc", "", "x::1"])
def test_bad_image_references(bad):
    with pytest.raises(ValueError):
        parse_image(bad)


def test_durations():
    assert [duration_seconds(d) for d in ("30s", "5m", "1h")] == [30, 300, 3600]


def test_catalog_facts():
    a100 = GPU_TYPES["A100-80GB"]
    assert a100.compute_capability == (8, 0) and a100.memory_mib == 81920
    # memory as the driver reports it, not the product's name: an L4 has 23034 MiB, 22.5 GiB, not 24
    assert GPU_TYPES["L4"].memory_mib == 23034 and round(GPU_TYPES["L4"].memory_gib, 2) == 22.49
    assert all(gpu.memory_source for gpu in GPU_TYPES.values())
    assert {p.name: p.max_instances for p in a100.mig_profiles}["1g.10gb"] == 7
    assert {p.name: p.max_instances for p in GPU_TYPES["A100-40GB"].mig_profiles}["3g.20gb"] == 2
    assert {p.name: p.max_instances for p in GPU_TYPES["A30-24GB"].mig_profiles} == {
        "1g.6gb": 4, "2g.12gb": 2, "4g.24gb": 1}
    assert GPU_TYPES["H200-141GB"].mig_profile("1g.18gb").memory_gb == 18
    assert not any(GPU_TYPES[name].supports_mig for name in ("T4", "A10", "L4", "L40S"))
    assert all(gpu.compute_capability >= (8, 0) for gpu in GPU_TYPES.values() if gpu.supports_mig)


def test_cuda_driver_floors():
    assert min_driver_for_cuda((12, 1)) == (530, 30, 2)
    assert min_driver_for_cuda((12, 4)) == (550, 54, 14)
    assert min_driver_for_cuda((13, 0)) == (580, 65, 6)
    assert min_driver_for_cuda((12, 7)) == (560, 28, 3)  # unlisted: nearest older toolkit's floor
    assert min_driver_for_cuda((10, 2)) is None
    assert driver_floors((12, 4)) == ((550, 54, 14), (525, 60, 13))   # exact, minor-version compatibility
    assert driver_floors((11, 8)) == ((520, 61, 5), (450, 80, 2))     # 11.x minor-version compatibility floor
    assert driver_floors((10, 2)) is None
    assert [driver_text(v) for v in [(530, 30, 2), (570, 26), (580,)]] == ["530.30.02", "570.26", "580"]
    assert min_cuda_for_compute_capability((9, 0)) == (11, 8)
    assert min_cuda_for_compute_capability((8, 6)) == (11, 1)


def test_blackwell_and_hopper_96gb_mig_rows_match_the_gpu_operators_default_config():
    """NVIDIA/gpu-operator assets/state-mig-manager/0400_configmap.yaml: `all-<profile>` counts per GPU."""
    from servespec.catalog import GPU_TYPES

    def rows(name):
        return {(p.name, p.max_instances) for p in GPU_TYPES[name].mig_profiles}

    assert rows("B200") == {("1g.23gb", 7), ("1g.45gb", 4), ("2g.45gb", 3), ("3g.90gb", 2), ("4g.90gb", 1),
                            ("7g.180gb", 1)}
    assert rows("GB200") == {("1g.23gb", 7), ("1g.47gb", 4), ("2g.47gb", 3), ("3g.93gb", 2), ("4g.93gb", 1),
                             ("7g.186gb", 1)}
    assert rows("RTX-PRO-6000-96GB") == {("1g.24gb", 4), ("2g.48gb", 2), ("4g.96gb", 1)}
    assert rows("GH200-144GB") == {("1g.18gb", 7), ("1g.36gb", 4), ("2g.36gb", 3), ("3g.72gb", 2),
                                   ("4g.72gb", 1), ("7g.144gb", 1)}
    assert rows("H100-96GB") == rows("H20") == rows("GH200-96GB") == {
        ("1g.12gb", 7), ("1g.24gb", 4), ("2g.24gb", 3), ("3g.48gb", 2), ("4g.48gb", 1), ("7g.96gb", 1)}
    assert GPU_TYPES["RTX-PRO-6000-96GB"].compute_capability == (12, 0)
    assert GPU_TYPES["GB200"].compute_capability == GPU_TYPES["B200"].compute_capability == (10, 0)


@pytest.mark.parametrize("name", ["UTC", "America/New_York", "Europe/Berlin", "Etc/GMT+5", "localtime", "posixrules",
                                  "right/UTC", "posix/UTC", "america/new_york", "Mars/Olympus", "../UTC", ""])
def test_time_zones_are_those_zoneinfo_lists(name):
    """The tzdata package's list answers first; a name it lacks is looked up on the system, as zoneinfo does."""
    import zoneinfo

    from pydantic import TypeAdapter, ValidationError

    from servespec.spec.types import TimeZone

    try:
        TypeAdapter(TimeZone).validate_python(name)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == (name in zoneinfo.available_timezones())


def test_a_listed_time_zone_is_checked_without_walking_the_zone_folder(monkeypatch):
    import zoneinfo

    from pydantic import TypeAdapter

    from servespec.spec import types

    packaged = types._packaged_zones()
    assert "America/New_York" in packaged and packaged <= zoneinfo.available_timezones()

    def walked() -> set[str]:
        raise AssertionError("available_timezones() walks the system's zone folder")

    types._zones.cache_clear()
    monkeypatch.setattr(zoneinfo, "available_timezones", walked)
    try:
        assert TypeAdapter(types.TimeZone).validate_python("America/New_York") == "America/New_York"
    finally:
        types._zones.cache_clear()
