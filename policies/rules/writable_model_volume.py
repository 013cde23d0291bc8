from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path, server_container
from servespec.spec.container import MODEL_DIR


class WritableModelVolume(Rule):
    """The model server can write to the volume holding the model weights.

    What it does:
        Reads the compiled Deployment and fires when the server container mounts the model directory
        without `readOnly: true`. That is the case when the weights are downloaded at start into an
        emptyDir instead of coming from a PersistentVolumeClaim (`artifact.claimName`).

    Why it matters:
        Weights the serving process can modify can be corrupted or tampered with at run time, and no
        restart of a single replica brings the same bytes back for the others. Read-only weights are also
        what lets several replicas share one volume.

    Fix:
        Put the weights on a PersistentVolumeClaim (filled by a loader job) and set `artifact.claimName`;
        it is mounted read-only.
    """

    id = "SEC005"
    slug = "writable-model-volume"
    category = "security"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model, deployment in context.model_manifests("Deployment"):
            mounts = server_container(deployment).get("volumeMounts", [])
            if any(mount["mountPath"] == MODEL_DIR and not mount.get("readOnly") for mount in mounts):
                yield Finding(f"{model.name!r} mounts its model directory {MODEL_DIR} writable",
                              model_path(model, "artifact"), model.name,
                              hint="serve the weights from a PersistentVolumeClaim (artifact.claimName), "
                                   "mounted read-only")
