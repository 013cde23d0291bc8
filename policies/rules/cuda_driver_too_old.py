from __future__ import annotations

from typing import Iterator

from servespec.catalog import driver_floors, driver_text
from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, cuda_origin, driver_models


class CUDADriverTooOld(Rule):
    """Image CUDA version needs a newer driver than the pool's nodes have.

    What it does:
        Reads the CUDA version of the model image (from `cuda:`, the image tag, or for a runtime preset the
        engine's table by image version, e.g. vLLM v0.9+ images are built on CUDA 12.8) and compares the pool's
        `driverVersion` with the oldest driver that can run that CUDA major version at all (the
        minor-version compatibility floor: 525.60.13 for 12.x, 580 for 13.x; for older majors, the
        toolkit's own minimum driver). An engine image whose release notes support the driver is exempt (NGC
        Triton images: their forward-compatible driver branches, docs/runtimes.md).

    Why it matters:
        Below that floor the CUDA runtime refuses to start ("CUDA driver version is insufficient for CUDA
        runtime version"); the server either crashes or, worse, falls back to CPU.

    Fix:
        Upgrade the pool's driver to at least the toolkit's minimum driver, or use an image built for an
        older CUDA.
    """

    id = "GPU005"
    slug = "cuda-driver-too-old"
    category = "gpu"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model, image_cuda, driver, path in driver_models(context.fleet):
            floors = driver_floors(image_cuda)
            if floors is not None and driver < floors[1]:
                exact, floor = floors
                cuda = f"{image_cuda[0]}.{image_cuda[1]}"
                yield Finding(f"{cuda_origin(model)} needs CUDA {cuda}, which no driver older than "
                              f"{driver_text(floor)} can run; pool {model.pool.name!r} has "
                              f"{model.pool.driver_label}", path, model.name,
                              hint=f"upgrade the pool's driver to {driver_text(exact)} or newer (the CUDA {cuda} "
                                   "minimum), or use an image built for an older CUDA")
