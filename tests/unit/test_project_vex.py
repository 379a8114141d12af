"""VEX of a project's latest vulnerability audit (``project_vex.project_vex``)."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from sdl_gate.approvals.register import RegisterChoice
from sdl_gate.errors import InputError
from sdl_gate.evidence import Evidence, EvidenceKind, EvidenceStore, Subject, ToolInfo
from sdl_gate.project_vex import project_vex
from tests.conftest import write

TODAY = date(2026, 11, 30)
NOBODY = RegisterChoice()

VULNERABILITY: dict[str, Any] = {
    "id": "GHSA-9hjg-9r4m-mvj7",
    "aliases": ["CVE-2024-35195"],
    "package": "requests",
    "version": "2.31.0",
    "description": "Session verify=False persists",
    "published": "2024-05-20T20:15:00Z",
    "severity": [],
    "fix_versions": ["2.32.0"],
    "record_found": True,
}


def _project(root: Path) -> Path:
    write(root / "pyproject.toml", '[project]\nname = "widget"\nversion = "2.0.0"\n')
    return root


def _store_audit(root: Path, **fields: Any) -> None:
    """Store an offline audit in the form the collector writes it, with ``fields`` replaced."""
    payload: dict[str, Any] = {
        "status": "completed",
        "reason": None,
        "service": "osv",
        "url": "http://127.0.0.1:1/v1/query",
        "url_chosen_by": "default",
        "offline": True,
        "ecosystem": "PyPI",
        "database": None,
        "sources": [],
        "conflicts": [],
        "dependencies": [],
        "vulnerabilities": [],
        **fields,
    }
    audit = Evidence(
        kind=EvidenceKind.VULNERABILITY_AUDIT,
        tool=ToolInfo(name="pip-audit", version="2.9.0"),
        subject=Subject(commit=None),
        payload=payload,
    )
    EvidenceStore(root).put(audit, datetime(2026, 11, 30, tzinfo=timezone.utc))


def test_without_an_audit_there_is_no_vex(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj")
    with pytest.raises(InputError) as raised:
        project_vex(root, NOBODY, TODAY)
    assert raised.value.path == str(root)


def test_an_audit_that_did_not_complete_gives_no_vex(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj")
    _store_audit(root, status="unavailable", reason="pip-audit could not start")
    with pytest.raises(InputError) as raised:
        project_vex(root, NOBODY, TODAY)
    assert raised.value.path == str(root)


def test_an_unwaived_vulnerability_is_in_triage(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj")
    _store_audit(root, vulnerabilities=[VULNERABILITY])
    built = project_vex(root, NOBODY, TODAY)
    assert built.vulnerabilities == 1
    (stated,) = json.loads(built.text)["vulnerabilities"]
    assert (stated["id"], stated["analysis"]["state"]) == ("GHSA-9hjg-9r4m-mvj7", "in_triage")


@pytest.mark.parametrize("malformed", [{"vulnerabilities": None}, {"status": "completed", "offline": True}])
def test_an_audit_not_in_its_form_is_an_input_error_not_a_crash(tmp_path: Path, malformed: dict[str, Any]) -> None:
    root = _project(tmp_path / "proj")
    audit = Evidence(
        kind=EvidenceKind.VULNERABILITY_AUDIT,
        tool=ToolInfo(name="pip-audit", version="2.9.0"),
        subject=Subject(commit=None),
        payload=malformed,
    )
    EvidenceStore(root).put(audit, datetime(2026, 11, 30, tzinfo=timezone.utc))
    with pytest.raises(InputError) as raised:
        project_vex(root, NOBODY, TODAY)
    assert raised.value.path == str(root)
