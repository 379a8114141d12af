"""The ``history`` evidence payload: what earlier, verified releases showed per practice."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PracticeSnapshot(_Frozen):
    """One practice in one earlier release."""

    id: str
    score: float
    complete: bool
    waivers: int


class ReleaseSnapshot(_Frozen):
    """An earlier release whose bundle verified."""

    bundle: str
    sha256: str
    signer: str
    product: str
    version: str | None
    commit: str | None
    assessed_on: date
    practices: tuple[PracticeSnapshot, ...]


class RefusedBundle(_Frozen):
    """A bundle in the history directory that is not counted, and why."""

    bundle: str
    reason: str


class HistoryPayload(_Frozen):
    """The payload of ``history`` evidence."""

    releases: tuple[ReleaseSnapshot, ...]
    refused: tuple[RefusedBundle, ...]
