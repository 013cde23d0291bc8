from __future__ import annotations

from typing import Iterator

from servespec.policies.image_reports import ImageReport, blocking
from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path
from servespec.spec.loader import SpecPath
from servespec.spec.resolve import ResolvedModel


def model_images(model: ResolvedModel) -> Iterator[tuple[str, SpecPath]]:
    """Every image a model's pods run or mount, with the spec path that names it."""
    spec = model.spec
    yield spec.image, model_path(model, "image")
    artifact = spec.artifact
    if artifact is not None and artifact.download is not None and artifact.download.image is not None:
        yield artifact.download.image, model_path(model, "artifact", "download", "image")
    if artifact is not None and artifact.image is not None:
        yield artifact.image.reference, model_path(model, "artifact", "image", "reference")
    if spec.validator is not None:
        yield spec.validator.image, model_path(model, "validator", "image")


class ImageVulnerable(Rule):
    """An image of the spec has HIGH or CRITICAL vulnerabilities in its Trivy report.

    What it does:
        With `servespec lint --image-report FILE` (Trivy's `trivy image -f json`), matches each report to the
        spec's images (server, download, weights image, validator) by digest or by the reference scanned,
        and reports every HIGH and CRITICAL vulnerability at the image's line, once per vulnerability ID,
        with the fixed version when Trivy knows one. Without reports it does nothing.

    Why it matters:
        The operations guide gates every deploy on `trivy image --severity HIGH,CRITICAL`. Inference images
        carry CUDA, Python and a web server: a known remote-code or privilege flaw there is reachable from
        every caller of the model.

    Fix:
        Rebuild or bump the image to the fixed versions and pin the new digest; or accept one vulnerability
        with a waiver naming it: `{rule: image-vulnerable, cve: CVE-..., reason, expires}`.
    """

    id = "SUP001"
    slug = "image-vulnerable"
    category = "security"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        if not context.image_reports:
            return
        for model in context.fleet.models:
            for image, path in model_images(model):
                report = _report_for(context.image_reports, image)
                if report is None:
                    continue
                for item in blocking(report):
                    packages = sorted({v.package for v in report.vulnerabilities if v.id == item.id} - {""})
                    where = f" in {', '.join(packages)} {item.installed}".rstrip() if packages else ""
                    hint = (f"fixed in {item.fixed}: rebuild the image and pin its new digest" if item.fixed
                            else "no fixed version yet: waive it with a reason and an expiry "
                                 f"(rule image-vulnerable, cve {item.id})")
                    title = f": {item.title}" if item.title else ""
                    yield Finding(f"{item.id} ({item.severity}){where} of {image.split('@')[0]}{title} "
                                  f"(report {report.file})", path, model.name, hint=hint, vulnerability=item.id)


def _report_for(reports: tuple[ImageReport, ...], image: str) -> ImageReport | None:
    return next((report for report in reports if report.covers(image)), None)
