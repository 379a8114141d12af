"""The pytest plugin: ``@pytest.mark.security(...)`` traces tests to requirement, threat and mitigation ids.

A session in which no collected test carries the marker is left alone: nothing is imported beyond this
module and nothing is written. Otherwise, at the end of the session, every test's outcome (marked tests
with their links) is stored as test-results evidence in ``.sdl-gate/evidence/`` under the rootdir, bound to
the git commit, where ``sdl-gate check`` reads it for SVV-1 and SVV-2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

MARKER = "security"
LINK_FIELDS = ("requirements", "threats", "mitigations")
_ORDER = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}

_links_key = pytest.StashKey[dict[str, dict[str, tuple[str, ...]]]]()
_outcomes_key = pytest.StashKey[dict[str, str]]()
_files_key = pytest.StashKey[frozenset[str]]()
_summary_key = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--no-sdl-gate`` to keep a session from writing evidence."""
    group = parser.getgroup("sdl-gate")
    group.addoption(
        "--no-sdl-gate", action="store_true", default=False, help="do not record security test evidence for sdl-gate"
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(requirements=[...], threats=[...], mitigations=[...]): trace a test to security requirement, "
        "threat and mitigation ids (sdl-gate SVV-1/SVV-2)",
    )


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
    """Read the markers; a session with none stays inert."""
    links: dict[str, dict[str, tuple[str, ...]]] = {}
    for item in items:
        marks = list(item.iter_markers(MARKER))
        if not marks:
            continue
        merged: dict[str, set[str]] = {field: set() for field in LINK_FIELDS}
        for mark in marks:
            for field, ids in _links(item, mark).items():
                merged[field].update(ids)
        links[item.nodeid] = {field: tuple(sorted(ids)) for field, ids in merged.items()}
        for field, ids in links[item.nodeid].items():
            if ids:
                # Also in pytest --junitxml reports, which `sdl-gate test-results import` reads.
                item.user_properties.append((f"security.{field}", " ".join(ids)))
    if links and not config.getoption("no_sdl_gate"):
        config.stash[_links_key] = links
        config.stash[_outcomes_key] = {}
        files: frozenset[str] = frozenset(str(item.path) for item in items)
        config.stash[_files_key] = files


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Record each phase's outcome for active sessions."""
    outcome = yield
    outcomes = item.config.stash.get(_outcomes_key, None)
    if outcomes is None:
        return
    report: pytest.TestReport = outcome.get_result()
    if report.failed:
        state = "failed" if report.when == "call" else "error"
    elif report.skipped:
        state = "skipped"
    else:
        state = "passed"
    previous = outcomes.get(item.nodeid, "passed")
    outcomes[item.nodeid] = state if _ORDER[state] > _ORDER[previous] else previous


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Store the results as evidence (the xdist controller does, its workers do not)."""
    config = session.config
    links = config.stash.get(_links_key, None)
    if links is None or hasattr(config, "workerinput"):
        return
    import os
    from datetime import datetime, timezone

    from sdl_gate import __version__
    from sdl_gate._files import sha256_file
    from sdl_gate._git import git_commit
    from sdl_gate.collectors.test_results import TestOutcome, TestResult, record_results, run_provenance
    from sdl_gate.evidence import FileDigest

    root = Path(config.rootpath)
    outcomes = config.stash[_outcomes_key]
    empty: dict[str, tuple[str, ...]] = dict.fromkeys(LINK_FIELDS, ())
    provenance = run_provenance(os.environ)
    results = [
        TestResult(node_id=node_id, outcome=TestOutcome(state), provenance=provenance, **links.get(node_id, empty))
        for node_id, state in outcomes.items()
    ]
    files: list[FileDigest] = []
    names: frozenset[str] = config.stash[_files_key]
    for name in sorted(names):
        path = Path(name)
        if path.is_file() and path.resolve().is_relative_to(root.resolve()):
            files.append(
                FileDigest(path=path.resolve().relative_to(root.resolve()).as_posix(), sha256=sha256_file(path))
            )
    stored = record_results(
        root,
        results,
        commit=git_commit(root),
        now=datetime.now(tz=timezone.utc),
        tool=("pytest", pytest.__version__ + f" (sdl-gate {__version__})"),
        files=files,
    )
    config.stash[_summary_key] = f"sdl-gate: {len(results)} test result(s) recorded as {stored.id}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say where the evidence went."""
    summary = terminalreporter.config.stash.get(_summary_key, None)
    if summary is not None:
        terminalreporter.write_line(summary)
