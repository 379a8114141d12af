"""Vulnerability commands: deps (the dependency audit hook) and vex."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from sdl_gate.cli._options import OSV_URL_OPTION, VULNDB_DIR_OPTION, approver_options, parse_date, register_choice
from sdl_gate.cli._output import echo_hook, hook_listed, write_output


@click.command(epilog="Exit codes: 0 no open vulnerability, 1 open or not audited, 2 invalid input.")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--path",
    "project_path",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path(),
    show_default=True,
    help="Project root: its waivers and [tool.sdl-gate] settings apply.",
)
@click.option("--offline", is_flag=True, help="Audit against the offline database (`sdl-gate vulndb import`).")
@click.option(
    "--skip-online",
    is_flag=True,
    help="When the project does not audit offline, say so and exit 0 instead of going online (for git hooks).",
)
@click.option("--as-of", "as_of", callback=parse_date, metavar="YYYY-MM-DD", help="Date waivers are judged on.")
@click.option(
    "--environment",
    is_flag=True,
    help="Audit every distribution installed in the environment (transitive dependencies too) instead of files.",
)
@click.option("--python", "python", help="With --environment: the interpreter whose environment to audit.")
@VULNDB_DIR_OPTION
@OSV_URL_OPTION
@click.pass_context
def deps(
    ctx: click.Context,
    files: tuple[Path, ...],
    project_path: Path,
    offline: bool,
    skip_online: bool,
    as_of: date | None,
    vulndb_dir: Path | None,
    osv_url: str | None,
    environment: bool = False,
    python: str | None = None,
) -> None:
    """Audit the requirements or lock FILES (default: the project's) for known vulnerabilities with pip-audit.

    Online against OSV (or --osv-url), offline when --offline or offline = true in [tool.sdl-gate]. A
    vulnerability without an active waiver, a skipped dependency, a database too old or too small for the
    policy, or an audit that could not run fails.
    """
    from sdl_gate._clock import assessment_date, file_timestamp
    from sdl_gate.collectors.dependencies import installed_environment
    from sdl_gate.precommit import dependency_audit

    if environment and files:
        raise click.UsageError("--environment audits what is installed; name no FILES with it")
    if python is not None and not environment:
        raise click.UsageError("--python goes with --environment")
    installed = installed_environment(python) if environment else None
    report = dependency_audit(
        project_path,
        list(files) if files else None,
        offline=offline,
        skip_online=skip_online,
        today=assessment_date(as_of),
        now=file_timestamp(),
        vulndb_dir=vulndb_dir,
        osv_url=osv_url,
        listed=hook_listed(ctx),
        environment=installed,
    )
    echo_hook(ctx, report)


@click.command(epilog="Exit codes: 0 written, 2 no completed vulnerability audit or invalid input, 3 internal error.")
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.option("--output", type=click.Path(path_type=Path), help="Default: PATH/.sdl-gate/vex.cdx.json.")
@click.option("--as-of", "as_of", callback=parse_date, metavar="YYYY-MM-DD", help="Waiver state as of this date.")
@approver_options
def vex(
    path: Path, output: Path | None, as_of: date | None, approvers_file: Path | None, trusted_ref: str | None
) -> None:
    """Write CycloneDX VEX for the latest vulnerability audit of PATH, dispositions from the waiver register."""
    from sdl_gate._clock import assessment_date
    from sdl_gate.project_vex import project_vex

    built = project_vex(path, register_choice(approvers_file, trusted_ref), assessment_date(as_of))
    target = output or path / ".sdl-gate" / "vex.cdx.json"
    write_output(built.text, target)
    click.echo(f"{target}: {built.vulnerabilities} vulnerabilities", err=True)
