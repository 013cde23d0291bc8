"""GPU types: memory, compute capability and MIG profiles.

Sources:
- MIG profiles and max instances per GPU: NVIDIA MIG User Guide, "Supported MIG Profiles", and the
  default mig-parted config shipped with NVIDIA/gpu-operator (`all-<profile>` configurations).
- Compute capability: NVIDIA CUDA GPUs list (developer.nvidia.com/cuda-gpus).
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
        GPUType("B200", 180, (10, 0)),
    )
}
