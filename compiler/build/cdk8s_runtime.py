"""cdk8s in its own runtime: one Node process per synthesis, fed a stream of objects.

The cdk8s and constructs Python packages are jsii bindings that carry the JavaScript packages they drive
(`<package>/_jsii/<name>@<version>.jsii.tgz`). Driving cdk8s through jsii costs a round trip per call,
three per object (about 1 ms each); so servespec unpacks those same packages once into the cache and runs
`cdk8s_host.js` in Node: it defines each object as a cdk8s `ApiObject` in one `Chart` per namespace as
the object arrives on a pipe, synthesizes the charts at the end of each group of objects (one model's),
and returns each object cdk8s did not return exactly as it was defined (compared in Node, so the
unchanged majority never crosses the pipe back or gets decoded again). The versions
are exactly the installed Python packages' (the cache is keyed by the tarballs' names). Nothing here
imports cdk8s or jsii, so `validate` and `lint` never start Node, and neither does a compile that fails
before its host is started.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import IO, Any, Optional

from servespec.diagnostics import InputError

HOST_SCRIPT = Path(__file__).with_name("cdk8s_host.js")
JS_PACKAGES = ("cdk8s", "constructs")
_WRITE_BUFFER = 1 << 20
_NODE_SEMI_SPACE_MB = 4
"""V8's young generation per semi-space (default 16 MB): 4 keeps Node about 25 MB smaller at 7,500 objects, in
the same time."""


def jsii_tarball(package: str) -> Path:
    """The JavaScript package a jsii Python package carries, found without importing it (its import
    starts jsii's own Node process)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise InputError(f"the {package} Python package is not installed")
    found = sorted((Path(next(iter(spec.submodule_search_locations))) / "_jsii").glob("*.jsii.tgz"))
    if len(found) != 1:
        raise InputError(f"the {package} Python package carries no single jsii tarball ({len(found)} found)")
    return found[0]


def node_modules(cache: Optional[Path] = None) -> Path:
    """A node_modules directory holding the installed cdk8s and constructs, unpacked on first use (into a
    temporary directory, then renamed into place, so a cut-short unpack is never used)."""
    from servespec.build.validation import cache_dir

    tarballs = [jsii_tarball(package) for package in JS_PACKAGES]
    root = (cache or cache_dir().parent) / "node" / "+".join(t.name[:-len(".jsii.tgz")] for t in tarballs)
    target = root / "node_modules"
    if target.is_dir():
        return target
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".node_modules.", dir=root))
    try:
        for package, tarball in zip(JS_PACKAGES, tarballs):
            _unpack(tarball, staging / package)
        with contextlib.suppress(FileExistsError, OSError):
            os.rename(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not target.is_dir():
        raise InputError(f"could not unpack cdk8s into {target}")
    return target


def _unpack(tarball: Path, into: Path) -> None:
    """An npm tarball's `package/` folder into `into`."""
    with tarfile.open(tarball) as archive:
        members = [member for member in archive.getmembers() if member.name.startswith("package/")]
        for member in members:
            member.name = member.name[len("package/"):]
        archive.extractall(into, members=[m for m in members if m.name], filter="data")


def _node() -> str:
    found = shutil.which("node")
    if found is None:
        raise InputError("compile synthesizes through cdk8s, which needs Node.js: no `node` on PATH")
    return found


class Host:
    """A Node process synthesizing objects with cdk8s: `define` each object, `end_group` after each group
    (synthesized as soon as it ends; an object's output does not depend on other groups), then
    `synthesize` once.

    `synthesize` returns only the objects cdk8s changed (any object not returned came back exactly as
    defined, in value and type); with `everything`, it returns every object cdk8s synthesized."""

    def __init__(self, *, everything: bool = False) -> None:
        modules = node_modules()
        self._process: subprocess.Popen[bytes] = subprocess.Popen(
            [_node(), f"--max-semi-space-size={_NODE_SEMI_SPACE_MB}", str(HOST_SCRIPT), str(modules)]
            + (["--all"] if everything else []), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=_WRITE_BUFFER)
        self._input: IO[bytes] = self._process.stdin  # type: ignore[assignment]
        self._encode = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode
        self._defined = 0
        self._broken = False

    def define(self, tree: str, chart: str, data: dict[str, Any]) -> None:
        """Send one object (as it is planned); cdk8s defines it in `chart` of the App of `tree`."""
        self._defined += 1
        if self._broken:
            return
        self._send(f"{self._encode([tree, chart])}\t{self._encode(data)}\n".encode())

    def end_group(self) -> None:
        """End a group of objects: cdk8s synthesizes them now, while the next group is planned."""
        self._send(b"[]\n")
        if not self._broken:
            try:
                self._input.flush()
            except BrokenPipeError:
                self._broken = True

    def _send(self, line: bytes) -> None:
        if self._broken:
            return
        try:
            self._input.write(line)
        except BrokenPipeError:  # the host failed; synthesize() reports why
            self._broken = True

    def synthesize(self) -> list[tuple[str, dict[str, Any]]]:
        """End the input; (tree, object) for every object cdk8s changed (every object, with `everything`),
        in the order of the groups, their charts and objects."""
        output, errors = self._process.communicate()  # closes the input first
        if self._process.returncode != 0:
            lines = [line.strip() for line in errors.decode(errors="replace").splitlines() if line.strip()]
            raise RuntimeError(f"cdk8s synthesis failed (node exit {self._process.returncode}): "
                               f"{lines[0] if lines else 'no message'}")
        *pairs, (count,) = json.loads("[" + output.decode().strip().replace("\n", ",") + "]")
        if count != self._defined:
            raise RuntimeError(f"cdk8s synthesized {count} objects for the {self._defined} defined")
        return [(tree, data) for tree, data in pairs]

    def close(self) -> None:
        """End the Node process if it is still running (after an error elsewhere)."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout, self._process.stderr):
            with contextlib.suppress(OSError):
                stream.close()  # type: ignore[union-attr]
