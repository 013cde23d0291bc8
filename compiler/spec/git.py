"""The git facts servespec reads about a spec file: its content at a revision, and the revision it was last
committed at (what a rollback checks out)."""

from __future__ import annotations

import os
import subprocess
from typing import Any

from servespec.diagnostics import InputError

REVISION_MAX_LENGTH = 100
"""Longest revision text recorded in an annotation (a full SHA-256 object name is 64 characters)."""


def git(directory: str, *args: str, text: bool = True) -> subprocess.CompletedProcess[Any]:
    """Run git in `directory`; InputError when git is not installed."""
    try:
        return subprocess.run(["git", "-C", directory, *args], capture_output=True, text=text)
    except FileNotFoundError:
        raise InputError("git is not installed") from None


def spec_revision(file: str) -> str:
    """The commit that last changed `file`, which must be committed unchanged; InputError otherwise (the
    recorded revision must hold exactly the spec that was compiled)."""
    directory, name = os.path.dirname(os.path.abspath(file)), os.path.basename(file)
    if not os.path.isfile(file):
        raise InputError(f"{file}: no such file")
    status = git(directory, "status", "--porcelain", "--", name)
    if status.returncode != 0:
        raise InputError(f"{file}: not in a git work tree, so it has no revision; pass --revision REV")
    if status.stdout.strip():
        raise InputError(f"{file}: has uncommitted changes, so no revision holds it; commit it first or pass "
                         "--revision REV")
    last = git(directory, "log", "-1", "--format=%H", "--", name)
    if last.returncode != 0 or not last.stdout.strip():
        raise InputError(f"{file}: not committed to git, so it has no revision; pass --revision REV")
    return str(last.stdout.strip())


def resolve_revision(file: str, revision: str) -> str:
    """`--revision` for one spec: `git` -> `spec_revision(file)`, else the text as given (checked)."""
    return spec_revision(file) if revision == "git" else checked_revision(revision)


def checked_revision(text: str) -> str:
    """A revision given on the command line, fit for an annotation value."""
    if not text or len(text) > REVISION_MAX_LENGTH or any(c.isspace() or not c.isprintable() for c in text):
        raise InputError(f"--revision {text!r}: give a git revision (no spaces, at most {REVISION_MAX_LENGTH} "
                         "characters) or `git`")
    return text
