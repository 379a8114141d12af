"""``sdl-gate records check``: the quick register review hooks run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ProjectFactory, RunCli, approve_project_exceptions

WAIVERS = """
version: 1
waivers:
  - id: W-soon
    scope: {requirement: SVV-4}
    justification: Pen test booked with an external lab.
    requester: Dave Example <dave@example.com>
    approver: Carol Example <carol@example.com>
    created: 2026-10-01T00:00:00Z
    expires: 2026-11-10T23:59:59Z
  - id: W-later
    scope: {requirement: SM-10}
    justification: No supplier-built components this release.
    requester: Dave Example <dave@example.com>
    approver: Carol Example <carol@example.com>
    created: 2026-10-01T00:00:00Z
    expires: 2027-03-29T23:59:59Z
"""


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def test_valid_registers_pass_and_warn_about_soon_expiring_waivers(run_cli: RunCli, project: ProjectFactory) -> None:
    project.pyproject('policy = "security/policy.yaml"\n')
    project.policy(
        "version: 1\nextends: iec62443-4-1-ml2\nrequirements:\n  SVV-4: {waivable: true}\n  SM-10: {waivable: true}\n"
    )
    project.waivers(WAIVERS)
    approve_project_exceptions(project)
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
    assert "warning: 1 record(s) do not count until approved: course;" in lenient.stdout
    strict = run_cli("records", "check", project.root, "--as-of", "2026-11-01", "--strict")
    assert strict.code == 1
    assert "error: 1 record(s) do not count until approved: course;" in strict.stdout


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


# --- Forged exceptions are refused with their cause named -----------------------------------------------------------


def _one_waiver(requester: str, approver: str, expires: str = "2027-01-31T23:59:59Z") -> str:
    return (
        "version: 1\nwaivers:\n  - id: W-1\n    scope: {requirement: SM-1}\n"
        "    justification: The process document is being written and approved next month.\n"
        f"    requester: {requester}\n    approver: {approver}\n"
        f"    created: 2026-10-01T00:00:00Z\n    expires: {expires}\n"
    )


def test_self_approved_waiver_is_exit_2_naming_file_entry_and_cause(run_cli: RunCli, project: ProjectFactory) -> None:
    path = project.waivers(_one_waiver("Dave Example <dave@example.com>", "D. Example <Dave@Example.com>"))
    result = run_cli("records", "check", project.root, "--as-of", "2026-11-01")
    assert result.code == 2
    assert f"{path}:3" in result.stderr
    assert "waivers[0]" in result.stderr
    assert "self-approval" in result.stderr


def test_unbounded_waiver_is_exit_2_naming_the_limit(run_cli: RunCli, project: ProjectFactory) -> None:
    path = project.waivers(_one_waiver("Dave <dave@example.com>", "Carol <carol@example.com>", "2099-12-31T23:59:59Z"))
    result = run_cli("records", "check", project.root, "--as-of", "2026-11-01")
    assert result.code == 2
    assert f"{path}:9" in result.stderr
    assert "waivers[0].expires" in result.stderr
    assert "unbounded waiver" in result.stderr
    assert "limit of 180 days" in result.stderr


def test_the_policy_sets_the_waiver_duration_limit(run_cli: RunCli, project: ProjectFactory) -> None:
    project.pyproject('policy = "security/policy.yaml"\n')
    project.policy("version: 1\nextends: iec62443-4-1-ml2\nsettings: {waiver_max_days: 30}\n")
    project.waivers(_one_waiver("Dave <dave@example.com>", "Carol <carol@example.com>", "2026-11-15T00:00:00Z"))
    result = run_cli("records", "check", project.root, "--as-of", "2026-11-01")
    assert result.code == 2
    assert "limit of 30 days" in result.stderr


def test_register_without_requester_is_exit_2_naming_the_entry(run_cli: RunCli, project: ProjectFactory) -> None:
    text = _one_waiver("Dave <dave@example.com>", "Carol <carol@example.com>")
    path = project.waivers("".join(line for line in text.splitlines(keepends=True) if "requester" not in line))
    result = run_cli("records", "check", project.root, "--as-of", "2026-11-01")
    assert result.code == 2
    assert str(path) in result.stderr
    assert "waivers[0].requester" in result.stderr


def test_waivers_that_do_not_count_fail_as_they_fail_the_gate(run_cli: RunCli, project: ProjectFactory) -> None:
    project.waivers(
        "version: 1\nwaivers:\n"
        "  - id: W-req\n    scope: {requirement: SM-1}\n"
        "    justification: The process document is being written and approved next month.\n"
        "    requester: Dave <dave@example.com>\n    approver: Carol <carol@example.com>\n"
        "    created: 2026-10-01T00:00:00Z\n    expires: 2027-01-31T23:59:59Z\n"
        "  - id: W-vuln\n    scope: {vulnerability: GHSA-1, package: demo}\n    vex: {state: exploitable}\n"
        "    justification: Reachable through user templates; the fix ships next sprint.\n"
        "    requester: Dave <dave@example.com>\n    approver: Carol <carol@example.com>\n"
        "    created: 2026-10-01T00:00:00Z\n    expires: 2027-01-31T23:59:59Z\n"
    )
    # Unapproved waivers fail SM-11 and DM-4 waiver_register in `check`, so they fail here without --strict too.
    result = run_cli("records", "check", project.root, "--as-of", "2026-11-01")
    assert result.code == 1, result.stdout + result.stderr
    assert "error: waiver W-req (requirement SM-1) does not count" in result.stdout
    assert "error: waiver W-vuln (GHSA-1 in demo) states VEX exploitable" in result.stdout
    assert "SM-11 waiver_register" in result.stdout
    strict = run_cli("records", "check", project.root, "--as-of", "2026-11-01", "--strict")
    assert strict.code == 1
    assert "error: waiver W-req" in strict.stdout


def test_right_after_init_the_unsigned_templates_are_one_warning_naming_each(run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "fresh"
    assert run_cli("init", target).code == 0
    templates = sorted(path.stem for path in (target / "security" / "records").glob("*.yaml"))
    assert len(templates) > 1
    result = run_cli("records", "check", target)
    assert result.code == 0, result.stderr
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, result.stdout
    assert all(record_id in warnings[0] for record_id in templates)
    strict = run_cli("records", "check", target, "--strict")
    assert strict.code == 1
    assert [line for line in strict.stdout.splitlines() if line.startswith("error:")] == [
        warnings[0].replace("warning:", "error:", 1)
    ]


def test_an_unsigned_record_with_another_problem_is_listed_on_its_own(run_cli: RunCli, project: ProjectFactory) -> None:
    project.record("old-training", "training", ["SM-4"], date="2026-01-10", valid_until="2026-02-01", approved=None)
    project.record("fresh-review", "review", ["SD-3"], approved=None)
    result = run_cli("records", "check", project.root, "--as-of", "2026-06-01")
    assert result.code == 0, result.stderr
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2, result.stdout
    expired = next(line for line in warnings if "old-training" in line)
    assert "2026-02-01" in expired and "fresh-review" not in expired
