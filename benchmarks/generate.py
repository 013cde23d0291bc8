"""Generate a realistic fleet spec with N models (deterministic), for benchmarks; or, with --helm-values,
the values with which benchmarks/helm-chart renders the same objects.

    python benchmarks/generate.py N                 # the spec
    python benchmarks/generate.py --helm-values N   # values for benchmarks/helm-chart
"""

from __future__ import annotations

import argparse
import json
import sys

DIGEST = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"


def _pools(models: int) -> int:
    return max(1, models // 25)


def _strategy(index: int) -> str:
    return ("canary", "rolling", "blueGreen")[index % 3]


def fleet(models: int) -> str:
    pools = _pools(models)
    lines = [
        "# yaml-language-server: $schema=../schemas/servespec.schema.json",
        "apiVersion: servespec.dev/v1alpha1",
        "kind: ServingFleet",
        "metadata: {name: bench, namespace: bench}",
        "security:",
        "  allowedRegistries: [registry.example.com]",
        "  ingress: {fromNamespaces: [gateway]}",
        "  egress: {toNamespaces: [bench], ports: [8000, 6379]}",
        "gpuPools:",
    ]
    for index in range(pools):
        mig = "\n    mig: {strategy: mixed}" if index % 2 == 0 else ""
        lines.append(f"  - name: pool-{index}\n    gpu: A100-80GB\n    driverVersion: \"550.107.02\"{mig}\n"
                     f"    maxGPUs: 64\n    costPerGPUHour: 1.2")
    lines.append("models:")
    for index in range(models):
        pool = index % pools
        gpu = "{mig: 1g.10gb, memoryGB: 8}" if pool % 2 == 0 else "{count: 1, memoryGB: 30}"
        strategy = _strategy(index)
        rollout = {"canary": "\n      canary: {interval: 1m, maxErrorRatePercent: 1, maxLatencyP99Ms: 400}",
                   "blueGreen": "\n      blueGreen: {iterations: 5, maxErrorRatePercent: 1}", "rolling": ""}[strategy]
        if index % 2 == 0:  # a vLLM server scaled on its queue, weights downloaded from S3
            serving = f"""
    artifact: {{source: download, uri: "s3://models/model-{index}", sizeGB: 14, loadMBps: 200,
               download: {{secretName: weights-reader, egress: {{cidrs: [52.216.0.0/15]}}}}}}
    server: {{runtime: vllm, args: [--max-model-len, "8192"]}}
    replicas: {{min: 2, max: 6}}
    scaling:
      target: {{metric: queue, value: 8}}"""
        else:  # a custom server on weights from a claim, scaled on a raw query
            serving = f"""
    artifact: {{source: pvc, claimName: model-{index}-weights, sizeGB: 14, loadMBps: 200}}
    replicas: {{min: 2, max: 6}}
    scaling:
      prometheus:
        serverAddress: "http://prometheus.monitoring:9090"
        query: "sum(rate(req{{app='m{index}'}}[2m]))"
        threshold: 50"""
        lines.append(f"""  - name: model-{index}
    version: v1.{index}.0
    image: registry.example.com/server-{index}:2.2-cuda12.1@{DIGEST}
    pool: pool-{pool}
    gpu: {gpu}
    resources: {{cpu: "4", memory: 20Gi}}{serving}
      schedules:
        - {{name: business, timezone: America/New_York, start: "0 9 * * 1-5", end: "0 18 * * 1-5", replicas: 4}}
    rollout:
      strategy: {strategy}{rollout}
    disruption: {{maxUnavailable: 1}}
    priority: standard
    validator: {{sampleRate: 0.05, outputRange: {{min: -1, max: 1}}}}""")
    return "\n".join(lines) + "\n"


def one_pool_fleet(models: int) -> str:
    """`models` small models in one pool, one flow-style line each (50,000 fit the 8 MiB spec limit); every
    tenth has a schedule, every fifth a metric trigger, so capacity planning has real work per model."""
    lines = [
        "apiVersion: servespec.dev/v1alpha1",
        "kind: ServingFleet",
        "metadata: {name: one-pool, namespace: bench}",
        "security: {requireImageDigest: false}",
        "gpuPools:",
        "  - {name: p, gpu: A100-80GB, driverVersion: \"550.107.02\", mig: {strategy: mixed}, maxGPUs: 100000}",
        "models:",
    ]
    for index in range(models):
        gpu = "{mig: 1g.10gb, memoryGB: 8}" if index % 2 else "{memoryGB: 30}"
        scaling = []
        if index % 5 == 0:
            scaling.append("prometheus: {serverAddress: \"http://p\", query: q, threshold: 5}")
        replicas = ", replicas: {max: 3}" if scaling else ""
        if index % 10 == 0:
            scaling.append(f"schedules: [{{name: s, timezone: UTC, start: \"0 {index % 24} * * *\", "
                           f"end: \"0 {(index + 8) % 24} * * *\", replicas: 2}}]")
        extra = f", scaling: {{{', '.join(scaling)}}}" if scaling else ""
        lines.append(f"  - {{name: m{index}, version: v1, image: \"r.io/s:2.2-cuda12.1\", pool: p, gpu: {gpu}, "
                     f"resources: {{cpu: 1, memory: 1Gi}}{replicas}{extra}}}")
    return "\n".join(lines) + "\n"


def helm_values(models: int) -> str:
    """Values (JSON, which is YAML) for benchmarks/helm-chart describing the models of `fleet(models)`: the
    chart renders the objects servespec compiles for that spec (apart from hash values)."""
    pools = _pools(models)
    return json.dumps({
        "fleet": "bench", "namespace": "bench", "digest": DIGEST,
        "migPools": [f"pool-{index}" for index in range(pools) if index % 2 == 0],
        "models": [{"name": f"model-{index}", "version": f"v1.{index}.0", "index": index,
                    "pool": f"pool-{index % pools}", "mig": (index % pools) % 2 == 0, "vllm": index % 2 == 0,
                    "strategy": _strategy(index)} for index in range(models)],
    }, indent=1) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", type=int, metavar="N", help="how many models")
    parser.add_argument("--helm-values", action="store_true", help="write the chart's values instead of the spec")
    args = parser.parse_args()
    if args.models < 1:
        parser.error("N must be at least 1")
    sys.stdout.write(helm_values(args.models) if args.helm_values else fleet(args.models))


if __name__ == "__main__":
    main()
