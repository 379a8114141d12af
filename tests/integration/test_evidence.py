"""Evidence identity, the on-disk store, and what the gate refuses to use."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

from sdl_gate._files import canonical_json, pretty_json
from sdl_gate.evidence import (
    Evidence,
    EvidenceKind,
    EvidenceStore,
    FileDigest,
    Rejection,
    StoredEvidence,
    Subject,
    ToolInfo,
    admit,
)
from sdl_gate.run import assess_project
from tests.conftest import ProjectFactory

NOW = datetime(2026, 11, 1, 12, tzinfo=timezone.utc)
COMMIT = "a" * 40


def sample(kind: EvidenceKind = EvidenceKind.TEST_RESULTS, commit: str | None = COMMIT, **payload: object) -> Evidence:
    return Evidence(
        kind=kind,
        tool=ToolInfo(name="pytest", version="9.0"),
        subject=Subject(commit=commit, files=(FileDigest(path="tests/test_x.py", sha256="b" * 64),)),
        payload={"tests": 3, **payload},
    )


def test_id_is_the_digest_of_canonical_content_and_ignores_collection_time(project: ProjectFactory) -> None:
    first = sample()
    second = sample()
    assert first.id == second.id
    assert first.id.startswith("sha256:")
    assert sample(extra=1).id != first.id
    store = EvidenceStore(project.root)
    a = store.put(first, NOW)
    b = store.put(first, datetime(2026, 11, 2, tzinfo=timezone.utc))
    assert a.id == b.id


def test_store_round_trip_and_pointer(project: ProjectFactory) -> None:
    store = EvidenceStore(project.root)
    stored = store.put(sample(), NOW)
    latest = store.latest(EvidenceKind.TEST_RESULTS)
    assert isinstance(latest, StoredEvidence)
    assert latest == stored
    assert store.latest(EvidenceKind.SBOM) is None
    assert not list(store.directory.rglob("*.tmp"))


def test_stored_objects_are_canonical_json_and_indented_ones_written_before_still_load(
    project: ProjectFactory,
) -> None:
    store = EvidenceStore(project.root)
    stored = store.put(sample(), NOW)
    path = store.object_path(stored.id)
    text = path.read_text(encoding="utf-8")
    assert text == canonical_json(json.loads(text)) + "\n"  # deterministic: the same evidence, the same bytes
    path.write_text(pretty_json(json.loads(text)), encoding="utf-8")  # as earlier versions wrote it
    assert store.latest(EvidenceKind.TEST_RESULTS) == stored


def test_truncated_or_deleted_evidence_is_rejected_not_used(project: ProjectFactory) -> None:
    store = EvidenceStore(project.root)
    stored = store.put(sample(), NOW)
    path = store.object_path(stored.id)
    path.write_text(path.read_text()[:40], encoding="utf-8")
    truncated = store.latest(EvidenceKind.TEST_RESULTS)
    assert isinstance(truncated, Rejection)
    assert "unreadable or truncated" in truncated.reason
    path.unlink()
    missing = store.latest(EvidenceKind.TEST_RESULTS)
    assert isinstance(missing, Rejection)
    assert "missing" in missing.reason


def test_tampered_payload_no_longer_matches_its_id(project: ProjectFactory) -> None:
    store = EvidenceStore(project.root)
    stored = store.put(sample(), NOW)
    path = store.object_path(stored.id)
    envelope = json.loads(path.read_text())
    envelope["evidence"]["payload"]["tests"] = 999
    path.write_text(json.dumps(envelope), encoding="utf-8")
    loaded = store.latest(EvidenceKind.TEST_RESULTS)
    assert isinstance(loaded, StoredEvidence)
    admitted = admit([loaded], commit=COMMIT, today=date(2026, 11, 1), max_age_days=30)
    assert admitted.of(EvidenceKind.TEST_RESULTS) == ()
    assert "does not match its content digest" in admitted.rejections[0].reason


def test_admit_refuses_other_commits_and_stale_evidence() -> None:
    fresh = StoredEvidence(id=sample().id, collected_at=NOW, evidence=sample())
    other = sample(commit="c" * 40)
    other_commit = StoredEvidence(id=other.id, collected_at=NOW, evidence=other)
    old_time = datetime(2026, 9, 1, tzinfo=timezone.utc)
    stale = StoredEvidence(
        id=sample(kind=EvidenceKind.HISTORY).id, collected_at=old_time, evidence=sample(EvidenceKind.HISTORY)
    )
    # What a run collects itself is as old as the run: its timestamp may be a back-dated SOURCE_DATE_EPOCH.
    own = StoredEvidence(id=sample(EvidenceKind.SBOM).id, collected_at=old_time, evidence=sample(EvidenceKind.SBOM))
    admitted = admit([fresh, other_commit, stale, own], commit=COMMIT, today=date(2026, 11, 1), max_age_days=30)
    assert sorted(item.id for item in admitted.items) == sorted([fresh.id, own.id])
    reasons = " | ".join(r.reason for r in admitted.rejections)
    assert "not the assessed commit" in reasons
    assert "older than the policy's 30-day limit" in reasons


def test_check_reads_evidence_left_by_other_steps_and_rejects_it_from_another_commit(project: ProjectFactory) -> None:
    project.commit()
    store = EvidenceStore(project.root)
    store.put(sample(commit=COMMIT), NOW)
    assessment = assess_project(project.root, today=date(2026, 11, 1), now=NOW).assessment
    assert any("test_results evidence was taken at commit" in r for r in assessment.rejected_evidence)
    svv1 = next(r for r in assessment.requirements if r.id == "SVV-1")
    assert svv1.verdict.value == "not_assessed"
    assert "taken at commit" in svv1.rationale


def test_check_writes_its_own_evidence_atomically(project: ProjectFactory) -> None:
    assess_project(project.root, today=date(2026, 11, 1), now=NOW)
    store = EvidenceStore(project.root)
    for kind in (EvidenceKind.RECORDS, EvidenceKind.REPOSITORY, EvidenceKind.WAIVERS):
        assert isinstance(store.latest(kind), StoredEvidence)
    assert not list(store.directory.rglob("*.tmp"))


def test_raw_tool_output_is_content_addressed(project: ProjectFactory) -> None:
    store = EvidenceStore(project.root)
    reference = store.put_raw(b'{"results": []}', "json")
    assert reference.startswith("raw/") and reference.endswith(".json")
    assert store.raw_path(reference).read_bytes() == b'{"results": []}'
    assert store.put_raw(b'{"results": []}', ".json") == reference
    assert store.put_raw(b"{}", "json") != reference


def test_a_pointer_that_names_no_digest_is_refused(project: ProjectFactory) -> None:
    store = EvidenceStore(project.root)
    store.put(sample(), NOW)
    outside = project.root / "outside.json"
    outside.write_text("{}", encoding="utf-8")
    store.pointer_path(EvidenceKind.TEST_RESULTS).write_text('{"id": "../../../outside"}', encoding="utf-8")
    rejected = store.latest(EvidenceKind.TEST_RESULTS)
    assert isinstance(rejected, Rejection)
    assert "names no evidence digest" in rejected.reason
    store.pointer_path(EvidenceKind.TEST_RESULTS).write_text(" " * 5000, encoding="utf-8")
    oversized = store.latest(EvidenceKind.TEST_RESULTS)
    assert isinstance(oversized, Rejection)
    assert "larger than 4096 bytes" in oversized.reason
