"""The ``sdl-gate`` command line: the only module that imports click and maps errors to exit codes.

Exit codes: 0 passed, 1 gate failed, 2 usage or invalid input, 3 internal or tool error.
"""

from __future__ import annotations

import sys
import traceback
from datetime import date
from pathlib import Path
from typing import Any

import click

from sdl_gate import __version__
from sdl_gate.errors import InputError, SdlGateError

EXIT_PASSED = 0
EXIT_GATE_FAILED = 1
EXIT_INVALID_INPUT = 2
EXIT_INTERNAL_ERROR = 3

_EPILOG = "Exit codes: 0 passed, 1 gate failed, 2 usage or invalid input, 3 internal or tool error."


def _write_output(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    from sdl_gate._files import write_atomic

    if output.is_dir():
        raise InputError("is a directory; --output needs a file path", path=output)
    try:
        write_atomic(output, text)
    except OSError as exc:
        raise InputError(f"cannot write output: {exc.strerror}", path=output) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}, epilog=_EPILOG)
@click.version_option(__version__, "--version", prog_name="sdl-gate", message="%(prog)s %(version)s")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks for errors.")
def cli(verbose: bool) -> None:
    """Score a product's secure development evidence against IEC 62443-4-1 and gate its release.

    Start with `sdl-gate init` in your project, then `sdl-gate check`.
    """


@cli.command()
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people, json for tools.",
)
def catalogue(output_format: str) -> None:
    """List the 47 requirements of IEC 62443-4-1 (IDs, short titles, our own summaries)."""
    from sdl_gate._files import pretty_json
    from sdl_gate.catalogue import load_catalogue

    loaded = load_catalogue()
    if output_format == "json":
        click.echo(pretty_json([r.to_json() for r in loaded.requirements]), nl=False)
        return
    for practice in loaded.practices:
        click.echo(f"{practice.id} - {practice.title} (clause {practice.clause})")
        for requirement in loaded.in_practice(practice.id):
            click.echo(f"  {requirement.id:<6} {requirement.automation.value:<3}  {requirement.title}")
    click.echo(
        f"\n{len(loaded.requirements)} requirements. Automation: A pipeline artefacts, "
        "A/P mostly artefacts, P artefacts plus a human record, H human records only."
    )


@cli.command()
@click.argument("requirement_id", metavar="ID")
@click.option(
    "--path",
    "project_path",
    type=click.Path(path_type=Path),
    default=Path(),
    show_default=True,
    help="Project whose policy is shown.",
)
@click.option("--policy", "policy_spec", help="Built-in policy name or policy file (default: the project's).")
def explain(requirement_id: str, project_path: Path, policy_spec: str | None) -> None:
    """Explain what requirement ID asks, how it is checked, what the policy demands and how to fix it."""
    from sdl_gate.catalogue import load_catalogue
    from sdl_gate.checks import CHECKS
    from sdl_gate.config import load_project
    from sdl_gate.policy.loader import resolve_policy

    loaded = load_catalogue()
    try:
        requirement = loaded.requirement(requirement_id)
    except KeyError:
        raise InputError(
            f"{requirement_id!r} is not an IEC 62443-4-1 requirement id",
            hint="`sdl-gate catalogue` lists them",
        ) from None
    if policy_spec is None:
        project = load_project(project_path)
        policy = resolve_policy(project.config.policy, relative_to=project_path)
    else:
        policy = resolve_policy(policy_spec, relative_to=Path.cwd())
    entry = policy.requirements[requirement.id]
    practice = next(p for p in loaded.practices if p.id == requirement.practice)
    lines = [
        f"{requirement.id}  {requirement.title}",
        f"practice   {practice.id} - {practice.title}",
        f"automation {requirement.automation.value}: {requirement.automation.describe()}",
        "",
        "What it asks (our summary):",
        f"  {requirement.summary}",
        "",
        "Typical evidence:",
        *(f"  - {item}" for item in requirement.evidence),
        "",
        "How sdl-gate checks it (every criterion must pass):",
    ]
    for criterion in CHECKS[requirement.id].criteria:
        kinds = ", ".join(kind.value for kind in criterion.kinds)
        lines.append(f"  - {criterion.description}  [evidence: {kinds}]")
    today = date.today()
    mode = entry.effective_mode(today)
    lines += ["", f"Policy {policy.name} ({policy.source}):", f"  mode: {mode.value}"]
    if mode is not entry.mode:
        lines.append(f"  (becomes {entry.mode.value} on {entry.enforced_from})")
    if entry.justification:
        lines.append(f"  justification: {entry.justification}")
    if entry.max_age_days:
        lines.append(f"  records older than {entry.max_age_days} days do not count")
    lines += ["", "How to fix a failure:", f"  {requirement.remediation}"]
    if requirement.ssdf:
        lines += ["", f"NIST SSDF tasks citing it: {', '.join(requirement.ssdf)}"]
    click.echo("\n".join(lines))


@cli.group()
def policy() -> None:
    """Validate and show policies (built-in: iec62443-4-1-ml2, -ml3, -ml4)."""


@policy.command("validate")
@click.argument("policy_file", type=click.Path(path_type=Path))
def policy_validate(policy_file: Path) -> None:
    """Validate POLICY_FILE, including the policies it extends."""
    from sdl_gate.policy.loader import resolve_policy

    resolved = resolve_policy(str(policy_file), relative_to=Path.cwd())
    chain = f", extends {' -> '.join(resolved.chain)}" if resolved.chain else ""
    click.echo(f"{policy_file}: valid policy {resolved.name!r}{chain}; digest {resolved.digest}")


@policy.command("show")
@click.argument("name")
@click.option("--format", "output_format", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
def policy_show(name: str, output_format: str) -> None:
    """Show the fully resolved policy NAME (a built-in name or a file), every requirement included."""
    from sdl_gate._files import pretty_json
    from sdl_gate.policy.loader import resolve_policy

    resolved = resolve_policy(name, relative_to=Path.cwd())
    document: dict[str, Any] = {"digest": resolved.digest, "source": resolved.source, **resolved.to_json()}
    if output_format == "json":
        click.echo(pretty_json(document), nl=False)
    else:
        import yaml

        click.echo(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), nl=False)


@cli.command()
@click.argument("name", type=click.Choice(["assessment", "config", "policy", "record", "waivers"]))
def schema(name: str) -> None:
    """Print the JSON Schema of an input or output format."""
    from sdl_gate._files import pretty_json
    from sdl_gate.schemas import load_schema

    click.echo(pretty_json(load_schema(name)), nl=False)


@cli.command()
@click.argument("path", type=click.Path(path_type=Path), default=Path())
def init(path: Path) -> None:
    """Scaffold sdl-gate in the project at PATH: config, security/ templates, .gitignore entry.

    Existing files are never overwritten; the [tool.sdl-gate] section is appended to pyproject.toml only
    when it has none.
    """
    from sdl_gate.scaffold import scaffold

    for line in scaffold(path):
        click.echo(line)


@cli.command()
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.option("--policy", "policy_spec", help="Built-in policy name or policy file (default: the project's).")
def collect(path: Path, policy_spec: str | None) -> None:
    """Collect evidence for the project at PATH into .sdl-gate/evidence/ without assessing it."""
    from sdl_gate.collectors._tool import git_commit
    from sdl_gate.evidence import EvidenceStore
    from sdl_gate.run import collect as run_collect
    from sdl_gate.run import current_time, load_inputs

    inputs = load_inputs(path, policy_spec)
    store = EvidenceStore(path)
    stored, failures = run_collect(inputs, commit=git_commit(path), now=current_time(), store=store)
    for item in sorted(stored, key=lambda s: s.evidence.kind.value):
        click.echo(f"{item.evidence.kind.value:<12} {item.id}")
    for failure in failures:
        click.echo(f"{failure.kind.value:<12} not collected: {failure.reason}", err=True)


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@cli.command(epilog=_EPILOG)
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.option("--policy", "policy_spec", help="Built-in policy name or policy file (default: the project's).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["console", "json"]),
    default="console",
    show_default=True,
    help="console for people; json validates against `sdl-gate schema assessment`.",
)
@click.option("--output", type=click.Path(path_type=Path), help="Write the report to this file instead of stdout.")
@click.option(
    "--as-of",
    "as_of",
    callback=_parse_date,
    metavar="YYYY-MM-DD",
    help="Assess as of this date instead of today (expiry and age limits use it).",
)
@click.pass_context
def check(
    ctx: click.Context,
    path: Path,
    policy_spec: str | None,
    output_format: str,
    output: Path | None,
    as_of: date | None,
) -> None:
    """Collect evidence for the project at PATH, assess it against the policy and gate on the result."""
    from sdl_gate.run import check as run_check

    result = run_check(path, policy_spec=policy_spec, today=as_of)
    if output_format == "json":
        from sdl_gate.render.json import render_json

        text = render_json(result.assessment)
    else:
        from sdl_gate.render.console import render_console

        text = render_console(result.assessment)
    _write_output(text, output)
    if output is not None:
        click.echo(result.assessment.decision.summary, err=True)
    ctx.exit(EXIT_PASSED if result.assessment.decision.passed else EXIT_GATE_FAILED)


def _sast_root(paths: tuple[Path, ...], root: Path | None) -> tuple[Path, list[Path] | None]:
    """Return the project root and the explicit files (None means the whole project)."""
    if root is not None:
        return root, list(paths) or None
    if not paths:
        return Path(), None
    if len(paths) == 1 and paths[0].is_dir():
        return paths[0], None
    return Path(), list(paths)


@cli.command(epilog=_EPILOG)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--root",
    type=click.Path(path_type=Path, file_okay=False),
    help="Project root (default: PATH when a single directory is given, else the current directory).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["console", "json", "sarif"]),
    default="console",
    show_default=True,
    help="console for people, json for tools, sarif for code scanning.",
)
@click.option("--output", type=click.Path(path_type=Path), help="Write the report to this file instead of stdout.")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), help="Worker processes (default: one per CPU).")
@click.option("--no-cache", is_flag=True, help="Scan every file again instead of reusing cached results.")
@click.option(
    "--baseline", type=click.Path(path_type=Path), help="Baseline file (default: security/sast-baseline.json)."
)
@click.option("--write-baseline", is_flag=True, help="Accept every current finding into the baseline, then exit 0.")
@click.option("--policy", "policy_spec", help="Built-in policy name or policy file whose SI-1 thresholds apply.")
@click.option("--as-of", "as_of", callback=_parse_date, metavar="YYYY-MM-DD", help="Date waivers are judged on.")
@click.pass_context
def sast(
    ctx: click.Context,
    paths: tuple[Path, ...],
    root: Path | None,
    output_format: str,
    output: Path | None,
    jobs: int | None,
    no_cache: bool,
    baseline: Path | None,
    write_baseline: bool,
    policy_spec: str | None,
    as_of: date | None,
) -> None:
    """Run bandit on the project's Python files (git-tracked ones in a work tree) or on PATHS.

    Findings at or above the policy's SI-1 thresholds that are neither baselined nor waived, unjustified
    `# nosec` comments and files that could not be analysed fail the run (exit 1). The project's bandit
    configuration ([tool.bandit] or .bandit) applies, its excludes also to files named explicitly.
    """
    from sdl_gate.run import current_time, load_inputs
    from sdl_gate.sast.analyse import analyse
    from sdl_gate.sast.render import decide, render_console, render_json
    from sdl_gate.sast.report import write_baseline as write_baseline_file

    project_root, explicit = _sast_root(paths, root)
    inputs = load_inputs(project_root, policy_spec)
    if write_baseline and explicit is not None:
        raise InputError("--write-baseline needs a scan of the whole project, not of chosen files")
    from sdl_gate.collectors._tool import ToolUnavailable
    from sdl_gate.errors import ToolError

    try:
        result = analyse(inputs.project, explicit, jobs=jobs, use_cache=not no_cache, baseline=baseline)
    except ToolUnavailable as exc:
        raise ToolError(exc.reason) from None
    run = result.run
    stats = (
        f"{len(run.results)} file(s): {run.scanned} scanned, {run.cache_hits} from the cache"
        + (f", {run.cache_corrupt} damaged cache entr(ies) rescanned" if run.cache_corrupt else "")
    )
    if write_baseline:
        target = baseline or inputs.project.sast_baseline
        count = write_baseline_file(target, result.report.findings)
        click.echo(f"{stats}\nwrote {count} finding(s) to {target}")
        return
    today = as_of or current_time().date()
    decision = decide(result.report, inputs.policy.requirements["SI-1"], inputs.waivers, today)
    if output_format == "json":
        text = render_json(result.report, decision)
    elif output_format == "sarif":
        from sdl_gate._files import pretty_json
        from sdl_gate.sast.sarif import to_sarif

        text = pretty_json(to_sarif(result.report, inputs.waivers, today))
    else:
        text = render_console(result.report, decision)
    _write_output(text, output)
    if output is not None or output_format != "console":
        click.echo(f"{stats}; {decision.summary}", err=True)
    else:
        click.echo(stats)
    ctx.exit(EXIT_PASSED if decision.passed else EXIT_GATE_FAILED)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and exit with the documented exit code."""
    args = sys.argv[1:] if argv is None else argv
    verbose = "-v" in args or "--verbose" in args
    try:
        code = cli.main(args=args, prog_name="sdl-gate", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = EXIT_INVALID_INPUT if exc.exit_code == 2 else exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        code = 130
    except InputError as exc:
        if verbose:
            traceback.print_exc()
        click.echo(f"error: {exc.diagnostics()}", err=True)
        code = EXIT_INVALID_INPUT
    except SdlGateError as exc:
        if verbose:
            traceback.print_exc()
        click.echo(f"error: {exc.diagnostics()}", err=True)
        code = EXIT_INTERNAL_ERROR
    except Exception as exc:
        if verbose:
            traceback.print_exc()
        click.echo(f"internal error: {type(exc).__name__}: {exc} (rerun with --verbose for details)", err=True)
        code = EXIT_INTERNAL_ERROR
    sys.exit(code if isinstance(code, int) else EXIT_PASSED)
