"""What people do with records: start one from a skeleton, and approve one by signing it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sdl_gate._files import resolve_inside, sha256_file, write_new
from sdl_gate._git import find_repository
from sdl_gate._tool import ToolUnavailable, run_tool
from sdl_gate.approvals.canonical import approval_message
from sdl_gate.approvals.register import TrustedRegister
from sdl_gate.approvals.sidecar import ApprovalsFile, LinkedFile, SignedApproval, load_approvals, write_approvals
from sdl_gate.approvals.signatures import (
    SIGN_TIMEOUT_SECONDS,
    key_fingerprint,
    parse_public_key,
    sign_ssh,
    verify_ssh,
)
from sdl_gate.attest.keys import SignatureInvalid
from sdl_gate.collectors.records import RECORDS_SUBDIR, Record, email_of, load_record, record_files
from sdl_gate.config import Project
from sdl_gate.errors import InputError, RecordError, ToolError
from sdl_gate.record_kinds import RecordKind

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
TEST_KINDS = (RecordKind.TEST_REPORT, RecordKind.PEN_TEST)


def requirements_accepting(kind: RecordKind) -> list[str]:
    """The requirements whose checks or catalogue entries accept a record of ``kind``, in catalogue order."""
    from sdl_gate.catalogue import load_catalogue
    from sdl_gate.checks import CHECKS

    return [
        r.id
        for r in load_catalogue().requirements
        if kind.value in r.record_kinds or any(kind.value in c.record_kinds for c in CHECKS[r.id].criteria)
    ]


def _git_author(root: Path) -> str | None:
    repository = find_repository(root)
    if repository is None:
        return None
    values = []
    for key in ("user.name", "user.email"):
        try:
            # The operator's own identity: their global configuration is what names them.
            run = repository.run("config", "--get", key, cwd=root, timeout=10, operator_config=True)
        except ToolUnavailable:
            return None
        if run.returncode != 0 or not run.stdout.strip():
            return None
        values.append(run.stdout.strip())
    return f"{values[0]} <{values[1]}>"


def new_record(
    project: Project, kind: RecordKind, today: date, *, record_id: str | None = None, author: str | None = None
) -> Path:
    """Write a filled skeleton record of ``kind`` dated ``today``; never overwrite; return its path."""
    chosen = record_id or f"{kind.value.replace('_', '-')}-{today.isoformat()}"
    if not _ID.match(chosen) or len(chosen) > 100:
        raise InputError(f"{chosen!r} is not a record id (letters, digits, '.', '_' and '-')")
    directory = project.security_dir / RECORDS_SUBDIR
    target = directory / f"{chosen}.yaml"
    for existing in record_files(project.security_dir):
        if existing.stem == chosen:
            raise InputError("a record with this id exists; choose another with --id", path=existing)
    accepted = requirements_accepting(kind)
    writer = author or _git_author(project.root) or "TODO Name <you@example.com>"
    lines = [
        f"# A {kind.value} record. It counts once someone the approver register entitles to approve it, other",
        f"# than its author, has signed it: `sdl-gate records approve {chosen} --key ~/.ssh/id_ed25519`.",
        f"# Requirements that accept a {kind.value}: {', '.join(accepted)}. Keep the ones this record evidences.",
        "version: 1",
        f"id: {chosen}",
        f"kind: {kind.value}",
        "title: TODO one line saying what this record is about",
        f"requirements: [{', '.join(accepted)}]",
        f"date: {today.isoformat()}",
        f"author: {writer}",
        "links: []",
        "# links:",
        "#   - path: docs/what-was-reviewed.md   # inside the project; its digest is signed with each approval",
        "#   - url: https://wiki.example.com/minutes",
        f"# valid_until: {(today + timedelta(days=365)).isoformat()}",
    ]
    if kind in TEST_KINDS:
        lines += [
            "# Who tested (SVV-5 checks them against the git authors of the code under test):",
            "# testers: [Tester Name <tester@example.com>]",
            "# code_under_test: v1.3.0..v1.4.0   # git revision range; default: the whole history of HEAD",
        ]
    lines.append("# notes: TODO")
    directory.mkdir(parents=True, exist_ok=True)
    if not write_new(target, "\n".join(lines) + "\n"):
        raise InputError("exists already; choose another id with --id", path=target)
    return target


def find_record(project: Project, record_id: str) -> tuple[Path, Record]:
    """Return the file and content of the record whose id is ``record_id``."""
    for path in record_files(project.security_dir):
        record, _ = load_record(path)
        if record.id == record_id:
            return path, record
    raise InputError(
        f"no record with id {record_id!r} under {project.security_dir / RECORDS_SUBDIR}",
        hint="`sdl-gate records status` lists them",
    )


def linked_digests(project: Project, path: Path, record: Record) -> list[tuple[str, str]]:
    """The current SHA-256 of every linked file of a record, refusing missing files and outdated pins."""
    linked: list[tuple[str, str]] = []
    for index, link in enumerate(record.links):
        if link.path is None:
            continue
        where = f"links[{index}].path"
        target = resolve_inside(project.root, link.path, source=path, line=None, location=where)
        if not target.is_file():
            raise RecordError(f"linked file {link.path} is missing; fix the link before approving", path=path)
        digest = sha256_file(target)
        if link.sha256 is not None and link.sha256 != digest:
            raise RecordError(
                f"links[{index}].sha256 pins another version of {link.path} than the file now has; review the "
                "change, then remove the sha256 (each approval pins the digests it saw) or restore the file",
                path=path,
                location=f"links[{index}].sha256",
            )
        linked.append((link.path, digest))
    return linked


def public_key_fingerprint(key: Path) -> str | None:
    """The fingerprint of the key ``key`` signs with: from KEY.pub beside it, else derived by ssh-keygen."""
    candidate = key if key.suffix == ".pub" else key.with_name(key.name + ".pub")
    text: str | None = None
    if candidate.is_file():
        text = candidate.read_text(encoding="utf-8", errors="replace")
    else:
        try:
            run = run_tool(["ssh-keygen", "-y", "-f", str(key)], timeout=SIGN_TIMEOUT_SECONDS)
        except ToolUnavailable:
            return None
        text = run.stdout if run.returncode == 0 else None
    if text is None:
        return None
    try:
        return key_fingerprint(parse_public_key(text))
    except ValueError:
        return None


@dataclass(frozen=True)
class ApproveResult:
    """What ``records approve`` wrote."""

    record_id: str
    approvals_file: Path
    approver: str
    signer: str
    linked_files: tuple[tuple[str, str], ...]
    checked_against: str | None
    replaced: bool


def approve_record(
    project: Project,
    record_id: str,
    key: Path,
    today: date,
    *,
    approver: str | None = None,
    register: TrustedRegister | None = None,
) -> ApproveResult:
    """Sign record ``record_id`` with the SSH ``key`` and add (or renew) the approval in its sidecar."""
    path, record = find_record(project, record_id)
    existing = load_approvals(path, record.id)
    person = None
    if register is not None:
        fingerprint = public_key_fingerprint(key)
        person = register.register.person_by_key(fingerprint) if fingerprint else None
        if approver is not None:
            person = register.register.person_by_email(approver)
        if person is None:
            who = approver or (f"key {fingerprint}" if fingerprint else f"the owner of {key}")
            raise InputError(
                f"{who} is not in the trusted approver register ({register.source}); an approval by someone it "
                "does not list never counts",
                hint="ask whoever keeps the register to add you with your SSH public key",
            )
        approver = approver or person.email
        author = email_of(record.author)
        if author is not None and author in person.emails:
            raise InputError(f"{person.name} wrote record {record.id}: an author never approves their own record")
        if not any(register.register.may_approve(person, record.kind.value, r) for r in record.requirements):
            raise InputError(
                f"the approver register does not entitle {person.name} to approve {record.kind.value} records "
                f"for {', '.join(record.requirements)}"
            )
    if approver is None:
        raise InputError("say who approves: --approver EMAIL (or name the register so your key identifies you)")
    if email_of(approver) != approver.strip().lower():
        raise InputError(f"--approver {approver!r} is not an e-mail address")
    approver = approver.strip().lower()
    linked = linked_digests(project, path, record)
    message = approval_message(record.signed_content(), linked, approver, today)
    signature = sign_ssh(message, key)
    try:
        signer = verify_ssh(message, signature)
    except SignatureInvalid as exc:
        raise ToolError(f"ssh-keygen wrote a signature that does not verify: {exc}") from None
    if person is not None and register is not None and register.register.person_by_key(signer) != person:
        raise InputError(f"key {signer} is not a key of {person.name} in the approver register", path=key)
    approval = SignedApproval(
        approver=approver,
        date=today,
        linked_files=[LinkedFile(path=p, sha256=d) for p, d in linked],
        ssh_signature=signature,
    )
    kept = [a for a in (existing.approvals if existing else []) if a.approver.lower() != approver]
    written = write_approvals(path, ApprovalsFile(version=1, record=record.id, approvals=[*kept, approval]))
    return ApproveResult(
        record_id=record.id,
        approvals_file=written,
        approver=approver,
        signer=signer,
        linked_files=tuple(linked),
        checked_against=register.source if register else None,
        replaced=existing is not None and len(kept) < len(existing.approvals),
    )
