"""`sdl-gate test-results`: importing JUnit reports as test evidence."""

from __future__ import annotations

from pathlib import Path

import click

from sdl_gate.cli._output import GROUP_EPILOG


@click.group(
    "test-results",
    epilog=GROUP_EPILOG,
)
def test_results() -> None:
    """Record test results traced to security requirements (the pytest plugin does this by itself)."""


@test_results.command(
    "import", epilog="Exit codes: 0 imported, 2 invalid report or options, 3 the evidence could not be written."
)
@click.argument("reports", metavar="[JUNIT_XML]...", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--path",
    "project_path",
    type=click.Path(path_type=Path),
    default=Path(),
    show_default=True,
    help="Project root: evidence goes to its .sdl-gate/evidence/.",
)
@click.option(
    "--provenance",
    "statement",
    required=True,
    metavar="TEXT",
    help="What ran these tests and where (e.g. 'Jenkins job fw-nightly #412 on build-07'). Shown with the results "
    "in every report; whether imported results count is the policy's imported_test_results setting.",
)
def test_results_import(reports: tuple[Path, ...], project_path: Path, statement: str) -> None:
    """Store JUnit XML reports (pytest, CTest, GoogleTest, Jest, Go, Surefire) as test evidence.

    Without JUNIT_XML, the files the project's [tool.sdl-gate] test-results globs match are imported; a glob
    that matches nothing is an error. Tests are traced by security.requirements/threats/mitigations
    properties or the project's test map. Every file is read before any is stored.

    The results are recorded as imported: unlike a run the pytest plugin or check --run-tests observed, they
    never replace an observed result of the same test, and by default they count for SVV-1, SVV-2 and SUM-1
    only when an approved, current test_report record links the file's sha256.
    """
    from sdl_gate.collectors.junit_import import import_junit_reports

    for imported in import_junit_reports(project_path, reports, statement):
        click.echo(
            f"{imported.results} test result(s), {imported.traced} traced to security ids, imported "
            f"(sha256 {imported.sha256}): {imported.evidence_id}"
        )
