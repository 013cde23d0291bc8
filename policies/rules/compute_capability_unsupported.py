from __future__ import annotations

from typing import Iterator

from servespec.catalog import min_cuda_for_compute_capability
from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, cuda_models


class ComputeCapabilityUnsupported(Rule):
    """GPU compute capability is too new for the image's CUDA version.

    What it does:
        Compares the image's CUDA version with the first CUDA toolkit that supports the compute capability
        of the pool's GPU (e.g. Hopper 9.0 needs CUDA 11.8).

    Why it matters:
        A toolkit older than the architecture has no native code for it and may not be able to JIT for it:
        kernels fail with "no kernel image is available for execution on the device".

    Fix:
        Rebuild the image on a CUDA version that supports the GPU, or run the model on an older GPU type.
    """

    id = "GPU007"
    slug = "compute-capability-unsupported"
    category = "gpu"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model, image_cuda, path in cuda_models(context.fleet):
            capability = model.pool.gpu.compute_capability
            needed = min_cuda_for_compute_capability(capability)
            if needed is not None and image_cuda < needed:
                yield Finding(f"{model.pool.gpu.name} (compute capability {capability[0]}.{capability[1]}) needs "
                              f"CUDA {needed[0]}.{needed[1]} or newer; the image has CUDA "
                              f"{image_cuda[0]}.{image_cuda[1]}", path, model.name,
                              hint="rebuild the image on a newer CUDA, or use an older GPU type")
