"""ServiceAccount per model, with no API token mounted."""

from __future__ import annotations

from typing import Any

from servespec.spec.resolve import ResolvedFleet, ResolvedModel
from servespec.synth.common import manifest, model_metadata


def build(fleet: ResolvedFleet, model: ResolvedModel) -> dict[str, Any]:
    return manifest("v1", "ServiceAccount", model_metadata(fleet, model), automountServiceAccountToken=False)
