"""A model's rollback point: what going back to this release needs (its version, the exact images, the weights,
the spec revision), recorded in the workload's annotations and read back from compiled objects.

The Deployment controller copies a Deployment's annotations to the ReplicaSet it creates for each new pod
template, and `kubectl rollout undo` copies them back (kubernetes/kubernetes
pkg/controller/deployment/util/deployment_util.go, copyDeploymentAnnotationsToReplicaSet and
SetDeploymentAnnotationsTo): every ReplicaSet in `kubectl rollout history` keeps the point it was released at,
and `kubernetes.io/change-cause` is the CHANGE-CAUSE column of that history.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from servespec.spec.resolve import ResolvedModel
from servespec.spec.types import parse_image

MODEL_VERSION = "servespec.dev/model-version"
IMAGES = "servespec.dev/images"
WEIGHTS = "servespec.dev/weights"
SPEC_REVISION = "servespec.dev/spec-revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
ANNOTATIONS = (MODEL_VERSION, IMAGES, WEIGHTS, SPEC_REVISION, CHANGE_CAUSE)
WORKLOAD_KINDS = ("Deployment", "LeaderWorkerSet")
ROLES = ("server", "download", "weights", "validator")


@dataclass(frozen=True)
class RollbackPoint:
    """One model's release as a rollback needs it."""

    namespace: str
    model: str
    version: str
    images: tuple[tuple[str, str], ...]
    """(role, reference): server, download, weights (an image volume), validator."""
    weights: Optional[str]
    """Where the weights come from: the download URI, `pvc/<claim>` or the image volume's reference; None
    without an artifact."""
    revision: Optional[str] = None

    @property
    def unpinned(self) -> list[str]:
        """Roles whose image has no digest: a rollback may pull different bits under the same tag."""
        return [role for role, reference in self.images if parse_image(reference).digest is None]

    def annotations(self) -> dict[str, str]:
        cause = f"servespec: {self.model} {self.version}" + (f" at {self.revision}" if self.revision else "")
        out = {MODEL_VERSION: self.version,
               IMAGES: json.dumps(dict(self.images), sort_keys=True, separators=(",", ":"))}
        if self.weights is not None:
            out[WEIGHTS] = self.weights
        if self.revision is not None:
            out[SPEC_REVISION] = self.revision
        out[CHANGE_CAUSE] = cause
        return out

    def summary(self) -> str:
        """One line: version, then each image."""
        return f"{self.version}; " + ", ".join(f"{role} {reference}" for role, reference in self.images)


def rollback_point(namespace: str, model: ResolvedModel, revision: Optional[str] = None) -> RollbackPoint:
    images = [("server", model.spec.image)]
    if model.server.download is not None:
        images.append(("download", model.server.download.image))
    artifact = model.spec.artifact
    weights = None
    if artifact is not None and artifact.source == "image" and artifact.image is not None:
        images.append(("weights", artifact.image.reference))
        weights = artifact.image.reference
    elif artifact is not None and artifact.source == "pvc":
        weights = f"pvc/{artifact.claim_name}"
    elif artifact is not None:
        weights = artifact.uri
    if model.spec.validator is not None:
        images.append(("validator", model.spec.validator.image))
    return RollbackPoint(namespace, model.name, model.spec.version, _ordered(images), weights, revision)


def read_rollback_point(data: Mapping[str, Any]) -> Optional[RollbackPoint]:
    """The point recorded on a compiled workload; None for other objects and workloads without one."""
    if data.get("kind") not in WORKLOAD_KINDS:
        return None
    metadata = data.get("metadata") or {}
    annotations = metadata.get("annotations") or {}
    if not isinstance(annotations, dict) or not isinstance(annotations.get(MODEL_VERSION), str):
        return None
    try:
        images = json.loads(annotations.get(IMAGES, "{}"))
    except (TypeError, ValueError):
        images = {}
    if not isinstance(images, dict):
        images = {}
    return RollbackPoint(str(metadata.get("namespace") or ""), str(metadata.get("name")),
                         annotations[MODEL_VERSION], _ordered([(str(k), str(v)) for k, v in images.items()]),
                         annotations.get(WEIGHTS), annotations.get(SPEC_REVISION))


def _ordered(images: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(images, key=lambda item: (ROLES.index(item[0]) if item[0] in ROLES else len(ROLES), item)))
