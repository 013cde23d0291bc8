"""GPU types: memory, compute capability and MIG profiles.

Sources:
- MIG profiles and max instances per GPU: NVIDIA MIG User Guide, "Supported MIG Profiles", and the
  default mig-parted config shipped with NVIDIA/gpu-operator (assets/state-mig-manager/0400_configmap.yaml,
  `all-<profile>` configurations and their `# <GPU>` comments; read at commit 0b0b6b1). The Blackwell,
  GH200, H100-96GB and H20 rows come from that file: B200 1g.23gb/1g.45gb/2g.45gb/3g.90gb/4g.90gb/7g.180gb,
  GB200 the same with 47gb, 93gb and 186gb, RTX PRO 6000 1g.24gb (4)/2g.48gb (2)/4g.96gb (1), GH200 144G
  HBM3e 1g.18gb/1g.36gb/2g.36gb/3g.72gb/4g.72gb/7g.144gb, H100-96GB, GH200 (96 GB) and H20
  1g.12gb/1g.24gb/2g.24gb/3g.48gb/4g.48gb/7g.96gb. Media-extension (`+me`) and graphics (`+gfx`)
  variants are not listed.
- Compute capability: NVIDIA CUDA GPUs list (developer.nvidia.com/cuda-gpus): Hopper and GH200 9.0, B200 and
  GB200 10.0, RTX PRO 6000 Blackwell 12.0.
- MIG needs compute capability >= 8.0; T4, A10, L4 and L40S have no MIG.
"""

from __future__ import annotations

from dataclasses import dataclass


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
    memory_gb: float
    compute_capability: tuple[int, int]
    mig_profiles: tuple[MIGProfile, ...] = ()

    @property
    def supports_mig(self) -> bool:
        return bool(self.mig_profiles)

    def mig_profile(self, name: str) -> MIGProfile | None:
        return next((p for p in self.mig_profiles if p.name == name), None)


def _profiles(*rows: tuple[str, int]) -> tuple[MIGProfile, ...]:
    return tuple(MIGProfile(name, float(name.split(".")[1].removesuffix("gb")), count) for name, count in rows)


_A100_80_PROFILES = _profiles(("1g.10gb", 7), ("1g.20gb", 4), ("2g.20gb", 3), ("3g.40gb", 2), ("4g.40gb", 1),
                              ("7g.80gb", 1))

_HOPPER_96_PROFILES = _profiles(("1g.12gb", 7), ("1g.24gb", 4), ("2g.24gb", 3), ("3g.48gb", 2), ("4g.48gb", 1),
                                ("7g.96gb", 1))

GPU_TYPES: dict[str, GPUType] = {
    gpu.name: gpu
    for gpu in (
        GPUType("T4", 16, (7, 5)),
        GPUType("A10", 24, (8, 6)),
        GPUType("L4", 24, (8, 9)),
        GPUType("L40S", 48, (8, 9)),
        GPUType("A30-24GB", 24, (8, 0), _profiles(("1g.6gb", 4), ("2g.12gb", 2), ("4g.24gb", 1))),
        GPUType("A100-40GB", 40, (8, 0), _profiles(("1g.5gb", 7), ("1g.10gb", 4), ("2g.10gb", 3), ("3g.20gb", 2),
                                                   ("4g.20gb", 1), ("7g.40gb", 1))),
        GPUType("A100-80GB", 80, (8, 0), _A100_80_PROFILES),
        GPUType("H100-80GB", 80, (9, 0), _A100_80_PROFILES),
        GPUType("H100-NVL-94GB", 94, (9, 0), _profiles(("1g.12gb", 7), ("1g.24gb", 4), ("2g.24gb", 3),
                                                       ("3g.47gb", 2), ("4g.47gb", 1), ("7g.94gb", 1))),
        GPUType("H200-141GB", 141, (9, 0), _profiles(("1g.18gb", 7), ("1g.35gb", 4), ("2g.35gb", 3),
                                                     ("3g.71gb", 2), ("4g.71gb", 1), ("7g.141gb", 1))),
        GPUType("H100-96GB", 96, (9, 0), _HOPPER_96_PROFILES),
        GPUType("H20", 96, (9, 0), _HOPPER_96_PROFILES),
        GPUType("GH200-96GB", 96, (9, 0), _HOPPER_96_PROFILES),
        GPUType("GH200-144GB", 144, (9, 0), _profiles(("1g.18gb", 7), ("1g.36gb", 4), ("2g.36gb", 3),
                                                      ("3g.72gb", 2), ("4g.72gb", 1), ("7g.144gb", 1))),
        GPUType("B200", 180, (10, 0), _profiles(("1g.23gb", 7), ("1g.45gb", 4), ("2g.45gb", 3), ("3g.90gb", 2),
                                                ("4g.90gb", 1), ("7g.180gb", 1))),
        GPUType("GB200", 186, (10, 0), _profiles(("1g.23gb", 7), ("1g.47gb", 4), ("2g.47gb", 3), ("3g.93gb", 2),
                                                 ("4g.93gb", 1), ("7g.186gb", 1))),
        GPUType("RTX-PRO-6000-96GB", 96, (12, 0), _profiles(("1g.24gb", 4), ("2g.48gb", 2), ("4g.96gb", 1))),
    )
}
