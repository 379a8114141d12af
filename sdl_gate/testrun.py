"""``check --run-tests``: run the project's test command and keep what the pytest plugin observed.

The command comes from the operator only (the CLI option), never from the repository: a repository that
could choose it would run code of its choosing. It runs as an argument vector (``shlex.split``, no shell)
through :func:`sdl_gate._tool.run_tool`, with a timeout, in the project directory, with the sdl-gate
plugin told that the gate is observing (``observed_by_gate`` provenance). A failing test run is recorded
as such and judged by the gate; a run that could not start, or that recorded nothing for this commit,
leaves the test results not available: older stored results never stand in for it.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sdl_gate._tool import ToolUnavailable, run_tool
from sdl_gate.collectors.test_results import KIND, RUN_TESTS_ENV, ProvenanceKind, payload_results
from sdl_gate.errors import InputError
from sdl_gate.evidence import Evidence, EvidenceStore, Rejection, StoredEvidence

DEFAULT_TIMEOUT_SECONDS = 3600.0
#: How much of the test command's output is echoed back when it did not record results.
OUTPUT_TAIL_CHARS = 2000


@dataclass(frozen=True)
class TestRunReport:
    """What ``--run-tests`` observed: the command, its exit status, and the evidence or why there is none."""

    __test__ = False

    command: tuple[str, ...]
    returncode: int | None
    recorded: StoredEvidence | None
    problem: Rejection | None
    output_tail: str

    def summary(self) -> str:
        """One line for the terminal."""
        shown = shlex.join(self.command)
        if self.recorded is not None:
            results = payload_results(self.recorded) or ()
            return (
                f"{shown}: exit status {self.returncode}, {len(results)} test result(s) recorded as {self.recorded.id}"
            )
        return f"{shown}: {self.problem.reason if self.problem else 'recorded no test results'}"

    @property
    def declared(self) -> tuple[Evidence, ...]:
        """The evidence the gate takes from this run: the results it recorded, if any."""
        return (self.recorded.evidence,) if self.recorded is not None else ()

    @property
    def unavailable(self) -> tuple[Rejection, ...]:
        """Why this run left no test results, for the gate to report them not available."""
        return (self.problem,) if self.recorded is None and self.problem is not None else ()


def split_command(command: str) -> list[str]:
    """Split the operator's test command into an argument vector; ``python`` means this interpreter."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise InputError(f"--run-tests command {command!r} cannot be split into arguments: {exc}") from None
    if not argv:
        raise InputError("--run-tests command is empty")
    # The plugin that records the results is installed with this interpreter, which a bare `python` on PATH
    # need not be.
    if argv[0] == "python":
        argv[0] = sys.executable
    return argv


def run_tests(
    root: Path, command: str, *, commit: str | None, timeout: float = DEFAULT_TIMEOUT_SECONDS
) -> TestRunReport:
    """Run the test command in ``root`` and return the test-results evidence this run recorded, if any."""
    argv = split_command(command)
    started = datetime.now(tz=timezone.utc) - timedelta(seconds=1)
    environment = {**os.environ, RUN_TESTS_ENV: "1"}
    try:
        run = run_tool(argv, cwd=root, timeout=timeout, env=environment)
    except ToolUnavailable as exc:
        reason = f"the test command could not run: {exc.reason}"
        return TestRunReport(tuple(argv), None, None, Rejection(KIND, reason), "")
    tail = (run.stdout + run.stderr)[-OUTPUT_TAIL_CHARS:]
    latest = EvidenceStore(root).latest(KIND)
    if (
        isinstance(latest, StoredEvidence)
        and latest.collected_at >= started
        and latest.evidence.subject.commit == commit
        and any(r.provenance.kind is ProvenanceKind.OBSERVED_BY_GATE for r in payload_results(latest) or ())
    ):
        return TestRunReport(tuple(argv), run.returncode, latest, None, tail)
    reason = (
        f"the test command exited with status {run.returncode} and recorded no test results for this commit "
        "(is pytest with the sdl-gate plugin run, and does a collected test carry @pytest.mark.security?)"
    )
    return TestRunReport(tuple(argv), run.returncode, None, Rejection(KIND, reason), tail)


def run_project_tests(root: Path, command: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> TestRunReport:
    """Run the operator's test command in the project at ``root`` for its current commit (``check --run-tests``)."""
    from sdl_gate._git import git_commit

    if not root.is_dir():
        raise InputError("project directory not found", path=root)
    return run_tests(root, command, commit=git_commit(root), timeout=timeout)
