"""How `artifact.source: download` fetches weights, per URI scheme (the defaults of `artifact.download`).

- s3://, gs://, https://: rclone (image rclone/rclone, entrypoint `rclone`). On-the-fly remotes from
  connection strings (`:s3,env_auth=true:bucket/path`, `:gcs,env_auth=true:bucket/path`) need no config
  file; `env_auth` takes credentials from the environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a web
  identity token; GOOGLE_APPLICATION_CREDENTIALS or workload identity); `copyurl` fetches one https file.
  Sources: rclone.org/docs ("Connection strings"), rclone.org/s3 (`--s3-env-auth`), rclone.org/googlecloudstorage
  (`--gcs-env-auth`), rclone.org/commands/rclone_copyurl.
- hf://org/repo[@revision]: `huggingface_hub.snapshot_download(repo_id, revision, local_dir)`, run with the
  engine's own image when it ships `huggingface_hub` (vLLM, TGI); the token comes from HF_TOKEN.
  Source: huggingface.co/docs/huggingface_hub "Download files from the Hub".
"""

from __future__ import annotations

from dataclasses import dataclass

RCLONE_IMAGE = "docker.io/rclone/rclone:1.68.2"
"""rclone's official image (a tag: pin it by digest when the posture requires digests)."""

SCHEMES = ("s3", "gs", "hf", "https")
DEFAULT_RATE_MBPS = 100.0
"""Download rate assumed for the progress deadline unless `artifact.download.rateMBps` says otherwise."""
DEFAULT_PULL_RATE_MBPS = 100.0
"""Image pull rate assumed for weights delivered as an image volume."""
ENV_AUTH_SCHEMES = ("s3", "gs")
"""Schemes whose default download takes credentials from rclone's `env_auth` chain."""

CREDENTIAL_ENDPOINTS: dict[str, tuple[str, int]] = {
    "instanceMetadata": ("169.254.169.254/32", 80),
    "podIdentity": ("169.254.170.23/32", 80),
}
"""Link-local endpoints the credential chain asks when the download has no Secret (`download.credentials`):
- instanceMetadata: the GCE/GKE metadata server (GKE Workload Identity answers there; google-cloud-go
  compute/metadata `metadataIP = "169.254.169.254"`, reached over HTTP) and EC2's instance metadata service
  (docs.aws.amazon.com/sdkref "IMDS credential provider": `http://169.254.169.254`);
- podIdentity: the EKS Pod Identity agent (docs.aws.amazon.com/eks "Set up the Amazon EKS Pod Identity Agent":
  169.254.170.23; the SDK reads `AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1/credentials`).
rclone's S3 `env_auth` uses the AWS SDK for Go v2 default chain (env keys, profile, container/EKS Pod Identity
credentials, IRSA web identity, EC2 IMDS), its GCS `env_auth` Application Default Credentials
(rclone docs/content/s3.md and googlecloudstorage.md at v1.75.0). IRSA (`webIdentity`) needs no link-local
endpoint but STS over HTTPS, reached through `download.egress`."""
HEADROOM = 1.1
"""The download volume is sized 10% above `artifact.sizeGB` (file system overhead, partial files)."""


@dataclass(frozen=True)
class Download:
    """The init container that fetches the weights: image (None: the server's), command and args."""

    image: str | None
    command: tuple[str, ...]
    args: tuple[str, ...]


def split_uri(uri: str) -> tuple[str, str]:
    """("s3", "bucket/path") from "s3://bucket/path"; ("", uri) when there is no scheme."""
    scheme, sep, rest = uri.partition("://")
    return (scheme, rest) if sep else ("", uri)


def default_download(uri: str, target: str) -> Download:
    """The default fetch of `uri` into the directory `target`."""
    scheme, rest = split_uri(uri)
    if scheme == "s3":
        return Download(RCLONE_IMAGE, (), ("copy", "--fast-list", "--transfers=16",
                                           f":s3,env_auth=true:{rest}", target))
    if scheme == "gs":
        return Download(RCLONE_IMAGE, (), ("copy", "--fast-list", "--transfers=16",
                                           f":gcs,env_auth=true:{rest}", target))
    if scheme == "https":
        return Download(RCLONE_IMAGE, (), ("copyurl", "--auto-filename", uri, target))
    if scheme == "hf":
        repo, _, revision = rest.partition("@")
        call = (f"from huggingface_hub import snapshot_download; snapshot_download(repo_id={repo!r}, "
                f"revision={(revision or 'main')!r}, local_dir={target!r})")
        return Download(None, ("python3", "-c", call), ())
    raise ValueError(f"no download for URI scheme {scheme!r}")
