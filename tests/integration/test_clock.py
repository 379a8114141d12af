"""The assessment date is today (UTC) or ``--as-of``; ``SOURCE_DATE_EPOCH`` only fixes timestamps inside files.

CI jobs often set ``SOURCE_DATE_EPOCH`` to the commit time, which the commit's author chooses. Back-dated, it
made an expired waiver count again; forward-dated, it would make a record approved in the future count.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from tests.conftest import ProjectFactory, RunCli, approve_project_exceptions, write

TODAY = datetime.now(tz=timezone.utc).date()
YESTERDAY = TODAY - timedelta(days=1)
TOMORROW = TODAY + timedelta(days=1)
LAST_YEAR = datetime.combine(TODAY - timedelta(days=365), datetime.min.time(), tzinfo=timezone.utc)
NEXT_YEAR = datetime.combine(TODAY + timedelta(days=365), datetime.min.time(), tzinfo=timezone.utc)
BACK_DATED = {"SOURCE_DATE_EPOCH": str(int(LAST_YEAR.timestamp()))}
FORWARD_DATED = {"SOURCE_DATE_EPOCH": str(int(NEXT_YEAR.timestamp()))}
JUNIT = '<testsuite name="s" tests="1"><testcase classname="t" name="test_a"/></testsuite>\n'
RISKY = "import subprocess\n\n\ndef run(command):\n    return subprocess.call(command, shell=True)\n"


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _today_or_just_after(text: str) -> bool:
    """The run's date is today's, or tomorrow's when the test ran across midnight UTC."""
    return date.fromisoformat(text) in (TODAY, datetime.now(tz=timezone.utc).date())


def _expired_waiver(project: ProjectFactory, scope: str) -> None:
    """A waiver that was in force for five months and expired yesterday."""
    created = (TODAY - timedelta(days=150)).isoformat()
    project.waivers(
        f"""
        version: 1
        waivers:
          - id: W-1
            scope: {scope}
            justification: The external penetration test is booked; interim mitigations are in place.
            requester: Alice Example <alice@example.com>
            approver: Bob Example <bob@example.com>
            created: {created}T00:00:00Z
            expires: {YESTERDAY.isoformat()}T00:00:00Z
        """
    )
    approve_project_exceptions(project)


def test_back_dated_epoch_does_not_revive_an_expired_waiver_in_check(run_cli: RunCli, project: ProjectFactory) -> None:
    _expired_waiver(project, "{requirement: SVV-4}")
    result = run_cli("check", project.root, "--format", "json", env=BACK_DATED)
    assert result.code == 1, result.stderr
    assessment = json.loads(result.stdout)
    assert _today_or_just_after(assessment["assessed_on"])
    assert [w["state"] for w in assessment["waivers"]] == ["expired"]
    svv4 = next(r for r in assessment["requirements"] if r["id"] == "SVV-4")
    assert svv4["verdict"] != "waived"
    sm11 = next(r for r in assessment["requirements"] if r["id"] == "SM-11")
    assert "expired waiver(s) W-1" in json.dumps(sm11["findings"])


def test_back_dated_epoch_does_not_revive_an_expired_waiver_in_records_check(
    run_cli: RunCli, project: ProjectFactory
) -> None:
    _expired_waiver(project, "{requirement: SVV-4}")
    result = run_cli("records", "check", project.root, env=BACK_DATED)
    assert result.code == 1, result.stdout + result.stderr
    assert f"expired on {YESTERDAY.isoformat()}" in result.stdout


@pytest.mark.slow
def test_back_dated_epoch_does_not_revive_an_expired_finding_waiver_in_sast(
    run_cli: RunCli, project: ProjectFactory
) -> None:
    write(project.root / "app.py", RISKY)
    found = run_cli("sast", project.root, "--format", "json")
    assert found.code == 1, found.stderr
    blocking = json.loads(found.stdout)["decision"]["blocking"]
    assert blocking
    _expired_waiver(project, "{finding: " + blocking[0] + "}")
    result = run_cli("sast", project.root, "--format", "json", env=BACK_DATED)
    assert result.code == 1, result.stderr
    assert blocking[0] in json.loads(result.stdout)["decision"]["blocking"]


def test_back_dated_epoch_does_not_move_the_pre_push_date(run_cli: RunCli, project: ProjectFactory) -> None:
    _expired_waiver(project, "{requirement: SVV-4}")
    result = run_cli("pre-push", project.root, "--blocking", env=BACK_DATED)
    assert result.code == 1, result.stderr
    shown = re.search(r"assessed (\d{4}-\d{2}-\d{2})\)", result.stdout.splitlines()[0])
    assert shown is not None and _today_or_just_after(shown.group(1)), result.stdout


def test_forward_dated_epoch_does_not_make_a_future_approval_count(run_cli: RunCli, project: ProjectFactory) -> None:
    # Today as the test runs, not as the module was imported: a suite may run across midnight.
    today = datetime.now(tz=timezone.utc).date()
    tomorrow = today + timedelta(days=1)
    project.doc("docs/process.md")
    project.record(
        "process",
        "process_document",
        ["SM-1"],
        date=today.isoformat(),
        approved=tomorrow.isoformat(),
        links=["docs/process.md"],
    )
    result = run_cli("check", project.root, "--format", "json", env=FORWARD_DATED)
    assert result.code == 1, result.stderr
    sm1 = next(r for r in json.loads(result.stdout)["requirements"] if r["id"] == "SM-1")
    assert sm1["verdict"] != "satisfied"
    assert f"is dated {tomorrow.isoformat()}, in the future" in sm1["rationale"]


@pytest.mark.slow
@pytest.mark.parametrize("output_format", ["console", "markdown", "html", "json"])
def test_every_report_shows_the_assessment_date(run_cli: RunCli, project: ProjectFactory, output_format: str) -> None:
    as_of = run_cli("check", project.root, "--format", output_format, "--as-of", "2026-06-15", env=BACK_DATED)
    assert as_of.code == 1, as_of.stderr
    assert "2026-06-15" in as_of.stdout
    default = run_cli("check", project.root, "--format", output_format, env=BACK_DATED)
    assert default.code == 1, default.stderr
    assert TODAY.isoformat() in default.stdout or datetime.now(tz=timezone.utc).date().isoformat() in default.stdout


@pytest.mark.slow
def test_epoch_still_fixes_the_timestamps_written_into_files(run_cli: RunCli, project: ProjectFactory) -> None:
    result = run_cli("check", project.root, "--format", "json", env=BACK_DATED)
    assert result.code == 1, result.stderr
    assert _today_or_just_after(json.loads(result.stdout)["assessed_on"])
    objects = list((project.root / ".sdl-gate" / "evidence" / "objects").glob("*.json"))
    assert objects
    stamps = {datetime.fromisoformat(json.loads(path.read_text())["collected_at"]) for path in objects}
    assert stamps == {LAST_YEAR}
    # The evidence a run collected is not judged stale from its reproducible timestamp.
    assert not [r for r in json.loads(result.stdout)["rejected_evidence"] if "older than" in r]
    sbom = run_cli("sbom", project.root, env=BACK_DATED)
    assert sbom.code == 0, sbom.stderr
    assert datetime.fromisoformat(json.loads(sbom.stdout)["metadata"]["timestamp"]) == LAST_YEAR


def test_imported_test_results_keep_the_time_the_tests_ran(run_cli: RunCli, project: ProjectFactory) -> None:
    """Recorded test runs are judged by the age limit, so they carry the real time, as the pytest plugin's do."""
    project.commit()
    report = write(project.root.parent / "junit.xml", JUNIT)
    imported = run_cli("test-results", "import", report, "--path", project.root, "--provenance", "CI", env=BACK_DATED)
    assert imported.code == 0, imported.stderr
    result = run_cli("check", project.root, "--format", "json", env=BACK_DATED)
    assert result.code == 1, result.stderr
    assessment = json.loads(result.stdout)
    assert not [r for r in assessment["rejected_evidence"] if "older than" in r]
    sum1 = next(r for r in assessment["requirements"] if r["id"] == "SUM-1")
    # The results were used (not rejected as old); being imported without a test_report record they do not count.
    regression = next(f for f in sum1["findings"] if f["criterion"] == "regression_tests")
    assert regression["outcome"] == "not_available"
    assert "imported from junit.xml" in regression["message"]
