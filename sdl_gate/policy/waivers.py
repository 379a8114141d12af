"""The waiver register (``security/waivers.yaml``): one place for every kind of exception."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import AwareDatetime, ConfigDict, Field, model_validator

from sdl_gate._files import canonical_json, sha256_bytes
from sdl_gate._ids import RequirementId
from sdl_gate._model import FrozenModel
from sdl_gate._yaml import load_yaml, validate
from sdl_gate.approvals.state import ExceptionApproval, not_verified
from sdl_gate.errors import InputError, RecordError

#: The longest a waiver may run (``expires - created``) when the policy sets no other limit.
DEFAULT_MAX_WAIVER_DAYS = 180
_ADDRESS = re.compile(r"[^\s<>@,;()\"']+@[^\s<>@,;()\"']+")


class WaiverKind(str, enum.Enum):
    """What a waiver excuses."""

    REQUIREMENT = "requirement"
    FINDING = "finding"
    VULNERABILITY = "vulnerability"
    COMPONENT = "component"

    def default_requirement(self) -> str | None:
        """Return the requirement a waiver of this kind is reported under when it names none."""
        match self:
            case WaiverKind.REQUIREMENT:
                return None
            case WaiverKind.FINDING:
                return "SI-1"
            case WaiverKind.VULNERABILITY | WaiverKind.COMPONENT:
                return "SVV-3"


class VexState(str, enum.Enum):
    """CycloneDX impact-analysis states."""

    RESOLVED = "resolved"
    RESOLVED_WITH_PEDIGREE = "resolved_with_pedigree"
    EXPLOITABLE = "exploitable"
    IN_TRIAGE = "in_triage"
    FALSE_POSITIVE = "false_positive"
    NOT_AFFECTED = "not_affected"

    @property
    def is_disposition(self) -> bool:
        """Whether the state closes the vulnerability; ``exploitable`` and ``in_triage`` leave it open."""
        return self not in (VexState.EXPLOITABLE, VexState.IN_TRIAGE)


class VexJustification(str, enum.Enum):
    """CycloneDX impact-analysis justifications."""

    CODE_NOT_PRESENT = "code_not_present"
    CODE_NOT_REACHABLE = "code_not_reachable"
    REQUIRES_CONFIGURATION = "requires_configuration"
    REQUIRES_DEPENDENCY = "requires_dependency"
    REQUIRES_ENVIRONMENT = "requires_environment"
    PROTECTED_BY_COMPILER = "protected_by_compiler"
    PROTECTED_AT_RUNTIME = "protected_at_runtime"
    PROTECTED_AT_PERIMETER = "protected_at_perimeter"
    PROTECTED_BY_MITIGATING_CONTROL = "protected_by_mitigating_control"


class Vex(FrozenModel):
    """A VEX statement for a vulnerability waiver."""

    state: VexState
    justification: VexJustification | None = None


class Scope(FrozenModel):
    """What a waiver covers: a requirement, a finding fingerprint, a vulnerability in a package, or a component
    the vulnerability audit cannot cover (by purl, else by name or ``name@version``)."""

    requirement: RequirementId | None = None
    finding: str | None = Field(default=None, min_length=1)
    vulnerability: str | None = Field(default=None, min_length=1)
    package: str | None = Field(default=None, min_length=1)
    component: str | None = Field(
        default=None,
        min_length=1,
        description="A component the vulnerability audit cannot cover (no purl, no advisories in its ecosystem): "
        "its purl, else its name or name@version.",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Scope:
        if self.finding is not None and self.vulnerability is not None:
            raise ValueError("a scope names a finding or a vulnerability, not both")
        if self.component is not None and (self.finding is not None or self.vulnerability is not None):
            raise ValueError("a component scope names only the component")
        if self.vulnerability is not None and self.package is None:
            raise ValueError("a vulnerability scope needs the package it applies to")
        if self.package is not None and self.vulnerability is None:
            raise ValueError("package only goes with vulnerability")
        if self.requirement is None and self.finding is None and self.vulnerability is None and self.component is None:
            raise ValueError(
                "scope needs requirement, finding, or vulnerability with package (or an unauditable component)"
            )
        return self

    @property
    def kind(self) -> WaiverKind:
        """Which kind of exception this is."""
        if self.finding is not None:
            return WaiverKind.FINDING
        if self.vulnerability is not None:
            return WaiverKind.VULNERABILITY
        if self.component is not None:
            return WaiverKind.COMPONENT
        return WaiverKind.REQUIREMENT

    @property
    def target_requirement(self) -> str:
        """The requirement the waiver is reported under."""
        default = self.kind.default_requirement()
        # The validator guarantees that a requirement scope names its requirement.
        return self.requirement or default or ""

    def describe(self) -> str:
        """Return a short human description of what is waived."""
        match self.kind:
            case WaiverKind.REQUIREMENT:
                return f"requirement {self.target_requirement}"
            case WaiverKind.FINDING:
                return f"finding {self.finding}"
            case WaiverKind.VULNERABILITY:
                return f"{self.vulnerability} in {self.package}"
            case WaiverKind.COMPONENT:
                return f"unauditable component {self.component}"


def identities(person: str) -> frozenset[str]:
    """Who a person string names: its e-mail addresses (``Name <email>``), else its whole text; case-folded."""
    addresses = frozenset(address.casefold() for address in _ADDRESS.findall(person))
    return addresses or frozenset({" ".join(person.split()).casefold()})


class Waiver(FrozenModel):
    """One approved, time-boxed exception: asked for by its requester, accepted by someone else."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=100)
    scope: Scope
    justification: str = Field(min_length=10, description="Why the exception is acceptable, for a reviewer.")
    requester: str = Field(min_length=1, description='Who asks for the exception, "Name <email>"; never the approver.')
    approver: str = Field(min_length=1, description='Who accepted the risk, "Name <email>"; not the requester.')
    created: AwareDatetime
    expires: AwareDatetime = Field(
        description="When the waiver ends; at most the policy's waiver_max_days (built-in: 180) after created."
    )
    vex: Vex | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Waiver:
        if self.expires <= self.created:
            raise ValueError("expires must be after created")
        if self.vex is not None and self.scope.kind is not WaiverKind.VULNERABILITY:
            raise ValueError("vex only applies to vulnerability waivers")
        if identities(self.approver) & identities(self.requester):
            raise ValueError(
                f"self-approval: the approver {self.approver!r} is the requester; a waiver needs a second person"
            )
        return self

    @property
    def duration_days(self) -> float:
        """How long the waiver runs, in days."""
        return (self.expires - self.created).total_seconds() / 86400

    def approval_content(self) -> dict[str, Any]:
        """The waiver as an approver signs it: every field as written (fields left unset omitted)."""
        return self.model_dump(mode="json", exclude_none=True)

    def signed_content(self) -> bytes:
        """The canonical bytes of :meth:`approval_content`, whose digest binds an approval verdict to it."""
        return canonical_json(self.approval_content()).encode("utf-8")

    @property
    def content_sha256(self) -> str:
        """SHA-256 of :meth:`signed_content`."""
        return sha256_bytes(self.signed_content())

    @property
    def disposes(self) -> bool:
        """Whether the waiver closes a vulnerability: no VEX statement, or one whose state is a disposition."""
        return self.vex is None or self.vex.state.is_disposition


class WaiverFile(FrozenModel):
    """The register as written (``version: 1``)."""

    model_config = ConfigDict(title="sdl-gate waiver register")

    version: Literal[1]
    waivers: list[Waiver] = Field(default_factory=list)


class WaiverState(str, enum.Enum):
    """Whether a waiver is in force on the assessment date."""

    ACTIVE = "active"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=timezone.utc)


def window_state(created: datetime, expires: datetime, today: date) -> WaiverState:
    """Whether an approval from ``created`` to ``expires`` is in force at some moment of ``today`` (UTC)."""
    if created > _end_of(today):
        return WaiverState.NOT_YET_VALID
    if expires < datetime.combine(today, time.min, tzinfo=timezone.utc):
        return WaiverState.EXPIRED
    return WaiverState.ACTIVE


@dataclass(frozen=True)
class WaiverRegister:
    """The loaded register, or an empty one when the project has none.

    ``approvals`` holds each waiver's approval verdict by id, reached by verifying its signatures against the
    trusted approver register (``sdl_gate.approvals.exceptions.verify_waivers``); a waiver without one, or
    whose content changed since, does not count.
    """

    waivers: tuple[Waiver, ...] = ()
    source: str | None = None
    approvals: Mapping[str, ExceptionApproval] = field(default_factory=dict)

    def state(self, waiver: Waiver, today: date) -> WaiverState:
        """Return whether ``waiver`` is in force at some moment of ``today`` (UTC), the day's granularity."""
        return window_state(waiver.created, waiver.expires, today)

    def approval(self, waiver: Waiver) -> ExceptionApproval:
        """The approval verdict of ``waiver`` as it is now (not verified: it does not count)."""
        verdict = self.approvals.get(waiver.id)
        digest = waiver.content_sha256
        if verdict is None or verdict.content_sha256 != digest:
            return not_verified(digest)
        return verdict

    def why_not_approved(self, waiver: Waiver, today: date) -> str | None:
        """Why ``waiver`` is not approved as of ``today``, or None when a verified approval counts."""
        return self.approval(waiver).why_not(today)

    def in_force(self, waiver: Waiver, today: date) -> bool:
        """Whether ``waiver`` may excuse anything today; every lookup below asks only this."""
        return self.state(waiver, today) is WaiverState.ACTIVE and self.approval(waiver).counts(today)

    def not_counting(self, waivers: Iterator[Waiver] | tuple[Waiver, ...], today: date) -> list[str]:
        """For waivers in their dates that are not approved: one line each saying which and why."""
        lines = []
        for waiver in waivers:
            why = self.why_not_approved(waiver, today)
            if self.state(waiver, today) is WaiverState.ACTIVE and why is not None:
                lines.append(f"waiver {waiver.id} does not count: {why}")
        return lines

    def matching_finding(self, fingerprint: str) -> tuple[Waiver, ...]:
        """Every waiver whose scope names this finding fingerprint, approved or not."""
        return tuple(w for w in self.waivers if w.scope.finding == fingerprint)

    def matching_requirement(self, requirement_id: str) -> tuple[Waiver, ...]:
        """Every requirement waiver of ``requirement_id``, approved or not."""
        return tuple(
            w for w in self.waivers if w.scope.kind is WaiverKind.REQUIREMENT and w.scope.requirement == requirement_id
        )

    def for_requirement(self, requirement_id: str, today: date) -> Waiver | None:
        """Return the active requirement waiver for ``requirement_id``, if any."""
        for waiver in self.waivers:
            scope = waiver.scope
            if (
                scope.kind is WaiverKind.REQUIREMENT
                and scope.requirement == requirement_id
                and self.in_force(waiver, today)
            ):
                return waiver
        return None

    def for_finding(self, fingerprint: str, today: date) -> Waiver | None:
        """Return the active waiver for a finding fingerprint, if any."""
        for waiver in self.waivers:
            if waiver.scope.finding == fingerprint and self.in_force(waiver, today):
                return waiver
        return None

    def for_component(self, name: str, version: str | None, purl: str | None, today: date) -> Waiver | None:
        """Return the active waiver accepting that the audit cannot cover a component (by purl, else by name or
        ``name@version``), if any."""
        names = {purl} if purl else {name, f"{name}@{version}" if version else name}
        for waiver in self.waivers:
            if waiver.scope.component in names and self.in_force(waiver, today):
                return waiver
        return None

    def _for_vulnerability(self, vulnerability_ids: set[str], package: str, today: date) -> Iterator[Waiver]:
        wanted = _normalise_package(package)
        for waiver in self.waivers:
            scope = waiver.scope
            if (
                scope.vulnerability in vulnerability_ids
                and scope.package is not None
                and _normalise_package(scope.package) == wanted
                and self.in_force(waiver, today)
            ):
                yield waiver

    def matching_vulnerability(self, vulnerability_ids: set[str], package: str) -> tuple[Waiver, ...]:
        """Every waiver of any alias of a vulnerability in ``package``, approved or not."""
        wanted = _normalise_package(package)
        return tuple(
            w
            for w in self.waivers
            if w.scope.vulnerability in vulnerability_ids
            and w.scope.package is not None
            and _normalise_package(w.scope.package) == wanted
        )

    def for_vulnerability(self, vulnerability_ids: set[str], package: str, today: date) -> Waiver | None:
        """Return the active waiver that disposes of any alias of a vulnerability in ``package``, if any."""
        return next((w for w in self._for_vulnerability(vulnerability_ids, package, today) if w.disposes), None)

    def open_statement(self, vulnerability_ids: set[str], package: str, today: date) -> Waiver | None:
        """Return an active waiver whose VEX state (``exploitable``, ``in_triage``) keeps the vulnerability open."""
        return next((w for w in self._for_vulnerability(vulnerability_ids, package, today) if not w.disposes), None)


def _normalise_package(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def load_waivers(path: Path, *, root: Path | None = None, max_days: int = DEFAULT_MAX_WAIVER_DAYS) -> WaiverRegister:
    """Load the register at ``path`` (with ``root``: a regular file inside the project); missing, it is empty.

    A waiver running longer than ``max_days`` is refused.
    """
    if not path.exists():
        return WaiverRegister()
    data, lines = load_yaml(path, root=root)
    try:
        register = validate(WaiverFile, data, path, lines, "waiver register")
    except InputError as exc:
        raise RecordError(exc.message, path=exc.path, line=exc.line, location=exc.location) from None
    seen: dict[str, int] = {}
    for index, waiver in enumerate(register.waivers):
        if waiver.id in seen:
            raise RecordError(
                f"duplicate waiver id {waiver.id!r} (first at waivers[{seen[waiver.id]}])",
                path=path,
                line=lines.line_for(("waivers", index, "id")),
                location=f"waivers[{index}].id",
            )
        seen[waiver.id] = index
        if waiver.duration_days > max_days:
            raise RecordError(
                f"unbounded waiver: {waiver.id} runs {waiver.duration_days:.0f} days (created "
                f"{waiver.created.isoformat()}, expires {waiver.expires.isoformat()}), longer than the policy's "
                f"limit of {max_days} days (waiver_max_days); shorten it and renew it with a new approval",
                path=path,
                line=lines.line_for(("waivers", index, "expires")),
                location=f"waivers[{index}].expires",
            )
    return WaiverRegister(waivers=tuple(register.waivers), source=str(path))
