"""Admission of evidence: what is bound to a commit, and what only a git checkout can show."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from sdl_gate.collectors import COLLECTORS
from sdl_gate.evidence import STORED_KINDS, Evidence, EvidenceKind, StoredEvidence, Subject, ToolInfo, admit

NOW = datetime(2026, 11, 1, 12, tzinfo=timezone.utc)
TODAY = date(2026, 11, 1)
COMMIT = "a" * 40


def _stored(kind: EvidenceKind, commit: str | None) -> StoredEvidence:
    evidence = Evidence(
        kind=kind, tool=ToolInfo(name="pytest", version="9.0"), subject=Subject(commit=commit), payload={"n": 1}
    )
    return StoredEvidence(id=evidence.id, collected_at=NOW, evidence=evidence)


def test_stored_kinds_are_exactly_those_no_collector_produces() -> None:
    collected = {collector.kind for collector in COLLECTORS.values()}
    assert set(EvidenceKind) - collected == STORED_KINDS


@pytest.mark.parametrize("kind", sorted(STORED_KINDS, key=lambda k: k.value))
@pytest.mark.parametrize("evidence_commit", [None, COMMIT])
def test_outside_git_no_stored_kind_counts(kind: EvidenceKind, evidence_commit: str | None) -> None:
    admitted = admit([_stored(kind, evidence_commit)], commit=None, today=TODAY, max_age_days=30)
    assert admitted.of(kind) == ()
    assert "cannot be bound to the assessed commit: there is no assessed commit" in admitted.rejected(kind)[0].reason


@pytest.mark.parametrize("kind", sorted(STORED_KINDS, key=lambda k: k.value))
def test_in_git_stored_evidence_taken_outside_git_does_not_count(kind: EvidenceKind) -> None:
    admitted = admit([_stored(kind, None)], commit=COMMIT, today=TODAY, max_age_days=30)
    assert admitted.of(kind) == ()
    assert "it was taken outside git" in admitted.rejected(kind)[0].reason


@pytest.mark.parametrize("kind", sorted(STORED_KINDS, key=lambda k: k.value))
def test_stored_evidence_bound_to_the_assessed_commit_counts(kind: EvidenceKind) -> None:
    admitted = admit([_stored(kind, COMMIT)], commit=COMMIT, today=TODAY, max_age_days=30)
    assert len(admitted.of(kind)) == 1 and admitted.rejections == ()


def test_what_a_run_collects_outside_git_still_counts() -> None:
    # A collector observed the files as they are now; nothing stored is being vouched for.
    admitted = admit([_stored(EvidenceKind.SAST, None)], commit=None, today=TODAY, max_age_days=30)
    assert len(admitted.of(EvidenceKind.SAST)) == 1
