"""CUDA toolkit -> minimum Linux driver, and GPU compute capability -> the CUDA toolkits that support it.

Sources (cited per row below):
- [RN3] CUDA Toolkit Release Notes, table 3 "CUDA Toolkit and Corresponding Driver Versions" (Linux x86_64,
  toolkit driver of each GA release).
- [RUN] The GA runfile NVIDIA publishes for the toolkit, named after the driver it bundles:
  developer.download.nvidia.com/compute/cuda/<v>/local_installers/cuda_<v>_<driver>_linux.run (13.2.0:
  595.45.04, 13.3.0: 610.43.02), which is table 3's value for every earlier release (13.0.0: 580.65.06,
  11.7.0: 515.43.04). ../shared/FACTS.md quotes the same two values "to verify"; these file names agree.
- [COMPAT] CUDA Compatibility guide, minor-version compatibility: any 11.x on a driver >= 450.80.02, any
  12.x on >= 525.60.13 and any 13.x on >= 580, with limits (PTX newer than the driver cannot be JIT-compiled).
- [ARCH] The first toolkit with each architecture: Ampere 8.0 11.0; GA10x 8.6 11.1; Ada 8.9 and Hopper 9.0
  11.8; Blackwell 10.0 and 12.0 12.8 (CUDA 12.8 features: sm_100, sm_120); 10.3 12.9 (CUDA Features Archive
  12.9: "compiler target support for SM architecture 10.3 (sm_103...)"); Volta 7.0 CUDA 9.0; Turing 7.5 10.0.
- [DROP] CUDA 12.8/12.9 release notes, "Deprecated Architectures": Maxwell, Pascal and Volta lose offline
  compilation and library support in the next major release; CUDA 13.0 removed them (compute capability
  below 7.5), so a CUDA 13 image has no kernels for a V100.
"""

from __future__ import annotations

CUDA_MIN_DRIVER: dict[tuple[int, int], tuple[int, ...]] = {
    (11, 0): (450, 51, 5),   # [RN3] 11.0.2 GA
    (11, 1): (455, 23),      # [RN3] 11.1.0 GA
    (11, 2): (460, 27, 3),   # [RN3] 11.2.0 GA
    (11, 3): (465, 19, 1),   # [RN3] 11.3.0 GA
    (11, 4): (470, 42, 1),   # [RN3] 11.4.0 GA
    (11, 5): (495, 29, 5),   # [RN3] 11.5.0 GA
    (11, 6): (510, 39, 1),   # [RN3] 11.6.0 GA
    (11, 7): (515, 43, 4),   # [RN3] 11.7.0 GA; [RUN] cuda_11.7.0_515.43.04
    (11, 8): (520, 61, 5),   # [RN3]
    (12, 0): (525, 60, 13),  # [RN3]
    (12, 1): (530, 30, 2),   # [RN3]
    (12, 2): (535, 54, 3),   # [RN3]
    (12, 3): (545, 23, 6),   # [RN3]
    (12, 4): (550, 54, 14),  # [RN3]
    (12, 5): (555, 42, 2),   # [RN3]
    (12, 6): (560, 28, 3),   # [RN3]
    (12, 8): (570, 26),      # [RN3]
    (12, 9): (575, 51, 3),   # [RN3]
    (13, 0): (580, 65, 6),   # [RN3]; [RUN] cuda_13.0.0_580.65.06
    (13, 1): (590, 44, 1),   # [RN3]
    (13, 2): (595, 45, 4),   # [RUN] cuda_13.2.0_595.45.04
    (13, 3): (610, 43, 2),   # [RUN] cuda_13.3.0_610.43.02
}

MINOR_COMPAT_DRIVER_FLOOR: dict[int, tuple[int, ...]] = {
    11: (450, 80, 2),   # [COMPAT]
    12: (525, 60, 13),  # [COMPAT]
    13: (580,),         # [COMPAT]
}

MIN_CUDA_FOR_COMPUTE_CAPABILITY: dict[tuple[int, int], tuple[int, int]] = {
    (7, 0): (9, 0),    # [ARCH] Volta
    (7, 5): (10, 0),   # [ARCH] Turing
    (8, 0): (11, 0),   # [ARCH]
    (8, 6): (11, 1),   # [ARCH]
    (8, 9): (11, 8),   # [ARCH]
    (9, 0): (11, 8),   # [ARCH]
    (10, 0): (12, 8),  # [ARCH]
    (10, 3): (12, 9),  # [ARCH] CUDA 12.9 features
    (12, 0): (12, 8),  # [ARCH]
}

MIN_COMPUTE_CAPABILITY_FOR_CUDA_MAJOR: dict[int, tuple[int, int]] = {
    13: (7, 5),  # [DROP] Maxwell, Pascal, Volta removed in CUDA 13.0
}


def dropped_capability_floor(capability: tuple[int, int], cuda: tuple[int, int]) -> tuple[int, int] | None:
    """The oldest compute capability `cuda`'s major release still builds for, when `capability` is older
    than that (the toolkit dropped the architecture); None when it is supported."""
    floor = MIN_COMPUTE_CAPABILITY_FOR_CUDA_MAJOR.get(cuda[0])
    return floor if floor is not None and capability < floor else None


def min_driver_for_cuda(cuda: tuple[int, int]) -> tuple[int, ...] | None:
    """The exact-version driver floor for a CUDA toolkit; for a toolkit not in the table, that of the
    nearest older listed toolkit of the same major version (a lower bound), or None if unknown."""
    if cuda in CUDA_MIN_DRIVER:
        return CUDA_MIN_DRIVER[cuda]
    older = [known for known in CUDA_MIN_DRIVER if known[0] == cuda[0] and known < cuda]
    return CUDA_MIN_DRIVER[max(older)] if older else None


def min_cuda_for_compute_capability(capability: tuple[int, int]) -> tuple[int, int] | None:
    """The first CUDA toolkit that supports a compute capability, or None if unknown."""
    return MIN_CUDA_FOR_COMPUTE_CAPABILITY.get(capability)


def driver_floors(cuda: tuple[int, int]) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """(the toolkit's own minimum driver, the oldest driver that runs it at all through minor-version
    compatibility), or None for an unknown toolkit. Without a compatibility floor the two are equal."""
    exact = min_driver_for_cuda(cuda)
    if exact is None:
        return None
    return exact, MINOR_COMPAT_DRIVER_FLOOR.get(cuda[0], exact)


def driver_text(version: tuple[int, ...]) -> str:
    """A driver version as NVIDIA writes it: (530, 30, 2) -> "530.30.02"."""
    return ".".join(f"{part:02d}" if index else str(part) for index, part in enumerate(version))
