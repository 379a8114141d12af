"""The ``history`` evidence payload: what earlier, verified releases showed per practice, and the facts behind
the process metrics (open findings, vulnerabilities and their fixes, record approvals)."""

from __future__ import annotations

from datetime import date

from sdl_gate._model import FrozenModel


class PracticeSnapshot(FrozenModel):
    """One practice in one earlier release."""

    id: str
    score: float
    complete: bool
    #: Active waivers of the practice then; shown for reference, no longer a basis of maturity.
    waivers: int


class SeenVulnerability(FrozenModel):
    """A known vulnerability an earlier release's complete audit reported."""

    id: str
    aliases: tuple[str, ...]
    package: str
    #: When the advisory was published, if the audit knew.
    published: date | None


class SeenRecord(FrozenModel):
    """A human process record an earlier release carried."""

    id: str
    requirements: tuple[str, ...]
    #: The record's own date, and the date it was approved.
    created: date
    approved: date | None


class ReleaseFacts(FrozenModel):
    """What an earlier release's verified evidence showed; ``None`` where that evidence was missing or incomplete."""

    #: Known vulnerabilities of a complete audit that audited at least one dependency.
    vulnerabilities: tuple[SeenVulnerability, ...] | None
    #: Static-analysis findings in the code (justified bandit suppressions excluded) of a complete scan of the project.
    sast_findings: int | None
    records: tuple[SeenRecord, ...] | None


class ReleaseSnapshot(FrozenModel):
    """An earlier release whose bundle verified."""

    bundle: str
    sha256: str
    signer: str
    product: str
    version: str | None
    commit: str | None
    assessed_on: date
    practices: tuple[PracticeSnapshot, ...]
    #: None in history evidence recorded before facts were read (no metric can be measured from it).
    facts: ReleaseFacts | None = None


class RefusedBundle(FrozenModel):
    """A bundle in the history directory that is not counted, and why."""

    bundle: str
    reason: str


class HistoryPayload(FrozenModel):
    """The payload of ``history`` evidence."""

    releases: tuple[ReleaseSnapshot, ...]
    refused: tuple[RefusedBundle, ...]
