"""The GPU and CUDA catalog: rows pinned to their upstream sources (named in compiler/catalog/), GFD product
labels, and how a pool's `product` and CUDA 13's dropped architectures reach the output and the lint."""

from __future__ import annotations

import copy

import pytest
import yaml

from servespec import api
from servespec.catalog import (
    GPU_TYPES,
    driver_floors,
    dropped_capability_floor,
    gfd_product,
    min_cuda_for_compute_capability,
    min_driver_for_cuda,
)
from tests.conftest import ROOT

BASE = yaml.safe_load((ROOT / "examples/quickstart.yaml").read_text())


def _rows(name: str) -> set[tuple[str, int]]:
    return {(profile.name, profile.max_instances) for profile in GPU_TYPES[name].mig_profiles}


def test_b300_and_gb300_rows_are_the_mig_parted_commits_that_added_them():
    """NVIDIA/mig-parted 47c56d9 (B300, device 0x3182) and 75449116 (GB300, device 0x31C2)."""
    assert _rows("B300") == {("1g.34gb", 7), ("1g.67gb", 4), ("2g.67gb", 3), ("3g.135gb", 2), ("4g.135gb", 1),
                             ("7g.269gb", 1)}
    assert _rows("GB300") == {("1g.35gb", 7), ("1g.70gb", 4), ("2g.70gb", 3), ("3g.139gb", 2), ("4g.139gb", 1),
                              ("7g.278gb", 1)}
    assert GPU_TYPES["B300"].compute_capability == GPU_TYPES["GB300"].compute_capability == (10, 3)
    assert GPU_TYPES["B300"].memory_mib == 275040 and GPU_TYPES["GB300"].memory_mib == 278 * 1024


def test_the_h100_pcie_shares_the_sxm_profiles_and_the_older_gpus_have_none():
    assert _rows("H100-PCIE-80GB") == _rows("H100-80GB")
    assert GPU_TYPES["H100-PCIE-80GB"].compute_capability == (9, 0)
    expected = {"L40": (46068, (8, 9)), "A10G": (23028, (8, 6)), "V100-16GB": (16160, (7, 0)),
                "V100-32GB": (32768, (7, 0))}
    for name, (memory, capability) in expected.items():
        gpu = GPU_TYPES[name]
        assert (gpu.memory_mib, gpu.compute_capability, gpu.supports_mig) == (memory, capability, False)


@pytest.mark.parametrize("nvml_name, label", [
    ("NVIDIA H100 80GB HBM3", "NVIDIA-H100-80GB-HBM3"),
    ("Tesla T4", "Tesla-T4"),
    ("NVIDIA A100 80GB PCIe", "NVIDIA-A100-80GB-PCIe"),
    ("NVIDIA GH200 144G HBM3e", "NVIDIA-GH200-144G-HBM3e"),
    ("NVIDIA  RTX PRO 6000 Blackwell (Server) Edition", "NVIDIA-RTX-PRO-6000-Blackwell-Server-Edition"),
])
def test_gfd_products_are_nvml_names_sanitised_as_the_device_plugin_does(nvml_name, label):
    assert gfd_product(nvml_name) == label


def test_every_product_is_a_label_value_and_belongs_to_one_gpu_type():
    products = [product for gpu in GPU_TYPES.values() for product in gpu.products]
    assert len(products) == len(set(products))
    assert all(len(product) <= 63 and product.replace("-", "").replace(".", "").replace("_", "").isalnum()
               for product in products)
    assert GPU_TYPES["A100-40GB"].products == ("NVIDIA-A100-SXM4-40GB", "NVIDIA-A100-PCIE-40GB")
    assert GPU_TYPES["A30-24GB"].products == ("NVIDIA-A30",), "compute capability 8.0 both: only the label tells"
    assert GPU_TYPES["B300"].products == ("NVIDIA-B300-SXM6-AC",)
    assert all(gpu.source for gpu in GPU_TYPES.values())


def test_cuda_floors_from_11_0_to_13_3():
    assert min_driver_for_cuda((11, 0)) == (450, 51, 5) and min_driver_for_cuda((11, 7)) == (515, 43, 4)
    assert min_driver_for_cuda((13, 2)) == (595, 45, 4) and min_driver_for_cuda((13, 3)) == (610, 43, 2)
    assert min_driver_for_cuda((13, 4)) == (610, 43, 2), "unlisted: the nearest older release, a lower bound"
    assert driver_floors((11, 4)) == ((470, 42, 1), (450, 80, 2))
    assert min_cuda_for_compute_capability((10, 3)) == (12, 9)
    assert min_cuda_for_compute_capability((7, 0)) == (9, 0)
    assert dropped_capability_floor((7, 0), (13, 0)) == (7, 5)
    assert dropped_capability_floor((7, 5), (13, 1)) is None and dropped_capability_floor((7, 0), (12, 9)) is None


def _fleet(tmp_path, change):
    spec = copy.deepcopy(BASE)
    change(spec)
    file = tmp_path / "spec.yaml"
    file.write_text(yaml.safe_dump(spec, sort_keys=False))
    return str(file)


def test_a_pools_product_selects_its_nodes(tmp_path):
    file = _fleet(tmp_path, lambda s: s["gpuPools"][0].update(product="NVIDIA-L4"))
    selector = api.load_fleet(file).models[0].node_selector
    assert selector == {"servespec.dev/gpu-pool": "l4", "nvidia.com/gpu.product": "NVIDIA-L4"}


def test_with_mig_single_the_product_carries_the_profile(tmp_path):
    def change(spec):
        spec["gpuPools"][0].update(gpu="A100-80GB", product="NVIDIA-A100-SXM4-80GB",
                                   mig={"strategy": "single", "profile": "1g.10gb"})
        spec["models"][0]["gpu"] = {"mig": "1g.10gb", "memoryGB": 6}

    fleet = api.load_fleet(_fleet(tmp_path, change))
    assert fleet.models[0].node_selector["nvidia.com/gpu.product"] == "NVIDIA-A100-SXM4-80GB-MIG-1g.10gb"


def test_a_cuda_13_image_on_a_v100_is_reported(tmp_path):
    def change(spec):
        spec["gpuPools"][0].update(gpu="V100-16GB", driverVersion="580.65.06")
        spec["models"][0]["cuda"] = "13.0"

    report = api.lint([_fleet(tmp_path, change)])
    messages = [f.message for f in report.findings if f.rule_id == "GPU007"]
    assert messages == ["V100-16GB (compute capability 7.0) is not supported by CUDA 13, which builds for 7.5 and "
                        "newer; the image has CUDA 13.0"]
