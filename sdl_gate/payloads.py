"""Every evidence kind's payload model, in one place, and an evidence set's payloads validated once each.

``Evidence.payload`` stays the JSON the collectors write (the evidence id is computed over it, so the on-disk
format is unchanged); a check reads it through :func:`typed`, which validates the payload against its kind's
model the first time it is asked for and keeps the result on the evidence set. A payload that does not
validate is :class:`Unusable`, naming the evidence and the first place that is wrong: never a pass, never a crash.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError, model_validator

from sdl_gate._model import FrozenModel
from sdl_gate.approvals.verify import ApprovalStatus
from sdl_gate.bundle_payload import BundleRecord
from sdl_gate.collectors.devenv import DevEnvPayload
from sdl_gate.collectors.records import LinkStatus
from sdl_gate.collectors.sbom import SbomPayload
from sdl_gate.collectors.signatures import SignaturesPayload
from sdl_gate.collectors.test_results import TestResult
from sdl_gate.collectors.vulns import AuditPayload
from sdl_gate.evidence import EvidenceKind, EvidenceSet, StoredEvidence
from sdl_gate.history_payload import HistoryPayload
from sdl_gate.placeholders import PlaceholderKind
from sdl_gate.record_kinds import RecordKind
from sdl_gate.sast.models import SastReport
from sdl_gate.threatmodel.freshness import Freshness
from sdl_gate.threatmodel.model import ThreatModel
from sdl_gate.threatmodel.requirements import SecurityRequirement

#: Problems of an invalid payload named in its rejection; the rest are counted.
_NAMED_PROBLEMS = 3


class RegisterFacts(FrozenModel):
    """What the records collector observed of the trusted approver register."""

    source: str | None
    sha256: str | None
    people: int
    #: Why the change under assessment edits the checkout's copy of the register; None when it does not.
    edit: str | None


class PersonFacts(FrozenModel):
    """What the trusted approver register says of a person (``Person.summary``): no keys."""

    name: str
    email: str
    emails: tuple[str, ...]
    department: str | None
    organisation: str | None


class ApprovalFacts(FrozenModel):
    """One signed approval of a record as the records collector verified it (approvals/verify.py)."""

    approver: str
    date: dt.date
    method: str
    status: ApprovalStatus
    detail: str
    signer: str | None
    #: The register's person who signed; None unless the signature identified one.
    person: PersonFacts | None
    #: The record's requirements the register entitles the signer to approve.
    may_approve: tuple[str, ...]
    changed_files: tuple[str, ...]


class LinkFacts(FrozenModel):
    """What the collector found at one of a record's links: a repository file (with digests) or a URL."""

    path: str | None = None
    url: str | None = None
    expected_sha256: str | None = None
    actual_sha256: str | None = None
    status: LinkStatus

    @model_validator(mode="after")
    def _one_target(self) -> LinkFacts:
        # A file's status says what its digests showed; a URL is only ever a URL.
        if (self.path is None) == (self.url is None) or (self.url is not None) != (self.status is LinkStatus.URL):
            raise ValueError("a link is a repository path or a URL, with the status of what it is")
        return self


class PlaceholderFacts(FrozenModel):
    """A placeholder found in a record or in a file it links."""

    file: str
    line: int | None
    kind: PlaceholderKind
    reason: str


class NamedPerson(FrozenModel):
    """An e-mail address a record names (a tester, an author of the code under test) and its owner in the register."""

    email: str
    person: PersonFacts | None


class CodeAuthorsFacts(FrozenModel):
    """The git authors of a test record's code under test (collectors/code_authors.py)."""

    range: str
    status: Literal["observed", "unavailable"]
    detail: str
    authors: tuple[NamedPerson, ...]


class RecordApprovals(FrozenModel):
    """What a record's approvals are judged against: who wrote it, what it is for, and the approvals themselves."""

    id: str
    kind: RecordKind
    requirements: tuple[str, ...]
    author: str
    #: The author's e-mail address; None when the author names none (so no approver can be told apart).
    author_email: str | None
    approvals: tuple[ApprovalFacts, ...]
    #: Whether the record carries a free-text ``approval:``, which does not count.
    legacy_approval: bool


class RecordEntry(RecordApprovals):
    """One record as the records collector lists it: the record's data with what was observed of it."""

    file: str
    title: str
    date: dt.date
    valid_until: dt.date | None
    links: tuple[LinkFacts, ...]
    #: Inspection records: the product requirements verified; absent from evidence from before inspections.
    verifies: tuple[str, ...] = ()
    notes: str | None
    #: The first placeholders found (at most ``SHOWN_PLACEHOLDERS``); ``placeholder_count`` counts them all.
    placeholders: tuple[PlaceholderFacts, ...]
    placeholder_count: int
    #: test_report and pen_test records naming testers: who tested, and who wrote the code under test.
    testers: tuple[NamedPerson, ...] | None = None
    code_authors: CodeAuthorsFacts | None = None

    @model_validator(mode="after")
    def _testers_with_authors(self) -> RecordEntry:
        # Testers are judged against the authors of the code they tested: one without the other judges nothing.
        if (self.testers is None) != (self.code_authors is None):
            raise ValueError("testers and code_authors come together")
        return self


class RecordsPayload(FrozenModel):
    """The payload of ``records`` evidence (collectors/records.py)."""

    records: tuple[RecordEntry, ...]
    # ``register`` would shadow the model class's own ``register`` (ABCMeta's).
    approver_register: RegisterFacts = Field(alias="register")


class SecurityPolicyFacts(FrozenModel):
    """The security policy found (SECURITY.md or security.txt) and the contacts it names."""

    path: str
    contacts: tuple[str, ...]


class CodeownersFacts(FrozenModel):
    """The CODEOWNERS file found, its number of ownership rules and its distinct owners."""

    path: str
    rules: int
    owners: tuple[str, ...]


class GuidelineFacts(FrozenModel):
    """A configured user guideline document: whether it is there, and its placeholders when it is."""

    path: str
    status: Literal["present", "missing", "empty"]
    sha256: str | None
    placeholders: tuple[str, ...] = ()
    placeholder_count: int = 0


class RepositoryPayload(FrozenModel):
    """The payload of ``repository`` evidence (collectors/repository.py)."""

    security_policy: SecurityPolicyFacts | None
    codeowners: CodeownersFacts | None
    guidelines: dict[str, GuidelineFacts]


class WaiverFacts(FrozenModel):
    """One registered waiver as the waivers collector describes it."""

    id: str
    kind: str
    target: str
    requirement: str | None
    requester: str | None
    approver: str | None
    created: str
    expires: str
    justification: str
    vex: dict[str, Any] | None
    approval: dict[str, Any] | None = None


class WaiversPayload(FrozenModel):
    """The payload of ``waivers`` evidence (collectors/waivers.py); checks judge the register itself."""

    present: bool
    waivers: tuple[WaiverFacts, ...]


class ThreatModelPayload(FrozenModel):
    """The payload of ``threat_model`` evidence (collectors/threat_model.py); only ``path`` when there is no model."""

    present: bool
    path: str
    format: str | None = None
    sha256: str | None = None
    model: ThreatModel | None = None
    freshness: Freshness | None = None


class TestMapFacts(FrozenModel):
    """The test map beside the requirements: which requirements each test id verifies."""

    path: str
    sha256: str
    tests: dict[str, list[str]]


class SecurityRequirementsPayload(FrozenModel):
    """The payload of ``security_requirements`` evidence (collectors/security_requirements.py)."""

    present: bool
    path: str
    sha256: str | None = None
    requirements: tuple[SecurityRequirement, ...] = ()
    test_map: TestMapFacts | None = None


class TestResultsPayload(FrozenModel):
    """The payload of ``test_results`` evidence (collectors/test_results.py)."""

    __test__ = False
    tests: tuple[TestResult, ...]


#: The payload model of every evidence kind (test_payloads checks that none is missing).
PAYLOAD_MODELS: dict[EvidenceKind, type[BaseModel]] = {
    EvidenceKind.RECORDS: RecordsPayload,
    EvidenceKind.REPOSITORY: RepositoryPayload,
    EvidenceKind.WAIVERS: WaiversPayload,
    EvidenceKind.SBOM: SbomPayload,
    EvidenceKind.VULNERABILITY_AUDIT: AuditPayload,
    EvidenceKind.SAST: SastReport,
    EvidenceKind.SIGNATURES: SignaturesPayload,
    EvidenceKind.THREAT_MODEL: ThreatModelPayload,
    EvidenceKind.SECURITY_REQUIREMENTS: SecurityRequirementsPayload,
    EvidenceKind.TEST_RESULTS: TestResultsPayload,
    EvidenceKind.BUNDLE: BundleRecord,
    EvidenceKind.DEVELOPMENT_ENVIRONMENT: DevEnvPayload,
    EvidenceKind.HISTORY: HistoryPayload,
}
_KIND_OF_MODEL: dict[type[BaseModel], EvidenceKind] = {model: kind for kind, model in PAYLOAD_MODELS.items()}

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def kind_of(model: type[BaseModel]) -> EvidenceKind:
    """Return the evidence kind whose payload ``model`` is; a model of no kind is a programming error."""
    try:
        return _KIND_OF_MODEL[model]
    except KeyError:
        raise TypeError(f"{model.__name__} is the payload model of no evidence kind") from None


@dataclass(frozen=True)
class Typed(Generic[T]):
    """One usable piece of evidence with its payload validated against its kind's model (or a view of it)."""

    stored: StoredEvidence
    payload: T

    @property
    def id(self) -> str:
        """The evidence id admission checked against its content."""
        return self.stored.id


@dataclass(frozen=True)
class Unusable:
    """Why there is no typed payload of a kind: none usable was collected, or the one collected is malformed."""

    kind: EvidenceKind
    reason: str
    #: The evidence that was found but is not in its kind's form; empty when none was found.
    evidence: tuple[str, ...] = ()


def _problems(exc: ValidationError) -> str:
    """The first places of a payload that are wrong, by path, with what pydantic calls the error."""
    named = [
        f"payload.{'.'.join(str(part) for part in error['loc']) or '(root)'} ({error['type']})"
        for error in exc.errors()[:_NAMED_PROBLEMS]
    ]
    more = exc.error_count() - len(named)
    return ", ".join(named) + (f" and {more} more" if more > 0 else "")


def validated(stored: StoredEvidence, evidence: EvidenceSet) -> Typed[Any] | Unusable:
    """Return ``stored``'s payload validated against its kind's model, validating it once per evidence set."""
    cache = evidence.payload_cache
    if stored.id in cache:
        cached: Typed[Any] | Unusable = cache[stored.id]
        return cached
    result = _validate(stored)
    cache[stored.id] = result
    return result


def _validate(stored: StoredEvidence) -> Typed[Any] | Unusable:
    kind = stored.evidence.kind
    model = PAYLOAD_MODELS[kind]
    try:
        return Typed(stored, model.model_validate(stored.evidence.payload))
    except ValidationError as exc:
        return Unusable(
            kind,
            f"{kind.value} evidence {stored.id} is not in the expected form ({exc.error_count()} problem(s): "
            f"{_problems(exc)}); collect it again",
            (stored.id,),
        )


def typed_stored(stored: StoredEvidence, model: type[M]) -> Typed[M] | Unusable:
    """Return one stored item's payload validated against ``model``, its kind's model, or why it is not usable.

    For readers holding a single item rather than an evidence set (the store's latest, a bundle's); nothing is
    cached. A model that is not the item's kind's is a programming error.
    """
    if kind_of(model) is not stored.evidence.kind:
        raise TypeError(f"{model.__name__} is not the payload model of {stored.evidence.kind.value} evidence")
    return _validate(stored)


def typed(evidence: EvidenceSet, model: type[M]) -> Typed[M] | Unusable:
    """Return the usable evidence whose payload ``model`` is, validated, or why there is none.

    The first usable item of the kind counts (the store keeps one per kind); when none is usable, the
    admission's rejections say why, or that none was collected.
    """
    kind = kind_of(model)
    found = evidence.stored(kind)
    if not found:
        rejected = evidence.rejected(kind)
        reason = "; ".join(r.reason for r in rejected) if rejected else f"no {kind.value} evidence was collected"
        return Unusable(kind, reason)
    # PAYLOAD_MODELS maps the kind to ``model``, so the payload validated is a ``model``.
    return validated(found[0], evidence)
