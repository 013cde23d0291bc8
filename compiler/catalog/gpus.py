"""GPU types: memory, compute capability, MIG profiles and the node label GPU Feature Discovery gives them.

Sources (each row names its own in `source`):
- NVML device names: NVIDIA/open-gpu-kernel-modules README.md, "Compatible GPUs" (read at the 595.45.04
  release, commit df1c9a3), which lists each product's name with its PCI device ID. Volta (V100) is not
  supported by the open modules: its names are the ones GPU Feature Discovery reports on V100 nodes
  (`Tesla-V100-SXM2-16GB`, ... as seen in public cluster documentation), the weakest source in this table.
- GFD `nvidia.com/gpu.product`: the NVML name sanitised by NVIDIA/k8s-device-plugin internal/lm/resource.go
  `sanitise` (drop characters outside `[A-Za-z0-9-_. ]`, join words with `-`; commit 1b826ac): `gfd_product`.
  With MIG strategy single the label is `<product>-MIG-<profile>` (`baseLabeler(count, model, "MIG", profile)`).
- MIG profiles and max instances: NVIDIA/gpu-operator assets/state-mig-manager/0400_configmap.yaml (commit
  0b0b6b1, `all-<profile>` configurations and their `# <GPU>` comments) and NVIDIA/mig-parted
  deployments/systemd/config-default.yaml (commit bd7160f): B300 from commit 47c56d9 "add support for the B300
  GPU node", GB300 from 75449116 "add the mig profiles for GB300", both matched to the GPUs by the
  `all-balanced` device filters 0x3182 (B300) and 0x31C2 (GB300). Media-extension (`+me`) and graphics
  (`+gfx`) variants are not listed; 3g.95gb/4g.95gb/7g.189gb name no GPU there and are left out.
- Compute capability: NVIDIA CUDA GPUs list (developer.nvidia.com/cuda-gpus): V100 7.0, T4 7.5, A100/A30 8.0,
  A10/A10G 8.6, L4/L40/L40S 8.9, Hopper and GH200 9.0, B200/GB200 10.0, B300/GB300 10.3, RTX PRO 6000
  Blackwell 12.0.
- Memory: MiB as the driver reports the whole GPU (NVML `nvmlDeviceGetMemoryInfo` total, what nvidia-smi
  prints and GFD puts into `nvidia.com/gpu.memory`: k8s-device-plugin internal/resource/nvml-device.go
  `Total / (1024 * 1024)`), which is less than the GB in the product's name: an L4 reports 23034 MiB, 22.5 GiB,
  not 24. Each row names where its figure was read (`memory_source`): nvidia-smi or GFD output quoted in an
  upstream repository or issue (NVML); where none was found, EC2's per-GPU figure (`GpuInfo.MemoryInfo.
  SizeInMiB`, as Karpenter lists it in website/content/en/docs/reference/instance-types.md, which can differ
  from NVML's: L4 22888 there), else the nominal size (GB in the name x 1024), marked so.
- MIG needs compute capability >= 8.0; V100, T4, A10, A10G, L4, L40 and L40S have no MIG.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class MIGProfile:
    """One MIG partition shape, e.g. `1g.10gb`: compute slices, memory and how many fit on one GPU."""

    name: str
    memory_gb: float
    max_instances: int

    @property
    def compute_slices(self) -> int:
        return int(self.name.split("g.", 1)[0])


@dataclass(frozen=True)
class GPUType:
    """A GPU model as the compiler knows it."""

    name: str
    memory_mib: int
    """Memory of the whole GPU as the driver reports it, in MiB."""
    compute_capability: tuple[int, int]
    mig_profiles: tuple[MIGProfile, ...] = ()
    products: tuple[str, ...] = ()
    """GFD `nvidia.com/gpu.product` values of the GPUs this type stands for (none known: empty)."""
    source: str = ""
    memory_source: str = ""

    @property
    def memory_gib(self) -> float:
        return self.memory_mib / 1024

    @property
    def supports_mig(self) -> bool:
        return bool(self.mig_profiles)

    def mig_profile(self, name: str) -> MIGProfile | None:
        return next((p for p in self.mig_profiles if p.name == name), None)


def gfd_product(nvml_name: str) -> str:
    """GPU Feature Discovery's `nvidia.com/gpu.product` for an NVML device name: "NVIDIA H100 80GB HBM3" ->
    "NVIDIA-H100-80GB-HBM3" (k8s-device-plugin internal/lm/resource.go `sanitise`)."""
    return "-".join(re.sub(r"[^A-Za-z0-9\-_. ]", "", nvml_name).split())


def _names(*nvml_names: str) -> tuple[str, ...]:
    return tuple(gfd_product(name) for name in nvml_names)


OPEN_MODULES = "open-gpu-kernel-modules README (NVML names)"
GPU_OPERATOR = "gpu-operator 0400_configmap.yaml (MIG)"
MIG_PARTED = "mig-parted config-default.yaml (MIG)"


def _profiles(*rows: tuple[str, int]) -> tuple[MIGProfile, ...]:
    return tuple(MIGProfile(name, float(name.split(".")[1].removesuffix("gb")), count) for name, count in rows)


_A100_80_PROFILES = _profiles(("1g.10gb", 7), ("1g.20gb", 4), ("2g.20gb", 3), ("3g.40gb", 2), ("4g.40gb", 1),
                              ("7g.80gb", 1))

_HOPPER_96_PROFILES = _profiles(("1g.12gb", 7), ("1g.24gb", 4), ("2g.24gb", 3), ("3g.48gb", 2), ("4g.48gb", 1),
                                ("7g.96gb", 1))

MEMORY_SOURCES: dict[str, str] = {
    "V100-16GB": "NVML 16160 with driver 440, 16384 with 570 (the smaller kept): 4paradigm/k8s-vgpu-scheduler#7, "
                 "1CatAI/1Cat-vLLM#85",
    "V100-32GB": "EC2 p3dn.24xlarge (Karpenter instance-types.md); no NVML figure found",
    "T4": "NVML: GFD README example `nvidia.com/gpu.memory=15360` (Tesla-T4); modal-labs/modal-client#2797",
    "A10": "NVML: modal-labs/modal-client#2797, mayooot/detect-gpu#3",
    "A10G": "NVML: NVIDIA/DCGM#232",
    "L4": "NVML: modal-labs/modal-client#2797, thamada/nvidia-smi gls/L4_smi.py",
    "L40": "the L40S's NVML figure (the same 48 GB GDDR6 board); no L40 figure found",
    "L40S": "NVML: modal-labs/modal-client#2797, thamada/nvidia-smi gls/L40S_smi.py",
    "A30-24GB": "nominal (24 x 1024): no driver figure found",
    "A100-40GB": "NVML: modal-labs/modal-client#2797",
    "A100-80GB": "NVML: modal-labs/modal-client#2797, thamada/nvidia-smi gls/A100SXMx4_smi.py",
    "H100-80GB": "NVML: NVIDIA/nccl#1264, wilicc/gpu-burn#114",
    "H100-PCIE-80GB": "the SXM H100's NVML figure (a GFD label `gpu.memory=81559` for NVIDIA-H100-PCIe was seen "
                      "in a copy whose origin could not be resolved)",
    "H100-NVL-94GB": "NVML: thamada/nvidia-smi gls/H100NVLx2_smi.py",
    "H200-141GB": "EC2 p5e/p5en (Karpenter instance-types.md); no NVML figure found",
    "H100-96GB": "nominal (96 x 1024): no driver figure found",
    "H20": "NVML: NVIDIA/nvtrust#128",
    "GH200-96GB": "nominal (96 x 1024): no driver figure found",
    "GH200-144GB": "nominal (144 x 1024): no driver figure found",
    "B200": "NVML: NVIDIA/TensorRT-LLM#10278; EC2 p6-b200 the same",
    "GB200": "nominal (186 x 1024): no driver figure found",
    "B300": "EC2 p6-b300 (Karpenter instance-types.md); no NVML figure found",
    "GB300": "nominal (278 x 1024): no driver figure found",
    "RTX-PRO-6000-96GB": "EC2 g7e (Karpenter instance-types.md); no NVML figure found",
}
"""Where each GPU's `memory_mib` was read."""

GPU_TYPES: dict[str, GPUType] = {
    gpu.name: replace(gpu, memory_source=MEMORY_SOURCES[gpu.name])
    for gpu in (
        GPUType("V100-16GB", 16160, (7, 0), (), ("Tesla-V100-SXM2-16GB", "Tesla-V100-PCIE-16GB"),
                "GFD labels seen on V100 nodes; no NVML list covers Volta"),
        GPUType("V100-32GB", 32768, (7, 0), (), ("Tesla-V100-SXM2-32GB", "Tesla-V100-PCIE-32GB"),
                "GFD labels seen on V100 nodes; no NVML list covers Volta"),
        GPUType("T4", 15360, (7, 5), (), _names("Tesla T4"), OPEN_MODULES),
        GPUType("A10", 23028, (8, 6), (), _names("NVIDIA A10"), OPEN_MODULES),
        GPUType("A10G", 23028, (8, 6), (), _names("NVIDIA A10G"), OPEN_MODULES),
        GPUType("L4", 23034, (8, 9), (), _names("NVIDIA L4"), OPEN_MODULES),
        GPUType("L40", 46068, (8, 9), (), _names("NVIDIA L40"), OPEN_MODULES),
        GPUType("L40S", 46068, (8, 9), (), _names("NVIDIA L40S"), OPEN_MODULES),
        GPUType("A30-24GB", 24576, (8, 0), _profiles(("1g.6gb", 4), ("2g.12gb", 2), ("4g.24gb", 1)),
                _names("NVIDIA A30"), f"{OPEN_MODULES}; {GPU_OPERATOR}"),
        GPUType("A100-40GB", 40960, (8, 0), _profiles(("1g.5gb", 7), ("1g.10gb", 4), ("2g.10gb", 3), ("3g.20gb", 2),
                                                   ("4g.20gb", 1), ("7g.40gb", 1)),
                _names("NVIDIA A100-SXM4-40GB", "NVIDIA A100-PCIE-40GB"), f"{OPEN_MODULES}; {GPU_OPERATOR}"),
        GPUType("A100-80GB", 81920, (8, 0), _A100_80_PROFILES,
                _names("NVIDIA A100-SXM4-80GB", "NVIDIA A100 80GB PCIe"), f"{OPEN_MODULES}; {GPU_OPERATOR}"),
        GPUType("H100-80GB", 81559, (9, 0), _A100_80_PROFILES, _names("NVIDIA H100 80GB HBM3"),
                f"{OPEN_MODULES} (device 2330); {GPU_OPERATOR}"),
        GPUType("H100-PCIE-80GB", 81559, (9, 0), _A100_80_PROFILES, _names("NVIDIA H100 PCIe"),
                f"{OPEN_MODULES} (device 2331); {MIG_PARTED} (H100-80GB filter 0x2331)"),
        GPUType("H100-NVL-94GB", 95830, (9, 0), _profiles(("1g.12gb", 7), ("1g.24gb", 4), ("2g.24gb", 3),
                                                       ("3g.47gb", 2), ("4g.47gb", 1), ("7g.94gb", 1)),
                _names("NVIDIA H100 NVL"), f"{OPEN_MODULES}; {GPU_OPERATOR}"),
        GPUType("H200-141GB", 144384, (9, 0), _profiles(("1g.18gb", 7), ("1g.35gb", 4), ("2g.35gb", 3),
                                                     ("3g.71gb", 2), ("4g.71gb", 1), ("7g.141gb", 1)),
                _names("NVIDIA H200", "NVIDIA H200 NVL"),
                f"{OPEN_MODULES}; {MIG_PARTED} (H200 filter 0x2335, 0x233B)"),
        GPUType("H100-96GB", 98304, (9, 0), _HOPPER_96_PROFILES, (), GPU_OPERATOR),
        GPUType("H20", 97871, (9, 0), _HOPPER_96_PROFILES, _names("NVIDIA H20"), f"{OPEN_MODULES}; {GPU_OPERATOR}"),
        GPUType("GH200-96GB", 98304, (9, 0), _HOPPER_96_PROFILES, _names("NVIDIA GH200 120GB", "NVIDIA GH200 480GB"),
                f"{OPEN_MODULES} (device 2342); {GPU_OPERATOR}"),
        GPUType("GH200-144GB", 147456, (9, 0), _profiles(("1g.18gb", 7), ("1g.36gb", 4), ("2g.36gb", 3),
                                                      ("3g.72gb", 2), ("4g.72gb", 1), ("7g.144gb", 1)),
                _names("NVIDIA GH200 144G HBM3e"), f"{OPEN_MODULES} (device 2348); {GPU_OPERATOR}"),
        GPUType("B200", 183359, (10, 0), _profiles(("1g.23gb", 7), ("1g.45gb", 4), ("2g.45gb", 3), ("3g.90gb", 2),
                                                ("4g.90gb", 1), ("7g.180gb", 1)),
                _names("NVIDIA B200"), f"{OPEN_MODULES}; {GPU_OPERATOR}"),
        GPUType("GB200", 190464, (10, 0), _profiles(("1g.23gb", 7), ("1g.47gb", 4), ("2g.47gb", 3), ("3g.93gb", 2),
                                                 ("4g.93gb", 1), ("7g.186gb", 1)),
                _names("NVIDIA GB200"), f"{OPEN_MODULES}; {GPU_OPERATOR}"),
        GPUType("B300", 275040, (10, 3), _profiles(("1g.34gb", 7), ("1g.67gb", 4), ("2g.67gb", 3), ("3g.135gb", 2),
                                                ("4g.135gb", 1), ("7g.269gb", 1)),
                _names("NVIDIA B300 SXM6 AC"), f"{OPEN_MODULES} (device 3182); {MIG_PARTED} (commit 47c56d9)"),
        GPUType("GB300", 284672, (10, 3), _profiles(("1g.35gb", 7), ("1g.70gb", 4), ("2g.70gb", 3), ("3g.139gb", 2),
                                                 ("4g.139gb", 1), ("7g.278gb", 1)),
                _names("NVIDIA GB300"), f"{OPEN_MODULES} (device 31C2); {MIG_PARTED} (commit 75449116)"),
        GPUType("RTX-PRO-6000-96GB", 98304, (12, 0), _profiles(("1g.24gb", 4), ("2g.48gb", 2), ("4g.96gb", 1)),
                _names("NVIDIA RTX PRO 6000 Blackwell Server Edition"),
                f"{OPEN_MODULES} (device 2BB5); {MIG_PARTED} (filter 0x2BB5)"),
    )
}
