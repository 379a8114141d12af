"""Human process records (``security/records/*.yaml``): the evidence for requirements only people can meet."""

from __future__ import annotations

import datetime as dt
import enum
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from sdl_gate._files import read_text_limited, resolve_inside, sha256_file
from sdl_gate._ids import RequirementId
from sdl_gate._model import FrozenModel
from sdl_gate._yaml import load_yaml, validate
from sdl_gate.approvals.register import REGISTER_PATH, TrustedRegister, checkout_edit
from sdl_gate.approvals.sidecar import load_approvals, sidecar_path
from sdl_gate.approvals.verify import observe_approvals
from sdl_gate.collectors.base import CollectContext, own_evidence
from sdl_gate.collectors.code_authors import code_authors
from sdl_gate.errors import InputError, RecordError
from sdl_gate.evidence import Evidence, EvidenceKind, FileDigest
from sdl_gate.placeholders import (
    DOCUMENT_SUFFIXES,
    SHOWN_PLACEHOLDERS,
    Placeholder,
    PlaceholderAt,
    PlaceholderKind,
    document_placeholders,
    find_marker,
    find_placeholder,
)
from sdl_gate.record_kinds import RecordKind
from sdl_gate.threatmodel.model import ElementId

__all__ = ["Approval", "Link", "LinkStatus", "Record", "RecordKind", "RecordsCollector", "load_record", "record_files"]

RECORDS_SUBDIR = "records"
MAX_RECORDS = 2000
#: Letters or digits a record's title needs (a name, so fewer than free text).
TITLE_MIN_CHARS = 4
_EMAIL_IN_NAME = re.compile(r"<\s*([^\s<>@]+@[^\s<>@]+)\s*>")
_BARE_EMAIL = re.compile(r"^\s*([^\s<>@]+@[^\s<>@]+)\s*$")


def email_of(person: str) -> str | None:
    """Return the e-mail address in ``Name <email>`` (or a bare address), lower-cased; None when there is none."""
    found = _EMAIL_IN_NAME.search(person) or _BARE_EMAIL.match(person)
    return found.group(1).lower() if found else None


class LinkStatus(str, enum.Enum):
    """What the collector found at a record's link."""

    UNCHANGED = "unchanged"
    CHANGED = "changed"
    MISSING = "missing"
    PRESENT = "present"  # the record pins no digest; its approvals pin what each approver saw
    URL = "url"


class Approval(FrozenModel):
    """A free-text sign-off from before approvals were signatures: kept readable, it never counts."""

    approver: str = Field(min_length=1)
    date: dt.date


class Link(FrozenModel):
    """A document the record rests on: a repository file pinned by digest, or a URL."""

    path: str | None = Field(default=None, min_length=1)
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")

    @model_validator(mode="after")
    def _one_target(self) -> Link:
        if (self.path is None) == (self.url is None):
            raise ValueError("a link has exactly one of path or url")
        if self.url is not None and self.sha256 is not None:
            raise ValueError("only a path link carries a sha256")
        return self


class Record(FrozenModel):
    """One record file (``version: 1``)."""

    model_config = ConfigDict(title="sdl-gate process record")

    version: Literal[1]
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=100)
    kind: RecordKind
    title: str = Field(min_length=1)
    requirements: list[RequirementId] = Field(min_length=1)
    date: dt.date
    author: str = Field(min_length=1, description="Who wrote the record: 'Name <email>'.")
    approval: Approval | None = Field(
        default=None,
        description="Legacy free-text approval; it does not count. Approve with `sdl-gate records approve ID`.",
    )
    links: list[Link] = Field(default_factory=list)
    valid_until: dt.date | None = None
    testers: list[str] = Field(
        default_factory=list,
        description="test_report and pen_test: the e-mail addresses of the people who tested (SVV-5).",
    )
    code_under_test: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_][A-Za-z0-9._/@{}^~-]*$",
        max_length=200,
        description="test_report and pen_test: the git revision range whose authors the testers must be "
        "independent of (default: the whole history of HEAD).",
    )
    notes: str | None = None
    verifies: list[ElementId] = Field(
        default_factory=list,
        validate_default=True,
        description="Inspection records only: the ids of the product security requirements "
        "(security/requirements.yaml) the inspection verified.",
    )

    @model_validator(mode="after")
    def _dates(self) -> Record:
        if self.approval is not None and self.approval.date < self.date:
            raise ValueError("approval.date is before the record's date")
        if self.valid_until is not None and self.valid_until < self.date:
            raise ValueError("valid_until is before the record's date")
        for tester in self.testers:
            if email_of(tester) is None:
                raise ValueError(f"tester {tester!r} names no e-mail address ('Name <email>' or 'email')")
        if (self.testers or self.code_under_test) and self.kind not in (RecordKind.TEST_REPORT, RecordKind.PEN_TEST):
            raise ValueError("testers and code_under_test belong to test_report and pen_test records")
        return self

    @field_validator("verifies")
    @classmethod
    def _verifies(cls, value: list[str], info: ValidationInfo) -> list[str]:
        kind = info.data.get("kind")
        if kind is RecordKind.INSPECTION and not value:
            raise ValueError("an inspection record lists the product requirement ids it verified under verifies")
        if kind is not None and kind is not RecordKind.INSPECTION and value:
            raise ValueError(f"verifies is for inspection records; this record is a {kind.value}")
        return value

    def signed_content(self) -> dict[str, Any]:
        """The record's data as its approvals sign it: validated, fields left at their defaults omitted."""
        data: dict[str, Any] = self.model_dump(mode="json", exclude_defaults=True)
        return data


def load_record(path: Path, *, root: Path | None = None) -> tuple[Record, dict[tuple[str | int, ...], int]]:
    """Load and validate one record file (with ``root``: inside the project); return it and every value's line."""
    data, lines = load_yaml(path, root=root)
    try:
        return validate(Record, data, path, lines, "record"), lines.lines
    except InputError as exc:
        raise RecordError(exc.message, path=exc.path, line=exc.line, location=exc.location) from None


def record_files(security_dir: Path) -> list[Path]:
    """Return the record files under ``security_dir/records``, sorted."""
    directory = security_dir / RECORDS_SUBDIR
    if not directory.is_dir():
        return []
    files = sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml"))
    if len(files) > MAX_RECORDS:
        raise RecordError(f"more than {MAX_RECORDS} record files; refused", path=directory)
    return files


def _people(addresses: list[str], register: TrustedRegister | None) -> list[dict[str, Any]]:
    """Each address with what the register knows about its owner (department, organisation), if anything."""
    people = []
    for address in sorted(set(addresses)):
        person = register.register.person_by_email(address) if register is not None else None
        people.append({"email": address, "person": person.summary() if person is not None else None})
    return people


def _observe_links(
    context: CollectContext,
    path: Path,
    record: Record,
    lines: dict[tuple[str | int, ...], int],
    files: list[FileDigest],
    placeholders: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[tuple[str, str | None]]]:
    """What each link of a record points at now; linked files go to ``files``, placeholders to ``placeholders``."""
    links: list[dict[str, Any]] = []
    links_now: list[tuple[str, str | None]] = []
    for index, link in enumerate(record.links):
        if link.url is not None:
            links.append({"url": link.url, "status": LinkStatus.URL.value})
            continue
        if link.path is None:  # the model guarantees a path or a url
            continue
        target = resolve_inside(
            context.root,
            link.path,
            source=path,
            line=lines.get(("links", index, "path")),
            location=f"links[{index}].path",
        )
        actual = sha256_file(target) if target.is_file() else None
        if actual is None:
            status = LinkStatus.MISSING
        elif link.sha256 is None:
            status = LinkStatus.PRESENT
        else:
            status = LinkStatus.UNCHANGED if actual == link.sha256 else LinkStatus.CHANGED
        if actual is not None:
            files.append(FileDigest(path=context.relative(target), sha256=actual))
            placeholders += [
                _placeholder(context.relative(target), found.line, found.placeholder)
                for found in _linked_placeholders(context, target)
            ]
        links_now.append((link.path, actual))
        links.append(
            {
                "path": link.path,
                "expected_sha256": link.sha256,
                "actual_sha256": actual,
                "status": status.value,
            }
        )
    return links, links_now


def _placeholder(path: str, line: int | None, placeholder: Placeholder) -> dict[str, Any]:
    return {"file": path, "line": line, "kind": placeholder.kind.value, "reason": placeholder.describe()}


def _record_placeholders(
    path: Path, relative: str, record: Record, lines: dict[tuple[str | int, ...], int]
) -> list[dict[str, Any]]:
    """The placeholders in a record's own text: its free texts, its people, and the file as a template copy."""
    found: list[dict[str, Any]] = []
    for copied in document_placeholders(read_text_limited(path), path.suffix):
        found.append(_placeholder(relative, copied.line, copied.placeholder))
    texts: list[tuple[tuple[str | int, ...], Placeholder | None]] = [
        (("title",), find_placeholder(record.title, min_chars=TITLE_MIN_CHARS)),
        (("author",), find_marker(record.author)),
    ]
    if record.notes is not None:
        texts.append((("notes",), find_placeholder(record.notes)))
    texts += [(("testers", index), find_marker(tester)) for index, tester in enumerate(record.testers)]
    for key, placeholder in texts:
        if placeholder is not None:
            found.append(_placeholder(relative, lines.get(key), placeholder))
    return found


def _linked_placeholders(context: CollectContext, target: Path) -> list[PlaceholderAt]:
    """The placeholders in a linked file: documents line by line, any other text as a possible template copy."""
    try:
        text = read_text_limited(target, root=context.root)
    except InputError as exc:
        if target.suffix.lower() in DOCUMENT_SUFFIXES:
            # A document that cannot be read cannot be told free of placeholders: it does not count.
            return [PlaceholderAt(1, Placeholder(PlaceholderKind.UNREADABLE, exc.message))]
        return []  # a PDF or image is beyond what placeholders can judge
    return document_placeholders(text, target.suffix)


def _register_facts(context: CollectContext, files: list[FileDigest]) -> dict[str, Any]:
    """Which trusted register verified the approvals, and whether the change edits the checkout's copy."""
    trusted = context.approvers
    if trusted is None:
        return {"source": None, "sha256": None, "people": 0, "edit": None}
    copy = context.root / REGISTER_PATH
    if copy.is_file():  # what "edited in this change" was judged on
        files.append(context.digest(copy))
    return {**trusted.describe(), "edit": checkout_edit(context.root, trusted)}


class RecordsCollector:
    """Reads every record, checks each linked file and verifies each approval against the trusted register."""

    kind = EvidenceKind.RECORDS

    def collect(self, context: CollectContext) -> Evidence:
        """Load all records, observe their links and verify their approvals."""
        files: list[FileDigest] = []
        entries: list[dict[str, Any]] = []
        seen: dict[str, str] = {}
        trusted = context.approvers
        authors_by_range: dict[str, dict[str, Any]] = {}
        for path in record_files(context.project.security_dir):
            if path.is_dir():
                raise RecordError("is a directory, expected a record file", path=path)
            record, lines = load_record(path, root=context.root)
            relative = context.relative(path)
            if record.id in seen:
                raise RecordError(
                    f"duplicate record id {record.id!r} (also in {seen[record.id]})",
                    path=path,
                    line=lines.get(("id",)),
                )
            seen[record.id] = relative
            files.append(context.digest(path))
            placeholders = _record_placeholders(path, relative, record, lines)
            links, links_now = _observe_links(context, path, record, lines, files, placeholders)
            approvals = load_approvals(path, record.id, root=context.root)
            if approvals is not None:
                files.append(context.digest(sidecar_path(path)))
            entry: dict[str, Any] = {
                "id": record.id,
                "file": relative,
                "kind": record.kind.value,
                "title": record.title,
                "requirements": sorted(set(record.requirements)),
                "date": record.date.isoformat(),
                "author": record.author,
                "author_email": email_of(record.author),
                "approvals": observe_approvals(approvals, record.signed_content(), links_now, trusted),
                "legacy_approval": record.approval is not None,
                "valid_until": record.valid_until.isoformat() if record.valid_until else None,
                "links": links,
                "verifies": sorted(set(record.verifies)),
                "notes": record.notes,
                "placeholders": placeholders[:SHOWN_PLACEHOLDERS],
                "placeholder_count": len(placeholders),
            }
            if record.testers:
                testers = [email_of(t) or "" for t in record.testers]
                revision = record.code_under_test or "HEAD"
                if revision not in authors_by_range:
                    authors_by_range[revision] = code_authors(context.root, revision)
                observed = authors_by_range[revision]
                entry["testers"] = _people(testers, trusted)
                entry["code_authors"] = {
                    "range": revision,
                    "status": observed["status"],
                    "detail": observed["detail"],
                    "authors": _people(observed["authors"], trusted),
                }
            entries.append(entry)
        register = _register_facts(context, files)
        payload = {"records": sorted(entries, key=lambda e: str(e["id"])), "register": register}
        return own_evidence(self.kind, context, files, payload)
