"""The vulnerability gate: Trivy JSON reports matched to the spec's images, HIGH/CRITICAL findings at the
`image:` line, per-CVE waivers, and located exit-2 errors (never a traceback) for reports that are not
Trivy JSON."""

from __future__ import annotations

import json

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from servespec.policies.cases import Case, base_spec
from tests.conftest import ROOT
from tests.test_lint import run_cli

REPORTS = ROOT / "examples" / "image-reports"
VLLM_REPORT = REPORTS / "vllm-openai-v0.9.2.json"
TRITON_REPORT = REPORTS / "tritonserver-24.08.json"


def test_example_reports_give_the_expected_findings():
    code, output = run_cli("lint", "examples/llm-serving.yaml", "--today", "2026-11-23",
                           "--image-report", "examples/image-reports/vllm-openai-v0.9.2.json",
                           "--image-report", "examples/image-reports/tritonserver-24.08.json")
    assert code == 1
    assert output == (REPORTS / "llm-serving.lint.expected").read_text()
    # Both vllm models run the scanned digest; MEDIUM findings (procps) and the clean Triton image give none.
    assert output.count("CVE-2023-45853 (CRITICAL)") == 2 and "CVE-2023-4016" not in output


def _spec(tmp_path, change: dict) -> str:
    file = tmp_path / "fleet.yaml"
    file.write_text(yaml.safe_dump(Case(change).apply(base_spec()), sort_keys=False))
    return str(file)


def _report(tmp_path, artifact: str, digest: str, vulnerabilities: list[dict]) -> str:
    file = tmp_path / "report.json"
    file.write_text(json.dumps({"SchemaVersion": 2, "ArtifactName": artifact, "ArtifactType": "container_image",
                                "Metadata": {"RepoDigests": [f"ghcr.io/acme/embedder@{digest}"]},
                                "Results": [{"Target": "os", "Class": "os-pkgs", "Vulnerabilities": vulnerabilities}]},
                               indent=2))
    return str(file)


BASE_DIGEST = base_spec()["models"][0]["image"].split("@")[1]
CRITICAL = {"VulnerabilityID": "CVE-2024-6387", "PkgName": "openssh-client", "InstalledVersion": "1:8.9p1",
            "FixedVersion": "1:8.9p1-3ubuntu0.10", "Severity": "CRITICAL", "Title": "regreSSHion"}
HIGH = {"VulnerabilityID": "CVE-2023-45853", "PkgName": "zlib1g", "InstalledVersion": "1:1.2.11", "Severity": "HIGH"}


def test_matching_by_digest_or_reference_and_the_fixed_version_hint(tmp_path):
    spec = _spec(tmp_path, {})
    by_digest = _report(tmp_path, "some/other:name", BASE_DIGEST, [CRITICAL])
    code, output = run_cli("lint", spec, "--image-report", by_digest, "--today", "2026-11-23")
    assert code == 1 and f"{spec}:15:10: error: CVE-2024-6387 (CRITICAL)" in output  # the image: value
    assert "hint: fixed in 1:8.9p1-3ubuntu0.10" in output
    other = _report(tmp_path, "ghcr.io/acme/other:1", "sha256:" + "0" * 64, [CRITICAL])
    assert run_cli("lint", spec, "--image-report", other, "--today", "2026-11-23")[0] == 0
    unpinned = _spec(tmp_path, {"security": {"requireImageDigest": False},
                                "models[0].image": "ghcr.io/acme/embedder:1.0.0-cuda12.4"})
    by_reference = _report(tmp_path, "ghcr.io/acme/embedder:1.0.0-cuda12.4", "sha256:" + "0" * 64, [CRITICAL])
    assert "error: CVE-2024-6387" in run_cli("lint", unpinned, "--image-report", by_reference, "--today",
                                             "2026-11-23")[1]


def test_a_waiver_covers_one_cve_until_it_expires(tmp_path):
    report = _report(tmp_path, "x", BASE_DIGEST, [CRITICAL, HIGH])
    waiver = {"rule": "image-vulnerable", "cve": "CVE-2023-45853", "reason": "no fix upstream (SEC-12)",
              "expires": "2027-01-31"}
    spec = _spec(tmp_path, {"waivers": [waiver]})
    code, output = run_cli("lint", spec, "--image-report", report, "--today", "2026-11-23")
    assert code == 1
    assert "waived error: CVE-2023-45853" in output and "error: CVE-2024-6387" in output
    code, output = run_cli("lint", spec, "--image-report", report, "--today", "2027-02-01")
    assert "[WAV001 waiver-expired]" in output
    assert "waived error: CVE-2023-45853" not in output and ": error: CVE-2023-45853" in output


def test_cve_waivers_are_for_the_vulnerability_rule_only(tmp_path):
    spec = _spec(tmp_path, {"waivers": [{"rule": "image-not-pinned", "cve": "CVE-2024-6387", "reason": "x (T-1)",
                                         "expires": "2027-01-31"}]})
    code, output = run_cli("validate", spec)
    assert code == 1 and "`cve` applies to rule image-vulnerable only" in output


def test_reports_that_are_not_trivy_json_are_located_exit_2(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "SchemaVersion": 2,\n  "Results": [\n    {"Target": "x",, }\n  ]\n}\n')
    code, output = run_cli("lint", _spec(tmp_path, {}), "--image-report", str(broken))
    assert code == 2 and f"{broken}:4:20: not a Trivy JSON report" in output
    shape = tmp_path / "shape.json"
    shape.write_text('{\n  "Results": [\n    {"Vulnerabilities": [\n      {"VulnerabilityID": "CVE-1-2",\n'
                     '       "Severity": "SEVERE"}\n    ]}\n  ]\n}\n')
    code, output = run_cli("lint", _spec(tmp_path, {}), "--image-report", str(shape))
    assert code == 2
    assert f"{shape}:5:20: not a Trivy JSON report: Results[0].Vulnerabilities[0].Severity must be one of" in output
    code, output = run_cli("lint", _spec(tmp_path, {}), "--image-report", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read the image report" in output


def _mutations() -> st.SearchStrategy:
    report = json.loads(VLLM_REPORT.read_text())
    values = st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2),
                       st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))

    def mutate(data: dict, key_path: list, value) -> str:
        node = data = json.loads(json.dumps(data))
        for key in key_path[:-1]:
            node = node[key]
        node[key_path[-1]] = value
        return json.dumps(data, indent=1)

    paths = [["ArtifactName"], ["Metadata"], ["Metadata", "RepoDigests"], ["Results"], ["Results", 0],
             ["Results", 0, "Vulnerabilities"], ["Results", 0, "Vulnerabilities", 0],
             ["Results", 0, "Vulnerabilities", 0, "Severity"], ["Results", 1, "Vulnerabilities", 0, "FixedVersion"]]
    mutated = st.builds(mutate, st.just(report), st.sampled_from(paths), values)
    text = json.dumps(report, indent=1)
    truncated = st.integers(0, len(text)).map(lambda cut: text[:cut])
    return st.one_of(mutated, truncated, st.binary(max_size=40).map(lambda raw: raw.decode("latin-1")))


@settings(max_examples=60, deadline=None)
@given(_mutations())
def test_mangled_reports_give_exit_codes_never_tracebacks(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("report")
    report = folder / "report.json"
    report.write_text(text)
    code, output = run_cli("lint", "examples/llm-serving.yaml", "--image-report", str(report), "--today", "2026-11-23")
    assert code in (0, 1, 2) and "Traceback" not in output
    if code == 2:
        assert f"{report}:" in output
