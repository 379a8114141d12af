"""SBOM commands: sbom, sbom-check, sbom-current."""

from __future__ import annotations

from pathlib import Path

import click

from sdl_gate.cli._errors import EXIT_GATE_FAILED, EXIT_PASSED
from sdl_gate.cli._output import EPILOG, echo_hook, hook_listed, write_output


@click.command(epilog=EPILOG)
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
    from sdl_gate.sbom.build import SpecVersion
    from sdl_gate.sbom.project import InventorySource, project_sbom

    chosen = InventorySource(source)
    if chosen.needs_file and source_file is None:
        raise click.UsageError(f"--from {source} needs --file FILE")
    built = project_sbom(path, chosen, source_file, python, SpecVersion(spec))
    write_output(built.text, output)
    if output is not None:
        click.echo(f"{output}: CycloneDX {spec} SBOM, {built.components} components", err=True)


@click.command("sbom-check", epilog="Exit codes: 0 no gaps, 1 gaps or mismatches, 2 invalid SBOM or lock file.")
@click.argument("sbom_files", metavar="SBOM...", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--lock", "lock_file", type=click.Path(path_type=Path), help="Cross-check against this lock file.")
@click.option("--environment", is_flag=True, help="Cross-check against the installed environment.")
@click.option("--python", "python", help="With --environment: the interpreter whose environment to compare.")
@click.pass_context
def sbom_check(
    ctx: click.Context, sbom_files: tuple[Path, ...], lock_file: Path | None, environment: bool, python: str | None
) -> None:
    """Check each SBOM (CycloneDX JSON/XML 1.4-1.6, SPDX 2.2/2.3 JSON) against the NTIA minimum elements and,
    for one SBOM, optionally a lock file or environment; components without a package URL are listed."""
    from sdl_gate.sbom.quality import review_sboms
    from sdl_gate.sbom.readers import SbomFormat

    if len(sbom_files) > 1 and (lock_file is not None or environment):
        raise click.UsageError("--lock and --environment cross-check one SBOM; give one SBOM with them")
    labels = {SbomFormat.CYCLONEDX_JSON: "CycloneDX", SbomFormat.CYCLONEDX_XML: "CycloneDX XML"}
    reviews = review_sboms(sbom_files, lock_file=lock_file, environment=environment, python=python)
    for review in reviews:
        document, report = review.document, review.report
        kind = " ".join(filter(None, (labels.get(document.format), document.spec_version)))
        click.echo(f"{review.file}: {kind}, {len(report.components)} components")
        for gap in report.gaps:
            click.echo(f"  gap       {gap.component or '(document)'}: no {gap.element.value.replace('_', ' ')}")
        for label, why in review.unauditable:
            click.echo(f"  unauditable {label}: {why}")
        for compared, mismatch in review.mismatches:
            click.echo(
                f"  mismatch  {mismatch.name}: {mismatch.kind.value} "
                f"(SBOM {mismatch.sbom_version or '-'}, {compared} {mismatch.source_version or '-'})"
            )
    problems = sum(review.problems for review in reviews)
    click.echo(f"{problems} problem(s)" if problems else "no gaps, no mismatches")
    ctx.exit(EXIT_GATE_FAILED if problems else EXIT_PASSED)


@click.command("sbom-current", epilog="Exit codes: 0 current, 1 out of date, 2 invalid input or no SBOM configured.")
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.pass_context
def sbom_current(ctx: click.Context, path: Path) -> None:
    """Check that the committed SBOM (sbom in [tool.sdl-gate]) matches the project's dependency sources."""
    from sdl_gate.precommit import sbom_current as check_current

    echo_hook(ctx, check_current(path, listed=hook_listed(ctx)))
