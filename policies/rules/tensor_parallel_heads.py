from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path
from servespec.spec.resolve import ResolvedModel


def parallelism_path(model: ResolvedModel, key: str) -> tuple[str | int, ...]:
    """`parallelism.<key>` when the spec gives parallelism, else `gpu.count` (the preset's tensor degree)."""
    return model_path(model, "parallelism", key) if model.spec.parallelism else model_path(model, "gpu", "count")


class TensorParallelHeads(Rule):
    """Tensor-parallel degree does not divide the model's attention heads.

    What it does:
        For a replica split over GPUs by tensor parallelism (`parallelism.tensor`, or a vllm/tgi replica's
        GPUs), checks that the degree divides `model.attentionHeads`. Without the head count, fires when the
        degree is not a power of two: attention head counts nearly always are multiples of 8, 16 or 32.

    Why it matters:
        Each GPU holds an equal share of every layer's heads. vLLM refuses to start ("Total number of
        attention heads (64) must be divisible by tensor parallel size (3)", vllm/config.py), TGI fails to
        shard the weights; the pod restarts in a loop after the weights were loaded.

    Fix:
        Use a degree that divides the heads (1, 2, 4, 8 for 64 heads); with more GPUs than that, add
        pipeline parallelism (vllm) or replicas.
    """

    id = "PAR001"
    slug = "tensor-parallel-heads"
    category = "parallelism"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            tensor = model.parallel.tensor
            if tensor < 2:
                continue
            architecture = model.spec.model
            heads = architecture.attention_heads if architecture else None
            at = parallelism_path(model, "tensor")
            if heads is not None:
                if heads % tensor:
                    below = max(d for d in range(1, tensor) if heads % d == 0)
                    above = next((d for d in range(tensor + 1, heads + 1) if heads % d == 0), None)
                    choices = f"{below} or {above}" if above else str(below)
                    yield Finding(f"tensor parallel {tensor} does not divide the {heads} attention heads of "
                                  f"{model.name!r}: the engine refuses to start", at, model.name,
                                  hint=f"use tensor {choices} (divisors of {heads}); pipeline parallelism or "
                                       "replicas for more GPUs")
            elif tensor & (tensor - 1):
                yield Finding(f"tensor parallel {tensor} of {model.name!r} is not a power of two; attention head "
                              "counts nearly always are multiples of 8", at, model.name,
                              hint="use 2, 4 or 8, or give model.attentionHeads so the degree is checked exactly")
