from __future__ import annotations

from typing import Iterator

from servespec.capacity.memory import memory_fit
from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path


class GPUMemoryPerReplica(Rule):
    """The GPU memory figure of a model sized from what it is, with its terms.

    What it does:
        For every model whose GPU memory comes from `model` (not a stated `gpu.memoryGB`) and fits, reports
        the figure and its terms: weights, KV cache for `sequences` of `contextLength`, and the per-GPU
        allowance, against what the replica's GPUs give at the engine's share (docs/large-models.md).
        GPU004 reports the figures that do not fit.

    Why it matters:
        The figure decides GPUs per replica, context length and batch room; a reviewer sees in the lint
        output how much headroom a change leaves, before vLLM's memory profile does it at start-up.

    Fix:
        Nothing to fix: an informational note. Shorten `contextLength` or lower `sequences` to free
        memory, add GPUs (`parallelism.tensor`) to gain it.
    """

    id = "PAR005"
    slug = "gpu-memory-per-replica"
    category = "parallelism"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            fit = memory_fit(model)
            if fit is None or fit.need.stated or fit.need.weights_from is not None or not fit.fits:
                continue
            gpus = f"{fit.gpus} x {fit.unit}s give" if fit.gpus > 1 else f"one {fit.unit} gives"
            yield Finding(f"{model.name!r} needs {fit.need.total:.1f} GiB of GPU memory per replica "
                          f"({fit.need.terms()}); {gpus} {fit.available:.1f} GiB at utilization {fit.utilization:g}",
                          model_path(model, "model"), model.name)
