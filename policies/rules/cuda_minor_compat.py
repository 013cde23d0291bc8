from __future__ import annotations

from compiler.catalog import MINOR_COMPAT_DRIVER_FLOOR, min_driver_for_cuda
from policies.rule import Finding, Rule, model_path
from policies.rules.cuda_driver_too_old import version_text


class CUDAMinorCompat(Rule):
    """Image CUDA runs on the pool's driver only through minor-version compatibility.

    What it does:
        Fires when the pool's driver is older than the minimum driver of the image's CUDA toolkit (CUDA
        release notes, table 3) but not older than the minor-version compatibility floor of its major
        version.

    Why it matters:
        Minor-version compatibility has limits: PTX newer than the driver cannot be JIT-compiled, and some
        features need the newer driver. Kernels shipped as PTX only (common in custom ops) fail at run time.

    Example that fires:
        gpuPools:
          - {name: a100, gpu: A100-80GB, driverVersion: "535.104.05", maxGPUs: 4}
        models:
          - name: ranker
            image: registry.example.com/pytorch:2.4-cuda12.4@sha256:...     # CUDA 12.4 wants >= 550.54.14
            pool: a100

    Fix:
        Upgrade the pool's driver to the toolkit's minimum, or build the image for the driver's CUDA.
    """

    id = "GPU006"
    slug = "cuda-minor-compat"
    category = "gpu"

    def check(self, context, options):
        for model in context.fleet.models:
            if model.cuda is None or model.spec.gpu is None:
                continue
            exact = min_driver_for_cuda(model.cuda)
            floor = MINOR_COMPAT_DRIVER_FLOOR.get(model.cuda[0])
            if exact is None or floor is None:
                continue
            if floor <= model.pool.driver < exact:
                cuda = f"{model.cuda[0]}.{model.cuda[1]}"
                yield Finding(f"CUDA {cuda} wants driver {version_text(exact)} or newer; pool {model.pool.name!r} "
                              f"has {model.pool.spec.driver_version}, which runs it only through minor-version "
                              "compatibility (no JIT of newer PTX)",
                              model_path(model, "cuda" if model.spec.cuda else "image"), model.name,
                              hint=f"upgrade the pool's driver to {version_text(exact)} or newer")
