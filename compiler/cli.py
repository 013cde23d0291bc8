"""The `servespec` command line: argument parsing and exit codes only; the work is in `servespec.api`.

Reports go to standard output; diagnostics, warnings and errors to standard error. Exit codes (`Exit`):

    0    ok: valid, no finding at --fail-on, written, up to date, no difference
    1    what the command looks for was found: an invalid spec, a lint finding at --fail-on or above,
         invalid compiled objects, golden drift, a difference or risk note (diff)
    2    the run could not be done: usage error, unreadable input, bad policy pack, internal error;
         for diff also an invalid spec (1 there means "differences")
    130  stopped by SIGINT (Ctrl-C); 143 by SIGTERM; 129 by SIGHUP: no output is left half-written
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from collections import Counter
from enum import IntEnum
from functools import partial
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

STOPPED = "servespec: stopped by {}; no output is left half-written"
_PYTHON_EXCEPTHOOK = sys.excepthook


def _stopped_while_starting(kind: type[BaseException], error: BaseException,
                            traceback: Optional[TracebackType]) -> None:
    """A Ctrl-C while Python still imports the program (before `run` handles signals): one line, no
    traceback; Python then ends the process by SIGINT, as it does for an unhandled interrupt."""
    if issubclass(kind, KeyboardInterrupt):
        print(STOPPED.format("SIGINT"), file=sys.stderr)
    else:
        _PYTHON_EXCEPTHOOK(kind, error, traceback)


sys.excepthook = _stopped_while_starting  # before the imports below, which take most of the start-up

import click  # noqa: E402

from servespec import __version__  # noqa: E402
from servespec.build.validation import (  # noqa: E402
    DEFAULT_KUBERNETES_VERSION,
    find_kubeconform,
    kubernetes_versions,
)
from servespec.diagnostics import InputError, PolicyError, Severity, SpecError  # noqa: E402
from servespec.report import registry  # noqa: E402
from servespec.report.registry import ReportOptions  # noqa: E402

if TYPE_CHECKING:
    import datetime

    from servespec.build.compile import CompileResult
    from servespec.build.validation import SchemaOptions

Result = TypeVar("Result")
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Exit(IntEnum):
    """Exit codes, the same for every command (see the module docstring); signals give 128 + number."""

    OK = 0
    FOUND = 1
    CANNOT_RUN = 2


class Stopped(BaseException):
    """SIGINT, SIGTERM or SIGHUP arrived: unwinds the work (its `finally` blocks stop Node and kubeconform,
    drop the files still queued and remove staging and spool files), then the process ends with 128 + the
    signal number."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class _Stopping:
    """Whether a stopping signal is unwinding the command (set by the first one)."""

    started = False


_STOPPING = _Stopping()
_STOPPING_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _stop(signum: int, _frame: Optional[FrameType]) -> None:
    """Raise `Stopped` at the first stopping signal. Later ones are ignored: they would cut short the clean-up
    the first one runs (leaving a staging directory behind)."""
    if _STOPPING.started:
        return
    _STOPPING.started = True
    raise Stopped(signum)


def _handle_stopping_signals() -> None:
    _STOPPING.started = False
    for stopping in _STOPPING_SIGNALS:
        signal.signal(stopping, _stop)


def _quiet_exit(code: int) -> None:
    """Exit after a signal. Node (cdk8s) and kubeconform may be gone already (a terminal's Ctrl-C reaches
    them too): a broken pipe to them is not reported, and the hooks that remove temporary files still run."""
    sys.unraisablehook = lambda _unraisable: None
    sys.exit(code)


class _Commands(click.Group):
    """Turns an unexpected exception into one line and exit 2 (SERVESPEC_DEBUG=1 shows the traceback), and
    a stopping signal into one line and exit 128 + its number (130 for SIGINT, 143 for SIGTERM)."""

    def invoke(self, ctx: click.Context) -> Any:
        # A large spec keeps millions of small objects alive; full collections over them (Python's default
        # after every 100 young ones) took half of lint's time at 50,000 models. Older generations are
        # collected 50x less often, the young one as usual.
        gc.set_threshold(700, 50, 1000)
        _handle_stopping_signals()
        if sys.stdout is None:  # closed (`>&-`): the report would be lost without a word
            click.echo("servespec: standard output is closed; the report has nowhere to go", err=True)
            sys.exit(Exit.CANNOT_RUN)
        try:
            try:
                return super().invoke(ctx)
            finally:
                sys.stdout.flush()  # a write that fails (a full disk) fails here, not at exit
        except (click.ClickException, click.exceptions.Exit):
            raise
        except (Stopped, KeyboardInterrupt, click.Abort) as err:
            signum = err.signum if isinstance(err, Stopped) else int(signal.SIGINT)
            for stopping in _STOPPING_SIGNALS:
                signal.signal(stopping, signal.SIG_IGN)
            click.echo(STOPPED.format(signal.Signals(signum).name), err=True)
            _quiet_exit(128 + signum)
        except BrokenPipeError:
            # The reader went away (`servespec lint ... | head`): stop quietly as Unix tools do on SIGPIPE;
            # standard output goes to /dev/null so the flush at exit cannot fail again (Python docs, "Note on
            # SIGPIPE").
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(128 + int(signal.SIGPIPE))
        except OSError as err:
            # The work's own reads and writes are reported by `_run`: what reaches here is the report's
            # output (standard output on a full disk or a device that refuses writes).
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            click.echo(f"servespec: cannot write the output: {err.strerror or err}", err=True)
            sys.exit(Exit.CANNOT_RUN)
        except Exception as err:
            if os.environ.get("SERVESPEC_DEBUG"):
                raise
            click.echo(f"servespec: internal error: {type(err).__name__}: {err} "
                       "(please report it; SERVESPEC_DEBUG=1 shows the traceback)", err=True)
            sys.exit(Exit.CANNOT_RUN)


def run() -> None:
    """The `servespec` program: `main`, then a quick exit. Whatever is alive when the command is done is
    frozen out of the garbage collector, so that the interpreter's shutdown does not traverse it all once
    more (0.08-0.13 s on every run, a fifth of a small compile); the operating system frees it. Stopping
    signals are handled from here on (before that, `_stopped_while_starting`)."""
    _handle_stopping_signals()
    try:
        main()
    finally:
        gc.freeze()


@click.group(cls=_Commands, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="servespec")
def main() -> None:
    """Validate, lint, compile, review and plan ML serving fleets for Kubernetes.

    \b
    One YAML spec describes models, GPU pools, scaling schedules, rollout strategy and
    security posture; servespec checks it offline and compiles it to plain manifests.

    \b
    Examples:
      servespec validate examples/*.yaml
      servespec lint examples/*.yaml --policy production
      servespec plan examples/agency.yaml --html plan.html
      servespec diff --base origin/main fleet.yaml --format markdown
      servespec compile examples/quickstart.yaml -o out/
      servespec schema > schemas/servespec.schema.json

    \b
    Exit codes, the same for every command:
      0    ok
      1    found what the command looks for: invalid spec, lint finding, drift,
           invalid objects, differences
      2    could not run: usage error, unreadable input, bad policy pack
           (diff: also an invalid spec)
      130  stopped by Ctrl-C (143 SIGTERM); nothing is left half-written
    Reports go to standard output; diagnostics and errors to standard error.
    """


@main.command(context_settings=CONTEXT)
@click.argument("specs", nargs=-1, required=True, metavar="SPEC...")
@click.option("--env", "env", metavar="NAME", help="Validate only with this environment overlay applied "
              "(default: the base spec and every environment).")
@click.option("--format", "output_format", type=click.Choice(registry.VALIDATE.names),
              default=registry.VALIDATE.default, show_default=True, help="Output format.")
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
    from servespec import api

    result = api.validate_files(specs, env)
    click.echo(registry.VALIDATE.render(output_format, result), nl=False)
    sys.exit(Exit.CANNOT_RUN if result.input_errors else Exit.FOUND if result.diagnostics else Exit.OK)


@main.command(context_settings=CONTEXT)
@click.option("--runtime", type=click.Choice(["vllm", "tgi", "triton", "custom"]), default="vllm", show_default=True,
              help="The serving engine of the starter model.")
@click.option("--platform", type=click.Choice(["gke", "eks", "aks", "gpu-operator", "generic"]), default="gke",
              show_default=True, help="The cluster: its node labels, taints, driver and workload identity.")
@click.option("--name", default="inference", show_default=True, metavar="NAME",
              help="Fleet name and namespace (a DNS label).")
@click.option("-o", "--output", "output", default="-", show_default=True, metavar="FILE",
              help="Where to write the spec; - prints it. An existing file is never overwritten.")
def init(runtime: str, platform: str, name: str, output: str) -> None:
    """Write a commented starter spec: one model on one GPU pool of your platform.

    \b
    It validates and lints clean as written; the comments mark what to replace (bucket,
    identity, image digest, prices) and link the spec reference.

    \b
    Examples:
      servespec init --runtime vllm --platform gke -o fleet.yaml
      servespec init --runtime triton --platform eks --name vision
      servespec init --platform aks | servespec validate /dev/stdin

    Exit codes: 0 written, 2 usage error or the file exists.
    """
    import re

    from servespec import api

    if not re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", name):
        raise click.BadParameter(f"{name!r} is not a DNS label (lowercase letters, digits, '-')", param_hint="--name")
    text = api.starter_spec(runtime, platform, name)
    if output == "-":
        click.echo(text, nl=False)
        return
    import os
    import tempfile

    try:  # written whole beside the target, then linked in: never half a file, never over an existing one
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=os.path.dirname(output) or ".",
                                         prefix=".servespec-init-", delete=False) as handle:
            handle.write(text)
        try:
            os.link(handle.name, output)
        finally:
            os.unlink(handle.name)
    except OSError as err:
        click.echo(f"error: {output}: {err.strerror or err}", err=True)
        sys.exit(Exit.CANNOT_RUN)
    click.echo(f"wrote {output}: servespec validate {output} && servespec lint {output}")


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
    from servespec import api

    click.echo(api.spec_reference_text() if markdown else api.spec_json_schema_text(), nl=False)


@main.command(context_settings=CONTEXT)
@click.argument("specs", nargs=-1, required=True, metavar="SPEC...")
@click.option("--policy", default="baseline", show_default=True, metavar="NAME|FILE",
              help="Policy pack: a built-in name (baseline, production) or a pack file.")
@click.option("--env", "env", metavar="NAME", help="Lint only with this environment overlay applied "
              "(default: the base spec and every environment).")
@click.option("--format", "output_format", type=click.Choice(registry.LINT.names), default=registry.LINT.default,
              show_default=True, help="Report format.")
@click.option("--fail-on", type=click.Choice([severity.value for severity in Severity]), default=Severity.ERROR.value,
              show_default=True,
              help="Lowest severity of an unwaived finding that makes the exit code 1.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Date waiver expiry is checked against (default: today).")
@click.option("--image-report", "image_reports", multiple=True, metavar="FILE",
              help="A Trivy JSON report (trivy image -f json); repeat for each image. Images of the spec with "
                   "HIGH or CRITICAL findings are reported at their `image:` line (SUP001).")
def lint(specs: tuple[str, ...], policy: str, env: Optional[str], output_format: str, fail_on: str,
         today: Optional[datetime.datetime], image_reports: tuple[str, ...]) -> None:
    """Check specs against a policy: GPU, lifecycle, scaling, rollout, cost, security.

    \b
    Every finding points at the spec's file:line:col and names its rule. Waivers in the
    spec (`waivers:` with rule, model, reason, expires) mark findings as waived; an expired
    waiver is an error and one that matches nothing a warning. Never starts Node.

    \b
    Examples:
      servespec lint examples/*.yaml
      servespec lint fleet.yaml --policy production --fail-on warning
      servespec lint fleet.yaml --format sarif > servespec.sarif
      servespec lint fleet.yaml --policy policies/acme.yaml --format github
      trivy image -f json -o vllm.json docker.io/vllm/vllm-openai:v0.9.2
      servespec lint fleet.yaml --image-report vllm.json

    Exit codes: 0 no unwaived finding at --fail-on or above, 1 findings, 2 usage error,
    unreadable spec, bad policy pack or image report.
    """
    from servespec import api

    report = _run(lambda: api.lint(specs, policy, env, today.date() if today else None, image_reports))
    click.echo(registry.LINT.render(output_format, report, ReportOptions(fail_on=Severity(fail_on))), nl=False)
    sys.exit(Exit.CANNOT_RUN if report.input_errors else Exit.FOUND if report.failed(fail_on) else Exit.OK)


@main.command(context_settings=CONTEXT)
@click.argument("rule_id", required=False, metavar="[ID|SLUG]")
@click.option("--markdown", is_flag=True, help="Print the whole catalogue as Markdown (docs/rules.md).")
def rules(rule_id: Optional[str], markdown: bool) -> None:
    """List the lint rules, or show one rule's documentation.

    \b
    Examples:
      servespec rules
      servespec rules GPU005
      servespec rules cpu-fallback
      servespec rules --markdown > docs/rules.md
    """
    from servespec.policies.registry import RULES, find_rule
    from servespec.report import rule_docs

    if markdown:
        click.echo(rule_docs.catalogue_markdown(), nl=False)
    elif rule_id is None:
        click.echo(rule_docs.catalogue_text(), nl=False)
    else:
        rule = find_rule(rule_id)
        if rule is None:
            from servespec.diagnostics import suggest

            hint = suggest(rule_id, [*RULES, *(r.slug for r in RULES.values())])
            raise click.BadParameter(f"no rule {rule_id!r}" + (f"; {hint}" if hint else ""), param_hint="ID")
        click.echo(rule_docs.rule_text(rule), nl=False)


@main.command(name="diff", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, metavar="OLD NEW | SPEC...")
@click.option("--base", metavar="GITREV", help="Compare SPEC... at this git revision with the working tree "
              "(read with `git show`; nothing is checked out).")
@click.option("--env", "env", metavar="NAME", help="Apply this environment overlay to specs.")
@click.option("--format", "output_format", type=click.Choice(registry.DIFF.names), default=registry.DIFF.default,
              show_default=True, help="text (coloured on a terminal), markdown (a pull-request comment) or json.")
@click.option("--cost-threshold", type=click.FloatRange(min=0), default=10.0, show_default=True, metavar="PERCENT",
              help="Raise RSK009 when the projected monthly cost moves by more than this.")
@click.option("--color/--no-color", default=None, help="Colour text output (default: when writing to a terminal).")
def diff_command(paths: tuple[str, ...], base: Optional[str], env: Optional[str], output_format: str,
                 cost_threshold: float, color: Optional[bool]) -> None:
    """Show what a change does to the compiled objects, with risk notes.

    \b
    OLD and NEW are compiled trees (directories) or spec files, compiled in memory
    without starting Node: cdk8s returns each object exactly as planned (no null, no
    empty metadata field, no integral float or integer beyond 2**53), and an object it
    would change goes through cdk8s first. Objects are matched by apiVersion, kind, namespace and name; fields
    are compared as data, list items by name (containers, env, ports, triggers). Risk
    notes flag what a reviewer must not miss: PDB loosened (RSK001), replicas reduced
    (RSK002), GPU changed (RSK003), image changed (RSK004), security relaxed (RSK005),
    network widened (RSK006), canary gates removed (RSK007), schedule changed (RSK008),
    monthly cost moved beyond --cost-threshold (RSK009, specs only).

    \b
    Examples:
      servespec diff out/before out/after
      servespec diff examples/changes/gpu-and-image/old.yaml examples/changes/gpu-and-image/new.yaml
      servespec diff --base origin/main deploy/fleet.yaml --format markdown > comment.md

    Exit codes: 0 no difference, 1 differences (changed objects or a risk note), 2 usage
    error or unreadable input.
    """
    from servespec import api

    if base is None and len(paths) != 2:
        raise click.UsageError("give OLD and NEW, or --base GITREV with one or more spec files")
    if base is not None and not paths:
        raise click.UsageError("--base needs the spec files to compare")
    report = _run(lambda: api.diff(*(paths if base is None else (None, None)), base=base,
                                   specs=paths if base else (), env=env, cost_threshold=cost_threshold),
                  bad_spec_exit=Exit.CANNOT_RUN)
    use_color = output_format == "text" and (sys.stdout.isatty() if color is None else color)
    click.echo(registry.DIFF.render(output_format, report, ReportOptions(color=use_color)), nl=False,
               color=use_color)
    sys.exit(Exit.FOUND if report.changes or report.risks else Exit.OK)


@main.command(context_settings=CONTEXT)
@click.argument("spec", metavar="SPEC")
@click.option("--env", "env", metavar="NAME", help="Apply this environment overlay.")
@click.option("--format", "output_format", type=click.Choice(registry.PLAN.names), default=registry.PLAN.default,
              show_default=True, help="Format of the plan on standard output.")
@click.option("--html", "html_file", metavar="FILE", help="Also write a self-contained HTML page: a weekly "
              "capacity chart per pool and the cost tables (works offline). '-': the page alone on "
              "standard output.")
@click.option("--svg", "svg_file", metavar="FILE", help="Also write the charts alone as one SVG file ('-': "
              "standard output).")
@click.option("--hourly", is_flag=True, help="Text format: also each model's replicas for every hour of the week.")
def plan(spec: str, env: Optional[str], output_format: str, html_file: Optional[str], svg_file: Optional[str],
         hourly: bool) -> None:
    """Weekly capacity and cost: replicas and GPUs per hour, peaks, GPU-hours, monthly cost.

    \b
    For each hour of a week (UTC; each schedule read in its own time zone): the replicas
    the schedules keep and the most a metric trigger can reach, per model; GPUs per pool
    against maxGPUs, with the largest rollout surge; GPU-hours per week and projected
    monthly cost per pool and model against budget.monthlyUSD; each model's startup
    budget and canary duration. Never starts Node.

    \b
    Examples:
      servespec plan examples/operations-guide.yaml
      servespec plan examples/agency.yaml --env staging --html plan.html
      servespec plan examples/operations-guide.yaml --hourly
      servespec plan fleet.yaml --format json | jq '.pools[] | {name, peakGPUs}'

    Exit codes: 0 planned, 1 invalid spec, 2 usage error or unreadable input.
    """
    from servespec import api

    if html_file == "-" and svg_file == "-":
        raise click.UsageError("only one of --html and --svg can be '-' (standard output)")
    fleet_plan = _run(lambda: api.plan(spec, env))
    for target, file_format in ((html_file, "html"), (svg_file, "svg")):
        if target:
            page = registry.PLAN_FILES.render(file_format, fleet_plan)
            _run(partial(api.write_output, target, page))
    if "-" in (html_file, svg_file):
        return
    click.echo(registry.PLAN.render(output_format, fleet_plan, ReportOptions(hourly=hourly)), nl=False)


@main.command(name="rollback-point", context_settings=CONTEXT)
@click.argument("spec", metavar="SPEC")
@click.option("--env", "env", metavar="NAME", help="Apply this environment overlay.")
@click.option("--format", "output_format", type=click.Choice(registry.ROLLBACK_POINT.names),
              default=registry.ROLLBACK_POINT.default, show_default=True, help="Output format.")
@click.option("--revision", metavar="REV|git",
              help="The spec revision to record. Default: the commit that last changed SPEC when it is committed "
                   "unchanged, else none (with the reason in specRevisionNote); 'git': that commit or an error.")
@click.option("--prometheus", metavar="URL", help="Also read each version's P99 baseline from this Prometheus "
              "(e.g. http://prometheus.monitoring:9090): latencyBaseline.p99Seconds, null when not recorded.")
def rollback_point(spec: str, env: Optional[str], output_format: str, revision: Optional[str],
                   prometheus: Optional[str]) -> None:
    """Print what rolling back to this release needs, for each model.

    \b
    Run it before a release and keep the output with the release record: the model
    version, every image (server, download, weights image, validator) with unpinned ones
    listed, the weights location, the spec revision, and the PromQL of the version's P99
    latency over monitoring.latencyRegression.baselineWindow (the latency PrometheusRule's
    recording), to compare with after a rollback. The same point is in each compiled
    Deployment's annotations. Never starts Node.

    \b
    Examples:
      servespec rollback-point examples/llm-serving.yaml
      servespec rollback-point examples/agency.yaml --env prod --format json
      servespec rollback-point fleet.yaml --prometheus http://prometheus.monitoring:9090 > release.yaml

    Exit codes: 0 printed, 1 invalid spec, 2 usage error, unreadable input, no git revision
    (--revision git) or Prometheus unreachable.
    """
    from servespec import api

    bundle = _run(lambda: api.rollback_point(spec, env, revision, prometheus))
    for release in bundle.models:
        for role in release.point.unpinned:
            click.echo(f"warning: {release.point.model}: {role} image {dict(release.point.images)[role]} is not "
                       "pinned by digest: a rollback may pull different bits under the same tag", err=True)
    click.echo(registry.ROLLBACK_POINT.render(output_format, bundle), nl=False)


def schema_options(function: Callable[..., None]) -> Callable[..., None]:
    """Options shared by `compile` and `check` for validating the compiled objects."""
    options = [
        click.option("--schema-location", "schema_locations", multiple=True, metavar="TEMPLATE",
                     envvar="SERVESPEC_SCHEMA_LOCATION",
                     help="Extra schema location for custom resources, kubeconform template syntax, e.g. "
                          "'crds/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'. Repeatable; "
                          "also read from $SERVESPEC_SCHEMA_LOCATION (space-separated)."),
        click.option("--kubernetes-version", default=DEFAULT_KUBERNETES_VERSION, show_default=True,
                     help="Kubernetes version whose strict schemas the objects must satisfy."),
        click.option("--validator", type=click.Choice(["auto", "kubeconform", "built-in", "none"]), default="auto",
                     show_default=True, help="auto: kubeconform when installed, else the built-in validator."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _schema_options(schema_locations: tuple[str, ...], kubernetes_version: str, validator: str) -> SchemaOptions:
    """Check the options and return `api.SchemaOptions`."""
    known = kubernetes_versions()
    if validator != "none" and kubernetes_version not in known:
        raise click.BadParameter(f"{kubernetes_version!r} has no strict schemas here; known: {', '.join(known)}",
                                 param_hint="--kubernetes-version")
    if validator == "kubeconform" and find_kubeconform() is None:
        raise click.UsageError("kubeconform not found: install it (make tools) or use --validator built-in")
    from servespec import api

    return api.SchemaOptions(enabled=validator != "none", schema_locations=tuple(schema_locations),
                             kubernetes_version=kubernetes_version, use_kubeconform=validator != "built-in")


def _report_schema(result: CompileResult) -> None:
    for problem in result.invalid:
        click.echo(f"error: {problem.render()}", err=True)
    for problem in result.gated:
        click.echo(f"warning: {problem.file}: {problem.kind} {problem.name}: {problem.message}", err=True)
    unchecked = Counter(problem.kind for problem in result.unchecked)
    for kind, count in sorted(unchecked.items()):
        click.echo(f"warning: {count} {kind} object(s) not checked: no schema found for {kind}", err=True)
    if unchecked:
        click.echo("warning: pass --schema-location (or $SERVESPEC_SCHEMA_LOCATION) for their custom resource "
                   "definitions", err=True)


@main.command(name="compile", context_settings=CONTEXT)
@click.argument("specs", nargs=-1, required=True, metavar="SPEC...")
@click.option("-o", "--output", "out_dir", required=True, metavar="DIR",
              help="Output directory, replaced whole and atomically (one spec: DIR/<namespace>/<kind>-<name>.yaml; "
                   "several: DIR/<spec name>/...). It must be new, empty, or one servespec wrote before. "
                   "'-' prints one YAML stream to standard output instead.")
@click.option("--env", "env", metavar="NAME", help="Apply this environment overlay.")
@click.option("--force", is_flag=True, help="Replace a non-empty DIR that servespec did not write (never the "
              "current directory or its parents, a root, the home directory, a git work tree, or a directory "
              "holding a spec).")
@click.option("--revision", metavar="REV|git",
              help="Record the spec's revision in every rollback point (servespec.dev/spec-revision): REV as "
                   "given, or 'git' for the commit that last changed each spec (which must be committed "
                   "unchanged). Off by default, so output depends on the spec alone.")
@schema_options
def compile_command(specs: tuple[str, ...], out_dir: str, env: Optional[str], force: bool, revision: Optional[str],
                    schema_locations: tuple[str, ...], kubernetes_version: str, validator: str) -> None:
    """Compile specs into Kubernetes manifests, one file per object.

    \b
    Output is deterministic (byte-identical on every run and machine) and validated
    against strict Kubernetes schemas (kubeconform -strict when installed, else built in)
    plus any --schema-location for KEDA, Flagger and Prometheus Operator kinds. The
    output directory is written atomically: on any error it is left as it was. servespec
    leaves a .servespec-output marker in it and replaces only a directory that is new,
    empty or marked (see --force).

    \b
    cdk8s synthesizes every object in one Node process (the cdk8s the Python package
    carries), model by model as they are planned, while a thread writes the files and
    kubeconform validates them from a pipe.

    \b
    Each model's Deployment (or LeaderWorkerSet) records its rollback point in
    annotations: servespec.dev/model-version, servespec.dev/images (every image it runs),
    servespec.dev/weights, kubernetes.io/change-cause, and with --revision the spec's git
    revision. The Deployment controller copies them to each ReplicaSet, so
    `kubectl rollout history` keeps every release's point.

    \b
    Examples:
      servespec compile examples/quickstart.yaml -o out/quickstart
      servespec compile deploy/fleet.yaml --revision git -o out/fleet
      servespec compile examples/agency.yaml --env staging -o out/agency-staging
      servespec compile examples/quickstart.yaml -o - | kubectl apply --dry-run=client -f -
      servespec compile fleet.yaml -o out \\
        --schema-location '../shared/crd-schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'

    Exit codes: 0 written, 1 invalid spec or invalid objects (nothing written), 2 usage or unreadable input.
    """
    options = _schema_options(schema_locations, kubernetes_version, validator)
    from servespec import api

    if out_dir == "-":
        result, stream = _run(lambda: api.compile_stream(list(specs), env, options, revision=revision))
        _report_schema(result)
        if not result.ok:
            click.echo(f"{len(result.invalid)} invalid object(s); nothing printed", err=True)
            sys.exit(Exit.FOUND)
        click.echo(stream, nl=False)
        return
    result = _run(lambda: api.compile_specs(list(specs), out_dir, env, options, force=force,
                                                        revision=revision))
    _report_schema(result)
    if not result.ok:
        click.echo(f"{len(result.invalid)} invalid object(s); {out_dir} left unchanged", err=True)
        sys.exit(Exit.FOUND)
    click.echo(f"wrote {len(result.files)} files to {out_dir} (validated: {result.validator})")


@main.command(context_settings=CONTEXT)
@click.argument("specs", nargs=-1, required=True, metavar="SPEC...")
@click.option("--golden", "golden_dir", required=True, metavar="DIR",
              help="Golden directory: DIR/<spec name>/ and DIR/<spec name>@<env>/ for each environment.")
@click.option("--update", is_flag=True, help="Rewrite the golden files instead of failing on drift.")
@click.option("--force", is_flag=True, help="With --update: replace golden trees that have no "
              ".servespec-output marker (same limits as compile --force).")
@schema_options
def check(specs: tuple[str, ...], golden_dir: str, update: bool, force: bool, schema_locations: tuple[str, ...],
          kubernetes_version: str, validator: str) -> None:
    """Compile specs (and each environment) and compare with golden files.

    \b
    Fails on any drift, on a golden file that is missing and on one the compiler no longer
    produces, printing a unified diff per changed object. --update rewrites the golden
    trees (atomically, and only when every object passed schema validation). Compiles in
    memory without starting Node where the result is provably what compile writes (every
    object one cdk8s returns as planned, as in diff); otherwise through cdk8s.

    \b
    Examples:
      servespec check examples/*.yaml --golden golden
      servespec check examples/agency.yaml --golden golden --update

    Exit codes: 0 up to date (or updated), 1 drift or invalid objects, 2 usage or unreadable input.
    """
    options = _schema_options(schema_locations, kubernetes_version, validator)
    from servespec import api

    if force and not update:
        raise click.UsageError("--force goes with --update")
    result, drift = _run(lambda: api.check_golden(list(specs), golden_dir, update=update, options=options,
                                                  force=force))
    _report_schema(result)
    if not result.ok:
        sys.exit(Exit.FOUND)
    if drift and update:
        click.echo(f"updated {golden_dir}: {len(drift)} file(s) changed")
        return
    for item in drift:
        click.echo(item.render())
    if drift:
        click.echo(f"{len(drift)} golden file(s) out of date; run with --update after reviewing the diff")
        sys.exit(Exit.FOUND)
    click.echo(f"{len(result.files)} golden files up to date")


def _run(work: Callable[[], Result], bad_spec_exit: int = Exit.FOUND) -> Result:
    """Run library work: a bad spec exits 1 (`bad_spec_exit`), a bad policy pack or unreadable input 2;
    their diagnostics go to standard error."""
    try:
        return work()
    except SpecError as err:
        for diagnostic in err.diagnostics:
            click.echo(diagnostic.render(), err=True)
        sys.exit(Exit.CANNOT_RUN if isinstance(err, PolicyError) else bad_spec_exit)
    except (InputError, OSError) as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(Exit.CANNOT_RUN)
