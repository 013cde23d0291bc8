from __future__ import annotations

from typing import Iterator

from servespec.catalog import driver_floors, driver_text
from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, driver_models


class CUDAMinorCompat(Rule):
    """Image CUDA runs on the pool's driver only through minor-version compatibility.

    What it does:
        Fires when the pool's driver is older than the minimum driver of the image's CUDA toolkit (CUDA
        release notes, table 3) but not older than the minor-version compatibility floor of its major
        version. An engine image whose release notes support the driver is exempt: NGC's Triton images carry
        the CUDA forward-compatibility package (e.g. 25.03, CUDA 12.8: driver 560 or later, and on data center
        GPUs R535 from 535.86; docs/runtimes.md).

    Why it matters:
        Minor-version compatibility has limits: PTX newer than the driver cannot be JIT-compiled, and some
        features need the newer driver. Kernels shipped as PTX only (common in custom ops) fail at run time.

    Fix:
        Upgrade the pool's driver to the toolkit's minimum, or build the image for the driver's CUDA.
    """

    id = "GPU006"
    slug = "cuda-minor-compat"
    category = "gpu"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model, image_cuda, driver, path in driver_models(context.fleet):
            floors = driver_floors(image_cuda)
            if floors is not None and floors[1] <= driver < floors[0]:
                cuda = f"{image_cuda[0]}.{image_cuda[1]}"
                yield Finding(f"CUDA {cuda} wants driver {driver_text(floors[0])} or newer; pool "
                              f"{model.pool.name!r} has {model.pool.driver_label}, which runs it only through "
                              "minor-version compatibility (no JIT of newer PTX)", path, model.name,
                              hint=f"upgrade the pool's driver to {driver_text(floors[0])} or newer")
