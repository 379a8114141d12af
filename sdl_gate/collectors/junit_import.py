"""`sdl-gate test-results import`: JUnit XML reports of other runners stored as imported test evidence."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
from sdl_gate.errors import InputError, ToolError
from sdl_gate.evidence import IMPORTED_TEST_TOOL, FileDigest


@dataclass(frozen=True)
class ImportedReport:
    """One JUnit report stored: its digest, how many results it held and traced, and the evidence id."""

    report: Path
    sha256: str
    results: int
    traced: int
    evidence_id: str


@dataclass(frozen=True)
class _ParsedReport:
    report: Path
    sha256: str
    results: list[TestResult]
    files: list[FileDigest]


def _parse(report: Path, project_path: Path, statement: str) -> _ParsedReport:
    digest = sha256_file(report) if report.is_file() else None
    if digest is None:
        raise InputError("JUnit report not found", path=report)
    provenance = Provenance(kind=ProvenanceKind.IMPORTED, statement=statement, file=report.name, sha256=digest)
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
    return _ParsedReport(report, digest, results, files)


def import_junit_reports(project_path: Path, reports: tuple[Path, ...], statement: str) -> Iterator[ImportedReport]:
    """Store JUnit reports (default: the project's test-results globs) as imported results; yield each stored.

    Every report is read and checked before any is stored, so a bad one leaves the evidence as it was.
    """
    if not project_path.is_dir():
        raise InputError("project directory not found", path=project_path)
    if not statement.strip():
        raise InputError("--provenance must say what ran the tests and where")
    if not reports:
        project = load_project(project_path)
        reports = tuple(configured_reports(project_path, project.config.test_results, project.config_source))
    parsed = [_parse(report, project_path, statement.strip()) for report in reports]
    for item in parsed:
        try:
            stored = record_results(
                project_path,
                item.results,
                commit=git_commit(project_path),
                # When the tests ran, as the pytest plugin records it: the age limit is judged from it.
                now=current_time(),
                tool=(IMPORTED_TEST_TOOL, f"sdl-gate {__version__}"),
                files=item.files,
            )
        except OSError as exc:
            raise ToolError(f"cannot write evidence: {exc.strerror}") from None
        traced = sum(1 for r in item.results if r.requirements or r.threats or r.mitigations)
        yield ImportedReport(item.report, item.sha256, len(item.results), traced, stored.id)
