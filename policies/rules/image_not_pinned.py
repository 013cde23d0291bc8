from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path
from servespec.spec.loader import SpecPath
from servespec.spec.resolve import ResolvedModel
from servespec.spec.types import parse_image


def model_images(model: ResolvedModel) -> Iterator[tuple[SpecPath, str]]:
    """(spec path, image reference) of every image a model's pod pulls: the server, the validator sidecar,
    the weights downloader (the default one is reported at `artifact.source`) and the weights image volume."""
    yield model_path(model, "image"), model.spec.image
    if model.spec.validator is not None:
        yield model_path(model, "validator", "image"), model.spec.validator.image
    artifact, download = model.spec.artifact, model.server.download
    if artifact is not None and download is not None and download.image != model.spec.image:
        given = artifact.download is not None and artifact.download.image is not None
        yield model_path(model, "artifact", *(("download", "image") if given else ("source",))), download.image
    if artifact is not None and artifact.image is not None:
        yield model_path(model, "artifact", "image", "reference"), artifact.image.reference


class ImageNotPinned(Rule):
    """Image not pinned by digest although the posture requires it.

    What it does:
        With `security.requireImageDigest: true` (the default), fires for every image a model's pod pulls
        (server, validator sidecar, weights downloader, weights image volume) without an `@sha256:` digest.

    Why it matters:
        A tag can be moved: the same spec then runs different code on different nodes, a rollback does not
        roll back, and a compromised registry account ships straight to production.

    Fix:
        Append the digest: `registry.example.com/ranker:1.0-cuda12.1@sha256:<digest>` (keep the tag for
        readers; the digest wins).
    """

    id = "SEC001"
    slug = "image-not-pinned"
    category = "security"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        if not context.fleet.spec.security.require_image_digest:
            return
        for model in context.fleet.models:
            for path, image in model_images(model):
                if parse_image(image).digest is None:
                    yield Finding(f"image {image} is not pinned by digest", path, model.name,
                                  hint="append @sha256:<digest> (`crane digest` or `docker buildx imagetools "
                                       "inspect` prints it)")
