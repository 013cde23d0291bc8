"""Benchmarks of whole `servespec` processes on generated fleets (10, 100, 1,000 models).

    python benchmarks/run.py [validate] [lint] [compile] [one-pool] [--runs N]

Each figure is the median wall time of N runs of a fresh process (import included) and the peak RSS
of that process. `validate` and `lint` run with `node` removed from PATH, which proves they never start
Node. `compile` runs, in turn in each of N rounds after a warm-up: servespec compile (validated with
kubeconform, into a new directory each time), servespec compile -o - (the same, as one stream on standard
output), `helm template` of benchmarks/helm-chart (the same objects, checked first) piped into kubeconform
with the same schemas and workers, and a bare cdk8s synthesis of the same objects through the jsii
bindings; it reports wall time, CPU seconds (user + system of the whole process tree) and the process
tree's peak RSS (summed over every descendant, sampled every 20 ms in one more run); the ratios to Helm
are the median of each round's ratio (runs seconds apart, so the machine's drift cancels). It first times
writing 7,500 files into one directory of the work directory: what the disk costs compile -o there.
The work directory is a new directory in the checkout (--workdir to choose another place).
`one-pool` lints and plans 5,000 and 50,000 models in one pool (the capacity planner's worst case), once
each.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import fleet, helm_values, one_pool_fleet

from servespec.build.validation import KUBECONFORM_WORKERS

SIZES = (10, 100, 1000)
SERVESPEC = str(Path(sys.executable).with_name("servespec"))
HERE = Path(__file__).resolve().parent
CHART = HERE / "helm-chart"
TOOLS = HERE.parent / ".tools" / "bin"


def run_once(command: list[str], env: dict | None = None, ok_codes: tuple[int, ...] = (0,)
             ) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, waited-for descendants included) and peak RSS (MB) of the
    largest process of one run; fails loudly on an exit code not in `ok_codes`."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in ok_codes:
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def timed(command: list[str], env: dict | None = None, ok_codes: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one process."""
    wall, _, rss = run_once(command, env, ok_codes)
    return wall, rss


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


def schema_location() -> list[str]:
    """`--schema-location` for the upstream CRD schemas beside the checkout, when they are there."""
    crds = HERE.parent.parent / "shared" / "crd-schemas"
    return ["--schema-location", str(crds / "{{.Group}}" / "{{.ResourceKind}}_{{.ResourceAPIVersion}}.json")] \
        if crds.is_dir() else []


def tool(name: str) -> str | None:
    """A tool from .tools/bin (`make bench` installs helm and kubeconform there) or the PATH."""
    local = TOOLS / name
    return str(local) if os.access(local, os.X_OK) else shutil.which(name)


def helm_pipeline(workdir: Path, size: int, helm: str, kubeconform: str) -> list[str]:
    """`helm template | kubeconform -strict`, with the schemas servespec uses, as one shell command."""
    values = workdir / f"values-{size}.json"
    values.write_text(helm_values(size))
    core = Path(os.environ.get("SERVESPEC_CACHE_DIR") or Path.home() / ".cache" / "servespec") / "k8s-schemas"
    locations = [str(core / "{{.NormalizedKubernetesVersion}}-standalone{{.StrictSuffix}}"
                     / "{{.ResourceKind}}{{.KindSuffix}}.json"), *schema_location()[1:]]
    validate = [kubeconform, "-strict", "-output", "json", "-kubernetes-version", "1.33.0",
                "-n", str(KUBECONFORM_WORKERS)]
    for location in locations:
        validate += ["-schema-location", location]
    return ["sh", "-c", f"{shlex.join([helm, 'template', 'bench', str(CHART), '-f', str(values)])} | "
                        f"{shlex.join(validate)} -"]


def _without_hashes(data: dict) -> dict:
    """An object with its hash annotations blanked (the chart hashes its values, servespec the spec)."""
    for metadata in (data.get("metadata", {}), data.get("spec", {}).get("template", {}).get("metadata", {})):
        for key in metadata.get("annotations", {}):
            if key.endswith("-hash"):
                metadata["annotations"][key] = "hash"
    return data


def same_objects(helm_output: str, tree: Path) -> None:
    """Fail unless the chart rendered exactly the objects servespec compiled (apart from hash values)."""
    def key(data: dict) -> tuple:
        return data["kind"], data["metadata"].get("namespace"), data["metadata"]["name"]

    rendered = {key(d): _without_hashes(d) for d in yaml.load_all(helm_output, Loader=yaml.CSafeLoader) if d}
    compiled = {key(d): _without_hashes(d) for d in (yaml.load(p.read_text(), Loader=yaml.CSafeLoader)
                                                     for p in tree.rglob("*.yaml"))}
    different = sorted(k for k in rendered.keys() | compiled.keys() if rendered.get(k) != compiled.get(k))
    if different:
        raise SystemExit(f"benchmarks/helm-chart renders other objects than servespec: {different[:5]}")


def file_creation_seconds(workdir: Path, files: int = 7500) -> float:
    """Wall seconds to create `files` files of 2.5 kB in one new directory of `workdir` (kept, see
    `bench_compile`)."""
    directory = workdir / "file-creation"
    directory.mkdir()
    start = time.perf_counter()
    for index in range(files):
        (directory / f"object-{index}.yaml").write_text("x" * 2500)
    return time.perf_counter() - start


def paired_ratio(runs: list[tuple[float, float, float]], baseline: list[tuple[float, float, float]]) -> float:
    """The median over rounds of one round's wall time divided by the baseline's in the same round: a
    comparison of runs taken seconds apart, which the machine's drift over minutes does not skew."""
    return statistics.median(run[0] / base[0] for run, base in zip(runs, baseline))


def bench_compile(workdir: Path, runs: int) -> None:
    """Nothing compiled is deleted before the end: on a file system mounted with online discard (this VM's
    ext4), creating files right after deleting many is 10-20 times slower (7,500 files: 0.2 s fresh, 2-4 s
    after deleting as many), which would charge one run's clean-up to the next run."""
    helm, kubeconform = tool("helm"), tool("kubeconform")
    if kubeconform is None:
        raise SystemExit("compile needs kubeconform (make bench installs it into .tools/bin)")
    print(f"creating 7,500 files in one directory of {workdir}: {file_creation_seconds(workdir):.2f} s; "
          f"kubeconform workers: {KUBECONFORM_WORKERS}\n")
    print("| models | objects | servespec wall | CPU | tree RSS | servespec -o - wall | helm + kubeconform wall "
          "| CPU | tree RSS | servespec / helm | servespec -o - / helm | bare cdk8s wall | servespec / bare |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in SIZES:
        spec = fleet_file(workdir, size)
        out = workdir / f"out-{size}"
        compile_commands = ([SERVESPEC, "compile", str(spec), "-o", str(workdir / f"compiled-{size}-{run}"),
                             *schema_location()] for run in range(runs + 1))  # a new directory each run
        run_once([SERVESPEC, "compile", str(spec), "-o", str(out), *schema_location()])  # warm-up, read by baselines
        objects = sum(1 for _ in out.rglob("*.yaml"))
        bare_command = [sys.executable, str(HERE / "bare_cdk8s.py"), str(out)]
        helm_command = helm_pipeline(workdir, size, helm, kubeconform) if helm else None
        if helm_command is not None:
            values = str(workdir / f"values-{size}.json")
            rendered = subprocess.run([helm, "template", "bench", str(CHART), "-f", values], capture_output=True,
                                      text=True, check=True).stdout
            same_objects(rendered, out)
        stream_command = [SERVESPEC, "compile", str(spec), "-o", "-", *schema_location()]
        samples: dict[str, list[tuple[float, float, float]]] = {"servespec": [], "stream": [], "helm": [],
                                                                 "bare": []}
        for _ in range(runs):
            command = next(compile_commands)
            samples["servespec"].append(run_once(command))
            samples["stream"].append(run_once(stream_command))
            if helm_command is not None:
                samples["helm"].append(run_once(helm_command, ok_codes=(0, 1)))
            samples["bare"].append(run_once(bare_command))
        medians = {name: (statistics.median(s[0] for s in runs_), statistics.median(s[1] for s in runs_))
                   for name, runs_ in samples.items() if runs_}
        command = next(compile_commands)
        servespec_rss = tree_peak_rss(command)
        wall, cpu = medians["servespec"]
        stream_wall = medians["stream"][0]
        row = [f"{size:,}", f"{objects:,}", f"{wall:.2f} s", f"{cpu:.2f} s", f"{servespec_rss:.0f} MB",
               f"{stream_wall:.2f} s"]
        if helm_command is not None:
            helm_wall, helm_cpu = medians["helm"]
            row += [f"{helm_wall:.2f} s", f"{helm_cpu:.2f} s", f"{tree_peak_rss(helm_command):.0f} MB",
                    f"{paired_ratio(samples['servespec'], samples['helm']):.2f}",
                    f"{paired_ratio(samples['stream'], samples['helm']):.2f}"]
        else:
            row += ["n/a (no helm)"] * 5
        row += [f"{medians['bare'][0]:.2f} s", f"{wall / medians['bare'][0]:.2f}"]
        print("| " + " | ".join(row) + " |", flush=True)


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


BENCHES = {"validate": bench_validate, "lint": bench_lint, "compile": bench_compile, "one-pool": bench_one_pool}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", nargs="*", metavar="BENCH", help=f"any of {', '.join(BENCHES)} (default: all)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=HERE.parent,
                        help="where the work directory is made (default: the checkout)")
    args = parser.parse_args()
    unknown = sorted(set(args.what) - set(BENCHES))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")
    with tempfile.TemporaryDirectory(prefix=".bench-", dir=args.workdir) as tmp:
        for what in args.what or BENCHES:
            BENCHES[what](Path(tmp), args.runs)
            print()


if __name__ == "__main__":
    main()
