"""`servespec init`: a commented starter spec for a runtime and a platform, which validates and lints clean as
written; every value to replace says so in its comment."""

from __future__ import annotations

RUNTIMES = ("vllm", "tgi", "triton", "custom")
PLATFORMS = ("gke", "eks", "aks", "gpu-operator", "generic")
PLACEHOLDER_DIGEST = "sha256:" + "0" * 64

_IMAGES = {
    "vllm": ("docker.io", "docker.io/vllm/vllm-openai:v0.9.2"),
    "tgi": ("ghcr.io", "ghcr.io/huggingface/text-generation-inference:3.0.1"),
    "triton": ("nvcr.io", "nvcr.io/nvidia/tritonserver:25.03-py3"),
    "custom": ("registry.example.com", "registry.example.com/ml/server:1.0-cuda12.4"),
}
RCLONE = f"docker.io/rclone/rclone:1.68.2@{PLACEHOLDER_DIGEST}"

_POOLS = {
    "gke": ("l4-pool", "L4", "the GKE node pool's name: its nodes carry cloud.google.com/gke-nodepool"),
    "eks": ("gpu-l4", "L4", "the Karpenter NodePool's name: its nodes carry karpenter.sh/nodepool"),
    "aks": ("gpunp", "A100-80GB", "the AKS node pool's name: its nodes carry kubernetes.azure.com/agentpool"),
    "gpu-operator": ("l4", "L4", "label the pool's nodes servespec.dev/gpu-pool=l4 (or set nodeSelector)"),
    "generic": ("l4", "L4", "label the pool's nodes servespec.dev/gpu-pool=l4 (or set nodeSelector)"),
}

_LLAMA_8B = """\
    model:                                   # sizes GPU memory (GPU004) and --max-model-len
      parameters: 8.03B                      # meta-llama/Llama-3.1-8B-Instruct, config.json
      dtype: bf16
      contextLength: 8192
      layers: 32
      attentionHeads: 32
      kvHeads: 8
      headDim: 128
"""


def _artifact(runtime: str, platform: str) -> str:
    if runtime in ("triton", "custom"):
        return """\
    artifact:                                # a PersistentVolumeClaim holding the weights (Triton: the model
      source: pvc                            # repository)
      claimName: model-weights               # REPLACE
      sizeGB: 6
"""
    if platform == "gke":
        return f"""\
    identity:
      gcpServiceAccount: weights-reader@your-project.iam.gserviceaccount.com   # REPLACE: Workload Identity
    artifact:
      source: download
      uri: gs://your-bucket/meta-llama/Llama-3.1-8B-Instruct                # REPLACE
      sizeGB: 16.1
      loadMBps: 1000
      download:
        image: {RCLONE}   # REPLACE: the digest
        egress: {{cidrs: [199.36.153.8/30]}}   # private.googleapis.com (Private Google Access), or your proxy
"""
    if platform == "eks":
        return f"""\
    identity:
      awsRoleArn: arn:aws:iam::111122223333:role/weights-reader              # REPLACE: IAM role (IRSA)
    artifact:
      source: download
      uri: s3://your-bucket/meta-llama/Llama-3.1-8B-Instruct                 # REPLACE
      sizeGB: 16.1
      loadMBps: 1000
      download:
        image: {RCLONE}   # REPLACE: the digest
        egress: {{cidrs: [52.216.0.0/15]}}     # REPLACE: your region's S3 and STS ranges, or your proxy
"""
    return """\
    artifact:
      source: download
      uri: hf://meta-llama/Llama-3.1-8B-Instruct                             # pin a revision: @<commit>
      sizeGB: 16.1
      loadMBps: 1000
      download:
        secretName: hf-token                 # REPLACE: a Secret with HF_TOKEN
        egress: {cidrs: [0.0.0.0/0]}         # narrow it to a proxy: the Hub's CDN publishes no ranges
"""


def _server(runtime: str) -> str:
    if runtime == "vllm":
        return """\
    server:
      runtime: vllm
      servedModelName: meta-llama/Llama-3.1-8B-Instruct   # what clients send as `model`
"""
    if runtime == "custom":
        return """\
    server:
      runtime: custom                        # your server: it must answer /ready and /health on port 8000
    cuda: "12.4"
"""
    return f"""\
    server:
      runtime: {runtime}
"""


def starter_spec(runtime: str = "vllm", platform: str = "gke", name: str = "inference") -> str:
    """The starter spec text."""
    registry, image = _IMAGES[runtime]
    registries = sorted({registry, "docker.io"} if platform in ("gke", "eks") and runtime not in ("triton", "custom")
                        else {registry})
    pool, gpu, pool_note = _POOLS[platform]
    driver = '    driverVersion: "570.124.06"              # REPLACE: the ClusterPolicy\'s driver version\n' \
        if platform in ("gpu-operator", "generic") else ""
    llm = runtime in ("vllm", "tgi")
    gpu_request = "    gpu: {count: 1}\n" if llm else "    gpu: {count: 1, memoryGB: 9}           # the model's need\n"
    scaling = "    scaling:\n      target: {metric: queue, value: 8}      # requests waiting per replica\n" \
        if runtime != "custom" else ""
    replicas = "{min: 1, max: 2}" if runtime != "custom" else "{min: 1, max: 1}             # add scaling to grow"
    return f"""\
# servespec starter: one {runtime} model on one {platform} GPU node pool. Replace the values marked REPLACE,
# then: servespec validate {name}.yaml && servespec lint {name}.yaml && servespec compile {name}.yaml -o out/
# Every field: docs/spec.md; what the cluster must provide: README, "What your cluster needs".
apiVersion: servespec.dev/v1alpha1
kind: ServingFleet
metadata:
  name: {name}
  namespace: {name}
cluster:
  platform: {platform}
security:
  allowedRegistries: [{", ".join(registries)}]
  requireImageDigest: true
  ingress: {{fromNamespaces: [api-gateway]}}   # REPLACE: the namespaces that call the models
gpuPools:
  - name: {pool}                             # {pool_note}
    gpu: {gpu}
{driver}    maxGPUs: 3                               # room for a surge replica while a release rolls out
    costPerGPUHour: 0.70                     # REPLACE: your price, for `servespec plan`
models:
  - name: chat
    version: "1.0.0"
    image: {image}@{PLACEHOLDER_DIGEST}   # REPLACE: the digest of the tag you tested
    pool: {pool}
{gpu_request}{_LLAMA_8B if llm else ""}    resources: {{cpu: "6", memory: 32Gi}}
{_artifact(runtime, platform)}{_server(runtime)}    replicas: {replicas}
{scaling}"""
