"""``sdl-gate records check``: the quick register review hooks run."""

from __future__ import annotations

import pytest

from tests.conftest import ProjectFactory, RunCli

WAIVERS = """
version: 1
waivers:
  - id: W-soon
    scope: {requirement: SVV-4}
    justification: Pen test booked with an external lab.
    approver: Carol Example
    created: 2026-10-01T00:00:00Z
    expires: 2026-11-10T23:59:59Z
  - id: W-later
    scope: {requirement: SM-10}
    justification: No supplier-built components this release.
    approver: Carol Example
    created: 2026-10-01T00:00:00Z
    expires: 2027-06-30T23:59:59Z
"""


def test_valid_registers_pass_and_warn_about_soon_expiring_waivers(run_cli: RunCli, project: ProjectFactory) -> None:
    project.waivers(WAIVERS)
    project.record("course", "training", ["SM-4"])
    result = run_cli("records", "check", project.root, "--as-of", "2026-11-01")
    assert result.code == 0, result.stdout + result.stderr
    assert "warning: waiver W-soon (requirement SVV-4) expires on 2026-11-10" in result.stdout
    assert "W-later" not in result.stdout
    assert "1 record(s) and 2 waiver(s) are valid" in result.stdout


@pytest.mark.slow
def test_expired_waiver_fails(run_cli: RunCli, project: ProjectFactory) -> None:
    project.waivers(WAIVERS)
    result = run_cli("records", "check", project.root, "--as-of", "2026-11-11")
    assert result.code == 1
    assert "error: waiver W-soon (requirement SVV-4) expired on 2026-11-10" in result.stdout


@pytest.mark.slow
def test_records_that_do_not_count_warn_or_fail_when_strict(run_cli: RunCli, project: ProjectFactory) -> None:
    project.record("course", "training", ["SM-4"], approved=None)
    lenient = run_cli("records", "check", project.root, "--as-of", "2026-11-01")
    assert lenient.code == 0
    assert "warning: security/records/course.yaml: record course does not count: it is not approved" in lenient.stdout
    strict = run_cli("records", "check", project.root, "--as-of", "2026-11-01", "--strict")
    assert strict.code == 1
    assert "error: security/records/course.yaml" in strict.stdout


@pytest.mark.slow
def test_policy_age_limit_applies(run_cli: RunCli, project: ProjectFactory) -> None:
    project.record("dm-review", "periodic_review", ["DM-6"], date="2025-01-01", approved="2025-01-02")
    result = run_cli("records", "check", project.root, "--as-of", "2026-11-01", "--strict")
    assert result.code == 1
    assert "older than the policy's 365 days" in result.stdout


@pytest.mark.slow
def test_invalid_register_is_exit_2(run_cli: RunCli, project: ProjectFactory) -> None:
    project.waivers("version: 1\nwaivers:\n  - id: W\n    scope: {}\n")
    result = run_cli("records", "check", project.root)
    assert result.code == 2
    assert "waivers.yaml:4" in result.stderr
