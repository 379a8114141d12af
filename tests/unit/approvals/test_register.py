"""The approver register: its format, who may approve what, and where a trusted one comes from."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sdl_gate.approvals.register import (
    APPROVERS_ENVIRONMENT,
    TRUSTED_REF_ENVIRONMENT,
    RegisterChoice,
    checkout_edit,
    load_register_file,
    load_register_ref,
)
from sdl_gate.errors import ApproversError, InputError
from tests.conftest import ssh_key, write


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, str]:
    return {name: ssh_key(tmp_path / "keys", name).with_suffix(".pub").read_text().strip() for name in ("a", "b")}


def register_text(keys: dict[str, str], people: str = "") -> str:
    return (
        "version: 1\n"
        "roles:\n"
        "  reviewer:\n"
        "    approves:\n"
        "      - kinds: [review]\n"
        "people:\n"
        "  - name: Ann\n"
        "    email: ann@example.com\n"
        "    aliases: [ann.o@example.org]\n"
        "    department: QA\n"
        f'    ssh_keys: ["{keys["a"]}"]\n'
        "    roles: [reviewer]\n"
        "    approves:\n"
        "      - requirements: [SM-4]\n"
        "      - kinds: [triage]\n"
        "        requirements: [DM-2]\n"
        "  - name: Ben\n"
        "    email: ben@example.com\n"
        f'    ssh_keys: ["{keys["b"]}"]\n' + people
    )


def test_who_may_approve_what(tmp_path: Path, keys: dict[str, str]) -> None:
    trusted = load_register_file(write(tmp_path / "approvers.yaml", register_text(keys)))
    register = trusted.register
    ann = register.person_by_email("ANN.O@example.org")
    assert ann is not None and ann.name == "Ann"
    assert register.may_approve(ann, "review", "SD-3")  # role: every review
    assert register.may_approve(ann, "training", "SM-4")  # grant: any kind, for SM-4
    assert register.may_approve(ann, "triage", "DM-2")  # grant: both at once
    assert not register.may_approve(ann, "triage", "DM-3")
    assert not register.may_approve(ann, "process_document", "SM-1")
    ben = register.person_by_email("ben@example.com")
    assert ben is not None and register.grants(ben) == []
    assert trusted.source == f"file {tmp_path / 'approvers.yaml'}"
    assert len(trusted.sha256) == 64


@pytest.mark.parametrize(
    ("change", "place", "message"),
    [
        (("email: ben@example.com", "email: ann@example.com"), "", "belongs to both Ann and Ben"),
        (("roles: [reviewer]", "roles: [boss]"), "", "role 'boss'"),
        (("- kinds: [review]", "- {}"), "roles.reviewer.approves[0]", "names record kinds, requirements, or both"),
        (("kinds: [triage]", "kinds: [chat]"), "people[0].approves[1].kinds[0]", "'triage'"),
        (("requirements: [SM-4]", "requirements: [XX-1]"), "people[0].approves[0].requirements[0]", "XX-1"),
        (("email: ann@example.com", "email: Ann"), "people[0].email", ""),
    ],
)
def test_an_invalid_register_names_file_line_and_place(
    tmp_path: Path, keys: dict[str, str], change: tuple[str, str], place: str, message: str
) -> None:
    path = write(tmp_path / "approvers.yaml", register_text(keys).replace(*change, 1))
    with pytest.raises(ApproversError) as info:
        load_register_file(path)
    assert info.value.path == str(path)
    assert info.value.line is not None
    if place:
        assert info.value.location == place
    assert message in info.value.message


def test_a_bad_ssh_key_is_refused(tmp_path: Path, keys: dict[str, str]) -> None:
    path = write(tmp_path / "approvers.yaml", register_text({**keys, "b": "ssh-ed25519 AAAAnotakey"}))
    with pytest.raises(ApproversError) as info:
        load_register_file(path)
    assert info.value.location == "people[1].ssh_keys[0]"


def test_one_key_for_two_people_is_refused(tmp_path: Path, keys: dict[str, str]) -> None:
    path = write(tmp_path / "approvers.yaml", register_text({**keys, "b": keys["a"]}))
    with pytest.raises(ApproversError) as info:
        load_register_file(path)
    assert "is listed for both Ann and Ben" in info.value.message


def test_the_operator_names_the_register_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(APPROVERS_ENVIRONMENT, raising=False)
    monkeypatch.delenv(TRUSTED_REF_ENVIRONMENT, raising=False)
    assert RegisterChoice.from_operator(None, None) == RegisterChoice()
    assert RegisterChoice().load(tmp_path) is None
    with pytest.raises(ApproversError):
        RegisterChoice.from_operator(tmp_path / "a.yaml", "main")
    monkeypatch.setenv(TRUSTED_REF_ENVIRONMENT, "origin/main")
    assert RegisterChoice.from_operator(None, None) == RegisterChoice(ref="origin/main")
    assert RegisterChoice.from_operator(tmp_path / "a.yaml", None) == RegisterChoice(file=tmp_path / "a.yaml")
    monkeypatch.setenv(APPROVERS_ENVIRONMENT, str(tmp_path / "a.yaml"))
    with pytest.raises(ApproversError):
        RegisterChoice.from_operator(None, None)


@pytest.mark.parametrize("ref", ["--output=x", "main:other/file.yaml", "a..b", "", "main branch"])
def test_a_trusted_ref_that_is_not_a_ref_name_is_refused(tmp_path: Path, ref: str) -> None:
    with pytest.raises(ApproversError):
        load_register_ref(tmp_path, ref)


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_the_register_at_a_trusted_ref_wins_over_the_work_tree(tmp_path: Path, keys: dict[str, str]) -> None:
    root = tmp_path / "repo"
    write(root / "security" / "approvers.yaml", register_text(keys))
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "register")
    trusted = load_register_ref(root, "main")
    assert trusted.source == "git main:security/approvers.yaml"
    assert checkout_edit(root, trusted) is None
    edited = register_text(keys, "    department: Development\n")
    write(root / "security" / "approvers.yaml", edited)
    assert load_register_ref(root, "main").register == trusted.register
    edit = checkout_edit(root, trusted)
    assert edit is not None and "is edited in this change" in edit
    with pytest.raises(ApproversError) as info:
        load_register_ref(root, "nope")
    assert "nope" in info.value.message


def test_deleting_the_register_a_trusted_ref_holds_is_an_edit(tmp_path: Path, keys: dict[str, str]) -> None:
    root = tmp_path / "repo"
    write(root / "security" / "approvers.yaml", register_text(keys))
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "register")
    trusted = load_register_ref(root, "main")
    (root / "security" / "approvers.yaml").unlink()
    edit = checkout_edit(root, trusted)
    assert edit is not None and "security/approvers.yaml is deleted in this change" in edit
    # A register the operator names as a file may be kept outside the project: no copy in it is no edit.
    assert checkout_edit(root, load_register_file(write(tmp_path / "trusted.yaml", register_text(keys)))) is None


def test_reformatting_the_register_is_not_an_edit(tmp_path: Path, keys: dict[str, str]) -> None:
    trusted = load_register_file(write(tmp_path / "trusted.yaml", register_text(keys)))
    root = tmp_path / "proj"
    write(root / "security" / "approvers.yaml", "# a comment\n" + register_text(keys))
    assert checkout_edit(root, trusted) is None
    write(root / "security" / "approvers.yaml", "version: [\n")
    edit = checkout_edit(root, trusted)
    assert edit is not None and "not a valid register" in edit


def test_a_missing_register_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        load_register_file(tmp_path / "missing.yaml")


def test_a_grant_names_every_record_kind_and_the_exception_kinds() -> None:
    from sdl_gate.approvals.register import Grant
    from sdl_gate.record_kinds import ExceptionKind, RecordKind

    every = [*RecordKind, *ExceptionKind]
    grant = Grant.model_validate({"kinds": [kind.value for kind in every]})
    assert grant.kinds == every
    assert all(grant.allows(kind.value, "SM-1") for kind in every)
