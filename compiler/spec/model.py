"""The spec as typed data (pydantic v2). Field descriptions here are the spec reference and the JSON Schema."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag
from pydantic.alias_generators import to_camel

from servespec.catalog.downloads import DEFAULT_PULL_RATE_MBPS, DEFAULT_RATE_MBPS
from servespec.catalog.runtimes import PRESETS
from servespec.spec.paths import MODEL_DIR
from servespec.spec.types import (
    CIDR,
    INT32_MAX,
    ByteQuantity,
    Cron,
    CudaVersion,
    DNSLabel,
    DNSName,
    DriverVersion,
    Duration,
    EnvName,
    HostName,
    ImageReference,
    IntOrPercent,
    IstioGateway,
    LabelKey,
    LabelValue,
    MIGProfileName,
    OptionalLabelValue,
    ParameterCount,
    PrometheusLabel,
    Quantity,
    RuntimeName,
    TimeZone,
)

API_VERSION = "servespec.dev/v1alpha1"
KIND = "ServingFleet"

class SpecModel(BaseModel):
    """Base of every spec section: camelCase keys, unknown keys refused, values immutable, numbers finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True,
                              defer_build=True, allow_inf_nan=False)


class Metadata(SpecModel):
    """Identity of the fleet."""

    name: DNSLabel = Field(description="Fleet name; becomes `app.kubernetes.io/part-of` on every object.")
    namespace: DNSLabel = Field(description="Namespace the fleet is deployed to (an environment may override it).")
    labels: dict[LabelKey, OptionalLabelValue] = Field(default_factory=dict,
                                                       description="Extra labels put on every object.")
    annotations: dict[LabelKey, str] = Field(default_factory=dict,
                                             description="Extra annotations put on every object.")


class IngressPosture(SpecModel):
    """Who may call the models."""

    from_namespaces: list[DNSLabel] = Field(
        default_factory=list,
        description="Namespaces allowed to reach the model ports. Empty: only pods of the fleet namespace.")
    from_cidrs: list[CIDR] = Field(
        default_factory=list, alias="fromCIDRs",
        description="IP ranges allowed to reach the model ports: load balancers and gateway proxies that run "
                    "outside the cluster and reach pods from VPC addresses, not from a namespace (GKE Gateway: "
                    "the proxy-only subnet and Google's health checks 35.191.0.0/16, 130.211.0.0/22; an AWS "
                    "load balancer with IP targets: its subnets).")


NODE_LOCAL_DNS = "169.254.20.10/32"
"""NodeLocal DNSCache's default listen address on every node (kubernetes.io, "Using NodeLocal DNSCache in
Kubernetes Clusters"): a host-network resolver no pod selector can match."""


class EgressPosture(SpecModel):
    """Where the models may connect. DNS is always allowed: the kube-dns pods and `dnsAddresses`."""

    to_namespaces: list[DNSLabel] = Field(default_factory=list,
                                          description="Namespaces the models may connect to.")
    ports: list[Annotated[int, Field(ge=1, le=65535)]] = Field(
        default_factory=list, description="TCP ports allowed towards those namespaces; empty: any port.")
    allow_all: bool = Field(default=False, description="Allow egress anywhere (unrestricted egress).")
    dns_addresses: list[CIDR] = Field(
        default_factory=lambda: [NODE_LOCAL_DNS],
        description="Node-local DNS resolvers the pods may query on port 53 besides the kube-dns pods. Default: "
                    "NodeLocal DNSCache's 169.254.20.10/32 (add 169.254.169.254/32 for GKE Cloud DNS); [] for "
                    "kube-dns only.")


class Security(SpecModel):
    """Security posture of every model."""

    allowed_registries: list[str] = Field(default_factory=list,
                                          description="Registries images may come from. Empty: any registry.")
    require_image_digest: bool = Field(default=True, description="Images must be pinned by `@sha256:` digest.")
    pod_security: Literal["restricted", "baseline", "privileged"] = Field(
        default="restricted", description="Pod Security Standards level enforced on the namespace.")
    ingress: IngressPosture = Field(default_factory=IngressPosture, description="Allowed callers.")
    egress: EgressPosture = Field(default_factory=EgressPosture, description="Allowed destinations.")


class RateLimit(SpecModel):
    """Requests per second per client address at the ingress (ingress-nginx `limit-rps`)."""

    rps: int = Field(default=10, ge=1, le=100000, description="Requests per second from one client address.")
    burst: int = Field(default=20, ge=1, le=1000000,
                       description="Requests above the rate accepted at once; a multiple of rps (ingress-nginx sets "
                                   "burst as rps x limit-burst-multiplier).")


class LoadTest(SpecModel):
    """The flagger-loadtester webhook that sends the new version requests during the analysis."""

    url: str = Field(min_length=1, pattern=r"^https?://",
                     description="The load tester's URL, e.g. http://flagger-loadtester.test/.")
    command: Optional[str] = Field(
        default=None, min_length=1,
        description="Command the load tester runs each analysis step. Default for vllm and tgi: `hey` sending "
                    "small completions to the canary Service (docs/traffic.md).")


class GatewayRef(SpecModel):
    """A Gateway API Gateway (or its listener) the model's HTTPRoute attaches to."""

    name: DNSLabel = Field(description="Gateway name.")
    namespace: DNSLabel = Field(description="Gateway namespace.")
    section_name: Optional[DNSLabel] = Field(default=None, description="Listener name. Absent: every listener.")


class IstioTraffic(SpecModel):
    """Istio: sidecar injection, ingress gateways and the control plane the sidecars reach."""

    gateways: list[IstioGateway] = Field(
        default_factory=list, description="Istio Gateways as namespace/name, e.g. istio-ingress/public. Empty: "
                                          "in-mesh callers only.")
    revision: Optional[LabelValue] = Field(
        default=None, description="Control-plane revision: the `istio.io/rev` label instead of "
                                  "`istio-injection: enabled`.")
    cni: bool = Field(default=True, description="The Istio CNI node agent is installed. Without it every pod "
                                                "gets the istio-init container (NET_ADMIN, NET_RAW), which the "
                                                "baseline and restricted Pod Security levels reject.")
    control_plane_namespace: DNSLabel = Field(default="istio-system",
                                              description="Namespace of istiod (xDS and certificates on 15012).")
    gateway_namespaces: Optional[list[DNSLabel]] = Field(
        default=None, description="Namespaces the ingress gateway pods run in. Default: the namespaces of "
                                  "`gateways`.")


class GatewayAPITraffic(SpecModel):
    """Gateway API: the Gateways the models' HTTPRoutes attach to."""

    gateway_refs: list[GatewayRef] = Field(default_factory=list, description="Parent Gateways of every route.")
    gateway_namespaces: Optional[list[DNSLabel]] = Field(
        default=None, description="Namespaces the gateway's data-plane pods run in (they call the models). "
                                  "Default: the namespaces of `gatewayRefs`.")
    gateway_class_name: Optional[str] = Field(
        default=None, min_length=1, max_length=253,
        description="The Gateways' GatewayClass, e.g. gke-l7-global-external-managed: a class whose proxies "
                    "run outside the cluster needs `security.ingress.fromCIDRs`.")


class NginxTraffic(SpecModel):
    """ingress-nginx: the controller the models' Ingresses belong to."""

    class_name: DNSLabel = Field(default="nginx", description="IngressClass name.")
    namespace: DNSLabel = Field(default="ingress-nginx",
                                description="Namespace the controller pods run in (they call the models).")
    body_size: Optional[ByteQuantity] = Field(
        default=None, alias="bodySize",
        description="Largest request body (`proxy-body-size`; ingress-nginx answers larger ones with 413). "
                    "Default: 16m for LLM engines (vllm, tgi: long prompts, images), else ingress-nginx's 1m.")
    tls_secret: Optional[DNSLabel] = Field(
        default=None, alias="tlsSecret",
        description="Secret (kubernetes.io/tls) with the certificate of the hosts: the Ingresses serve HTTPS "
                    "with it (and ingress-nginx redirects HTTP).")


TrafficProvider = Literal["istio", "gatewayapi", "nginx"]


class Traffic(SpecModel):
    """How requests reach the models and how rollouts shift them (docs/traffic.md)."""

    provider: Optional[TrafficProvider] = Field(
        default=None, description="istio (sidecars, VirtualService), gatewayapi (HTTPRoute) or nginx "
                                  "(ingress-nginx Ingress). Absent: a ClusterIP Service only.")
    hosts: list[HostName] = Field(
        default_factory=list, description="Host names the model is served on. Default: <model>.<domain> when "
                                          "`domain` is set.")
    domain: Optional[DNSName] = Field(default=None,
                                      description="Fleet-wide: each model is served on <model>.<domain>.")
    rate_limit: Optional[RateLimit] = Field(default=None, description="nginx: per-client rate limit (counted per "
                                                                      "controller replica). Absent: none.")
    load_test: Optional[LoadTest] = Field(default=None, description="Load tester called during every analysis.")
    mirror: bool = Field(default=False, description="Blue/green models on istio or gatewayapi copy live requests "
                                                    "to the new version during the analysis (idempotent requests "
                                                    "only); other models ignore it.")
    istio: IstioTraffic = Field(default_factory=IstioTraffic, description="Istio settings.")
    gatewayapi: GatewayAPITraffic = Field(default_factory=GatewayAPITraffic, description="Gateway API settings.")
    nginx: NginxTraffic = Field(default_factory=NginxTraffic, description="ingress-nginx settings.")


class ModelTraffic(SpecModel):
    """Per-model traffic settings; each one set replaces the fleet's `traffic` value."""

    provider: Optional[Literal["istio", "gatewayapi", "nginx", "none"]] = Field(
        default=None, description="Provider of this model; none: a ClusterIP Service only (e.g. a batch model).")
    hosts: Optional[list[HostName]] = Field(default=None, description="Host names of this model.")
    rate_limit: Optional[RateLimit] = Field(default=None, description="nginx rate limit of this model.")
    load_test: Optional[LoadTest] = Field(default=None, description="Load tester of this model's analysis.")
    mirror: Optional[bool] = Field(default=None, description="Mirror live requests during this model's "
                                                             "blue/green analysis.")


class CustomGPUType(SpecModel):
    """A GPU type the built-in catalog does not know."""

    name: str = Field(min_length=1, max_length=63, description="Name pools refer to in `gpu:`.")
    memory_gb: float = Field(alias="memoryGB", gt=0, description="Memory of one GPU in GiB, as the driver reports "
                                                                "it (nvidia-smi's MiB / 1024), not the product's "
                                                                "name: an '80GB' H100 has 79.6.")
    compute_capability: CudaVersion = Field(description='Compute capability, e.g. "8.0".')
    mig_profiles: dict[MIGProfileName, Annotated[int, Field(ge=1, le=64)]] = Field(
        default_factory=dict, description="MIG profiles and the most instances of each on one GPU, "
                                          "e.g. {1g.10gb: 7}. Empty: no MIG.")


class MIGConfig(SpecModel):
    """How the pool's GPUs are partitioned (NVIDIA device plugin MIG strategy)."""

    strategy: Literal["none", "single", "mixed"] = Field(
        default="none", description="none: whole GPUs; single: every GPU split into one profile, exposed as "
                                    "`nvidia.com/gpu`; mixed: each profile exposed as `nvidia.com/mig-<profile>`.")
    profile: Optional[MIGProfileName] = Field(
        default=None, description="With strategy single: the profile every GPU is split into.")


class GPUPool(SpecModel):
    """A node pool of identical GPU nodes."""

    name: DNSLabel = Field(description="Pool name models refer to.")
    gpu: str = Field(min_length=1, description="GPU type: a catalog name (see `servespec schema`) or a "
                                               "`gpuTypes` entry.")
    driver_version: Optional[DriverVersion] = Field(
        default=None, description='NVIDIA driver version on the nodes, e.g. "550.107.02": required with the GPU '
                                  'Operator (its ClusterPolicy sets it); where the platform installs the driver '
                                  '(gke, eks, aks) give it to have CUDA checked against it.')
    mig: MIGConfig = Field(default_factory=MIGConfig, description="MIG partitioning.")
    max_gpus: int = Field(alias="maxGPUs", ge=1, le=INT32_MAX, description="Most GPUs the pool can scale to.")
    cost_per_gpu_hour: float = Field(alias="costPerGPUHour", default=0.0, ge=0,
                                     description="Price of one GPU for one hour, in USD.")
    spot: bool = Field(default=False, description="Spot/preemptible nodes (only `batch` models belong here).")
    node_selector: dict[LabelKey, OptionalLabelValue] = Field(
        default_factory=dict, description="Node labels selecting the pool. Default: the platform's node pool "
                                          "label with the pool's name (gke cloud.google.com/gke-nodepool, eks "
                                          "karpenter.sh/nodepool, aks kubernetes.azure.com/agentpool; elsewhere "
                                          "servespec.dev/gpu-pool).")
    product: Optional[LabelValue] = Field(
        default=None, description="GPU Feature Discovery's `nvidia.com/gpu.product` of the pool's GPUs, e.g. "
                                  "NVIDIA-H100-80GB-HBM3: the pool's pods also select it, so a pool gets exactly "
                                  "that product (compute capability alone cannot tell an A100-40GB from an A30). "
                                  "Must be one of the GPU type's values in the catalog (README, GPU catalog); with MIG "
                                  "strategy single the selector is `<product>-MIG-<profile>`, as GFD labels it.")
    gpus_per_node: Optional[int] = Field(
        default=None, alias="gpusPerNode", ge=1, le=64,
        description="GPUs of one node. A replica needing more runs as a LeaderWorkerSet group over whole nodes "
                    "(vllm); the pool's capacity counts whole nodes. Absent: any replica fits one node.")


class GPURequest(SpecModel):
    """The GPU a model needs: whole GPUs or a MIG slice."""

    count: Optional[int] = Field(default=None, ge=1, le=64,
                                 description="GPUs (or MIG slices) per replica. Default: parallelism.tensor x "
                                             "parallelism.pipeline, else 1.")
    mig: Optional[MIGProfileName] = Field(default=None, description="MIG profile of the slice, e.g. 1g.10gb.")
    memory_gb: Optional[float] = Field(
        default=None, alias="memoryGB", gt=0,
        description="GPU memory the model needs per replica, in GB. Default: computed from `model` "
                    "(docs/large-models.md).")


class ModelArchitecture(SpecModel):
    """What the model is: enough to compute the GPU memory a replica needs (docs/large-models.md)."""

    parameters: ParameterCount = Field(description="Parameters, e.g. 70B, 8.03B or 350M.")
    dtype: Literal["fp32", "bf16", "fp16", "fp8", "int8", "int4"] = Field(
        description="Precision of the weights as served (fp8, int8, int4: a quantized checkpoint).")
    context_length: Optional[int] = Field(
        default=None, ge=1, le=10**8, description="Longest sequence, prompt plus output, in tokens (vLLM "
                                                  "--max-model-len, TGI --max-total-tokens).")
    sequences: int = Field(default=1, ge=1, le=INT32_MAX,
                           description="Sequences of contextLength tokens the KV cache must hold at once. Default "
                                       "1: vLLM refuses to start when not even one fits.")
    layers: Optional[int] = Field(default=None, ge=1, le=10000, description="Transformer layers "
                                                                           "(config.json num_hidden_layers).")
    attention_heads: Optional[int] = Field(default=None, ge=1, le=10000,
                                           description="Attention heads (num_attention_heads).")
    kv_heads: Optional[int] = Field(default=None, ge=1, le=10000,
                                    description="Key/value heads (num_key_value_heads). Default: attentionHeads.")
    head_dim: Optional[int] = Field(default=None, ge=1, le=100000,
                                    description="Size of one head (head_dim, or hidden_size / num_attention_heads).")
    kv_cache_dtype: Optional[Literal["fp8"]] = Field(
        default=None, description="fp8: store the KV cache in 8 bits (vLLM --kv-cache-dtype fp8, TGI "
                                  "fp8_e4m3fn). Default: the 16-bit activation type (fp32 models: 32-bit).")
    kv_cache_gb: Optional[float] = Field(default=None, alias="kvCacheGB", gt=0,
                                         description="KV cache per replica in GiB; replaces the computed figure.")
    overhead_gb: Optional[float] = Field(
        default=None, alias="overheadGB", ge=0,
        description="GPU memory per GPU beyond weights and KV cache (CUDA context, NCCL buffers, activations), "
                    "in GiB. Default: 3, or 5 with tensor or pipeline parallelism.")


class Parallelism(SpecModel):
    """How one replica is split over GPUs: tensor x pipeline GPUs per replica."""

    tensor: int = Field(default=1, ge=1, le=64, description="Tensor-parallel degree: GPUs each layer is split "
                                                           "over (vLLM --tensor-parallel-size, TGI --num-shard).")
    pipeline: int = Field(default=1, ge=1, le=64, description="Pipeline-parallel degree: stages the layers are "
                                                             "split into (vLLM --pipeline-parallel-size).")


class Resources(SpecModel):
    """CPU, memory and local disk per replica (the model server container)."""

    cpu: Quantity = Field(description='CPU request, e.g. "4" or 500m. No CPU limit is set (no throttling).')
    memory: ByteQuantity = Field(description="Memory request, e.g. 20Gi.")
    memory_limit: Optional[ByteQuantity] = Field(default=None, description="Memory limit. Default: 1.2 x request.")
    ephemeral_storage: Optional[ByteQuantity] = Field(
        default=None, description="Local disk request (ephemeral-storage). Default: the sum of the pod's "
                                  "disk-backed scratch volumes (weights download, caches, /tmp).")


class DownloadEgress(SpecModel):
    """Where the download may connect: the NetworkPolicy egress of the model's pods gains exactly this."""

    cidrs: list[CIDR] = Field(
        default_factory=list, description="IP ranges of the store, e.g. the S3 prefix list or a proxy.")
    namespaces: list[DNSLabel] = Field(default_factory=list,
                                       description="In-cluster namespaces serving the weights (a proxy, MinIO).")
    ports: list[Annotated[int, Field(ge=1, le=65535)]] = Field(default_factory=lambda: [443],
                                                               description="TCP ports of the store.")


class Download(SpecModel):
    """The init container that fetches `uri` before the server starts."""

    image: Optional[ImageReference] = Field(
        default=None, description="Downloader image. Default: rclone for s3://, gs:// and https://; the "
                                  "server's own image for hf:// with the vllm and tgi runtimes.")
    command: Optional[list[str]] = Field(default=None, description="Downloader command (with `image`).")
    args: Optional[list[str]] = Field(default=None, description="Downloader arguments (with `image`).")
    secret_name: Optional[DNSLabel] = Field(
        default=None, description="Secret whose keys become the downloader's environment (credentials, "
                                  "e.g. AWS_ACCESS_KEY_ID or HF_TOKEN); only the init container sees it.")
    credentials: Optional[Literal["secret", "instanceMetadata", "podIdentity", "webIdentity",
                                  "azureWorkloadIdentity", "anonymous"]] = Field(
        default=None, description="Where an s3:// or gs:// download gets its credentials, so that the "
                                  "NetworkPolicy opens exactly that. Default: the model's `identity`'s, else "
                                  "secret when `secretName` is set. secret (`secretName`), instanceMetadata "
                                  "(the node's metadata server 169.254.169.254:80: GKE "
                                  "Workload Identity, EC2 instance roles), podIdentity (the EKS Pod Identity "
                                  "agent 169.254.170.23:80), webIdentity (IRSA: STS over HTTPS, listed in "
                                  "`egress`), azureWorkloadIdentity (Entra ID over HTTPS, listed in `egress`), "
                                  "anonymous (a public bucket). Opened for the whole pod, the server included.")
    rate_mbps: float = Field(alias="rateMBps", default=DEFAULT_RATE_MBPS, gt=0,
                             description="Download rate in MB/s; sets the progress deadline.")
    egress: DownloadEgress = Field(default_factory=DownloadEgress, description="Where the download connects.")


class ImageVolume(SpecModel):
    """The weights as an OCI image or artifact, mounted read-only as a Kubernetes image volume."""

    reference: ImageReference = Field(description="Image or artifact holding the weights.")
    pull_policy: Literal["Always", "IfNotPresent", "Never"] = Field(default="IfNotPresent",
                                                                      description="Image volume pull policy.")
    pull_mbps: float = Field(alias="pullMBps", default=DEFAULT_PULL_RATE_MBPS, gt=0,
                             description="Pull rate in MB/s; sets the progress deadline.")


class Artifact(SpecModel):
    """Where the model weights come from, how they reach the pod, and how fast they load."""

    source: Literal["pvc", "download", "image"] = Field(
        description="pvc: an existing PersistentVolumeClaim (`claimName`); download: an init container "
                    "fetches `uri` into a scratch volume; image: an image volume (`image`). All three are "
                    f"mounted read-only at {MODEL_DIR}.")
    uri: Optional[str] = Field(default=None, min_length=1,
                               description="Location of the weights: s3://, gs://, hf://org/repo[@revision] or "
                                           "https://. Required for `download`.")
    size_gb: float = Field(alias="sizeGB", gt=0, description="Size of the weights in GB.")
    load_mbps: float = Field(alias="loadMBps", default=200.0, gt=0,
                             description="Rate the server reads the weights from the volume into GPU memory, "
                                         "in MB/s; sets the startup probe budget.")
    claim_name: Optional[DNSLabel] = Field(default=None,
                                           description="With source pvc: the claim holding the weights.")
    download: Optional[Download] = Field(default=None, description="With source download: how to fetch.")
    image: Optional[ImageVolume] = Field(default=None, description="With source image: the image.")


class NamedPort(SpecModel):
    """An extra container port."""

    name: DNSLabel = Field(max_length=15, description="Port name (at most 15 characters).")
    port: int = Field(ge=1, le=65535, description="Container port.")


class Server(SpecModel):
    """The model server: its engine, command line, ports, probes and request length."""

    runtime: RuntimeName = Field(
        default="custom", validate_default=True,
        description=f"Inference engine. A preset ({', '.join(PRESETS)}) fills the command, ports, probes, caches "
                    "and metrics (docs/runtimes.md); custom: none of it.")
    command: Optional[list[str]] = Field(default=None, description="Container command; replaces the preset's.")
    args: list[str] = Field(default_factory=list,
                            description="Arguments, appended to the preset's (custom: the whole argument list).")
    port: Optional[int] = Field(default=None, ge=1, le=65535,
                                description="Container port serving inference (the `http` port). Default: 8000.")
    ports: list[NamedPort] = Field(default_factory=list, description="Extra named container ports.")
    readiness_path: Optional[str] = Field(default=None, pattern=r"^/",
                                          description="Answers 200 once the model is loaded. Default: the "
                                                      "preset's (custom: /ready).")
    liveness_path: Optional[str] = Field(default=None, pattern=r"^/",
                                         description="Answers 200 while the process is healthy. Default: the "
                                                     "preset's (custom: /health).")
    metrics_path: Optional[str] = Field(default=None, pattern=r"^/",
                                        description="Prometheus metrics path. Default: the preset's (custom: "
                                                    "no metrics unless set).")
    metrics_port: Optional[DNSLabel] = Field(default=None, description="Name of the port serving metrics. "
                                                                       "Default: the preset's, else `http`.")
    gpu_memory_utilization: Optional[float] = Field(
        default=None, gt=0, le=1, description="Share of each GPU's memory the engine may use (vLLM "
                                              "--gpu-memory-utilization, TGI --cuda-memory-fraction). Default: "
                                              "the engine's (vLLM 0.9, TGI 1.0).")
    warmup_seconds: Optional[int] = Field(default=None, ge=0, le=86400,
                                          description="Engine warm-up after loading (CUDA graphs, compilation), "
                                                      "added to the startup budget. Default: the preset's.")
    shm_size: Optional[ByteQuantity] = Field(default=None, description="Size of /dev/shm (memory-backed). Default: "
                                                                   "2Gi per GPU of the replica.")
    max_request_seconds: Optional[int] = Field(
        default=None, ge=1, le=INT32_MAX - 15,
        description="Longest request: the termination grace, the gateways' request timeout. Default: 600 for LLM "
                    "engines (vllm, tgi: an 8k-token completion at 20 tokens/s takes 400 s), else 30.")
    served_model_name: Optional[str] = Field(
        default=None, min_length=1, max_length=253, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$",
        description="The name clients send as `model`, e.g. meta-llama/Llama-3.1-8B-Instruct (vLLM "
                    "--served-model-name). Default: the model's `name`.")
    startup_seconds: Optional[int] = Field(
        default=None, ge=10, le=86400, description="Startup probe budget. Default: 2 x the weight load time "
                                                   "+ the warm-up + 60 s, rounded up to 10 s.")
    termination_grace_seconds: Optional[int] = Field(
        default=None, ge=0, le=86400, description="terminationGracePeriodSeconds. Default: maxRequestSeconds + 15.")


class KeyRef(SpecModel):
    """One key of a Secret or ConfigMap."""

    name: DNSLabel = Field(description="Name of the Secret or ConfigMap.")
    key: str = Field(min_length=1, pattern=r"^[-._a-zA-Z0-9]+$", description="Key within it.")


class EnvValueFrom(SpecModel):
    """An environment value read from a Secret or a ConfigMap (set exactly one)."""

    secret_key_ref: Optional[KeyRef] = Field(default=None, description="A Secret key.")
    config_map_key_ref: Optional[KeyRef] = Field(default=None, description="A ConfigMap key.")


def _env_value_kind(value: Any) -> str:
    return ENV_REFERENCE_TAG if isinstance(value, (dict, EnvValueFrom)) else "str"


ENV_REFERENCE_TAG = "EnvValueFrom"
"""The union tag pydantic puts in error locations of a non-literal env value (dropped from spec paths)."""

EnvValue = Annotated[Union[Annotated[str, Tag("str")], Annotated[EnvValueFrom, Tag(ENV_REFERENCE_TAG)]],
                     Discriminator(_env_value_kind)]
"""A literal value, or a reference to a Secret or ConfigMap key (only the matching branch reports errors)."""


class EnvFromSource(SpecModel):
    """Every key of a Secret or ConfigMap as environment variables (set exactly one)."""

    secret: Optional[DNSLabel] = Field(default=None, description="Secret name.")
    config_map: Optional[DNSLabel] = Field(default=None, description="ConfigMap name.")


class Replicas(SpecModel):
    """Replica bounds for the autoscaler."""

    min: int = Field(default=1, ge=0, le=INT32_MAX, description="Fewest replicas (0 allows scale to zero).")
    max: int = Field(default=1, ge=1, le=INT32_MAX, description="Most replicas.")


class ScalingTarget(SpecModel):
    """Scale on the engine's own load metric (KEDA prometheus trigger on the model's pods)."""

    metric: str = Field(min_length=1, description="queue (requests waiting), running (requests being "
                                                   "served) or kvCache (KV-cache use, 0-1; vllm), as the "
                                                   "runtime offers (docs/runtimes.md).")
    value: float = Field(gt=0, description="Target value per replica.")
    activation_value: float = Field(default=0.0, ge=0, description="Value above which scaling from zero starts.")


class PrometheusTrigger(SpecModel):
    """Scale on a Prometheus query (KEDA prometheus scaler)."""

    server_address: str = Field(min_length=1, description="Prometheus URL, e.g. http://prometheus.monitoring:9090.")
    query: str = Field(min_length=1, description="PromQL returning a single-element vector.")
    threshold: float = Field(gt=0, description="Target value per replica.")
    activation_threshold: float = Field(default=0.0, ge=0, description="Value above which scaling from zero starts.")
    primary_query: Optional[str] = Field(
        default=None, min_length=1,
        description="Canary and blue/green: the query for the primary Deployment (Flagger "
                    "primaryScalerQueries). Default: Flagger renames <name> to <name>-primary in `query`, "
                    "unless the model also has `scaling.target`; then the primary uses `query` unchanged.")


class Schedule(SpecModel):
    """A time window with a replica floor (KEDA cron trigger)."""

    name: DNSLabel = Field(description="Schedule name, unique within the model.")
    timezone: TimeZone = Field(description="IANA time zone the cron expressions are read in.")
    start: Cron = Field(description="5-field cron expression opening the window.")
    end: Cron = Field(description="5-field cron expression closing the window.")
    replicas: int = Field(ge=1, le=INT32_MAX,
                          description="Replicas wanted inside the window (the highest open window wins).")


class Fallback(SpecModel):
    """What KEDA does when a Prometheus trigger keeps failing (Prometheus unreachable)."""

    failure_threshold: int = Field(default=3, ge=1, le=INT32_MAX,
                                   description="Failed checks in a row before the fallback applies.")
    replicas: Optional[int] = Field(default=None, ge=1, le=INT32_MAX,
                                    description="Replicas while the metrics are unavailable. A rolling model "
                                                "never runs fewer than it runs at the time (default: "
                                                "replicas.min, at least 1); under Flagger (canary, blueGreen) "
                                                "the primary runs exactly this many (default: replicas.max).")


class Scaling(SpecModel):
    """Autoscaling (KEDA ScaledObject)."""

    target: Optional[ScalingTarget] = Field(default=None, description="Engine metric trigger (a runtime "
                                                                     "preset or `server.metricsPath`).")
    prometheus: Optional[PrometheusTrigger] = Field(default=None, description="Raw PromQL trigger.")
    schedules: list[Schedule] = Field(default_factory=list, description="Cron windows.")
    scale_down_stabilization_seconds: int = Field(default=300, ge=0, le=3600,
                                                  description="HPA scale-down stabilization window.")
    polling_interval_seconds: int = Field(default=30, ge=1, le=INT32_MAX,
                                          description="How often KEDA checks the triggers.")
    fallback: Optional[Fallback] = Field(
        default=None, description="Replicas kept when the Prometheus triggers fail (KEDA fallback). Default: "
                                  "after 3 failures, keep the current replicas, at least replicas.min (at least 1).")


class CanaryAnalysis(SpecModel):
    """Progressive traffic shifting with metric gates (Flagger)."""

    interval: Duration = Field(default="1m", description="Time between steps (at least 10s, s or m).")
    step_weight: int = Field(default=10, ge=1, le=100, description="Traffic percent added per step.")
    max_weight: int = Field(default=50, ge=1, le=100, description="Traffic percent at which the canary is promoted.")
    threshold: int = Field(default=5, ge=1, le=INT32_MAX, description="Failed checks before rollback.")
    max_error_rate_percent: Optional[float] = Field(default=None, ge=0, le=100,
                                                    description="Most non-5xx-failing requests, in percent.")
    max_latency_p99_ms: Optional[int] = Field(default=None, ge=1, le=INT32_MAX,
                                              description="Highest P99 latency in milliseconds.")


class BlueGreenAnalysis(SpecModel):
    """Blue/green: test the new version for a number of iterations, then switch all traffic (Flagger)."""

    interval: Duration = Field(default="1m", description="Time between checks (at least 10s, s or m).")
    iterations: int = Field(default=10, ge=1, le=INT32_MAX, description="Checks that must pass before the switch.")
    threshold: int = Field(default=2, ge=1, le=INT32_MAX, description="Failed checks before rollback.")
    max_error_rate_percent: Optional[float] = Field(default=None, ge=0, le=100,
                                                    description="Most failing requests, in percent.")
    max_latency_p99_ms: Optional[int] = Field(default=None, ge=1, le=INT32_MAX,
                                              description="Highest P99 latency in milliseconds.")


class Rollout(SpecModel):
    """How a new version replaces the old one."""

    strategy: Literal["rolling", "canary", "blueGreen"] = Field(default="rolling", description="Rollout strategy.")
    canary: Optional[CanaryAnalysis] = Field(default=None, description="Settings for strategy canary.")
    blue_green: Optional[BlueGreenAnalysis] = Field(default=None, description="Settings for strategy blueGreen.")
    progress_deadline_seconds: Optional[int] = Field(
        default=None, ge=1, le=86400, description="Deployment progressDeadlineSeconds. Default: startup budget "
                                                  "+ 300 s, at least 600.")
    max_surge: Optional[IntOrPercent] = Field(
        default=None, description="Replicas added above the wanted count during a rolling update. Default: 1; "
                                  "0 with 4 or more GPUs per replica (a surge replica rarely fits a GPU pool).")
    max_unavailable: Optional[IntOrPercent] = Field(
        default=None, description="Replicas that may be down during a rolling update. Default: 0; 1 with 4 or "
                                  "more GPUs per replica.")


class Disruption(SpecModel):
    """PodDisruptionBudget: set one of the two."""

    min_available: Optional[IntOrPercent] = Field(default=None, description="Replicas (or percent, e.g. '50%') "
                                                                               "that must stay up during drains.")
    max_unavailable: Optional[IntOrPercent] = Field(default=None, description="Replicas (or percent) that may "
                                                                                 "be down during drains.")


class OutputRange(SpecModel):
    """Plausible range of the model's numeric outputs."""

    min: float = Field(description="Lowest plausible output.")
    max: float = Field(description="Highest plausible output.")


class Validator(SpecModel):
    """The inference-validator sidecar: samples responses and flags NaN/Inf, out-of-range values and slow calls."""

    image: ImageReference = Field(default="ghcr.io/servespec/inference-validator:0.3.0",
                                  description="Validator sidecar image.")
    port: int = Field(default=9100, ge=1, le=65535, description="Port the sidecar listens on.")
    sample_rate: float = Field(default=0.05, gt=0, le=1, description="Fraction of requests checked.")
    output_range: Optional[OutputRange] = Field(default=None, description="Range check on numeric outputs.")
    max_latency_ms: Optional[int] = Field(default=None, ge=1, le=INT32_MAX,
                                          description="Latency above which a call is flagged.")


class Identity(SpecModel):
    """The cloud identity of a model's pods (workload identity), at most one kind: the ServiceAccount (and
    pod) get what the platform's webhook or metadata server reads, and downloads use it without a Secret."""

    gcp_service_account: Optional[str] = Field(
        default=None, alias="gcpServiceAccount",
        pattern=r"^[a-z][-a-z0-9]{4,28}[a-z0-9]@[-a-z0-9.]+\.gserviceaccount\.com$",
        description="GKE Workload Identity: the Google service account (annotation "
                    "iam.gke.io/gcp-service-account); the pods reach the GKE metadata server.")
    aws_role_arn: Optional[str] = Field(
        default=None, alias="awsRoleArn", pattern=r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]{1,512}$",
        description="EKS IAM roles for service accounts (annotation eks.amazonaws.com/role-arn); tokens are "
                    "exchanged with STS over HTTPS (list STS or a proxy in the download's egress).")
    eks_pod_identity: bool = Field(
        default=False, alias="eksPodIdentity",
        description="EKS Pod Identity: the association is made in the EKS API for the model's ServiceAccount "
                    "(named like the model); the pods reach the agent at 169.254.170.23:80.")
    azure_client_id: Optional[str] = Field(
        default=None, alias="azureClientId",
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        description="Azure Workload Identity: the managed identity's client ID (annotation "
                    "azure.workload.identity/client-id, pod label azure.workload.identity/use: \"true\").")


class PodAdditions(SpecModel):
    """What a model's pods get beyond what servespec compiles, for what the spec has no field for. Lint reads
    the result (a hostPath volume is still SEC003's finding)."""

    labels: dict[LabelKey, OptionalLabelValue] = Field(default_factory=dict, description="Pod labels.")
    annotations: dict[LabelKey, str] = Field(default_factory=dict, description="Pod annotations.")
    tolerations: list[dict[str, Any]] = Field(default_factory=list,
                                              description="Tolerations, after the platform's and the spot ones.")
    affinity: dict[str, Any] = Field(
        default_factory=dict, description="Pod affinity (Kubernetes Affinity): its required node terms are ANDed "
                                          "with servespec's compute-capability terms; the rest is added.")
    volumes: list[dict[str, Any]] = Field(default_factory=list, description="Extra pod volumes.")
    volume_mounts: list[dict[str, Any]] = Field(default_factory=list, alias="volumeMounts",
                                                description="Extra mounts of the server container.")


class PatchTarget(SpecModel):
    """The compiled objects a patch applies to."""

    kind: str = Field(min_length=1, max_length=63, description="Object kind, e.g. Deployment.")
    name: Optional[str] = Field(default=None, min_length=1, max_length=253,
                                description="Object name. Absent: every object of the kind.")


class Patch(SpecModel):
    """A last-resort change to compiled objects, applied after synthesis and before validation: shown by
    `diff`, read by `lint`. Exactly one of `jsonPatch` and `mergePatch`."""

    target: PatchTarget = Field(description="Which objects it changes; matching none is an error.")
    json_patch: Optional[list[dict[str, Any]]] = Field(
        default=None, alias="jsonPatch", description="RFC 6902 operations, e.g. "
                                                     "[{op: add, path: /spec/minReadySeconds, value: 30}].")
    merge_patch: Optional[dict[str, Any]] = Field(
        default=None, alias="mergePatch", description="RFC 7386 JSON merge patch: mappings merge, null removes, "
                                                      "anything else replaces.")


class Model(SpecModel):
    """One served model version."""

    name: DNSLabel = Field(description="Model name; names every object of the model.")
    version: LabelValue = Field(description="Model version, e.g. v1.2.0 (`app.kubernetes.io/version`).")
    image: ImageReference = Field(description="Server image; the CUDA version is read from tags like "
                                              "`2.2-cuda12.1-cudnn8.9`.")
    cuda: Optional[CudaVersion] = Field(default=None, description="CUDA version of the image; wins over the tag.")
    pool: DNSLabel = Field(description="GPU pool the model runs on (a `gpuPools` name).")
    gpu: Optional[GPURequest] = Field(default=None, description="GPU or MIG slice per replica. Absent: CPU only.")
    model: Optional[ModelArchitecture] = Field(default=None, description="Parameters, precision and shape: sets "
                                                                        "the GPU memory figure and engine limits.")
    parallelism: Optional[Parallelism] = Field(default=None, description="Tensor and pipeline parallelism of "
                                                                        "one replica.")
    resources: Resources = Field(description="CPU and memory per replica.")
    artifact: Optional[Artifact] = Field(default=None, description="Model weights; sets the startup budget.")
    server: Server = Field(default_factory=Server, description="Server port, probe paths and request length.")
    env: dict[EnvName, EnvValue] = Field(
        default_factory=dict, description="Environment variables of the server: a literal, or "
                                          "{secretKeyRef: {name, key}} / {configMapKeyRef: {name, key}}.")
    env_from: list[EnvFromSource] = Field(default_factory=list,
                                          description="Secrets and ConfigMaps whose keys all become variables.")
    replicas: Replicas = Field(default_factory=Replicas, description="Replica bounds.")
    scaling: Scaling = Field(default_factory=Scaling, description="Autoscaling triggers and schedules.")
    rollout: Rollout = Field(default_factory=Rollout, description="Rollout strategy.")
    disruption: Optional[Disruption] = Field(default=None, description="Disruption budget. Default: "
                                                                       "maxUnavailable 1 when max replicas >= 2.")
    priority: Literal["critical", "standard", "batch"] = Field(default="standard",
                                                               description="Scheduling priority tier.")
    validator: Optional[Validator] = Field(default=None, description="Inference-validator sidecar.")
    traffic: Optional[ModelTraffic] = Field(default=None, description="Overrides of the fleet's `traffic`.")
    identity: Optional[Identity] = Field(default=None, description="The pods' cloud identity (workload "
                                                                   "identity).")
    pod: PodAdditions = Field(default_factory=PodAdditions,
                              description="Labels, annotations, tolerations, affinity and volumes added to the pods.")


class LatencyRegression(SpecModel):
    """The rollback signal: each model version's P99 latency recorded from the engine's histogram, and an
    alert when the running version is slower than the versions before it."""

    enabled: bool = Field(default=True, description="Record P99 per model version and alert on a regression "
                                                    "(models whose runtime has a latency histogram: vllm, tgi).")
    ratio: float = Field(default=1.2, gt=1, le=100,
                         description="Alert when the current version's P99 exceeds the earlier versions' baseline "
                                     "times this.")
    for_: Duration = Field(default="15m", alias="for", description="How long the regression must last.")
    baseline_window: Duration = Field(default="168h", description="Window the earlier versions' P99 is "
                                                                  "averaged over (the baseline).")


DCGMCounter = Literal["DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", "DCGM_FI_DEV_THERMAL_VIOLATION"]


class DCGMExporter(SpecModel):
    """What the cluster's dcgm-exporter sends beyond its default counter sets (default-counters.csv and the
    GPU Operator's dcp-metrics-included.csv): the GPU alerts that read more are emitted only when it does."""

    alert_when_absent: bool = Field(default=False, description="Every GPU node runs dcgm-exporter: alert "
                                                               "(GPUExporterAbsent) when none of its series "
                                                               "reach Prometheus for 15 minutes.")
    counters: list[DCGMCounter] = Field(
        default_factory=list, description="Counters enabled in a custom counter set (both are commented out in "
                                          "the default ones): DCGM_FI_DEV_ECC_DBE_VOL_TOTAL adds double-bit ECC "
                                          "errors to GPUUncorrectableMemoryErrors, DCGM_FI_DEV_THERMAL_VIOLATION "
                                          "adds GPUThermalThrottling.")


class Monitoring(SpecModel):
    """Fleet-wide alerting and scraping."""

    gpu_alerts: bool = Field(default=True, description="Emit a PrometheusRule with GPU alerts on DCGM metrics.")
    dcgm: DCGMExporter = Field(default_factory=DCGMExporter,
                               description="The dcgm-exporter's counters and whether it must be there.")
    namespace: DNSLabel = Field(default="monitoring", description="Namespace Prometheus runs in: the "
                                                                  "NetworkPolicy lets it scrape the metrics port.")
    prometheus_address: str = Field(default="http://prometheus-operated.monitoring.svc:9090", min_length=1,
                                    description="Prometheus URL KEDA queries for `scaling.target`.")
    pod_monitors: bool = Field(default=True, description="Emit a PodMonitor for every model with metrics.")
    dcgm_namespace_label: PrometheusLabel = Field(
        default="exported_namespace", description="Label carrying the GPU pod's namespace on DCGM exporter "
                                                  "series. Default: the GPU Operator's (its ServiceMonitor has "
                                                  "honorLabels false); `namespace` when scraped with honorLabels.")
    dcgm_pod_label: PrometheusLabel = Field(default="exported_pod",
                                         description="Label carrying the GPU pod's name on DCGM exporter series.")
    latency_regression: Optional[LatencyRegression] = Field(
        default=None, description="P99 latency per model version and the regression alert. Default: on, ratio "
                                  "1.2 for 15m against the last 168h.")
    selector_labels: dict[LabelKey, LabelValue] = Field(
        default_factory=dict,
        description="Labels your Prometheus selects PrometheusRules and PodMonitors by, put on both. "
                    "kube-prometheus-stack selects `release: <Helm release name>` unless its "
                    "ruleSelectorNilUsesHelmValues / podMonitorSelectorNilUsesHelmValues are false.")


class GPUOperator(SpecModel):
    """The NVIDIA GPU Operator of the cluster (node side of MIG pools)."""

    namespace: DNSLabel = Field(default="gpu-operator",
                                description="Namespace the GPU Operator runs in: the MIG Manager's ConfigMap of "
                                            "mig-parted configurations is written there.")


class Budget(SpecModel):
    """Spending limit."""

    monthly_usd: float = Field(alias="monthlyUSD", gt=0, description="Monthly GPU budget in USD.")


class Waiver(SpecModel):
    """An accepted exception to a lint rule."""

    rule: str = Field(min_length=1, description="Rule ID or slug, e.g. SEC001.")
    model: Optional[DNSLabel] = Field(default=None, description="Model the waiver covers. Absent: the fleet.")
    cve: Optional[str] = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9]*-[A-Za-z0-9][-A-Za-z0-9_.:]*$",
                               max_length=100,
                               description="With rule image-vulnerable: the one vulnerability ID the waiver "
                                           "covers, e.g. CVE-2024-6387 (a GHSA- ID works too).")
    reason: str = Field(min_length=1, pattern=r"\S", description="Why the exception is acceptable, with a ticket.")
    expires: datetime.date = Field(description="Date after which the waiver no longer applies (YYYY-MM-DD).")

    def in_force(self, today: datetime.date) -> bool:
        """Not yet expired on `today` (it still applies on its expiry date)."""
        return today <= self.expires

    @property
    def scope(self) -> str:
        return f"model {self.model!r}" if self.model else "the fleet"


class Environment(SpecModel):
    """An overlay applied with `--env NAME`: values here replace those of the base spec."""

    namespace: Optional[DNSLabel] = Field(default=None, description="Namespace for this environment.")
    models: dict[DNSLabel, dict[str, Any]] = Field(
        default_factory=dict, description="Per model name: any model fields to override (deep-merged).")
    gpu_pools: dict[DNSLabel, dict[str, Any]] = Field(
        default_factory=dict, description="Per pool name: any pool fields to override (deep-merged).")


class Cluster(SpecModel):
    """The cluster the fleet runs on: which node labels and taints its GPU nodes have, who installs the driver
    and how pods get a cloud identity (README, "What your cluster needs")."""

    platform: Literal["gpu-operator", "gke", "eks", "aks", "generic"] = Field(
        default="gpu-operator",
        description="gpu-operator: NVIDIA's GPU Operator or GPU Feature Discovery (product and compute "
                    "capability labels); gke, eks (Karpenter or Auto Mode), aks: the managed GPU node pools' own "
                    "labels and taints; generic: only the NVIDIA device plugin.")


class FleetSpec(SpecModel):
    """A serving fleet: models, GPU pools, scaling, rollout and security posture."""

    model_config = ConfigDict(title="ServingFleet", json_schema_extra={
        "$schema": "https://json-schema.org/draft/2020-12/schema"})

    api_version: Literal["servespec.dev/v1alpha1"] = Field(description="Spec format version.")
    kind: Literal["ServingFleet"] = Field(description="Always ServingFleet.")
    metadata: Metadata = Field(description="Fleet name and namespace.")
    cluster: Cluster = Field(default_factory=Cluster, description="The platform the fleet runs on.")
    security: Security = Field(default_factory=Security, description="Security posture.")
    gpu_types: list[CustomGPUType] = Field(default_factory=list, description="GPU types beyond the catalog.")
    gpu_pools: list[GPUPool] = Field(default_factory=list, description="GPU node pools.")
    models: list[Model] = Field(min_length=1, description="Served models.")
    environments: dict[DNSLabel, Environment] = Field(default_factory=dict,
                                                      description="Overlays selected with `--env NAME`.")
    traffic: Optional[Traffic] = Field(default=None, description="Ingress, mesh and rollout traffic "
                                                                 "(docs/traffic.md). Absent: ClusterIP Services only.")
    monitoring: Monitoring = Field(default_factory=Monitoring, description="Alerting.")
    gpu_operator: GPUOperator = Field(default_factory=GPUOperator, alias="gpuOperator",
                                      description="The GPU Operator (MIG Manager configuration).")
    budget: Optional[Budget] = Field(default=None, description="Spending limit.")
    waivers: list[Waiver] = Field(default_factory=list, description="Accepted lint exceptions.")
    patches: list[Patch] = Field(default_factory=list, description="Changes to compiled objects, applied last "
                                                                   "(a last resort: prefer a spec field).")
