"""ServiceAccount per model, with no API token mounted, annotated for the model's cloud identity (the webhooks
of IRSA and Azure Workload Identity project their own tokens; GKE's metadata server needs none)."""

from __future__ import annotations

from typing import Any

from servespec.spec.identity import service_account_annotations
from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth.common import manifest, model_metadata


def build(fleet: ResolvedFleet, model: ResolvedModel) -> dict[str, Any]:
    metadata = model_metadata(fleet, model)
    metadata["annotations"].update(service_account_annotations(model.spec))
    return manifest("v1", "ServiceAccount", metadata, automountServiceAccountToken=False)
