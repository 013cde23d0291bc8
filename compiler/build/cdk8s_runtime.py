"""Starting cdk8s: its import launches the jsii Node process, so it is begun early on a thread.

`start()` returns at once; Node boots while the spec is loaded and checked. Whoever needs cdk8s
then calls `load()`, which waits for that import (Python's import lock) or does it itself. The background
import never reports an error of its own: a process that ends early (a bad spec, an interrupt) may cut it
short, and whoever then needs cdk8s gets the error from `load()`.
"""

from __future__ import annotations

import contextlib
import os
import threading

_NODE_VERSIONS_WITHOUT_BANNER = "14,16,18,20,22"
_started: list[threading.Thread] = []


def load() -> None:
    """Import cdk8s with Node's end-of-life, deprecation and untested-version banners silenced."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", _NODE_VERSIONS_WITHOUT_BANNER)
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
    import cdk8s  # noqa: F401  (imported for its side effect: the Node process is up)


def _load_quietly() -> None:
    """`load()`, its error left to the caller's own `load()`, if it still needs cdk8s."""
    with contextlib.suppress(BaseException):
        load()


def start() -> None:
    """Begin `load()` on a daemon thread, once per process."""
    if not _started:
        thread = threading.Thread(target=_load_quietly, name="servespec-cdk8s", daemon=True)
        _started.append(thread)
        thread.start()
