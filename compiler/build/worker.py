"""The spec work of `compile` beside cdk8s: in a forked child, on a thread, or inline.

Loading, checking and resolving a spec, planning its objects, rendering them as YAML and validating them
is all Python work; so is importing cdk8s (about 0.4 s) before Node can synthesize anything. On one
interpreter the two take turns. So `compile` forks before Node starts: the child does the spec work and
sends the planned objects over a pipe as soon as they exist (the parent synthesizes them), then renders,
stages and validates them, leaves the result in a spool file and exits, freeing its memory while the
parent is still synthesizing. Where `fork` is missing, or other threads already run (forking them is
unsafe), the same steps run in this process, validation on a thread.

`SERVESPEC_PLANNER` chooses: `fork` (the default where it is safe), `thread` (spec work in this process,
rendering and validation on a thread while cdk8s synthesizes) or `inline` (every step in turn, one thread).
`benchmarks/run.py --planner` measures each.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import tempfile
import threading
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Optional, Protocol, Sequence

from servespec.build.validation import SchemaOptions, SchemaProblem, check_objects
from servespec.build.writer import render_yaml, write_files
from servespec.diagnostics import InputError, SpecError
from servespec.synth.manifest import Manifest

MODES = ("fork", "thread", "inline")
MODE_VARIABLE = "SERVESPEC_PLANNER"


@dataclass
class Checked:
    """Rendered files and what validating them found."""

    files: dict[str, str] = field(default_factory=dict)
    problems: list[SchemaProblem] = field(default_factory=list)
    validator: str = "off"


class SpecTarget(Protocol):
    """One spec file in one environment, compiled into the output subtree `tree`."""

    @property
    def tree(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def env(self) -> Optional[str]: ...
    @property
    def revision(self) -> Optional[str]: ...


def plan_targets(targets: Sequence[SpecTarget]) -> dict[str, list[Manifest]]:
    """Every target's objects as plain data (loads and checks the specs: raises SpecError)."""
    from servespec.spec.frontend import load_fleet
    from servespec.synth.fleet import build_manifests

    return {target.tree: build_manifests(replace(load_fleet(target.file, target.env), revision=target.revision))
            for target in targets}


def named(manifests: dict[str, list[Manifest]]) -> Iterator[tuple[str, Manifest]]:
    """(output file name, Manifest) for every object of every tree ("" is the output root)."""
    for tree, items in manifests.items():
        prefix = f"{tree}/" if tree else ""
        for manifest in items:
            yield prefix + manifest.file_name, manifest


def render(manifests: dict[str, list[Manifest]]) -> dict[str, str]:
    """Output file name -> YAML text, for every object of every tree."""
    files: dict[str, str] = {}
    for name, manifest in named(manifests):
        if name in files:
            raise InputError(f"two objects would be written to {name}")
        files[name] = render_yaml(manifest.data)
    return files


def check(manifests: dict[str, list[Manifest]], options: Optional[SchemaOptions],
          directory: Optional[Path]) -> Checked:
    """Render, write into `directory` (when given) and validate (when `options` say so)."""
    files = render(manifests)
    if directory is not None:
        write_files(directory, files)
    if options is None:
        return Checked(files)
    objects = [(name, manifest.data) for name, manifest in named(manifests)]
    problems, validator = check_objects(files, objects, options, directory)
    return Checked(files, problems, validator)


def choose_mode(requested: Optional[str] = None) -> str:
    """`requested`, else $SERVESPEC_PLANNER, else fork where it is safe (the only thread running), else thread."""
    mode = requested or os.environ.get(MODE_VARIABLE) or None
    if mode is None:
        return "fork" if hasattr(os, "fork") and threading.active_count() == 1 else "thread"
    if mode not in MODES:
        raise InputError(f"{MODE_VARIABLE}={mode!r}: use one of {', '.join(MODES)}")
    if mode == "fork" and not hasattr(os, "fork"):
        raise InputError(f"{MODE_VARIABLE}=fork: this platform cannot fork")
    return mode


_PR_SET_PDEATHSIG = 1


def _end_with(parent: int) -> None:
    """In the child: be killed when the parent dies (Linux prctl), so no orphan keeps writing."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the parent's close() still ends the child
        pass
    if os.getppid() != parent:
        os._exit(1)


class Worker:
    """Plans `targets` and checks the result, in the way `mode` names (see the module docstring).

    Call `planned()`, then `checked()`, and `close()` in any case."""

    def __init__(self, targets: Sequence[SpecTarget], options: Optional[SchemaOptions], directory: Optional[Path],
                 mode: Optional[str] = None):
        self._targets, self._options, self._directory = targets, options, directory
        self._pid: Optional[int] = None
        self._pipe: Any = None
        self._plan: dict[str, list[Manifest]] = {}
        self._thread: Optional[threading.Thread] = None
        self._outcome: list[Checked | BaseException] = []
        self._spool = ""
        self.mode = choose_mode(mode)
        if self.mode == "fork":
            self._fork()

    def _fork(self) -> None:
        descriptor, self._spool = tempfile.mkstemp(prefix="servespec-plan-")
        os.close(descriptor)
        read, write = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            _end_with(parent)
            self._child(os.fdopen(write, "wb"))
        os.close(write)
        self._pid, self._pipe = pid, os.fdopen(read, "rb")

    def _child(self, pipe: BinaryIO) -> None:
        """Runs in the child; never returns."""
        status = 0
        try:
            try:
                plan = plan_targets(self._targets)
                pickle.dump(("planned", plan), pipe, protocol=pickle.HIGHEST_PROTOCOL)
                pipe.flush()
                checked = check(plan, self._options, self._directory)
                with open(self._spool, "wb") as spool:
                    pickle.dump(checked, spool, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump(("checked", None), pipe)
            except SpecError as err:
                pickle.dump(("spec-error", err.diagnostics), pipe)
            except InputError as err:
                pickle.dump(("input-error", str(err)), pipe)
            except OSError as err:
                pickle.dump(("os-error", (err.errno, err.strerror, err.filename)), pipe)
            except BaseException as err:
                pickle.dump(("error", (f"{type(err).__name__}: {err}", traceback.format_exc())), pipe)
            pipe.flush()
        except BaseException:
            status = 1
        finally:
            os._exit(status)

    def _receive(self, expected: str) -> Any:
        try:
            kind, payload = pickle.load(self._pipe)
        except EOFError:
            raise RuntimeError("the planning process ended without an answer") from None
        if kind == expected:
            return payload
        if kind == "spec-error":
            raise SpecError(payload)
        if kind == "input-error":
            raise InputError(payload)
        if kind == "os-error":
            raise OSError(*payload)
        summary, details = payload
        debug = os.environ.get("SERVESPEC_DEBUG")
        raise RuntimeError(f"planning failed: {summary}" + (f"\n{details}" if debug else ""))

    def planned(self) -> dict[str, list[Manifest]]:
        """The planned objects per output tree; raises SpecError or InputError for a bad spec."""
        if self._pid is not None:
            planned: dict[str, list[Manifest]] = self._receive("planned")
            return planned
        self._plan = plan_targets(self._targets)
        if self.mode == "thread":
            self._thread = threading.Thread(target=self._check_in_process, name="servespec-render")
            self._thread.start()
        return self._plan

    def _check_in_process(self) -> None:
        try:
            self._outcome.append(check(self._plan, self._options, self._directory))
        except BaseException as err:  # re-raised by checked()
            self._outcome.append(err)

    def checked(self) -> Checked:
        """The rendered (and, with options, validated) files of the planned objects."""
        if self._pid is not None:
            self._receive("checked")
            with open(self._spool, "rb") as spool:
                checked: Checked = pickle.load(spool)
                return checked
        if self._thread is not None:
            self._thread.join()
        else:
            self._check_in_process()
        outcome = self._outcome[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def close(self) -> None:
        """Reap the child (ending it first if it is still running) or wait for the inline check."""
        if self._pid is not None:
            self._pipe.close()
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None
            os.unlink(self._spool)
        elif self._thread is not None:
            self._thread.join()
