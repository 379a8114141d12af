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
@click.option("--offline", is_flag=True, help="Audit vulnerabilities against the offline database on loopback.")
def collect(path: Path, policy_spec: str | None, offline: bool) -> None:
    """Collect evidence for the project at PATH into .sdl-gate/evidence/ without assessing it."""
    from sdl_gate.collectors._tool import git_commit
    from sdl_gate.evidence import EvidenceStore
    from sdl_gate.run import collect as run_collect
    from sdl_gate.run import current_time, load_inputs

    inputs = load_inputs(path, policy_spec, offline=offline)
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
@click.option(
    "--offline",
    is_flag=True,
    help="Audit vulnerabilities against the offline database (`sdl-gate vulndb import`) on a loopback OSV API.",
)
@click.pass_context
def check(
    ctx: click.Context,
    path: Path,
    policy_spec: str | None,
    output_format: str,
    output: Path | None,
    as_of: date | None,
    offline: bool,
) -> None:
    """Collect evidence for the project at PATH, assess it against the policy and gate on the result."""
    from sdl_gate.run import check as run_check

    result = run_check(path, policy_spec=policy_spec, today=as_of, offline=offline)
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


@cli.command(epilog=_EPILOG)
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.option(
    "--from",
    "source",
    type=click.Choice(["project", "environment", "requirements", "lock"]),
    default="project",
    show_default=True,
    help="project: the dependency sources the gate finds; environment: installed distributions; "
    "requirements/lock: the FILE given with --file.",
)
@click.option("--file", "source_file", type=click.Path(path_type=Path), help="requirements file or lock file.")
@click.option("--python", "python", help="With --from environment: the interpreter whose environment to list.")
@click.option("--spec", type=click.Choice(["1.6", "1.5"]), default="1.6", show_default=True)
@click.option("--output", type=click.Path(path_type=Path), help="Write the SBOM here instead of stdout.")
def sbom(path: Path, source: str, source_file: Path | None, python: str | None, spec: str, output: Path | None) -> None:
    """Write a CycloneDX JSON SBOM of the project at PATH (deterministic; SOURCE_DATE_EPOCH honoured)."""
    from sdl_gate.config import load_project
    from sdl_gate.run import current_time
    from sdl_gate.sbom.build import SpecVersion, build_sbom, product_from_pyproject
    from sdl_gate.sbom.sources import SourceKind, discover, from_environment, interpreter_paths, load_source, merge
    from sdl_gate.sbom.sources import lock_kind as kind_of

    project = load_project(path)
    if source in ("requirements", "lock") and source_file is None:
        raise click.UsageError(f"--from {source} needs --file FILE")
    if source == "environment":
        inventory = from_environment(interpreter_paths(python) if python else None)
    elif source == "requirements":
        inventory = load_source(SourceKind.REQUIREMENTS, source_file)
    elif source == "lock" and source_file is not None:
        inventory = load_source(kind_of(source_file), source_file)
    else:
        found = discover(path, project.config.dependency_files)
        if not found:
            raise InputError(
                "no dependency source found (uv.lock, pylock.toml, requirements*.txt, pyproject.toml)", path=path
            )
        inventory = merge([load_source(kind, file) for kind, file in found])
    product = product_from_pyproject(path, project.name, project.version)
    text = build_sbom(inventory, product, spec=SpecVersion(spec), timestamp=current_time())
    _write_output(text, output)
    if output is not None:
        click.echo(f"{output}: CycloneDX {spec} SBOM, {len(inventory.components)} components", err=True)


@cli.command("sbom-check", epilog="Exit codes: 0 no gaps, 1 gaps or mismatches, 2 invalid SBOM or lock file.")
@click.argument("sbom_file", metavar="SBOM", type=click.Path(path_type=Path))
@click.option("--lock", "lock_file", type=click.Path(path_type=Path), help="Cross-check against this lock file.")
@click.option("--environment", is_flag=True, help="Cross-check against the installed environment.")
@click.option("--python", "python", help="With --environment: the interpreter whose environment to compare.")
@click.pass_context
def sbom_check(
    ctx: click.Context, sbom_file: Path, lock_file: Path | None, environment: bool, python: str | None
) -> None:
    """Check SBOM against the NTIA minimum elements and, optionally, a lock file or environment."""
    from sdl_gate.sbom.quality import assess_sbom, cross_check, load_sbom
    from sdl_gate.sbom.sources import from_environment, interpreter_paths, load_source, lock_kind

    report = assess_sbom(load_sbom(sbom_file))
    problems = 0
    click.echo(f"{sbom_file}: CycloneDX {report.spec_version}, {len(report.components)} components")
    for gap in report.gaps:
        problems += 1
        click.echo(f"  gap       {gap.component or '(document)'}: no {gap.element.value.replace('_', ' ')}")
    comparisons = []
    if lock_file is not None:
        comparisons.append((str(lock_file), load_source(lock_kind(lock_file), lock_file)))
    if environment:
        comparisons.append(("environment", from_environment(interpreter_paths(python) if python else None)))
    for label, inventory in comparisons:
        for mismatch in cross_check(report, inventory):
            problems += 1
            click.echo(
                f"  mismatch  {mismatch.name}: {mismatch.kind.value} "
                f"(SBOM {mismatch.sbom_version or '-'}, {label} {mismatch.source_version or '-'})"
            )
    click.echo(f"{problems} problem(s)" if problems else "no gaps, no mismatches")
    ctx.exit(EXIT_GATE_FAILED if problems else EXIT_PASSED)


@cli.group()
def vulndb() -> None:
    """The offline OSV vulnerability database for air-gapped sites, and its loopback OSV API."""


_CACHE_DIR_OPTION = click.option(
    "--cache-dir",
    type=click.Path(path_type=Path),
    help="Cache directory (default: SDL_GATE_CACHE_DIR, else the user cache directory).",
)


@vulndb.command("import")
@click.argument("source", type=click.Path(path_type=Path))
@_CACHE_DIR_OPTION
def vulndb_import(source: Path, cache_dir: Path | None) -> None:
    """Load OSV records from SOURCE (directory, zip export, advisory-database checkout) in one transaction."""
    from sdl_gate.run import current_time
    from sdl_gate.vulndb.importer import import_records
    from sdl_gate.vulndb.store import VulnDatabase, database_path, default_cache_dir

    database = VulnDatabase(database_path(cache_dir or default_cache_dir()))
    stamp = current_time().isoformat().replace("+00:00", "Z")
    result = import_records(source, database, imported_at=stamp)
    status = database.status()
    click.echo(
        f"imported {result.records} advisories ({result.withdrawn} withdrawn) from {result.files} files; "
        f"{status.records} in {status.path}"
    )


@vulndb.command("status")
@_CACHE_DIR_OPTION
def vulndb_status(cache_dir: Path | None) -> None:
    """Show what the offline database holds and when it was imported."""
    from sdl_gate.vulndb.store import VulnDatabase, database_path, default_cache_dir

    status = VulnDatabase(database_path(cache_dir or default_cache_dir())).status()
    click.echo(f"database   {status.path}")
    click.echo(f"advisories {status.records} ({status.withdrawn} withdrawn)")
    click.echo(f"imported   {status.imported_at or 'never'} from {status.source or '-'}")
    click.echo(f"newest     {status.newest_modified or '-'}")


@vulndb.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="0 picks a free port.")
@_CACHE_DIR_OPTION
def vulndb_serve(port: int, cache_dir: Path | None) -> None:
    """Serve the offline database as an OSV API on 127.0.0.1 (POST /v1/query, /v1/querybatch, GET /v1/vulns/ID)."""
    from sdl_gate.errors import ToolError
    from sdl_gate.vulndb.server import OsvServer
    from sdl_gate.vulndb.store import VulnDatabase, database_path, default_cache_dir

    database = VulnDatabase(database_path(cache_dir or default_cache_dir()))
    if database.status().records == 0:
        raise InputError(
            "the vulnerability database is missing or empty; run `sdl-gate vulndb import SRC`", path=database.path
        )
    try:
        server = OsvServer(database, port)
    except OSError as exc:
        raise ToolError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
    click.echo(f"serving {database.path} on {server.base_url} (pip-audit: --osv-url {server.base_url}/v1/query)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@cli.command()
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.option("--output", type=click.Path(path_type=Path), help="Default: PATH/.sdl-gate/vex.cdx.json.")
@click.option("--as-of", "as_of", callback=_parse_date, metavar="YYYY-MM-DD", help="Waiver state as of this date.")
def vex(path: Path, output: Path | None, as_of: date | None) -> None:
    """Write CycloneDX VEX for the latest vulnerability audit of PATH, dispositions from the waiver register."""
    from sdl_gate.evidence import EvidenceKind, EvidenceStore, StoredEvidence
    from sdl_gate.run import current_time, load_inputs
    from sdl_gate.sbom.build import product_from_pyproject
    from sdl_gate.vex import build_vex

    inputs = load_inputs(path)
    latest = EvidenceStore(path).latest(EvidenceKind.VULNERABILITY_AUDIT)
    if not isinstance(latest, StoredEvidence):
        reason = latest.reason if latest is not None else "no vulnerability audit in the evidence store"
        raise InputError(f"{reason}; run `sdl-gate collect` or `sdl-gate check` first", path=path)
    payload = latest.evidence.payload
    if payload["status"] != "completed":
        raise InputError(f"the latest vulnerability audit did not complete: {payload['reason']}", path=path)
    now = current_time()
    product = product_from_pyproject(path, inputs.project.name, inputs.project.version)
    text = build_vex(payload, inputs.waivers, today=as_of or now.date(), product=product, timestamp=now)
    target = output or path / ".sdl-gate" / "vex.cdx.json"
    _write_output(text, target)
    click.echo(f"{target}: {len(payload['vulnerabilities'])} vulnerabilities", err=True)


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
