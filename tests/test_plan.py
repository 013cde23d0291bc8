"""`servespec plan`: figures checked against hand-computed values, the text, JSON, SVG and HTML outputs, and
the chart rendered in headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import textwrap

import pytest

from servespec import api
from servespec.capacity.week import WEEKS_PER_MONTH, hour_label
from tests.conftest import run_cli

SMALL = textwrap.dedent("""\
    apiVersion: servespec.dev/v1alpha1
    kind: ServingFleet
    metadata: {name: small, namespace: ml}
    gpuPools:
      - {name: l4, gpu: L4, driverVersion: "550.90.07", maxGPUs: 6, costPerGPUHour: 1.00}
      - {name: a100, gpu: A100-80GB, driverVersion: "550.107.02", mig: {strategy: mixed}, maxGPUs: 2,
         costPerGPUHour: 7.00}
    models:
      - name: ranker
        version: v1
        image: registry.example.com/ranker:1.0-cuda12.4@sha256:{DIGEST}
        pool: l4
        gpu: {count: 1, memoryGB: 10}
        resources: {cpu: "2", memory: 8Gi}
        replicas: {min: 1, max: 4}
        scaling:
          schedules:
            - {name: office, timezone: Europe/Berlin, start: "0 9 * * 1-5", end: "0 17 * * 1-5", replicas: 3}
      - name: tagger
        version: v1
        image: registry.example.com/tagger:1.0-cuda12.4@sha256:{DIGEST}
        pool: a100
        gpu: {mig: 1g.10gb, memoryGB: 6}
        resources: {cpu: "2", memory: 8Gi}
        replicas: {min: 2, max: 9}
        scaling:
          prometheus: {serverAddress: "http://prometheus:9090", query: "sum(rate(x[1m]))", threshold: 5}
        rollout:
          strategy: canary
          canary: {interval: 2m, stepWeight: 15, maxWeight: 50, maxErrorRatePercent: 1, maxLatencyP99Ms: 300}
    budget: {monthlyUSD: 2000}
    """).replace("{DIGEST}", "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef")


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return str(path)


def test_plan_figures_match_hand_computed_values(small):
    plan = api.plan(small)
    ranker, tagger = plan.models
    # Berlin office hours 09-17 CET (January) are 08-16 UTC: 8 hours x 5 days at 3 replicas.
    assert ranker.scheduled[0 * 24 + 8: 0 * 24 + 16] == (3,) * 8
    assert ranker.scheduled[0 * 24 + 7] == 1 and ranker.scheduled[0 * 24 + 16] == 1
    assert ranker.scheduled[5 * 24 + 10] == 1, "no window on Saturday"
    assert sum(ranker.scheduled) == 40 * 3 + 128 * 1 == 248
    assert ranker.gpu_hours_per_week == 248
    assert ranker.monthly_cost == pytest.approx(248 * 1.00 * WEEKS_PER_MONTH)   # $1,078.36
    assert ranker.monthly_cost == pytest.approx(1078.36, abs=0.01)
    assert ranker.peak == ranker.scheduled, "no metric trigger: the schedule is the peak"
    assert ranker.startup_budget_seconds == 60 and ranker.rollout_seconds is None
    # tagger: 1g.10gb is 1/7 of an A100-80GB; 2 replicas all week; metric trigger -> peak 9 replicas
    assert tagger.gpus_per_replica == pytest.approx(1 / 7)
    assert tagger.gpu_hours_per_week == pytest.approx(2 * 168 / 7)              # 48 GPU-hours
    assert tagger.monthly_cost == pytest.approx(48 * 7.00 * WEEKS_PER_MONTH)    # $1,461.00
    assert set(tagger.peak) == {9}
    assert tagger.rollout_seconds == 4 * 120                                    # ceil(50/15) steps x 2 min
    l4, a100 = plan.pools
    assert (l4.peak_gpus, hour_label(l4.peak_hour), l4.peak_with_surge) == (3, "Mon 08:00 UTC", 4)
    assert a100.peak_gpus == 2                                                  # ceil(9 / 7)
    assert a100.peak_with_surge == 2 and not a100.over_limit                    # 9 + 2 canary = 11 slices
    assert plan.monthly_cost == pytest.approx(1078.36 + 1461.00, abs=0.01)
    assert plan.budget == 2000


def test_plan_text_output(small):
    code, output = run_cli("plan", small)
    assert code == 0
    assert "l4    L4               6  3 at Mon 08:00 UTC             4       248.0    $1.00   $1,078" in output
    assert "tagger  a100  standard         0.143        2-2     9        48.0   $1,461     60 s  canary 8 min" in output
    assert "  Mon    1   1   1   1   1   1   1   1   3   3   3   3   3   3   3   3   1" in output
    assert output.rstrip().endswith("Projected GPU cost: $2,539 per month of a $2,000 budget (127%, OVER BUDGET).")


def test_plan_json_has_every_hour(small):
    report = json.loads(run_cli("plan", small, "--format", "json")[1])
    assert len(report["models"][0]["scheduledReplicas"]) == 168 and len(report["pools"][0]["hourlyGPUs"]) == 168
    assert report["monthlyCostUSD"] == pytest.approx(2539.36, abs=0.01)


def test_html_and_svg_are_self_contained(small, tmp_path):
    html, svg = tmp_path / "plan.html", tmp_path / "plan.svg"
    assert run_cli("plan", small, "--html", str(html), "--svg", str(svg))[0] == 0
    page = html.read_text()
    assert page.count("<svg ") == 2 and "<script" not in page
    assert not re.search(r'(src|href)=["\']?(https?:)?//', page), "the page must not load anything"
    assert 'class="limit"' in page and 'data-model="ranker"' in page
    drawing = svg.read_text()
    assert drawing.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and drawing.count('class="pool"') == 2
    import xml.etree.ElementTree as ElementTree

    ElementTree.fromstring(drawing)
    assert oct(html.stat().st_mode & 0o777) != "0o600"


def test_plan_of_an_environment_and_errors():
    code, output = run_cli("plan", "examples/agency.yaml", "--env", "staging")
    assert code == 0 and "(environment staging)" in output
    code, output = run_cli("plan", "examples/invalid/unknown-pool.yaml")
    assert code == 1 and "unknown pool" in output
    assert run_cli("plan", "missing.yaml")[0] == 2


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make tools installs it)")
def test_chart_renders_in_headless_chromium(small, tmp_path):
    from PIL import Image

    html, png = tmp_path / "plan.html", tmp_path / "plan.png"
    assert run_cli("plan", small, "--html", str(html))[0] == 0
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--hide-scrollbars",
                    "--user-data-dir=" + str(tmp_path / "profile"), f"--screenshot={png}", "--window-size=1100,1000",
                    html.as_uri()], check=True, capture_output=True, timeout=120)
    image = Image.open(png).convert("RGB")
    assert image.size == (1100, 1000)
    colours = image.getcolors(image.width * image.height)

    def near(colour, tolerance=40):
        return sum(count for count, pixel in colours if all(abs(a - b) <= tolerance for a, b in zip(pixel, colour)))

    assert near((0x4e, 0x79, 0xa7)) > 2000, "the first model's bars are drawn"
    assert near((0xd6, 0x27, 0x28), 30) > 300, "the maxGPUs limit line is drawn"
    white = sum(count for count, pixel in colours if pixel == (255, 255, 255))
    assert image.width * image.height - white > 0.05 * image.width * image.height


def test_hourly_text_shows_each_models_replicas(small):
    code, output = run_cli("plan", small, "--hourly")
    assert code == 0
    ranker = output.split("Replicas of ranker by hour (UTC), kept by its schedules (x 1 GPUs each):\n")[1]
    assert ranker.splitlines()[1] == "  Mon " + "   1" * 8 + "   3" * 8 + "   1" * 8
    assert "Replicas of tagger by hour (UTC), at most (metric trigger):" in output
    assert "Replicas of" not in run_cli("plan", small)[1]


def test_the_legend_wraps_for_many_models_and_the_chart_grows():
    from servespec.report import plan_chart

    plan = api.plan("examples/quickstart.yaml")
    pool = plan.pools[0]
    many = type(pool)(**{**pool.__dict__, "models": tuple(
        type(pool.models[0])(**{**pool.models[0].__dict__, "name": f"model-with-a-long-name-{n}"}) for n in range(12))})
    assert plan_chart.chart_height(pool) == plan_chart.HEIGHT
    assert plan_chart.chart_height(many) > plan_chart.HEIGHT
    svg = plan_chart.render_svg(type(plan)(plan.name, None, (pool, many), None))
    assert f'height="{plan_chart.HEIGHT + plan_chart.chart_height(many)}"' in svg
    legend = re.findall(r'<text x="\d+" y="(\d+)" font-size="11">model-with-a-long-name-\d+</text>', svg)
    assert len(legend) == 12 and len(set(legend)) > 1, "twelve legend entries on more than one row"


@pytest.mark.parametrize("start, end, hours_open", [("30 0 * * *", "30 5 * * *", 5),   # 00:30-05:30: 5 h, not 6
                                                    ("45 23 * * *", "15 0 * * *", 0.5),  # across midnight
                                                    ("0 9 * * 1-5", "0 18 * * 1-5", 9 * 5 / 7)])
def test_gpu_hours_count_the_minutes_a_window_is_open(tmp_path, start, end, hours_open):
    from servespec.capacity.week import weekly_gpu_hours
    from tests.test_large_models import fleet_of

    fleet = fleet_of(tmp_path, {"models[0].replicas": {"min": 1, "max": 3}, "gpuPools[0].maxGPUs": 3,
                                "models[0].scaling": {"schedules": [{"name": "w", "timezone": "UTC",
                                                                     "start": start, "end": end, "replicas": 3}]}})
    # 1 replica all week, 2 more while the window is open, 1 GPU each
    assert float(weekly_gpu_hours(fleet.models[0])) == pytest.approx(168 + 2 * hours_open * 7)
