"""`python -m compiler` runs the servespec CLI."""

from compiler.cli import main

main()
