"""What ``check --run-tests`` hands the gate from a test run (``testrun.run_project_tests``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdl_gate.errors import InputError
from sdl_gate.evidence import EvidenceKind
from sdl_gate.testrun import run_project_tests


def test_a_missing_project_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        run_project_tests(tmp_path / "missing", "python -c pass")
    assert raised.value.path == str(tmp_path / "missing")


@pytest.mark.parametrize("command", ["python -c pass", "sdl-gate-no-such-test-runner --all"])
def test_a_run_that_records_nothing_declares_nothing_and_says_why(tmp_path: Path, command: str) -> None:
    report = run_project_tests(tmp_path, command, timeout=60)
    assert report.recorded is None
    assert report.declared == ()
    (why,) = report.unavailable
    assert why.kind is EvidenceKind.TEST_RESULTS
    assert why == report.problem
