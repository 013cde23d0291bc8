"""`python -m servespec` runs the servespec CLI."""

from servespec.cli import run

run()
