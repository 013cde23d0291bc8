from __future__ import annotations

from typing import Iterator

from servespec.catalog import dropped_capability_floor, min_cuda_for_compute_capability
from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, cuda_models


class ComputeCapabilityUnsupported(Rule):
    """GPU compute capability is too new, or too old, for the image's CUDA version.

    What it does:
        Compares the image's CUDA version with the first CUDA toolkit that supports the compute capability
        of the pool's GPU (e.g. Hopper 9.0 needs CUDA 11.8, B300 10.3 needs 12.9), and with the
        architectures the toolkit's major release dropped (CUDA 13 builds nothing below 7.5: no V100).

    Why it matters:
        A toolkit older than the architecture has no native code for it and may not be able to JIT for it;
        one newer than the architecture's last release ships no kernels for it at all. Either way kernels
        fail with "no kernel image is available for execution on the device".

    Fix:
        Rebuild the image on a CUDA version that supports the GPU, or run the model on another GPU type.
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
            floor = dropped_capability_floor(capability, image_cuda)
            if floor is not None:
                yield Finding(f"{model.pool.gpu.name} (compute capability {capability[0]}.{capability[1]}) is not "
                              f"supported by CUDA {image_cuda[0]}, which builds for {floor[0]}.{floor[1]} and newer; "
                              f"the image has CUDA {image_cuda[0]}.{image_cuda[1]}", path, model.name,
                              hint=f"use an image built on CUDA {image_cuda[0] - 1}.x for this GPU, or move the model "
                                   "to a newer GPU type")
