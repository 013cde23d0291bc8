from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path

MAINTENANCE = {"tgi": ("vllm or sglang", "huggingface/text-generation-inference README: \"text-generation-inference "
                                         "is now in maintenance mode\"")}
"""Engines whose maintainers stopped developing them: what they recommend instead, and where they say so."""


class EngineInMaintenance(Rule):
    """A model runs on an engine its maintainers have put in maintenance mode.

    What it does:
        Fires for a model whose `server.runtime` is an engine in maintenance mode: TGI, which Hugging Face's
        README announces is in maintenance mode, recommending vLLM or SGLang.

    Why it matters:
        A maintenance-mode engine gets no new model architectures, no new GPU generations and fewer fixes:
        the model keeps running, but the next model or GPU the fleet adopts may not.

    Fix:
        Plan the move to `runtime: vllm` or `runtime: sglang`; both serve the OpenAI API TGI's clients use.
    """

    id = "SRV006"
    slug = "engine-in-maintenance"
    category = "serving"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            runtime = model.server.runtime.name
            if runtime in MAINTENANCE:
                instead, source = MAINTENANCE[runtime]
                yield Finding(f"{model.name!r} runs on {runtime}, in maintenance mode ({source})",
                              model_path(model, "server", "runtime"), model.name,
                              hint=f"plan the move to {instead}")
