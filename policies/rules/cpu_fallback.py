from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path


class CPUFallback(Rule):
    """Model on a GPU pool requests no GPU and silently runs on CPU.

    What it does:
        Fires for a model without a `gpu:` request. Every pool is a GPU pool, so such a model is scheduled on
        a GPU node but gets no GPU device; an image built for CUDA makes the mistake certain.

    Why it matters:
        Without `nvidia.com/gpu` (or a MIG resource) in its requests the container sees no GPU. Most servers
        then fall back to CPU without failing: the model answers, 10-100x slower, while a GPU node is paid for.
        Where GPU nodes carry the `nvidia.com/gpu` NoSchedule taint (managed Kubernetes), the model gets no
        GPU toleration and never schedules at all. Both are shown on a real scheduler by the e2e tests.

    Fix:
        Add `gpu: {count: 1, memoryGB: <need>}` (or `gpu: {mig: <profile>, memoryGB: <need>}` on a MIG pool).
    """

    id = "GPU001"
    slug = "cpu-fallback"
    category = "gpu"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            if model.spec.gpu is None:
                reason = (f"its image is built for CUDA {model.cuda[0]}.{model.cuda[1]}" if model.cuda
                          else f"it is placed on GPU pool {model.pool.name!r}")
                yield Finding(f"model {model.name!r} requests no GPU and will run on CPU, although {reason}",
                              model_path(model, "pool"), model.name,
                              hint="add `gpu: {count: 1, memoryGB: <need>}`")
