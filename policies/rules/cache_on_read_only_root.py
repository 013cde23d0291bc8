from __future__ import annotations

from typing import Any, Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path, server_container
from servespec.spec.container import CACHE_PATHS

CACHE_VARIABLES = frozenset(CACHE_PATHS) | {
    "TRANSFORMERS_CACHE", "HF_DATASETS_CACHE", "SENTENCE_TRANSFORMERS_HOME",  # Hugging Face libraries
    "TORCH_HOME", "TORCH_EXTENSIONS_DIR",                                       # PyTorch hub, JIT extensions
    "CUDA_CACHE_PATH",                                                          # CUDA JIT (PTX) cache
    "NUMBA_CACHE_DIR", "TMPDIR",
}
"""Variables that name a directory an engine or its libraries write to."""


def writable_mounts(container: dict[str, Any]) -> list[str]:
    return [mount["mountPath"] for mount in container.get("volumeMounts", []) if not mount.get("readOnly")]


def under(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip("/") + "/")


class CacheOnReadOnlyRoot(Rule):
    """A cache directory points at the read-only root file system.

    What it does:
        Reads the compiled server container and fires for each environment variable that names a cache or
        scratch directory (HF_HOME, TRANSFORMERS_CACHE, XDG_CACHE_HOME, TORCH_HOME, TORCHINDUCTOR_CACHE_DIR,
        TRITON_CACHE_DIR, VLLM_CACHE_ROOT, CUDA_CACHE_PATH, HOME, TMPDIR, ...) whose value is not inside a
        writable volume of the container. servespec runs every container with `readOnlyRootFilesystem`.

    Why it matters:
        The engine writes there at start (tokenizer files, compiled kernels, torch.compile artefacts) and
        fails with "Read-only file system", or, worse, a library swallows the error and recompiles every
        kernel on every start, adding minutes to each scale-out.

    Fix:
        Remove the variable (a runtime preset points the caches at its `/cache` volume), or point it
        inside /tmp or /cache.
    """

    id = "SRV005"
    slug = "cache-on-read-only-root"
    category = "serving"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model, pod in context.serving_pods():
            container = server_container(pod)
            writable = writable_mounts(container)
            for variable in container.get("env", []):
                name, value = variable["name"], variable.get("value")
                if name not in CACHE_VARIABLES or not value or not value.startswith("/"):
                    continue
                if not any(under(value, directory) for directory in writable):
                    yield Finding(f"{name}={value} of {model.name!r} is on the read-only root file system",
                                  model_path(model, "env", name), model.name,
                                  hint=f"remove it or point it inside one of: {', '.join(sorted(writable))}")
