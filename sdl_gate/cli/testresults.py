"""`sdl-gate test-results`: importing JUnit reports as test evidence."""

from __future__ import annotations

from pathlib import Path

import click

from sdl_gate.cli._output import GROUP_EPILOG
from sdl_gate.errors import InputError


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
    from sdl_gate import __version__
    from sdl_gate._clock import current_time
    from sdl_gate._files import sha256_file
    from sdl_gate._git import git_commit
    from sdl_gate.collectors.test_results import (
        Provenance,
        ProvenanceKind,
        TestResult,
        configured_reports,
        parse_junit,
        record_results,
    )
    from sdl_gate.config import load_project
    from sdl_gate.evidence import IMPORTED_TEST_TOOL, FileDigest

    if not project_path.is_dir():
        raise InputError("project directory not found", path=project_path)
    if not statement.strip():
        raise InputError("--provenance must say what ran the tests and where")
    if not reports:
        project = load_project(project_path)
        reports = tuple(configured_reports(project_path, project.config.test_results, project.config_source))
    parsed: list[tuple[Path, str, list[TestResult], list[FileDigest]]] = []
    for report in reports:
        digest = sha256_file(report) if report.is_file() else None
        if digest is None:
            raise InputError("JUnit report not found", path=report)
        provenance = Provenance(
            kind=ProvenanceKind.IMPORTED, statement=statement.strip(), file=report.name, sha256=digest
        )
        results = parse_junit(report, project_path, provenance)
        if not results:
            # A report of no test is no evidence that anything ran (a build that never reached its tests).
            raise InputError("the JUnit report holds no <testcase>: no test ran", path=report)
        files = []
        try:
            relative = report.resolve().relative_to(project_path.resolve()).as_posix()
            files.append(FileDigest(path=relative, sha256=digest))
        except ValueError:
            pass  # a report outside the project is bound by its content only
        parsed.append((report, digest, results, files))
    for _report, digest, results, files in parsed:
        try:
            stored = record_results(
                project_path,
                results,
                commit=git_commit(project_path),
                # When the tests ran, as the pytest plugin records it: the age limit is judged from it.
                now=current_time(),
                tool=(IMPORTED_TEST_TOOL, f"sdl-gate {__version__}"),
                files=files,
            )
        except OSError as exc:
            from sdl_gate.errors import ToolError

            raise ToolError(f"cannot write evidence: {exc.strerror}") from None
        linked = sum(1 for r in results if r.requirements or r.threats or r.mitigations)
        click.echo(
            f"{len(results)} test result(s), {linked} traced to security ids, imported (sha256 {digest}): {stored.id}"
        )
