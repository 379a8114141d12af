"""pip-audit's report read back (a dependency it dropped is not clean), audit runs, and who chooses the database."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sdl_gate.collectors.vulns import (
    MAX_AUDIT_RUNS,
    DependencyStatus,
    _severities,
    audit_runs,
    choose_database,
    parse_report,
)
from sdl_gate.config import SettingOrigin, load_project, operator_settings
from sdl_gate.sbom.sources import Component
from sdl_gate.vulndb.importer import import_records
from sdl_gate.vulndb.server import BackgroundServer
from sdl_gate.vulndb.store import VulnDatabase, database_path
from tests.conftest import SHARED_FIXTURES, ProjectFactory, write

OSV = SHARED_FIXTURES / "osv"
SENT = [Component(name="idna", version="3.10"), Component(name="pyyaml", version="5.3")]
SENT += [Component(name="requests", version="2.19.0")]


@pytest.fixture(scope="module")
def real_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The JSON report the real pip-audit writes for SENT against the loopback API over the shared fixtures."""
    if not OSV.is_dir():
        pytest.skip(f"shared OSV fixtures not found at {OSV}")
    work = tmp_path_factory.mktemp("audit")
    database = VulnDatabase(database_path(work / "cache"))
    import_records(OSV, database, imported_at=f"{date.today().isoformat()}T00:00:00Z")
    requirements = write(work / "requirements.txt", "".join(f"{c.key}=={c.version}\n" for c in SENT))
    with BackgroundServer(database) as server:
        argv = [
            sys.executable, "-m", "pip_audit", "-r", str(requirements), "--no-deps", "--disable-pip",
            "-f", "json", "-o", str(work / "report.json"), "-s", "osv", "--osv-url", server.base_url + "/v1/query",
            "--progress-spinner", "off", "--cache-dir", str(work / "pip-cache"),
        ]  # fmt: skip
        subprocess.run(argv, capture_output=True, timeout=300, check=False)
    report: dict[str, Any] = json.loads((work / "report.json").read_text(encoding="utf-8"))
    return report


@pytest.mark.slow
def test_the_real_report_accounts_for_every_dependency_sent(real_report: dict[str, Any]) -> None:
    parsed = parse_report(real_report, SENT, "http://127.0.0.1:9")
    assert not isinstance(parsed, str), parsed
    dependencies, vulnerabilities = parsed
    assert {(d.name, d.version, d.status) for d in dependencies} == {
        ("idna", "3.10", DependencyStatus.AUDITED),
        ("pyyaml", "5.3", DependencyStatus.AUDITED),
        ("requests", "2.19.0", DependencyStatus.AUDITED),
    }
    assert {"PYSEC-2021-142", "PYSEC-2018-28"} <= {v.id for v in vulnerabilities}


@pytest.mark.slow
@pytest.mark.parametrize("dropped", ["pyyaml", "requests", "idna"])
def test_a_dependency_missing_from_the_report_is_not_reported_not_clean(
    real_report: dict[str, Any], dropped: str
) -> None:
    report = {**real_report, "dependencies": [d for d in real_report["dependencies"] if d["name"] != dropped]}
    parsed = parse_report(report, SENT, "http://127.0.0.1:9")
    assert not isinstance(parsed, str), parsed
    statuses = {d.name: d.status for d in parsed[0]}
    assert statuses[dropped] is DependencyStatus.NOT_REPORTED
    assert all(status is DependencyStatus.AUDITED for name, status in statuses.items() if name != dropped)
    assert not [v for v in parsed[1] if v.package == dropped]


@pytest.mark.slow
def test_a_dependency_reported_at_another_version_is_not_reported(real_report: dict[str, Any]) -> None:
    report = json.loads(json.dumps(real_report))
    for entry in report["dependencies"]:
        if entry["name"] == "pyyaml":
            entry["version"], entry["vulns"] = "6.0.1", []
    parsed = parse_report(report, SENT, "http://127.0.0.1:9")
    assert not isinstance(parsed, str), parsed
    assert ("pyyaml", "5.3", DependencyStatus.NOT_REPORTED) in {(d.name, d.version, d.status) for d in parsed[0]}


def test_an_empty_report_leaves_every_dependency_not_reported() -> None:
    parsed = parse_report({"dependencies": [], "fixes": []}, SENT, "http://127.0.0.1:9")
    assert not isinstance(parsed, str)
    assert [d.status for d in parsed[0]] == [DependencyStatus.NOT_REPORTED] * len(SENT)


def test_a_skipped_dependency_is_accounted_for_with_its_reason() -> None:
    report = {"dependencies": [{"name": "idna", "skip_reason": "could not be found"}]}
    parsed = parse_report(report, SENT[:1], "http://127.0.0.1:9")
    assert not isinstance(parsed, str)
    assert [(d.status, d.reason) for d in parsed[0]] == [(DependencyStatus.SKIPPED, "could not be found")]


def test_conflicting_pins_go_to_separate_runs_with_one_version_each() -> None:
    pinned = [Component(name="idna", version="3.10")]
    pinned += [Component(name="pyyaml", version=v) for v in ("5.3", "6.0.1")]
    runs, left_over = audit_runs(pinned)
    assert [[(c.key, c.version) for c in run] for run in runs] == [
        [("idna", "3.10"), ("pyyaml", "5.3")],
        [("pyyaml", "6.0.1")],
    ]
    assert left_over == []
    many = [Component(name="pyyaml", version=f"6.0.{n}") for n in range(MAX_AUDIT_RUNS + 2)]
    runs, left_over = audit_runs(many)
    assert len(runs) == MAX_AUDIT_RUNS
    assert [c.version for c in left_over] == [f"6.0.{n}" for n in range(MAX_AUDIT_RUNS, MAX_AUDIT_RUNS + 2)]


# --- Who chooses the database --------------------------------------------------------------------------


@pytest.fixture
def no_operator(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No SDL_GATE_CACHE_DIR or SDL_GATE_OSV_URL, and a user cache directory outside the project."""
    monkeypatch.delenv("SDL_GATE_CACHE_DIR", raising=False)
    monkeypatch.delenv("SDL_GATE_OSV_URL", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    return tmp_path / "user-cache" / "sdl-gate"


@pytest.mark.parametrize("inside", [".sdl-gate/cache", "security/db", "./x/../vulndb", "link-to-outside"])
def test_a_repository_database_inside_the_checkout_is_refused(
    project: ProjectFactory, no_operator: Path, tmp_path: Path, inside: str
) -> None:
    (tmp_path / "elsewhere").mkdir()
    (project.root / "link-to-outside").symlink_to(tmp_path / "elsewhere")
    project.pyproject(f'vulndb-dir = "{inside}"\n')
    choice = choose_database(load_project(project.root))
    assert (choice.cache_dir, choice.chosen_by) == (None, SettingOrigin.PROJECT)
    assert choice.refused is not None and "vulndb-dir" in choice.refused and "--vulndb-dir" in choice.refused


def test_a_repository_database_outside_the_checkout_is_a_default(
    project: ProjectFactory, no_operator: Path, tmp_path: Path
) -> None:
    project.pyproject('vulndb-dir = "../shared-cache"\n')
    choice = choose_database(load_project(project.root))
    assert (choice.cache_dir, choice.chosen_by, choice.refused) == (
        project.root / "../shared-cache",
        SettingOrigin.PROJECT,
        None,
    )


def test_the_operator_wins_over_the_repository_option_over_environment(
    project: ProjectFactory, no_operator: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.pyproject('vulndb-dir = ".sdl-gate/cache"\n')
    monkeypatch.setenv("SDL_GATE_CACHE_DIR", str(tmp_path / "from-env"))
    loaded = load_project(project.root)
    by_environment = choose_database(loaded)
    assert (by_environment.cache_dir, by_environment.chosen_by) == (tmp_path / "from-env", SettingOrigin.ENVIRONMENT)
    by_option = choose_database(replace(loaded, operator=operator_settings(vulndb_dir=tmp_path / "from-option")))
    assert (by_option.cache_dir, by_option.chosen_by) == (tmp_path / "from-option", SettingOrigin.OPTION)
    # The operator may name a directory inside the checkout: that is the operator's choice, not the PR's.
    inside = replace(loaded, operator=operator_settings(vulndb_dir=project.root / ".sdl-gate" / "cache"))
    assert choose_database(inside).refused is None


def test_without_any_choice_the_user_cache_is_used(project: ProjectFactory, no_operator: Path) -> None:
    choice = choose_database(load_project(project.root))
    assert (choice.cache_dir, choice.chosen_by, choice.refused) == (no_operator, SettingOrigin.DEFAULT, None)


def test_a_user_cache_inside_the_checkout_is_refused_unless_named(
    project: ProjectFactory, no_operator: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(project.root / "cache"))
    choice = choose_database(load_project(project.root))
    assert choice.cache_dir is None and choice.refused is not None


def test_advisory_severities_are_scored_or_left_unknown() -> None:
    record = {
        "severity": [
            {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
            {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
            {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N"},  # does not parse: could not tell, never zero
            {"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"},
        ]
    }
    scored = [(s.type, s.score, s.rating) for s in _severities(record)]
    assert scored == [
        ("CVSS_V3", 9.8, "critical"),
        ("CVSS_V4", 9.3, "critical"),
        ("CVSS_V3", None, None),
        ("CVSS_V2", None, None),
    ]


def test_the_installed_environment_is_sdl_gates_own_or_the_interpreters_named() -> None:
    import sys

    from sdl_gate.collectors.dependencies import InstalledEnvironment, installed_environment

    assert installed_environment(None) == InstalledEnvironment("environment")
    named = installed_environment(sys.executable)
    assert named.label == sys.executable
    assert named.paths is not None and any("site-packages" in path for path in named.paths)
