"""GPU memory of a served model: bytes per parameter and per KV-cache element, and the per-GPU allowance.

Sources:
- Bytes per element: the width of each format (fp32 32 bits, bf16/fp16 16, fp8 E4M3/E5M2 and int8 8, int4 4;
  IEEE 754, the OCP 8-bit floating point specification). int4 checkpoints (AWQ, GPTQ) also store a scale per
  group of 128 weights, about 3% more, not counted.
- KV cache: vLLM allocates `2 * block_size * num_kv_heads * head_size * dtype_size` bytes per layer and block
  of tokens (K and V; vllm/v1/kv_cache_interface.py, `FullAttentionSpec.page_size_bytes`). With
  `--kv-cache-dtype auto` the cache has the model's activation type: 16 bits, also for fp8/int8/int4
  weights (quantized checkpoints compute in bf16/fp16).
- vLLM refuses to start when the KV cache cannot hold one sequence of `--max-model-len` tokens ("The model's
  max seq len (...) is larger than the maximum number of tokens that can be stored in KV cache", vllm
  kv_cache_utils), after weights, non-torch memory and the activation peak of a profiling run take their
  share of `gpu_memory_utilization` x the GPU's memory.
- Per-GPU allowance: vLLM's memory profile of Llama-3-8B on an H100 80GB (vllm-project/vllm#10511) measured
  1.79 GiB of non-torch memory (CUDA context, cuBLAS) and a 1.26 GiB PyTorch activation peak on one GPU, and
  3.58 GiB of non-torch memory per GPU with tensor parallelism 2 (NCCL buffers). servespec rounds those up
  to 3 GiB per GPU, and 5 GiB per GPU with tensor or pipeline parallelism; `model.overheadGB` overrides.
- GPU memory: the catalog holds each GPU's memory in MiB as the driver reports it (`catalog.gpus`; an H100
  80GB has 81559 MiB, 79.6 GiB), so every figure here is in GiB (`gpu.memoryGB`, `overheadGB` and
  `kvCacheGB` of the spec too).
"""

from __future__ import annotations

GIB = 2**30

BYTES_PER_ELEMENT: dict[str, float] = {"fp32": 4, "bf16": 2, "fp16": 2, "fp8": 1, "int8": 1, "int4": 0.5}
"""Bytes one weight (or KV-cache element) takes in each `model.dtype`."""

ACTIVATION_BYTES: dict[str, float] = {"fp32": 4, "bf16": 2, "fp16": 2, "fp8": 2, "int8": 2, "int4": 2}
"""Bytes of one KV-cache element with `--kv-cache-dtype auto`: the activation type of each weight dtype."""

OVERHEAD_GIB_PER_GPU = 3.0
"""CUDA context, libraries and the activation peak of one GPU serving alone."""

OVERHEAD_GIB_PER_GPU_PARALLEL = 5.0
"""The same with tensor or pipeline parallelism (NCCL buffers double the non-torch share)."""
