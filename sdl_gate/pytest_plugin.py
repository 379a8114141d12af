"""The pytest plugin: ``@pytest.mark.security(...)`` traces tests to requirement, threat and mitigation ids.

A session in which no test carries the marker is left alone: nothing is imported beyond this module and
nothing is written. Otherwise, at the end of the session, every test's outcome (marked tests with their
links) is stored as test-results evidence in ``.sdl-gate/evidence/`` under the rootdir, bound to the git
commit, where ``sdl-gate check`` reads it for SVV-1 and SVV-2.

Under pytest-xdist the workers collect and run the tests and the controller writes the evidence once, from
the reports the workers send it: a marked test's links travel in its report's ``user_properties``, so the
controller needs nothing from a worker beyond its reports (a crashed worker's tests still count, as failed).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

MARKER = "security"
LINK_FIELDS = ("requirements", "threats", "mitigations")
#: The ``user_properties`` names carrying a marked test's links (also in pytest --junitxml reports).
PROPERTY_PREFIX = "security."
_ORDER = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}
_invalid_marker_key = pytest.StashKey[str]()


class _Recorder:
    """Collects each test's worst outcome, links and file from the reports, and stores them at session end.

    Registered only in the process that writes evidence: a plain session, or the xdist controller, which sees
    every report its workers send (a crashed worker's tests arrive as failed reports).
    """

    def __init__(self) -> None:
        self.outcomes: dict[str, str] = {}
        self.links: dict[str, dict[str, set[str]]] = {}
        self.files: set[str] = set()
        self.summary: str | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Fold one phase's report into the session."""
        if report.failed:
            state = "failed" if report.when == "call" else "error"
        elif report.skipped:
            state = "skipped"
        else:
            state = "passed"
        previous = self.outcomes.get(report.nodeid, "passed")
        self.outcomes[report.nodeid] = state if _ORDER[state] > _ORDER[previous] else previous
        self.files.add(report.location[0])
        for name, value in _properties(report.user_properties):
            field = name.removeprefix(PROPERTY_PREFIX)
            if name.startswith(PROPERTY_PREFIX) and field in LINK_FIELDS:
                links = self.links.setdefault(report.nodeid, {f: set() for f in LINK_FIELDS})
                links[field].update(str(value).split())

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Store the results as evidence when any test carried the marker."""
        if self.links:
            self.summary = _store(Path(session.config.rootpath).resolve(), self)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        """Say where the evidence went."""
        if self.summary is not None:
            terminalreporter.write_line(self.summary)


def _properties(user_properties: Iterable[Any]) -> Iterable[tuple[str, object]]:
    # Reports that crossed from an xdist worker carry their (name, value) pairs as lists.
    for entry in user_properties:
        if isinstance(entry, tuple | list) and len(entry) == 2 and isinstance(entry[0], str):
            yield entry[0], entry[1]


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--no-sdl-gate`` to keep a session from writing evidence."""
    group = parser.getgroup("sdl-gate")
    group.addoption(
        "--no-sdl-gate", action="store_true", default=False, help="do not record security test evidence for sdl-gate"
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker; the process that writes evidence (never an xdist worker) starts recording."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(requirements=[...], threats=[...], mitigations=[...]): trace a test to security requirement, "
        "threat and mitigation ids (sdl-gate SVV-1/SVV-2)",
    )
    if not config.getoption("no_sdl_gate") and not _is_worker(config):
        config.pluginmanager.register(_Recorder(), "sdl-gate-test-results")


def _links(item: pytest.Item, marker: pytest.Mark) -> dict[str, tuple[str, ...]]:
    if marker.args:
        raise pytest.UsageError(
            f"{item.nodeid}: @pytest.mark.{MARKER} takes keyword arguments only ({', '.join(LINK_FIELDS)})"
        )
    unknown = sorted(set(marker.kwargs) - set(LINK_FIELDS))
    if unknown:
        raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.{MARKER} has unknown argument(s) {', '.join(unknown)}")
    links: dict[str, tuple[str, ...]] = {}
    for field in LINK_FIELDS:
        value: Any = marker.kwargs.get(field, ())
        if isinstance(value, str):
            value = (value,)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
            raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.{MARKER}({field}=...) must be a list of ids")
        links[field] = tuple(sorted({v.strip() for v in value}))
    if not any(links.values()):
        raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.{MARKER} names no requirement, threat or mitigation")
    return links


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Check the markers and put each marked test's links into its reports (where the collecting process runs).

    A bad marker is a usage error. An xdist worker cannot stop the session from here (xdist reports the worker
    as crashed and loses the message), so there the test errors at setup with the message instead.
    """
    for item in items:
        marks = list(item.iter_markers(MARKER))
        if not marks:
            continue
        merged: dict[str, set[str]] = {field: set() for field in LINK_FIELDS}
        try:
            for mark in marks:
                for field, ids in _links(item, mark).items():
                    merged[field].update(ids)
        except pytest.UsageError as error:
            if not _is_worker(config):
                raise
            item.stash[_invalid_marker_key] = str(error)
            continue
        for field in LINK_FIELDS:
            if merged[field]:
                # Every report of the test carries them: to the xdist controller, and into --junitxml reports,
                # which `sdl-gate test-results import` reads.
                item.user_properties.append((f"{PROPERTY_PREFIX}{field}", " ".join(sorted(merged[field]))))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail a test whose marker is invalid (only on xdist workers; elsewhere collection already stopped)."""
    invalid = item.stash.get(_invalid_marker_key, None)
    if invalid is not None:
        raise pytest.UsageError(invalid)


def _store(root: Path, recorder: _Recorder) -> str:
    import os
    from datetime import datetime, timezone

    from sdl_gate import __version__
    from sdl_gate._files import sha256_file
    from sdl_gate._git import git_commit
    from sdl_gate.collectors.test_results import TestOutcome, TestResult, record_results, run_provenance
    from sdl_gate.evidence import FileDigest

    provenance = run_provenance(os.environ)
    results = [
        TestResult(
            node_id=node_id,
            outcome=TestOutcome(outcome),
            provenance=provenance,
            **{field: tuple(sorted(ids)) for field, ids in recorder.links.get(node_id, {}).items()},
        )
        for node_id, outcome in recorder.outcomes.items()
    ]
    files: list[FileDigest] = []
    for name in sorted(recorder.files):
        path = (root / name).resolve()
        if path.is_file() and path.is_relative_to(root):
            files.append(FileDigest(path=path.relative_to(root).as_posix(), sha256=sha256_file(path)))
    stored = record_results(
        root,
        results,
        commit=git_commit(root),
        now=datetime.now(tz=timezone.utc),
        tool=("pytest", pytest.__version__ + f" (sdl-gate {__version__})"),
        files=files,
    )
    return f"sdl-gate: {len(results)} test result(s) recorded as {stored.id}"
