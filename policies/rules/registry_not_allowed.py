from __future__ import annotations

from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule
from servespec.policies.rules.image_not_pinned import model_images
from servespec.spec.types import parse_image


class RegistryNotAllowed(Rule):
    """Image comes from a registry outside security.allowedRegistries.

    What it does:
        When `security.allowedRegistries` is set, fires for every model or validator image whose registry
        is not in the list (Docker Hub images count as `docker.io`).

    Why it matters:
        Allowed registries are where images are scanned, signed and mirrored. An image from elsewhere skips
        all of that, and an admission controller that enforces the list will refuse the pods at deploy time.

    Fix:
        Mirror the image into an allowed registry, or add its registry to the list.
    """

    id = "SEC002"
    slug = "registry-not-allowed"
    category = "security"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        allowed = context.fleet.spec.security.allowed_registries
        if not allowed:
            return
        for model in context.fleet.models:
            for path, image in model_images(model):
                registry = parse_image(image).registry
                if registry not in allowed:
                    yield Finding(f"image {image} comes from {registry}, which is not an allowed registry", path,
                                  model.name, hint=f"allowed: {', '.join(allowed)}")
