"""Human process records (``security/records/*.yaml``): the evidence for requirements only people can meet."""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from sdl_gate._files import resolve_inside, sha256_file
from sdl_gate._ids import RequirementId
from sdl_gate._yaml import load_yaml, validate
from sdl_gate.collectors.base import SDL_GATE_TOOL, CollectContext
from sdl_gate.errors import InputError, RecordError
from sdl_gate.evidence import Evidence, EvidenceKind, FileDigest, Subject, ToolInfo
from sdl_gate.threatmodel.model import ElementId

RECORDS_SUBDIR = "records"
MAX_RECORDS = 2000


class RecordKind(str, enum.Enum):
    """The kinds of human evidence a record can be."""

    PROCESS_DOCUMENT = "process_document"
    REVIEW = "review"
    TRAINING = "training"
    PEN_TEST = "pen_test"
    PERIODIC_REVIEW = "periodic_review"
    SUPPLIER_ATTESTATION = "supplier_attestation"
    TEST_REPORT = "test_report"
    RELEASE_NOTES = "release_notes"
    KEY_CUSTODY = "key_custody"
    TRIAGE = "triage"
    INSPECTION = "inspection"


class LinkStatus(str, enum.Enum):
    """What the collector found at a record's link."""

    UNCHANGED = "unchanged"
    CHANGED = "changed"
    MISSING = "missing"
    URL = "url"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Approval(_Strict):
    """Who signed the record off, and when."""

    approver: str = Field(min_length=1)
    date: dt.date


class Link(_Strict):
    """A document the record rests on: a repository file pinned by digest, or a URL."""

    path: str | None = Field(default=None, min_length=1)
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")

    @model_validator(mode="after")
    def _one_target(self) -> Link:
        if (self.path is None) == (self.url is None):
            raise ValueError("a link has exactly one of path or url")
        if self.path is not None and self.sha256 is None:
            raise ValueError("a path link needs the sha256 of the file as approved")
        return self


class Record(_Strict):
    """One record file (``version: 1``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="sdl-gate process record")

    version: Literal[1]
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=100)
    kind: RecordKind
    title: str = Field(min_length=1)
    requirements: list[RequirementId] = Field(min_length=1)
    date: dt.date
    author: str = Field(min_length=1)
    approval: Approval | None = None
    links: list[Link] = Field(default_factory=list)
    valid_until: dt.date | None = None
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


def load_record(path: Path) -> tuple[Record, dict[tuple[str | int, ...], int]]:
    """Load and validate one record file; return it and the line of every value."""
    data, lines = load_yaml(path)
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


class RecordsCollector:
    """Reads every record, checks each linked file against the digest it was approved with."""

    kind = EvidenceKind.RECORDS

    def collect(self, context: CollectContext) -> Evidence:
        """Load all records and observe their links."""
        files: list[FileDigest] = []
        entries: list[dict[str, Any]] = []
        seen: dict[str, str] = {}
        for path in record_files(context.project.security_dir):
            if path.is_dir():
                raise RecordError("is a directory, expected a record file", path=path)
            record, lines = load_record(path)
            relative = context.relative(path)
            if record.id in seen:
                raise RecordError(
                    f"duplicate record id {record.id!r} (also in {seen[record.id]})",
                    path=path,
                    line=lines.get(("id",)),
                )
            seen[record.id] = relative
            files.append(context.digest(path))
            links: list[dict[str, Any]] = []
            for index, link in enumerate(record.links):
                if link.url is not None:
                    links.append({"url": link.url, "status": LinkStatus.URL.value})
                    continue
                if link.path is None or link.sha256 is None:  # the model guarantees both for path links
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
                else:
                    status = LinkStatus.UNCHANGED if actual == link.sha256 else LinkStatus.CHANGED
                    files.append(FileDigest(path=context.relative(target), sha256=actual))
                links.append(
                    {
                        "path": link.path,
                        "expected_sha256": link.sha256,
                        "actual_sha256": actual,
                        "status": status.value,
                    }
                )
            entries.append(
                {
                    "id": record.id,
                    "file": relative,
                    "kind": record.kind.value,
                    "title": record.title,
                    "requirements": sorted(set(record.requirements)),
                    "date": record.date.isoformat(),
                    "author": record.author,
                    "approval": (
                        {"approver": record.approval.approver, "date": record.approval.date.isoformat()}
                        if record.approval
                        else None
                    ),
                    "valid_until": record.valid_until.isoformat() if record.valid_until else None,
                    "links": links,
                    "verifies": sorted(set(record.verifies)),
                    "notes": record.notes,
                }
            )
        unique_files = sorted({(f.path, f.sha256) for f in files})
        return Evidence(
            kind=self.kind,
            tool=ToolInfo(name=SDL_GATE_TOOL[0], version=SDL_GATE_TOOL[1]),
            subject=Subject(commit=context.commit, files=tuple(FileDigest(path=p, sha256=d) for p, d in unique_files)),
            payload={"records": sorted(entries, key=lambda e: str(e["id"]))},
        )
