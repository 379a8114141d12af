"""Waivers and SAST baseline entries through the CLI: each counts only when signed by the approver it names,
entitled by the trusted register and not its requester; every forgery leaves what it excuses open and says why.

Signatures are real ``ssh-keygen -Y sign`` ones (keys generated in ``tmp_path``); the gate runs as a user runs
it. A waiver of SVV-4 (no pen-test record, so not satisfied on its own) shows whether the waiver counts.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sdl_gate.approvals.exceptions import waiver_exception
from sdl_gate.approvals.sidecar import ExceptionApprovalsFile, SignedApproval, write_exception_approvals
from sdl_gate.approvals.signatures import sign_ssh
from sdl_gate.policy.waivers import load_waivers
from tests.conftest import ProjectFactory, RunCli, approve_project_exceptions, ssh_key, write

#: Every test runs the real gate, or sdl-gate sast (in this process, with the real tools).
pytestmark = pytest.mark.slow

TODAY = "2026-11-01"
SIGNED_ON = "2026-10-02"
SHELL = "import subprocess\n\nsubprocess.call(CMD, shell=True)\n"


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _waiver(
    requester: str = "Alice Example <alice@example.com>", approver: str = "Bob Example <bob@example.com>"
) -> str:
    return (
        "version: 1\nwaivers:\n  - id: W-1\n    scope: {requirement: SVV-4}\n"
        "    justification: The external pen test is booked with an independent lab for next quarter.\n"
        f"    requester: {requester}\n    approver: {approver}\n"
        "    created: 2026-10-01T00:00:00Z\n    expires: 2027-01-31T23:59:59Z\n"
    )


def _project(project: ProjectFactory, **names: str) -> Path:
    project.pyproject('policy = "security/policy.yaml"\n')
    project.policy("version: 1\nextends: iec62443-4-1-ml2\nrequirements:\n  SVV-4: {waivable: true}\n")
    return project.waivers(_waiver(**names))


def _forge(project: ProjectFactory, key: Path, approver: str) -> None:
    """Sign W-1 with ``key`` naming ``approver``, bypassing every refusal of `waivers approve`."""
    path = project.root / "security" / "waivers.yaml"
    item = waiver_exception(load_waivers(path).waivers[0])
    day = date.fromisoformat(SIGNED_ON)
    approval = SignedApproval(approver=approver, date=day, ssh_signature=sign_ssh(item.message(approver, day), key))
    write_exception_approvals(path, ExceptionApprovalsFile(version=1, file=path.name, approvals={"W-1": [approval]}))


def _svv4(run_cli: RunCli, project: ProjectFactory, *options: str | Path) -> dict[str, Any]:
    result = run_cli("check", project.root, "--format", "json", "--as-of", TODAY, *options)
    assert result.code in (0, 1), result.stderr
    document = json.loads(result.stdout)
    svv4 = next(r for r in document["requirements"] if r["id"] == "SVV-4")
    svv4["waiver_result"] = next(w for w in document["waivers"] if w["id"] == "W-1")
    return svv4


def _keys(project: ProjectFactory) -> dict[str, Path]:
    assert project.keys is not None
    return project.keys


def _with_alias(project: ProjectFactory, alias: str) -> None:
    assert project.approvers is not None
    text = project.approvers.read_text(encoding="utf-8")
    write(
        project.approvers, text.replace("email: bob@example.com\n", f"email: bob@example.com\n    aliases: [{alias}]\n")
    )


def test_a_waiver_approved_with_the_cli_counts_and_an_edit_voids_it(run_cli: RunCli, project: ProjectFactory) -> None:
    path = _project(project)
    status = run_cli("waivers", "status", project.root, "--as-of", TODAY)
    assert status.code == 1
    assert "waiver W-1: unsigned" in status.stdout
    assert "sdl-gate waivers approve W-1 --key KEY" in status.stdout
    unsigned = _svv4(run_cli, project)
    assert unsigned["verdict"] == "not_satisfied"
    assert "Waiver W-1 does not count: unsigned" in unsigned["rationale"]

    approved = run_cli(
        "waivers", "approve", "W-1", "--key", _keys(project)["bob"], "--date", SIGNED_ON, "--path", project.root
    )
    assert approved.code == 0, approved.stderr
    assert (path.parent / "waivers.yaml.approvals.json").is_file()
    svv4 = _svv4(run_cli, project)
    assert svv4["verdict"] == "waived", svv4["rationale"]
    assert svv4["waiver_result"]["approval"] == "approved"
    assert run_cli("waivers", "status", project.root, "--as-of", TODAY).code == 0

    # The signature covers every field: a longer expiry written in afterwards is no longer approved.
    write(path, path.read_text(encoding="utf-8").replace("2027-01-31T23:59:59Z", "2027-03-01T23:59:59Z"))
    edited = _svv4(run_cli, project)
    assert edited["verdict"] == "not_satisfied"
    assert edited["waiver_result"]["approval"] == "invalid_signature"
    records = run_cli("records", "check", project.root, "--as-of", TODAY, "--strict")
    assert records.code == 1
    assert "error: waiver W-1 (requirement SVV-4) does not count" in records.stdout


def test_a_signature_changed_under_the_same_content_is_invalid(run_cli: RunCli, project: ProjectFactory) -> None:
    _project(project)
    _forge(project, _keys(project)["bob"], "bob@example.com")
    sidecar = project.root / "security" / "waivers.yaml.approvals.json"
    document = json.loads(sidecar.read_text())
    document["approvals"]["W-1"][0]["date"] = "2026-10-03"  # the signed date, changed after signing
    sidecar.write_text(json.dumps(document))
    svv4 = _svv4(run_cli, project)
    assert svv4["verdict"] == "not_satisfied"
    assert svv4["waiver_result"]["approval"] == "invalid_signature"
    assert "Waiver W-1 does not count: invalid signature" in svv4["rationale"]


def test_a_waiver_approved_by_its_requester_under_an_alias_does_not_count(
    run_cli: RunCli, project: ProjectFactory
) -> None:
    _with_alias(project, "robert@example.com")
    _project(project, requester="Robert <robert@example.com>")
    refused = run_cli("waivers", "approve", "W-1", "--key", _keys(project)["bob"], "--path", project.root)
    assert refused.code == 2
    assert not (project.root / "security" / "waivers.yaml.approvals.json").exists()
    _forge(project, _keys(project)["bob"], "bob@example.com")
    svv4 = _svv4(run_cli, project)
    assert svv4["verdict"] == "not_satisfied"
    assert svv4["waiver_result"]["approval"] == "self_approved"
    assert "self-approval" in svv4["rationale"]


def test_a_waiver_signed_by_an_unknown_approver_does_not_count(run_cli: RunCli, project: ProjectFactory) -> None:
    _project(project, approver="Mallory <mallory@example.com>")
    assert project.approvers is not None
    mallory = ssh_key(project.approvers.parent, "mallory")
    refused = run_cli("waivers", "approve", "W-1", "--key", mallory, "--path", project.root)
    assert refused.code == 2
    _forge(project, mallory, "mallory@example.com")
    svv4 = _svv4(run_cli, project)
    assert svv4["verdict"] == "not_satisfied"
    assert svv4["waiver_result"]["approval"] == "unknown_approver"


def test_a_waiver_signed_with_someone_elses_key_does_not_count(run_cli: RunCli, project: ProjectFactory) -> None:
    _project(project, requester="Dave <dave@example.com>")
    # Alice's key, in the register, claiming to be Bob, whom the waiver names.
    _forge(project, _keys(project)["alice"], "bob@example.com")
    svv4 = _svv4(run_cli, project)
    assert svv4["verdict"] == "not_satisfied"
    assert svv4["waiver_result"]["approval"] == "invalid_signature"
    # Alice signing as herself is a valid signature, yet not by the approver the waiver names.
    _forge(project, _keys(project)["alice"], "alice@example.com")
    assert _svv4(run_cli, project)["waiver_result"]["approval"] == "wrong_approver"


def test_a_waiver_approved_by_someone_not_entitled_does_not_count(run_cli: RunCli, project: ProjectFactory) -> None:
    _project(project, requester="Dave <dave@example.com>", approver="Alice Example <alice@example.com>")
    refused = run_cli("waivers", "approve", "W-1", "--key", _keys(project)["alice"], "--path", project.root)
    assert refused.code == 2
    assert "does not entitle" in refused.stderr
    _forge(project, _keys(project)["alice"], "alice@example.com")
    svv4 = _svv4(run_cli, project)
    assert svv4["verdict"] == "not_satisfied"
    assert svv4["waiver_result"]["approval"] == "not_entitled"
    assert "does not entitle Alice Example" in svv4["rationale"]


def test_without_a_register_no_waiver_counts_and_the_message_says_how_to_name_one(
    run_cli: RunCli, project: ProjectFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(project)
    approve_project_exceptions(project, approved_on=SIGNED_ON)
    assert _svv4(run_cli, project)["verdict"] == "waived"
    monkeypatch.delenv("SDL_GATE_APPROVERS")
    svv4 = _svv4(run_cli, project)
    assert svv4["verdict"] == "not_satisfied"
    assert svv4["waiver_result"]["approval"] == "unverified"
    assert "--approvers FILE" in svv4["rationale"]
    explained = run_cli("explain", "SVV-4", "--path", project.root)
    assert explained.code == 0
    assert "W-1" in explained.stdout and "does not count" in explained.stdout


# --- SAST baseline entries -------------------------------------------------------------------------------------------


def _baseline(run_cli: RunCli, project: ProjectFactory, requester: str, expires: str = "2027-01-31") -> Path:
    write(project.root / "app.py", SHELL)
    assert run_cli("sast", "--write-baseline", project.root).code == 0
    baseline = project.root / "security" / "sast-baseline.json"
    document = json.loads(baseline.read_text())
    for entry in document["findings"]:
        entry["approval"] = {
            "approver": "Bob Example <bob@example.com>",
            "requester": requester,
            "justification": "Legacy call, replaced by the new runner in release 3.",
            "created": "2026-10-01T00:00:00Z",
            "expires": f"{expires}T00:00:00Z",
        }
    baseline.write_text(json.dumps(document))
    return baseline


def _fingerprint(baseline: Path) -> str:
    """The fingerprint of the entry that accepts the shell=True call (B602, above the thresholds)."""
    return next(str(e["fingerprint"]) for e in json.loads(baseline.read_text())["findings"] if e["test_id"] == "B602")


def test_a_baseline_entry_counts_once_signed_and_not_while_unsigned(run_cli: RunCli, project: ProjectFactory) -> None:
    baseline = _baseline(run_cli, project, "Alice Example <alice@example.com>")
    unsigned = run_cli("sast", project.root, "--as-of", TODAY)
    assert unsigned.code == 1
    assert "its baseline entry does not count: unsigned" in unsigned.stdout
    bob = _keys(project)["bob"]
    approved = run_cli(
        "waivers", "approve", _fingerprint(baseline), "--key", bob, "--date", SIGNED_ON, "--path", project.root
    )
    assert approved.code == 0, approved.stderr
    assert run_cli("sast", project.root, "--as-of", TODAY).code == 0
    states = json.loads(run_cli("sast", project.root, "--as-of", TODAY, "--format", "json").stdout)["decision"]
    assert states["baseline"][_fingerprint(baseline)] == "active"
    # The low-severity B404 entry nobody signed stays listed as not signed.
    assert sorted(states["baseline"].values()) == ["active", "not_signed"]


def test_a_self_approved_baseline_entry_leaves_its_finding_open(run_cli: RunCli, project: ProjectFactory) -> None:
    _baseline(run_cli, project, "Bob <BOB@example.com>")
    approve_project_exceptions(project, approved_on=SIGNED_ON)
    result = run_cli("sast", project.root, "--as-of", TODAY)
    assert result.code == 1
    assert "its baseline entry does not count: self approved" in result.stdout


def test_an_expired_signed_baseline_entry_leaves_its_finding_open(run_cli: RunCli, project: ProjectFactory) -> None:
    _baseline(run_cli, project, "Alice Example <alice@example.com>", expires="2026-10-15")
    approve_project_exceptions(project, approved_on=SIGNED_ON)
    assert run_cli("sast", project.root, "--as-of", "2026-10-10").code == 0
    expired = run_cli("sast", project.root, "--as-of", TODAY)
    assert expired.code == 1
    assert "its baseline entry is expired" in expired.stdout


def test_one_approve_signs_several_exceptions_of_one_register(run_cli: RunCli, project: ProjectFactory) -> None:
    baseline = _baseline(run_cli, project, "Alice Example <alice@example.com>")
    fingerprints = [str(e["fingerprint"]) for e in json.loads(baseline.read_text())["findings"]]
    assert len(fingerprints) == 2
    approved = run_cli(
        "waivers", "approve", *fingerprints, "--key", _keys(project)["bob"], "--date", SIGNED_ON, "--path", project.root
    )
    assert approved.code == 0, approved.stderr
    states = json.loads(run_cli("sast", project.root, "--as-of", TODAY, "--format", "json").stdout)["decision"]
    assert sorted(states["baseline"].values()) == ["active", "active"]
