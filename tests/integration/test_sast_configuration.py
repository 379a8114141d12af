"""What the repository's bandit configuration switches off or excludes, and its baseline, never make SI-1 see less.

A contributor can add ``skips``, a ``tests`` allow-list, plugin settings, ``exclude_dirs`` or a ``.bandit``
file, or write their own finding into the baseline. The SAST evidence records each with the file and setting
that said it; the policy decides what is allowed (by default: no test that may report high severity, no file
outside the paths it lists); a baseline entry counts only once approved and until it expires.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ProjectFactory, RunCli, approve_project_exceptions, write

SHELL = "import subprocess\n\nsubprocess.call(CMD, shell=True)\n"


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _check(run_cli: RunCli, root: Path, *args: str) -> dict[str, dict[str, Any]]:
    result = run_cli("check", root, "--format", "json", *args)
    assert result.code in (0, 1), result.stderr
    return {
        f"{requirement['id']}/{finding['criterion']}": finding
        for requirement in json.loads(result.stdout)["requirements"]
        if requirement["id"] in ("SI-1", "SI-2")
        for finding in requirement["findings"]
    }


def _sast_payload(root: Path) -> dict[str, Any]:
    evidence_dir = root / ".sdl-gate" / "evidence"
    pointer = json.loads((evidence_dir / "latest" / "sast.json").read_text())
    stored = json.loads((evidence_dir / "objects" / (pointer["id"].removeprefix("sha256:") + ".json")).read_text())
    payload: dict[str, Any] = stored["evidence"]["payload"]
    return payload


def _configure(root: Path, bandit_toml: str | None = None, ini: str | None = None) -> None:
    if bandit_toml is not None:
        with (root / "pyproject.toml").open("a", encoding="utf-8") as handle:
            handle.write("\n[tool.bandit]\n" + bandit_toml)
    if ini is not None:
        write(root / ".bandit", ini)


SKIP_VARIANTS = {
    "pyproject skips": ('skips = ["B602"]\n', None, "B602", "skipped", "pyproject.toml [tool.bandit] skips"),
    ".bandit skips": (None, "[bandit]\nskips = B404,B602\n", "B602", "skipped", ".bandit [bandit] skips"),
    "pyproject tests": ('tests = ["B101"]\n', None, "B602", "not_selected", "pyproject.toml [tool.bandit] tests"),
    ".bandit tests": (None, "[bandit]\ntests = B101\n", "B602", "not_selected", ".bandit [bandit] tests"),
    "plugin settings": (
        "\n[tool.bandit.shell_injection]\nsubprocess = []\n",
        None,
        "B602",
        "reconfigured",
        "pyproject.toml [tool.bandit.shell_injection]",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(SKIP_VARIANTS))
def test_switching_off_a_test_that_may_report_high_severity_is_recorded_and_fails_si1(
    project: ProjectFactory, run_cli: RunCli, variant: str
) -> None:
    toml, ini, test_id, reason, source = SKIP_VARIANTS[variant]
    root = project.root
    write(root / "app.py", SHELL)
    _configure(root, toml, ini)
    found = _check(run_cli, root)
    skips = found["SI-1/sast_skips"]
    assert skips["outcome"] == "fail"
    assert f"{reason.replace('_', ' ')} by {source}" in skips["message"]
    assert "sast_allowed_skips" in skips["message"]
    # With B602 off, bandit reports nothing at medium or above: the criterion on the configuration is what fails.
    assert found["SI-1/sast_findings"]["outcome"] == "pass"
    recorded = {s["test_id"]: s for s in _sast_payload(root)["config"]["skipped"]}
    assert (recorded[test_id]["reason"], recorded[test_id]["source"]) == (reason, source)


EXCLUDE_VARIANTS = {
    "pyproject exclude_dirs": ('exclude_dirs = ["src/app/impl"]\n', None, "pyproject.toml [tool.bandit] exclude_dirs"),
    ".bandit exclude": (None, "[bandit]\nexclude = impl\n", ".bandit [bandit] exclude"),
    "include globs": ('include = ["*/__init__.py"]\n', None, "pyproject.toml [tool.bandit] include"),
    "a substring pattern aimed elsewhere": (
        'exclude_dirs = ["impl"]\n',
        None,
        "pyproject.toml [tool.bandit] exclude_dirs",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(EXCLUDE_VARIANTS))
def test_excluding_code_from_analysis_is_recorded_and_fails_si1(
    project: ProjectFactory, run_cli: RunCli, variant: str
) -> None:
    toml, ini, source = EXCLUDE_VARIANTS[variant]
    root = project.root
    write(root / "src" / "app" / "__init__.py", "VERSION = 1\n")
    write(root / "src" / "app" / "impl" / "run.py", SHELL)
    _configure(root, toml, ini)
    found = _check(run_cli, root)
    coverage = found["SI-1/sast_files_analysed"]
    assert coverage["outcome"] == "fail"
    assert "src/app/impl/run.py" in coverage["message"]
    assert source in coverage["message"]
    assert "sast_allowed_excludes" in coverage["message"]
    exclusions = {e["path"]: e for e in _sast_payload(root)["exclusions"]}
    assert exclusions["src/app/impl/run.py"]["source"] == source


@pytest.mark.slow
def test_a_file_bandits_default_excludes_hide_by_substring_fails_si1(project: ProjectFactory, run_cli: RunCli) -> None:
    root = project.root
    write(root / "app.py", "VERSION = 1\n")
    write(root / "src" / "CVSync.py", SHELL)  # bandit's default "CVS" exclude matches it as a substring
    coverage = _check(run_cli, root)["SI-1/sast_files_analysed"]
    assert coverage["outcome"] == "fail"
    assert "src/CVSync.py ('CVS' in bandit's default excludes)" in coverage["message"]


@pytest.mark.slow
def test_what_the_policy_allows_passes_and_is_still_listed(project: ProjectFactory, run_cli: RunCli) -> None:
    root = project.root
    write(root / "app.py", "VERSION = 1\n")
    write(root / "vendor" / "lib.py", SHELL)
    _configure(root, 'skips = ["B602", "B404"]\nexclude_dirs = ["vendor"]\n')
    policy = project.policy(
        """
        version: 1
        extends: iec62443-4-1-ml2
        requirements:
          SI-1:
            params:
              sast_allowed_skips: [B602]
              sast_allowed_excludes: ["vendor/*"]
        """
    )
    found = _check(run_cli, root, "--policy", str(policy))
    assert found["SI-1/sast_skips"]["outcome"] == "pass"
    # B404 (declared low severity) needs no listing; both are still shown.
    assert "B602" in found["SI-1/sast_skips"]["message"]
    assert "B404" in found["SI-1/sast_skips"]["message"]
    assert found["SI-1/sast_files_analysed"]["outcome"] == "pass"
    assert "1 excluded, in paths the policy allows" in found["SI-1/sast_files_analysed"]["message"]
    # The same configuration under the built-in policy fails both.
    default = _check(run_cli, root)
    assert default["SI-1/sast_skips"]["outcome"] == "fail"
    assert default["SI-1/sast_files_analysed"]["outcome"] == "fail"


def test_sast_command_fails_on_what_the_policy_does_not_allow(project: ProjectFactory, run_cli: RunCli) -> None:
    root = project.root
    write(root / "app.py", SHELL)
    write(root / "vendor" / "lib.py", SHELL)
    _configure(root, 'skips = ["B602"]\nexclude_dirs = ["vendor"]\n')
    result = run_cli("sast", "--format", "json", root)
    assert result.code == 1, result.stderr
    decision = json.loads(result.stdout)["decision"]
    assert decision["disallowed_skips"] == ["B602"]
    assert decision["disallowed_exclusions"] == ["vendor/lib.py"]
    console = run_cli("sast", root)
    assert console.code == 1
    assert "vendor/lib.py ('vendor' in pyproject.toml [tool.bandit] exclude_dirs)" in console.stdout
    assert "B602 subprocess_popen_with_shell_equals_true" in console.stdout


# --- Baseline -------------------------------------------------------------------------------------------


def _approve(baseline: Path, created: date, expires: date) -> None:
    document = json.loads(baseline.read_text())
    for entry in document["findings"]:
        entry["approval"] = {
            "approver": "Erika Lind <erika@example.com>",
            "requester": "Max Mustermann <max@example.com>",
            "justification": "Legacy call, replaced by the new runner in release 3.",
            "created": f"{created.isoformat()}T00:00:00Z",
            "expires": f"{expires.isoformat()}T00:00:00Z",
        }
    baseline.write_text(json.dumps(document))


@pytest.mark.slow
def test_a_contributor_written_baseline_accepts_nothing_and_is_listed(project: ProjectFactory, run_cli: RunCli) -> None:
    root = project.root
    write(root / "app.py", SHELL)
    written = run_cli("sast", "--write-baseline", root)
    assert written.code == 0, written.stderr
    assert "no approval" in written.stdout
    still_open = run_cli("sast", root)
    assert still_open.code == 1
    assert "app.py:3 B602" in still_open.stdout
    assert "unapproved, no approval" in still_open.stdout  # every entry is listed

    findings = _check(run_cli, root)["SI-1/sast_findings"]
    assert findings["outcome"] == "fail"
    assert "app.py:3 B602" in findings["message"]
    assert "its baseline entry is unapproved" in findings["message"]


@pytest.mark.slow
def test_an_approved_entry_accepts_until_it_expires_and_rewriting_keeps_approvals(
    project: ProjectFactory, run_cli: RunCli
) -> None:
    root = project.root
    write(root / "app.py", SHELL)
    assert run_cli("sast", "--write-baseline", root).code == 0
    baseline = root / "security" / "sast-baseline.json"
    today = datetime.now(timezone.utc).date()
    # Dates around today: the gate refuses evidence that is old by the assessment date.
    _approve(baseline, created=today - timedelta(days=30), expires=today + timedelta(days=2))
    approve_project_exceptions(project)
    inside = _check(run_cli, root)["SI-1/sast_findings"]
    assert inside["outcome"] == "pass"
    expires = (today + timedelta(days=2)).isoformat()
    assert f"approved by Erika Lind <erika@example.com> until {expires}" in inside["message"]
    later = (today + timedelta(days=4)).isoformat()
    expired = _check(run_cli, root, "--as-of", later)["SI-1/sast_findings"]
    assert expired["outcome"] == "fail"
    assert "its baseline entry is expired" in expired["message"]

    # Rewriting the baseline (say, after new findings) keeps the approvals already given.
    write(root / "other.py", SHELL)
    assert run_cli("sast", "--write-baseline", root).code == 0
    entries = {e["path"]: e["approval"] for e in json.loads(baseline.read_text())["findings"] if e["test_id"] == "B602"}
    assert entries["app.py"] is not None
    assert entries["other.py"] is None


def test_a_version_1_baseline_is_refused_with_a_hint_and_can_be_rewritten(
    project: ProjectFactory, run_cli: RunCli
) -> None:
    root = project.root
    write(root / "app.py", SHELL)
    entry = {"fingerprint": "0" * 32, "path": "app.py", "test_id": "B602", "line": 3}
    baseline = write(
        root / "security" / "sast-baseline.json", json.dumps({"version": 1, "tool": "bandit", "findings": [entry]})
    )
    before = baseline.read_bytes()
    refused = run_cli("sast", root)
    assert refused.code == 2
    assert str(baseline) in refused.stderr
    assert "--write-baseline" in refused.stderr
    assert baseline.read_bytes() == before
    assert run_cli("sast", "--write-baseline", root).code == 0
    assert json.loads(baseline.read_text())["version"] == 2


def test_an_incomplete_approval_is_an_input_error_naming_the_entry(project: ProjectFactory, run_cli: RunCli) -> None:
    root = project.root
    write(root / "app.py", SHELL)
    assert run_cli("sast", "--write-baseline", root).code == 0
    baseline = root / "security" / "sast-baseline.json"
    today = datetime.now(timezone.utc).date()
    _approve(baseline, created=today - timedelta(days=1), expires=today + timedelta(days=30))
    approve_project_exceptions(project)
    assert run_cli("sast", root).code == 0  # approved and signed: the finding is accepted
    document = json.loads(baseline.read_text())
    document["findings"][0]["approval"] = {"approver": "Erika Lind", "justification": "short"}
    baseline.write_text(json.dumps(document, indent=1))
    result = run_cli("sast", root)
    assert result.code == 2
    assert str(baseline) in result.stderr
    assert "findings[0].approval" in result.stderr
