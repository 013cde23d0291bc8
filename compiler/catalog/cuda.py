"""CUDA toolkit -> minimum Linux driver, and GPU compute capability -> minimum CUDA toolkit.

Sources:
- Minimum driver per toolkit: CUDA Toolkit Release Notes, table 3 ("CUDA Toolkit and Corresponding
  Driver Versions", Linux x86_64, toolkit driver version).
- Minor-version compatibility: CUDA Compatibility guide: any 12.x runs on a driver >= 525.60.13 and any
  13.x on >= 580, with limits (PTX newer than the driver cannot be JIT-compiled).
- Minimum CUDA per compute capability: CUDA Toolkit release notes for the first toolkit that
  supports each architecture (Ampere 8.0: 11.0; GA10x 8.6: 11.1; Ada 8.9 and Hopper 9.0: 11.8;
  Blackwell 10.0 and 12.0: 12.8, the first toolkit with sm_100 and sm_120 targets; not confirmed by a
  primary source here: treat as a default).
"""

from __future__ import annotations

CUDA_MIN_DRIVER: dict[tuple[int, int], tuple[int, ...]] = {
    (11, 8): (520, 61, 5),
    (12, 0): (525, 60, 13),
    (12, 1): (530, 30, 2),
    (12, 2): (535, 54, 3),
    (12, 3): (545, 23, 6),
    (12, 4): (550, 54, 14),
    (12, 5): (555, 42, 2),
    (12, 6): (560, 28, 3),
    (12, 8): (570, 26),
    (12, 9): (575, 51, 3),
    (13, 0): (580, 65, 6),
    (13, 1): (590, 44, 1),
}

MINOR_COMPAT_DRIVER_FLOOR: dict[int, tuple[int, ...]] = {
    12: (525, 60, 13),
    13: (580,),
}

MIN_CUDA_FOR_COMPUTE_CAPABILITY: dict[tuple[int, int], tuple[int, int]] = {
    (7, 5): (10, 0),
    (8, 0): (11, 0),
    (8, 6): (11, 1),
    (8, 9): (11, 8),
    (9, 0): (11, 8),
    (10, 0): (12, 8),
    (12, 0): (12, 8),
}


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
