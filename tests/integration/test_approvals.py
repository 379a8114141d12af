"""Approvals through the CLI: every forgery of a record's approval fails, and says why.

Each test writes a real project whose records are signed with real ``ssh-keygen -Y sign`` (keys generated in
``tmp_path``), runs ``sdl-gate check`` as a user would, and reads the verdict of SD-4, whose only criterion is
an approved process_document record.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ProjectFactory, RunCli, sign_record, ssh_key, write

#: Every test runs the real gate or the records commands (in this process, with the real tools).
pytestmark = pytest.mark.slow

TODAY = "2026-03-01"


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _sd4(run_cli: RunCli, project: ProjectFactory, *options: str | Path) -> dict[str, Any]:
    result = run_cli("check", project.root, "--format", "json", "--as-of", TODAY, *options)
    assert result.code in (0, 1), result.stderr
    return next(r for r in json.loads(result.stdout)["requirements"] if r["id"] == "SD-4")


def _design_record(project: ProjectFactory, **changes: Any) -> Path:
    project.doc("docs/design.md", "# Design\n\nzones and conduits\n")
    return project.record("design-2026", "process_document", ["SD-4"], links=["docs/design.md"], **changes)


def _mallory(project: ProjectFactory) -> Path:
    assert project.approvers is not None
    return ssh_key(project.approvers.parent, "mallory")


def _register_with_mallory(project: ProjectFactory, mallory: Path) -> str:
    """The trusted register plus Mallory, entitled to approve everything: what an attacker would add."""
    assert project.approvers is not None
    return project.approvers.read_text(encoding="utf-8") + (
        "  - name: Mallory Attacker\n"
        "    email: mallory@example.com\n"
        f'    ssh_keys: ["{mallory.with_suffix(".pub").read_text().strip()}"]\n'
        "    roles: [product-security]\n"
    )


def test_a_record_signed_by_an_entitled_approver_counts(run_cli: RunCli, project: ProjectFactory) -> None:
    _design_record(project)
    sd4 = _sd4(run_cli, project)
    assert sd4["verdict"] == "satisfied", sd4["rationale"]
    assert "approved by Bob Example <bob@example.com> on 2026-01-12" in sd4["rationale"]


def test_self_approval_does_not_count(run_cli: RunCli, project: ProjectFactory) -> None:
    _design_record(project, author="Bob Example <bob@example.com>")
    sd4 = _sd4(run_cli, project)
    assert sd4["verdict"] == "not_satisfied"
    assert "is a self-approval: Bob Example <bob@example.com> is the record's author" in sd4["rationale"]


def test_self_approval_under_another_spelling_of_the_author_does_not_count(
    run_cli: RunCli, project: ProjectFactory
) -> None:
    _design_record(project, author="B. Example (QA) <BOB@example.com>")
    assert "self-approval" in _sd4(run_cli, project)["rationale"]


def test_an_unknown_approver_does_not_count(run_cli: RunCli, project: ProjectFactory) -> None:
    record = _design_record(project, approved=None)
    sign_record(record, _mallory(project), "mallory@example.com", "2026-01-12")
    sd4 = _sd4(run_cli, project)
    assert sd4["verdict"] == "not_satisfied"
    assert "is from an unknown approver" in sd4["rationale"]
    assert "not in the trusted approver register" in sd4["rationale"]


def test_an_approver_naming_someone_else_does_not_count(run_cli: RunCli, project: ProjectFactory) -> None:
    record = _design_record(project, approved=None)
    sign_record(record, _mallory(project), "bob@example.com", "2026-01-12")
    sd4 = _sd4(run_cli, project)
    assert sd4["verdict"] == "not_satisfied"
    assert "unknown approver" in sd4["rationale"]


def test_a_register_edited_in_the_change_does_not_take_effect(run_cli: RunCli, project: ProjectFactory) -> None:
    mallory = _mallory(project)
    write(project.root / "security" / "approvers.yaml", _register_with_mallory(project, mallory))
    record = _design_record(project, approved=None)
    sign_record(record, mallory, "mallory@example.com", "2026-01-12")
    sd4 = _sd4(run_cli, project)
    assert sd4["verdict"] == "not_satisfied"
    assert "unknown approver" in sd4["rationale"]
    assert "security/approvers.yaml is edited in this change" in sd4["rationale"]
    strict = run_cli("records", "check", project.root, "--strict", "--as-of", TODAY)
    assert strict.code == 1
    assert "error: security/approvers.yaml is edited in this change" in strict.stdout


def test_the_checkouts_register_is_never_trusted_by_itself(
    run_cli: RunCli, project: ProjectFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    mallory = _mallory(project)
    write(project.root / "security" / "approvers.yaml", _register_with_mallory(project, mallory))
    record = _design_record(project, approved=None)
    sign_record(record, mallory, "mallory@example.com", "2026-01-12")
    monkeypatch.delenv("SDL_GATE_APPROVERS")
    sd4 = _sd4(run_cli, project)
    assert sd4["verdict"] == "not_assessed"
    assert "no trusted approver register" in sd4["rationale"]


def test_a_register_edit_fails_sm2_until_the_trusted_registers_approvers_approve_it(
    run_cli: RunCli, project: ProjectFactory
) -> None:
    assert project.approvers is not None
    # SM-2's roles are met otherwise: a CODEOWNERS file and the signed record naming the security roles.
    project.doc(".github/CODEOWNERS", "* @example/maintainers\n")
    project.doc(
        "docs/roles.md", "# Security roles\n\nThe maintainers own releases; product security approves records.\n"
    )
    project.record("roles-2026", "process_document", ["SM-2"], links=["docs/roles.md"])

    def sm2() -> tuple[int, list[str], dict[str, Any]]:
        result = run_cli("check", project.root, "--format", "json", "--as-of", TODAY)
        assert result.code in (0, 1), result.stderr
        document = json.loads(result.stdout)
        found = next(r for r in document["requirements"] if r["id"] == "SM-2")
        return result.code, document["decision"]["blocking"], found

    _, blocking, unedited = sm2()
    assert unedited["verdict"] == "satisfied", unedited["rationale"]
    assert "SM-2" not in blocking

    write(project.root / "security" / "approvers.yaml", _register_with_mallory(project, _mallory(project)))
    code, blocking, edited = sm2()
    assert code == 1
    assert "SM-2" in blocking
    failing = [f for f in edited["findings"] if f["outcome"] == "fail"]
    assert [f["criterion"] for f in failing] == ["approver_register"]
    assert failing[0]["location"] == "security/approvers.yaml"
    assert "security/approvers.yaml is edited in this change" in failing[0]["message"]
    # It says whose approval the change needs: the approvers of the register the operator trusts.
    assert f"approvers the trusted register (file {project.approvers}) lists" in failing[0]["message"]


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_the_register_is_read_from_the_trusted_ref_not_from_the_change(
    run_cli: RunCli, project: ProjectFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert project.approvers is not None
    monkeypatch.delenv("SDL_GATE_APPROVERS")
    write(project.root / "security" / "approvers.yaml", project.approvers.read_text(encoding="utf-8"))
    _git(project.root, "init", "-q", "-b", "main")
    _git(project.root, "add", "-A")
    _git(project.root, "commit", "-q", "-m", "register")
    _git(project.root, "checkout", "-q", "-b", "change")
    mallory = _mallory(project)
    write(project.root / "security" / "approvers.yaml", _register_with_mallory(project, mallory))
    record = _design_record(project, approved=None)
    sign_record(record, mallory, "mallory@example.com", "2026-01-12")
    _git(project.root, "add", "-A")
    _git(project.root, "commit", "-q", "-m", "the change adds Mallory and her approval")
    sd4 = _sd4(run_cli, project, "--trusted-ref", "main")
    assert sd4["verdict"] == "not_satisfied"
    assert "not in the trusted approver register (git main:security/approvers.yaml)" in sd4["rationale"]
    assert "edited in this change" in sd4["rationale"]
    # Bob, whom the trusted register lists, approves: now it counts.
    sign_record(record, project.keys["bob"] if project.keys else Path(), "bob@example.com", "2026-01-12")
    assert _sd4(run_cli, project, "--trusted-ref", "main")["verdict"] == "satisfied"
    unknown = run_cli("check", project.root, "--trusted-ref", "no-such-branch")
    assert unknown.code == 2
    assert "no-such-branch" in unknown.stderr


def test_a_record_changed_after_signing_has_an_invalid_signature(run_cli: RunCli, project: ProjectFactory) -> None:
    record = _design_record(project)
    record.write_text(record.read_text(encoding="utf-8").replace("SD-4]", "SD-4, SM-1]"), encoding="utf-8")
    sd4 = _sd4(run_cli, project)
    assert sd4["verdict"] == "not_satisfied"
    assert "has an invalid signature" in sd4["rationale"]
    assert "does not match the record's content" in sd4["rationale"]


def test_an_approval_whose_date_was_changed_has_an_invalid_signature(run_cli: RunCli, project: ProjectFactory) -> None:
    record = _design_record(project)
    sidecar = record.with_name(record.name + ".approvals.json")
    sidecar.write_text(sidecar.read_text(encoding="utf-8").replace("2026-01-12", "2026-01-13"), encoding="utf-8")
    assert "has an invalid signature" in _sd4(run_cli, project)["rationale"]


def test_a_linked_file_changed_after_signing_makes_the_approval_stale(run_cli: RunCli, project: ProjectFactory) -> None:
    _design_record(project)
    (project.root / "docs" / "design.md").write_text("# Design\n\nsomething else\n", encoding="utf-8")
    sd4 = _sd4(run_cli, project)
    assert sd4["verdict"] == "not_satisfied"
    assert "is stale: linked file docs/design.md changed since it was approved" in sd4["rationale"]
    assert "run `sdl-gate records approve design-2026`" in sd4["rationale"]


def test_a_record_without_a_signature_is_not_approved(run_cli: RunCli, project: ProjectFactory) -> None:
    record = _design_record(project, approved=None)
    with record.open("a", encoding="utf-8") as handle:
        handle.write("approval:\n  approver: Bob Example <bob@example.com>\n  date: 2026-01-12\n")
    sd4 = _sd4(run_cli, project)
    assert sd4["verdict"] == "not_satisfied"
    assert (
        "it is not approved: it has no signed approval (its free-text `approval:` does not count)" in sd4["rationale"]
    )


def test_a_git_commit_signature_replayed_as_an_approval_does_not_count(
    run_cli: RunCli, project: ProjectFactory, tmp_path: Path
) -> None:
    """Bob's key signed the exact approval bytes, but in git's namespace: as when signing a commit."""
    record = _design_record(project)
    sidecar = record.with_name(record.name + ".approvals.json")
    document = json.loads(sidecar.read_text(encoding="utf-8"))
    from datetime import date

    from sdl_gate.approvals.canonical import approval_message
    from sdl_gate.collectors.records import load_record

    loaded, _ = load_record(record)
    linked = [(f["path"], f["sha256"]) for f in document["approvals"][0]["linked_files"]]
    message = tmp_path / "message"
    message.write_bytes(approval_message(loaded.signed_content(), linked, "bob@example.com", date(2026, 1, 12)))
    assert project.keys is not None
    subprocess.run(
        ["ssh-keygen", "-q", "-Y", "sign", "-n", "git", "-f", str(project.keys["bob"]), str(message)],
        check=True,
        capture_output=True,
    )
    document["approvals"][0]["ssh_signature"] = message.with_name("message.sig").read_text(encoding="ascii")
    sidecar.write_text(json.dumps(document), encoding="utf-8")
    sd4 = _sd4(run_cli, project)
    assert sd4["verdict"] == "not_satisfied"
    assert "signature made for namespace 'git', not 'sdl-gate-record'" in sd4["rationale"]


def test_an_approver_the_register_does_not_entitle_does_not_count(run_cli: RunCli, project: ProjectFactory) -> None:
    assert project.approvers is not None
    carol = ssh_key(project.approvers.parent, "carol")
    with project.approvers.open("a", encoding="utf-8") as handle:
        handle.write(
            "  - name: Carol Trainer\n"
            "    email: carol@example.com\n"
            f'    ssh_keys: ["{carol.with_suffix(".pub").read_text().strip()}"]\n'
            "    approves:\n"
            "      - kinds: [training]\n"
            "      - requirements: [SD-3]\n"
        )
    record = _design_record(project, approved=None)
    sign_record(record, carol, "carol@example.com", "2026-01-12")
    sd4 = _sd4(run_cli, project)
    assert sd4["verdict"] == "not_satisfied"
    assert (
        "does not entitle Carol Trainer <carol@example.com> to approve process_document records for SD-4"
        in sd4["rationale"]
    )


def test_an_invalid_register_is_exit_2_naming_file_and_line(run_cli: RunCli, project: ProjectFactory) -> None:
    assert project.approvers is not None
    text = project.approvers.read_text(encoding="utf-8").replace("roles: [product-security]", "roles: [nobody]")
    write(project.approvers, text)
    result = run_cli("check", project.root)
    assert result.code == 2
    assert str(project.approvers) in result.stderr
    assert "role 'nobody'" in result.stderr


# --- records new / approve / status ----------------------------------------------------------------------------


def test_new_approve_status_and_reapproval_after_a_change(run_cli: RunCli, project: ProjectFactory) -> None:
    assert project.keys is not None
    author = "Alice Example <alice@example.com>"
    new = run_cli(
        "records", "new", "process_document", "--path", project.root, "--id", "design-doc", "--author", author
    )
    assert new.code == 0, new.stderr
    record = project.root / "security" / "records" / "design-doc.yaml"
    text = record.read_text(encoding="utf-8")
    assert "kind: process_document" in text
    assert "SD-4" in text and "SM-1" in text  # the requirements that accept a process document
    project.doc("docs/design.md")
    # Filling it in: the skeleton's TODO title would keep it from counting however it is signed.
    filled = re.sub(r"(?m)^title: TODO .*$", "title: Design document of the gateway", text)
    write(record, filled.replace("links: []", "links:\n  - path: docs/design.md"))
    again = run_cli("records", "new", "process_document", "--path", project.root, "--id", "design-doc")
    assert again.code == 2
    assert record.read_text(encoding="utf-8") != text  # the filled-in record was not overwritten

    unsigned = run_cli("records", "status", project.root)
    assert unsigned.code == 1
    assert "design-doc: unsigned:" in unsigned.stdout

    approve = run_cli("records", "approve", "design-doc", "--path", project.root, "--key", project.keys["bob"])
    assert approve.code == 0, approve.stderr
    assert "bob@example.com" in approve.stdout
    status = run_cli("records", "status", project.root)
    assert status.code == 0, status.stdout
    assert "design-doc: approved: approved by Bob Example <bob@example.com>" in status.stdout

    (project.root / "docs" / "design.md").write_text("# Design\n\nThe broker now needs TLS 1.3.\n", encoding="utf-8")
    stale = run_cli("records", "status", project.root)
    assert stale.code == 1
    assert "design-doc: stale:" in stale.stdout
    assert "run `sdl-gate records approve design-doc`" in stale.stdout

    renew = run_cli("records", "approve", "design-doc", "--path", project.root, "--key", project.keys["bob"])
    assert renew.code == 0, renew.stderr
    assert "renewed" in renew.stdout
    assert run_cli("records", "status", project.root).code == 0
    sidecar = json.loads((record.with_name("design-doc.yaml.approvals.json")).read_text(encoding="utf-8"))
    assert len(sidecar["approvals"]) == 1


def test_approve_refuses_a_self_approval_and_writes_nothing(run_cli: RunCli, project: ProjectFactory) -> None:
    assert project.keys is not None
    record = _design_record(project, approved=None)
    result = run_cli("records", "approve", "design-2026", "--path", project.root, "--key", project.keys["alice"])
    assert result.code == 2
    assert "never approves their own record" in result.stderr
    assert not record.with_name(record.name + ".approvals.json").exists()


def test_approve_with_a_key_that_cannot_sign_writes_no_signature(run_cli: RunCli, project: ProjectFactory) -> None:
    assert project.keys is not None
    record = _design_record(project)
    sidecar = record.with_name(record.name + ".approvals.json")
    before = sidecar.read_bytes()
    broken = write(project.root.parent / "broken-key", "-----BEGIN OPENSSH PRIVATE KEY-----\ngarbage\n")
    broken.chmod(0o600)
    result = run_cli(
        "records", "approve", "design-2026", "--path", project.root, "--key", broken, "--approver", "bob@example.com"
    )
    assert result.code == 2
    assert "ssh-keygen could not sign" in result.stderr
    assert sidecar.read_bytes() == before


def test_approve_of_an_unknown_record_is_exit_2(run_cli: RunCli, project: ProjectFactory) -> None:
    assert project.keys is not None
    result = run_cli("records", "approve", "nope", "--path", project.root, "--key", project.keys["bob"])
    assert result.code == 2
    assert "no record with id 'nope'" in result.stderr


def test_approve_takes_several_records_and_stops_at_the_first_it_cannot_approve(
    run_cli: RunCli, project: ProjectFactory
) -> None:
    assert project.keys is not None
    author = "Alice Example <alice@example.com>"
    for record_id in ("design-doc", "process-doc"):
        assert (
            run_cli(
                "records", "new", "process_document", "--path", project.root, "--id", record_id, "--author", author
            ).code
            == 0
        )
        record = project.root / "security" / "records" / f"{record_id}.yaml"
        write(record, re.sub(r"(?m)^title: TODO .*$", f"title: {record_id}", record.read_text(encoding="utf-8")))
    both = run_cli(
        "records", "approve", "design-doc", "process-doc", "--path", project.root, "--key", project.keys["bob"]
    )
    assert both.code == 0, both.stderr
    status = run_cli("records", "status", project.root)
    assert "design-doc: approved:" in status.stdout and "process-doc: approved:" in status.stdout

    sidecar = project.root / "security" / "records" / "process-doc.yaml.approvals.json"
    sidecar.unlink()
    stopped = run_cli(
        "records", "approve", "process-doc", "nope", "design-doc", "--path", project.root, "--key", project.keys["bob"]
    )
    assert stopped.code == 2
    assert "'nope'" in stopped.stderr
    assert sidecar.is_file(), "the record before the unknown one stays approved"
