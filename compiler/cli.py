"""The `servespec` command line: argument parsing and exit codes only; the work is in `compiler.api`.

Exit codes: 0 ok, 1 findings (invalid spec, drift), 2 usage error or unreadable input.
"""

from __future__ import annotations

import sys

import click

from compiler import __version__, api
from compiler.output.reporters import write_validation

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, prog_name="servespec")
def main() -> None:
    """Validate, lint and compile ML serving fleets for Kubernetes.

    \b
    One YAML spec describes models, GPU pools, scaling schedules, rollout strategy and
    security posture; servespec checks it offline and compiles it to plain manifests.

    \b
    Examples:
      servespec validate examples/*.yaml
      servespec compile examples/quickstart.yaml -o out/
      servespec schema > schemas/servespec.schema.json

    Exit codes: 0 ok, 1 findings (invalid spec, drift), 2 usage error or unreadable input.
    """


@main.command(context_settings=CONTEXT)
@click.argument("specs", nargs=-1, required=True, metavar="SPEC...")
@click.option("--env", "env", metavar="NAME", help="Validate only with this environment overlay applied "
              "(default: the base spec and every environment).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
def validate(specs: tuple[str, ...], env: str | None, output_format: str) -> None:
    """Check spec files: YAML, schema, references and GPU catalog.

    \b
    Every problem is reported at once as `file:line:col: error: message`, with a hint
    line (often a did-you-mean suggestion) where one helps.

    \b
    Examples:
      servespec validate examples/quickstart.yaml
      servespec validate examples/*.yaml --format json
      servespec validate fleet.yaml --env staging

    Exit codes: 0 valid, 1 invalid spec, 2 usage error or unreadable file.
    """
    result = api.validate_files(specs, env)
    write_validation(result, output_format, sys.stdout)
    sys.exit(2 if result.input_errors else 1 if result.diagnostics else 0)


@main.command(context_settings=CONTEXT)
@click.option("--markdown", is_flag=True, help="Print the spec reference (docs/spec.md) instead.")
def schema(markdown: bool) -> None:
    """Print the JSON Schema of the spec format.

    \b
    Editors that speak the YAML language server complete and check specs that start with
      # yaml-language-server: $schema=../schemas/servespec.schema.json

    \b
    Examples:
      servespec schema > schemas/servespec.schema.json
      servespec schema --markdown > docs/spec.md
    """
    click.echo(api.spec_reference_text() if markdown else api.spec_json_schema_text(), nl=False)
