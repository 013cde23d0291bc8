"""Benchmarks of whole `servespec` processes on generated fleets (10, 100, 1,000 models).

    python benchmarks/run.py [validate] [lint] [compile] [planner] [one-pool] [--runs N]

Each figure is the median wall time of N runs of a fresh process (import included) and the peak RSS
of that process; compile and its bare-cdk8s baseline run in turn, after one warm-up compile;
`kubectl kustomize` over the compiled files runs once. `validate` and `lint` run with `node` removed from
PATH, which proves they never start Node. `one-pool` lints and plans 5,000 and 50,000 models in one pool
(the capacity planner's worst case), once each. `planner` compiles with SERVESPEC_PLANNER=fork, thread and
inline in turn (where compile's spec work runs beside cdk8s) and reports each one's gain over inline.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import fleet, one_pool_fleet

SIZES = (10, 100, 1000)
SERVESPEC = str(Path(sys.executable).with_name("servespec"))


def timed(command: list[str], env: dict | None = None, ok_codes: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one process; fails loudly on an exit code not in `ok_codes`."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in ok_codes:
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(parent, []).append(int(entry))
    return tree


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            return next((int(line.split()[1]) for line in handle if line.startswith("VmRSS:")), 0)
    except OSError:
        return 0


def tree_peak_rss(command: list[str]) -> float:
    """Peak of the summed RSS (MB) of a process and all its descendants (Node, the planner, kubeconform),
    sampled every 20 ms in an untimed run."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        tree, pending, total = _children(), [process.pid], 0
        while pending:
            pid = pending.pop()
            total += _rss_kb(pid)
            pending += tree.get(pid, [])
        peak = max(peak, total)
        time.sleep(0.02)
    return peak / 1024


def median_run(command: list[str], runs: int, env: dict | None = None,
               ok_codes: tuple[int, ...] = (0,)) -> tuple[float, float]:
    results = [timed(command, env, ok_codes) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def interleaved(commands: list[list[str]], runs: int, envs: list[dict | None] | None = None
                ) -> list[tuple[float, float]]:
    """Median wall and peak RSS per command, their runs taken in turn so machine drift hits all alike."""
    samples: list[list[tuple[float, float]]] = [[] for _ in commands]
    for _ in range(runs):
        for index, command in enumerate(commands):
            samples[index].append(timed(command, envs[index] if envs else None))
    return [(statistics.median(w for w, _ in runs_), max(r for _, r in runs_)) for runs_ in samples]


def without_node() -> dict:
    env = dict(os.environ)
    node = shutil.which("node")
    if node:
        env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep)
                                      if not os.path.exists(os.path.join(p, "node")))
    return env


def fleet_file(workdir: Path, size: int) -> Path:
    """The generated fleet of `size` models, written once per run."""
    spec = workdir / f"fleet-{size}.yaml"
    if not spec.exists():
        spec.write_text(fleet(size))
    return spec


def bench_validate(workdir: Path, runs: int) -> None:
    print("| models | spec lines | validate wall (median) | peak RSS |")
    print("|---:|---:|---:|---:|")
    for size in SIZES:
        spec = fleet_file(workdir, size)
        wall, rss = median_run([SERVESPEC, "validate", str(spec)], runs, without_node())
        print(f"| {size} | {spec.read_text().count(chr(10))} | {wall:.2f} s | {rss:.0f} MB |")


def bench_lint(workdir: Path, runs: int) -> None:
    print("| models | lint wall, baseline (median) | lint wall, production | peak RSS | findings |")
    print("|---:|---:|---:|---:|---:|")
    for size in SIZES:
        spec = fleet_file(workdir, size)
        walls = {}
        for policy in ("baseline", "production"):
            command = [SERVESPEC, "lint", str(spec), "--policy", policy]
            walls[policy] = median_run(command, runs, without_node(), ok_codes=(0, 1))
        report = subprocess.run([SERVESPEC, "lint", str(spec), "--format", "json"], capture_output=True, text=True)
        findings = len(json.loads(report.stdout)["findings"])
        print(f"| {size} | {walls['baseline'][0]:.2f} s | {walls['production'][0]:.2f} s | "
              f"{max(w[1] for w in walls.values()):.0f} MB | {findings} |")


def kustomize(tree: Path) -> list[str]:
    """A kustomization over every produced file; returns the `kubectl kustomize` command."""
    files = sorted(str(p.relative_to(tree)) for p in tree.rglob("*.yaml"))
    (tree / "kustomization.yaml").write_text("resources:\n" + "".join(f"- {f}\n" for f in files))
    return ["kubectl", "kustomize", str(tree)]


def schema_location() -> list[str]:
    """`--schema-location` for the upstream CRD schemas beside the checkout, when they are there."""
    crds = Path(__file__).resolve().parent.parent.parent / "shared" / "crd-schemas"
    return ["--schema-location", str(crds / "{{.Group}}" / "{{.ResourceKind}}_{{.ResourceAPIVersion}}.json")] \
        if crds.is_dir() else []


def bench_compile(workdir: Path, runs: int) -> None:
    location = schema_location()
    print("| models | objects | compile wall | peak RSS, largest process | peak RSS, process tree | "
          "bare cdk8s wall | ratio | kubectl kustomize wall |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in SIZES:
        spec = fleet_file(workdir, size)
        out = workdir / f"out-{size}"
        compile_command = [SERVESPEC, "compile", str(spec), "-o", str(out), *location]
        timed(compile_command)  # warm-up: the output tree the baseline reads, and the schema cache
        objects = sum(1 for _ in out.rglob("*.yaml"))
        bare_command = [sys.executable, str(Path(__file__).with_name("bare_cdk8s.py")), str(out)]
        (wall, rss), (bare, _) = interleaved([compile_command, bare_command], runs)
        tree_rss = tree_peak_rss(compile_command)
        kustomize_wall = "n/a (no kubectl)"
        if shutil.which("kubectl"):
            kustomize_wall = f"{median_run(kustomize(out), 1)[0]:.2f} s"
        print(f"| {size} | {objects} | {wall:.2f} s | {rss:.0f} MB | {tree_rss:.0f} MB | {bare:.2f} s | "
              f"{wall / bare:.2f} | {kustomize_wall} |")


PLANNER_MODES = ("inline", "thread", "fork")


def bench_planner(workdir: Path, runs: int) -> None:
    print("| models | " + " | ".join(f"{mode} wall" for mode in PLANNER_MODES) + " | thread gain | fork gain |")
    print("|---:|" + "---:|" * (len(PLANNER_MODES) + 2))
    for size in SIZES:
        spec = fleet_file(workdir, size)
        command = [SERVESPEC, "compile", str(spec), "-o", str(workdir / f"planner-{size}"), *schema_location()]
        envs: list[dict | None] = [{**os.environ, "SERVESPEC_PLANNER": mode} for mode in PLANNER_MODES]
        timed(command, envs[0])  # warm-up: the schema cache
        walls = dict(zip(PLANNER_MODES, (wall for wall, _ in interleaved([command] * len(envs), runs, envs))))
        gains = [f"{1 - walls[mode] / walls['inline']:.0%} ({walls['inline'] - walls[mode]:.2f} s)"
                 for mode in ("thread", "fork")]
        print(f"| {size} | " + " | ".join(f"{walls[mode]:.2f} s" for mode in PLANNER_MODES) + " | "
              + " | ".join(gains) + " |")


def bench_one_pool(workdir: Path, runs: int) -> None:
    print("| models in one pool | spec size | lint wall | lint peak RSS | plan wall | plan peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size in (5_000, 50_000):
        spec = workdir / f"one-pool-{size}.yaml"
        spec.write_text(one_pool_fleet(size))
        lint = timed([SERVESPEC, "lint", str(spec)], without_node(), ok_codes=(0, 1))
        plan = timed([SERVESPEC, "plan", str(spec)], without_node())
        print(f"| {size:,} | {spec.stat().st_size / 2**20:.1f} MiB | {lint[0]:.1f} s | {lint[1]:.0f} MB | "
              f"{plan[0]:.1f} s | {plan[1]:.0f} MB |")


BENCHES = {"validate": bench_validate, "lint": bench_lint, "compile": bench_compile, "planner": bench_planner,
           "one-pool": bench_one_pool}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", nargs="*", metavar="BENCH", help=f"any of {', '.join(BENCHES)} (default: all)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    unknown = sorted(set(args.what) - set(BENCHES))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")
    with tempfile.TemporaryDirectory() as tmp:
        for what in args.what or BENCHES:
            BENCHES[what](Path(tmp), args.runs)
            print()


if __name__ == "__main__":
    main()
