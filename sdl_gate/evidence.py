"""Evidence: what one collector observed, bound to a commit and file digests, and its on-disk store.

An evidence id is the SHA-256 of its canonical JSON; the collection time is kept beside it in the
stored envelope, never inside, so the same observation always has the same id.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from sdl_gate._files import canonical_json, pretty_json, read_bytes_limited, sha256_bytes, write_atomic
from sdl_gate._model import FrozenModel
from sdl_gate.errors import InputError

EVIDENCE_DIR = Path(".sdl-gate") / "evidence"
MAX_EVIDENCE_BYTES = 64 * 1024 * 1024
MAX_POINTER_BYTES = 4096
_EVIDENCE_ID = re.compile(r"sha256:[0-9a-f]{64}")


class EvidenceKind(str, enum.Enum):
    """Every kind of evidence a collector can produce."""

    RECORDS = "records"
    REPOSITORY = "repository"
    WAIVERS = "waivers"
    SBOM = "sbom"
    VULNERABILITY_AUDIT = "vulnerability_audit"
    SAST = "sast"
    SIGNATURES = "signatures"
    THREAT_MODEL = "threat_model"
    SECURITY_REQUIREMENTS = "security_requirements"
    TEST_RESULTS = "test_results"
    BUNDLE = "bundle"
    DEVELOPMENT_ENVIRONMENT = "development_environment"
    HISTORY = "history"


#: Kinds no collector of a gate run produces: other steps (the pytest plugin, ``test-results import``,
#: ``bundle create``, ``check --history``) leave them in the store and a run reads them back. They say what
#: happened at one commit, so they count only when bound to the assessed commit: never outside git, where
#: nothing ties a stored file to the code. Only they can be stale, so only they are held to the policy's age
#: limit; evidence a run collects itself is as old as the run.
STORED_KINDS = frozenset({EvidenceKind.TEST_RESULTS, EvidenceKind.BUNDLE, EvidenceKind.HISTORY})
#: The tool name `sdl-gate test-results import` records its evidence under (a JUnit report, not a run observed).
IMPORTED_TEST_TOOL = "junit-xml"


class ToolInfo(FrozenModel):
    """The tool that produced a piece of evidence."""

    name: str
    version: str


class FileDigest(FrozenModel):
    """A file the collector looked at, relative to the project root, with its SHA-256."""

    path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Subject(FrozenModel):
    """What the evidence is about: the repository commit and the files observed."""

    commit: str | None
    files: tuple[FileDigest, ...] = ()


class Evidence(FrozenModel):
    """One collector's observation; immutable, identified by the digest of its canonical JSON."""

    kind: EvidenceKind
    tool: ToolInfo
    subject: Subject
    payload: dict[str, Any]
    raw: str | None = None

    def canonical(self) -> str:
        """Return the canonical JSON the id is computed over."""
        return canonical_json(self.model_dump(mode="json"))

    @property
    def id(self) -> str:
        """The content digest, ``sha256:<hex>``."""
        return evidence_id(self.model_dump(mode="json"))


def evidence_id(dumped: dict[str, Any]) -> str:
    """Return the id of evidence from its ``model_dump(mode="json")``, so that one serialisation serves several uses."""
    return "sha256:" + sha256_bytes(canonical_json(dumped).encode("utf-8"))


class StoredEvidence(FrozenModel):
    """The on-disk envelope: the evidence, its id and when it was collected."""

    id: str
    collected_at: datetime
    evidence: Evidence


def raw_reference(data: bytes, suffix: str) -> str:
    """Return the content-addressed reference an original tool output is stored under."""
    return f"raw/{sha256_bytes(data)}.{suffix.lstrip('.')}"


@dataclass(frozen=True)
class Rejection:
    """Why a piece of evidence, or a collector's output, cannot be used.

    ``refresh`` is the one command that records the evidence afresh, when it was stale (another commit, too old).
    """

    kind: EvidenceKind
    reason: str
    refresh: str | None = None


def refresh_command(evidence: Evidence) -> str | None:
    """Return the one command that records stale evidence of a stored kind again for the assessed commit."""
    match evidence.kind:
        case EvidenceKind.TEST_RESULTS if evidence.tool.name == IMPORTED_TEST_TOOL:
            return "`sdl-gate test-results import REPORT --provenance TEXT` with the report of a run at this commit"
        case EvidenceKind.TEST_RESULTS:
            return "`sdl-gate check --run-tests` runs the tests, records their results for this commit and gates"
        case EvidenceKind.HISTORY:
            return "`sdl-gate check --history DIR` records the release history for this commit"
        case _:
            return None


@dataclass(frozen=True)
class EvidenceSet:
    """The evidence an assessment reads, all bound to one commit, plus what was rejected and why."""

    commit: str | None
    items: tuple[StoredEvidence, ...] = ()
    rejections: tuple[Rejection, ...] = ()
    #: Each item's payload validated against its kind's model, by evidence id (``sdl_gate.payloads``), so that
    #: the criteria reading one piece of evidence validate it once between them.
    payload_cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def of(self, kind: EvidenceKind) -> tuple[Evidence, ...]:
        """Return the usable evidence of one kind."""
        return tuple(item.evidence for item in self.items if item.evidence.kind is kind)

    def stored(self, kind: EvidenceKind) -> tuple[StoredEvidence, ...]:
        """Return the usable evidence of one kind with its id, which admission checked against its content."""
        return tuple(item for item in self.items if item.evidence.kind is kind)

    def rejected(self, kind: EvidenceKind) -> tuple[Rejection, ...]:
        """Return why evidence of ``kind`` was not usable, if it was not."""
        return tuple(r for r in self.rejections if r.kind is kind)

    def ids(self) -> tuple[str, ...]:
        """Return every usable evidence id, sorted."""
        return tuple(sorted(item.id for item in self.items))


def admit(
    candidates: Iterable[StoredEvidence],
    *,
    commit: str | None,
    today: date,
    max_age_days: int,
    failures: Iterable[Rejection] = (),
) -> EvidenceSet:
    """Keep evidence bound to ``commit`` and, for kinds left by other steps, younger than ``max_age_days``.

    Evidence of those kinds also needs a commit on both sides: taken or assessed outside git, it is rejected.
    The rest is rejected with reasons. ``collected_at`` is ``SOURCE_DATE_EPOCH`` when that was set, so the
    age of what a run collected itself is never judged from it.
    """
    items: list[StoredEvidence] = []
    rejections: list[Rejection] = list(failures)
    oldest = today - timedelta(days=max_age_days)
    for stored in candidates:
        evidence = stored.evidence
        if stored.id != evidence.id:
            rejections.append(
                Rejection(
                    evidence.kind, f"{evidence.kind.value} evidence {stored.id} does not match its content digest"
                )
            )
        elif evidence.kind in STORED_KINDS and (commit is None or evidence.subject.commit is None):
            outside = (
                "there is no assessed commit (not a git checkout, or git could not tell)"
                if commit is None
                else "it was taken outside git"
            )
            rejections.append(
                Rejection(
                    evidence.kind,
                    f"{evidence.kind.value} evidence cannot be bound to the assessed commit: {outside}; "
                    "record it again in the git checkout being assessed",
                )
            )
        elif evidence.subject.commit != commit:
            refresh = refresh_command(evidence)
            reason = (
                f"{evidence.kind.value} evidence was taken at commit {evidence.subject.commit or 'none'}, "
                f"not the assessed commit {commit or 'none'}"
            )
            rejections.append(Rejection(evidence.kind, f"{reason}: stale; {refresh}" if refresh else reason, refresh))
        elif evidence.kind in STORED_KINDS and stored.collected_at.astimezone(timezone.utc).date() < oldest:
            refresh = refresh_command(evidence)
            reason = (
                f"{evidence.kind.value} evidence collected {stored.collected_at.date().isoformat()} is older "
                f"than the policy's {max_age_days}-day limit"
            )
            rejections.append(Rejection(evidence.kind, f"{reason}: stale; {refresh}" if refresh else reason, refresh))
        else:
            items.append(stored)
    items.sort(key=lambda s: (s.evidence.kind.value, s.id))
    return EvidenceSet(commit=commit, items=tuple(items), rejections=tuple(rejections))


@dataclass
class EvidenceStore:
    """Evidence files under ``<root>/.sdl-gate/evidence``: content-addressed objects and a pointer per kind."""

    root: Path
    _directory: Path = field(init=False)

    def __post_init__(self) -> None:
        self._directory = self.root / EVIDENCE_DIR

    @property
    def directory(self) -> Path:
        """The evidence directory."""
        return self._directory

    def object_path(self, evidence_id: str) -> Path:
        """Return where the evidence with ``evidence_id`` is stored."""
        return self._directory / "objects" / (evidence_id.replace("sha256:", "") + ".json")

    def pointer_path(self, kind: EvidenceKind) -> Path:
        """Return the pointer file that names the latest evidence of ``kind``."""
        return self._directory / "latest" / f"{kind.value}.json"

    def raw_path(self, raw: str) -> Path:
        """Return the file behind an ``Evidence.raw`` reference (``raw/<sha256>.<suffix>``)."""
        return self._directory / raw

    def put_raw(self, data: bytes, suffix: str) -> str:
        """Store an original tool output, content-addressed; return the reference for ``Evidence.raw``."""
        reference = raw_reference(data, suffix)
        path = self.raw_path(reference)
        if not path.exists():
            write_atomic(path, data)
        return reference

    def put(self, evidence: Evidence, collected_at: datetime) -> StoredEvidence:
        """Store ``evidence`` atomically and make it the latest of its kind."""
        # The payload (thousands of SAST results) is serialised once, for both the id and the stored object: the
        # envelope's canonical JSON is assembled around the evidence's, key by key in sorted order as
        # ``canonical_json`` would write it.
        text = canonical_json(evidence.model_dump(mode="json"))
        stored = StoredEvidence(
            id="sha256:" + sha256_bytes(text.encode("utf-8")), collected_at=collected_at, evidence=evidence
        )
        parts = {
            key: canonical_json(value) for key, value in stored.model_dump(mode="json", exclude={"evidence"}).items()
        }
        parts["evidence"] = text
        document = "{" + ",".join(f"{canonical_json(key)}:{parts[key]}" for key in sorted(parts)) + "}"
        # Compact, the canonical form: a SAST payload holds thousands of results, and json's indenting encoder is
        # pure Python (several times slower). The id is the digest of the evidence, not of the file's layout.
        write_atomic(self.object_path(stored.id), document + "\n")
        pointer = {"id": stored.id, "kind": evidence.kind.value, "commit": evidence.subject.commit}
        write_atomic(self.pointer_path(evidence.kind), pretty_json(pointer))
        return stored

    def latest(self, kind: EvidenceKind) -> StoredEvidence | Rejection | None:
        """Return the latest stored evidence of ``kind``, a rejection if it is unreadable, or None."""
        pointer_file = self.pointer_path(kind)
        if not pointer_file.exists():
            return None
        try:
            if pointer_file.stat().st_size > MAX_POINTER_BYTES:
                return Rejection(kind, f"the stored {kind.value} pointer is larger than {MAX_POINTER_BYTES} bytes")
            # The store sits in the checkout: a pointer may be a link to a FIFO or out of the project.
            pointer = json.loads(read_bytes_limited(pointer_file, MAX_POINTER_BYTES, root=self.root))
            evidence_id = str(pointer["id"])
            if not _EVIDENCE_ID.fullmatch(evidence_id):
                # The id becomes a file name: anything but a digest could point outside the store.
                return Rejection(kind, f"the stored {kind.value} pointer names no evidence digest")
            object_file = self.object_path(evidence_id)
            if object_file.stat().st_size > MAX_EVIDENCE_BYTES:
                return Rejection(kind, f"stored {kind.value} evidence is larger than {MAX_EVIDENCE_BYTES} bytes")
            stored = StoredEvidence.model_validate_json(
                read_bytes_limited(object_file, MAX_EVIDENCE_BYTES, root=self.root)
            )
        except InputError as exc:
            return Rejection(kind, f"stored {kind.value} evidence is unusable: {exc.message}")
        except FileNotFoundError:
            return Rejection(kind, f"stored {kind.value} evidence is missing from {EVIDENCE_DIR.as_posix()}")
        except (OSError, ValueError, KeyError, TypeError, ValidationError) as exc:
            reason = type(exc).__name__
            return Rejection(kind, f"stored {kind.value} evidence is unreadable or truncated ({reason})")
        if stored.evidence.kind is not kind:
            return Rejection(kind, f"stored {kind.value} pointer names {stored.evidence.kind.value} evidence")
        return stored
