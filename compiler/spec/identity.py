"""A model's cloud identity (`identity`): what its ServiceAccount and pods carry for the platform's webhook or
metadata server, and the credentials its weights download then uses without a Secret (catalog.platforms,
catalog.downloads)."""

from __future__ import annotations

from typing import Optional

from servespec.spec.model import Identity, Model

AZURE_USE_LABEL = "azure.workload.identity/use"
"""Only pods with this label are mutated by the Azure Workload Identity webhook (pkg/webhook/consts.go)."""

CREDENTIALS_OF = {"gcpServiceAccount": "instanceMetadata", "awsRoleArn": "webIdentity",
                  "eksPodIdentity": "podIdentity", "azureClientId": "azureWorkloadIdentity"}
"""The download credentials each identity kind gives (`artifact.download.credentials`)."""


def identity_kinds(identity: Identity) -> list[str]:
    """The kinds the spec sets, by their spec names."""
    kinds = []
    for field, kind in (("gcp_service_account", "gcpServiceAccount"), ("aws_role_arn", "awsRoleArn"),
                        ("azure_client_id", "azureClientId")):
        if getattr(identity, field) is not None:
            kinds.append(kind)
    if identity.eks_pod_identity:
        kinds.append("eksPodIdentity")
    return kinds


def service_account_annotations(model: Model) -> dict[str, str]:
    identity = model.identity
    if identity is None:
        return {}
    if identity.gcp_service_account:
        return {"iam.gke.io/gcp-service-account": identity.gcp_service_account}
    if identity.aws_role_arn:
        return {"eks.amazonaws.com/role-arn": identity.aws_role_arn}
    if identity.azure_client_id:
        return {"azure.workload.identity/client-id": identity.azure_client_id}
    return {}


def pod_labels(model: Model) -> dict[str, str]:
    return {AZURE_USE_LABEL: "true"} if model.identity and model.identity.azure_client_id else {}


def download_credentials(model: Model) -> Optional[str]:
    """`artifact.download.credentials`, else what the model's identity gives, else a Secret's when one is named."""
    artifact = model.artifact
    download = artifact.download if artifact else None
    if download is not None and download.credentials is not None:
        return download.credentials
    kinds = identity_kinds(model.identity) if model.identity else []
    if kinds:
        return CREDENTIALS_OF[kinds[0]]
    return "secret" if download is not None and download.secret_name else None
