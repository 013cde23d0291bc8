"""A real control plane for the e2e tests: `../shared/cluster/` builds kube-apiserver, kube-scheduler,
kube-controller-manager (v1.34) and kwok from the Go module proxy (cached in `.tools/kc-bin`), starts them
with etcd on loopback and installs the upstream CRDs. `Cluster` drives it with kubectl."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional


class ClusterError(RuntimeError):
    pass


@dataclass
class Cluster:
    kubeconfig: str

    def kubectl(self, *args: str, stdin: Optional[str] = None, check: bool = True,
                timeout: float = 120) -> subprocess.CompletedProcess:
        done = subprocess.run(["kubectl", *args], input=stdin, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "KUBECONFIG": self.kubeconfig})
        if check and done.returncode != 0:
            raise ClusterError(f"kubectl {' '.join(args)}: {done.stderr.strip()}")
        return done

    def get(self, *args: str) -> Any:
        return json.loads(self.kubectl("get", *args, "-o", "json").stdout)

    def apply_objects(self, objects: list[dict]) -> subprocess.CompletedProcess:
        stream = "\n".join(json.dumps(item) for item in objects)
        return self.kubectl("apply", "--server-side", "--field-manager=servespec-e2e", "-f", "-", stdin=stream)

    def add_nodes(self, nodes: list[dict]) -> None:
        """Create fake nodes; kwok marks them Ready. The node lifecycle controller is off, so the not-ready
        taint the API server puts on new nodes is removed here."""
        self.apply_objects(nodes)
        for item in nodes:
            self.kubectl("taint", "nodes", item["metadata"]["name"], "node.kubernetes.io/not-ready:NoSchedule-",
                         check=False)

    def delete_nodes(self, selector: str) -> None:
        self.kubectl("delete", "nodes", "-l", selector, "--wait=false", check=False)

    def pods(self, namespace: str, selector: str) -> list[dict]:
        return self.get("pods", "-n", namespace, "-l", selector)["items"]

    def evict(self, namespace: str, pod: str) -> subprocess.CompletedProcess:
        body = json.dumps({"apiVersion": "policy/v1", "kind": "Eviction",
                           "metadata": {"name": pod, "namespace": namespace}})
        return self.kubectl("create", "--raw", f"/api/v1/namespaces/{namespace}/pods/{pod}/eviction", "-f", "-",
                            stdin=body, check=False)


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 90, interval: float = 0.5) -> Any:
    """Poll `condition` until it returns something true; ClusterError naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise ClusterError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


APISERVER_FLAGS = "--feature-gates=WatchList=false,ImageVolume=true"
"""WatchList off: Debian's etcd (3.4.23) lacks the watch progress notifications kube-apiserver 1.34 needs to
stream watch-list requests; its clients (kwok v0.7.0) then keep relisting, and kwok crashes when a node or
pod deletion falls between two lists. With watch-list off, clients list and watch as before.
ImageVolume on, as Kubernetes 1.35 has it by default: v1.34 drops `volumes[].image` with the gate off, and
the examples deliver weights as image volumes."""


def _launchers(binaries: Path, run_dir: Path) -> Path:
    """The binaries as up.sh starts them: links, and kube-apiserver through a wrapper adding our flags."""
    launchers = run_dir / "bin"
    launchers.mkdir(parents=True, exist_ok=True)
    for name in ("kube-scheduler", "kube-controller-manager", "kwok"):
        (launchers / name).symlink_to(binaries / name)
    wrapper = launchers / "kube-apiserver"
    wrapper.write_text(f'#!/bin/sh\nexec "{binaries / "kube-apiserver"}" {APISERVER_FLAGS} "$@"\n')
    wrapper.chmod(0o755)
    return launchers


def start(shared: Path, binaries: Path, run_dir: Path) -> Cluster:
    """Build the binaries (once: cached in `binaries`) and start the control plane under `run_dir`;
    `stop(shared, run_dir)` ends it."""
    if shutil.which("etcd") is None and shutil.which("apt-get") and os.geteuid() == 0:
        # build.sh installs Debian's etcd-server; a new machine's package lists may be empty until updated.
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, timeout=600)
    steps = [("build.sh", binaries), ("up.sh", None)]
    for script, kc_bin in steps:
        kc_bin = kc_bin or _launchers(binaries, run_dir)
        env = {**os.environ, "KC_BIN": str(kc_bin), "KC_DIR": str(run_dir / "state")}
        done = subprocess.run(["bash", str(shared / script)], capture_output=True, text=True, env=env,
                              timeout=3600)
        if done.returncode != 0:
            raise ClusterError(f"{script} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return Cluster(str(run_dir / "state" / "kubeconfig"))


def stop(shared: Path, run_dir: Path) -> None:
    """Stop every process up.sh started (down.sh), and wait until they are gone (SIGKILL after 30 s)."""
    pids = [int(path.read_text()) for path in (run_dir / "state").glob("*.pid")]
    subprocess.run(["bash", str(shared / "down.sh")], capture_output=True, timeout=120,
                   env={**os.environ, "KC_DIR": str(run_dir / "state")})
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in pids:
        if Path(f"/proc/{pid}").exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)
