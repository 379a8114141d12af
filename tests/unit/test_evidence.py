"""Evidence: canonical JSON, content ids, admission by commit and age, and reading the store back as untrusted files."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from pydantic import ValidationError

from sdl_gate._files import canonical_json, pretty_json
from sdl_gate.evidence import (
    MAX_POINTER_BYTES,
    Evidence,
    EvidenceKind,
    EvidenceSet,
    EvidenceStore,
    FileDigest,
    Rejection,
    StoredEvidence,
    Subject,
    ToolInfo,
    admit,
    evidence_id,
    raw_reference,
)

NOW = datetime(2026, 11, 1, 12, tzinfo=timezone.utc)
TODAY = date(2026, 11, 1)
COMMIT = "a" * 40


def _evidence(kind: EvidenceKind = EvidenceKind.SBOM, commit: str | None = COMMIT, **payload: object) -> Evidence:
    return Evidence(
        kind=kind,
        tool=ToolInfo(name="sdl-gate", version="1.0"),
        subject=Subject(commit=commit, files=(FileDigest(path="requirements.txt", sha256="b" * 64),)),
        payload={"components": 2, "name": "gr\u00fc\u00dfe", **payload},
    )


def _stored(evidence: Evidence, when: datetime = NOW) -> StoredEvidence:
    return StoredEvidence(id=evidence.id, collected_at=when, evidence=evidence)


# --- canonical JSON and ids --------------------------------------------------------------------------------


def test_canonical_form_is_sorted_compact_utf8_and_pinned() -> None:
    expected = (
        '{"kind":"sbom","payload":{"components":2,"name":"gr\u00fc\u00dfe"},"raw":null,'
        f'"subject":{{"commit":"{COMMIT}","files":[{{"path":"requirements.txt","sha256":"{"b" * 64}"}}]}},'
        '"tool":{"name":"sdl-gate","version":"1.0"}}'
    )
    evidence = _evidence()
    assert evidence.canonical() == expected
    # Changing this form changes every evidence id, and with them every bundle already signed.
    assert evidence.id == "sha256:" + hashlib.sha256(expected.encode("utf-8")).hexdigest()


def test_the_id_ignores_payload_key_order_and_follows_every_field() -> None:
    base = _evidence()
    reordered = Evidence.model_validate({**base.model_dump(), "payload": {"name": "gr\u00fc\u00dfe", "components": 2}})
    assert reordered.id == base.id
    changed = {
        _evidence(components=3).id,
        _evidence(commit="f" * 40).id,
        _evidence(kind=EvidenceKind.SAST).id,
        base.model_copy(update={"raw": "raw/" + "0" * 64 + ".json"}).id,
        base.model_copy(update={"tool": ToolInfo(name="sdl-gate", version="1.1")}).id,
    }
    assert base.id not in changed and len(changed) == 5


def test_canonical_json_refuses_what_json_cannot_say() -> None:
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})
    assert canonical_json({"b": [1, {"d": 1, "c": 2}], "a": "\u00e9"}) == '{"a":"\u00e9","b":[1,{"c":2,"d":1}]}'
    assert pretty_json({"b": 1, "a": 2}) == '{\n  "a": 2,\n  "b": 1\n}\n'


@pytest.mark.parametrize("digest", ["B" * 64, "b" * 63, "g" * 64, "sha256:" + "b" * 64])
def test_a_file_digest_must_be_lowercase_hex_sha256(digest: str) -> None:
    with pytest.raises(ValidationError):
        FileDigest(path="x", sha256=digest)


def test_evidence_is_immutable_and_closed() -> None:
    evidence = _evidence()
    with pytest.raises(ValidationError):
        evidence.kind = EvidenceKind.SAST  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Evidence.model_validate({**evidence.model_dump(), "collected_at": "2026-11-01"})


def test_raw_references_are_content_addressed() -> None:
    assert raw_reference(b"output", ".json") == f"raw/{hashlib.sha256(b'output').hexdigest()}.json"
    assert raw_reference(b"output", "json") == raw_reference(b"output", ".json")


# --- admission --------------------------------------------------------------------------------------------


def test_admit_keeps_fresh_evidence_of_the_commit_and_says_why_it_refuses_the_rest() -> None:
    fresh = _stored(_evidence())
    at_limit = _stored(_evidence(EvidenceKind.RECORDS), datetime(2026, 10, 2, 23, tzinfo=timezone.utc))
    # The age limit is for evidence other steps leave in the store (test results, bundles, history).
    stale = _stored(_evidence(EvidenceKind.TEST_RESULTS), datetime(2026, 10, 1, 23, tzinfo=timezone.utc))
    other = _stored(_evidence(EvidenceKind.WAIVERS, commit="e" * 40))
    tampered = StoredEvidence(id=_evidence().id, collected_at=NOW, evidence=_evidence(EvidenceKind.REPOSITORY))
    earlier = Rejection(EvidenceKind.SIGNATURES, "the collector crashed")
    admitted = admit(
        [fresh, at_limit, stale, other, tampered], commit=COMMIT, today=TODAY, max_age_days=30, failures=[earlier]
    )
    assert [item.evidence.kind for item in admitted.items] == [EvidenceKind.RECORDS, EvidenceKind.SBOM]
    assert admitted.rejections[0] == earlier
    reasons = {r.kind: r.reason for r in admitted.rejections}
    assert "older than the policy's 30-day limit" in reasons[EvidenceKind.TEST_RESULTS]
    assert f"not the assessed commit {COMMIT}" in reasons[EvidenceKind.WAIVERS]
    assert "does not match its content digest" in reasons[EvidenceKind.REPOSITORY]
    assert admitted.of(EvidenceKind.SBOM) == (fresh.evidence,)
    assert admitted.of(EvidenceKind.TEST_RESULTS) == ()
    assert admitted.rejected(EvidenceKind.TEST_RESULTS)
    assert admitted.ids() == tuple(sorted((fresh.id, at_limit.id)))


def test_evidence_taken_outside_git_is_not_evidence_for_a_commit() -> None:
    admitted = admit([_stored(_evidence(commit=None))], commit=COMMIT, today=TODAY, max_age_days=30)
    assert admitted.items == ()
    assert "commit none" in admitted.rejections[0].reason


def test_an_empty_set_has_nothing_of_any_kind() -> None:
    empty = EvidenceSet(commit=COMMIT)
    assert all(empty.of(kind) == () for kind in EvidenceKind)
    assert empty.ids() == ()


# --- the store, read back as untrusted files ---------------------------------------------------------------


def test_store_round_trip(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    stored = store.put(_evidence(), NOW)
    assert store.latest(EvidenceKind.SBOM) == stored
    assert store.latest(EvidenceKind.SAST) is None
    pointer = json.loads(store.pointer_path(EvidenceKind.SBOM).read_text(encoding="utf-8"))
    assert pointer == {"id": stored.id, "kind": "sbom", "commit": COMMIT}
    reference = store.put_raw(b"raw tool output", "json")
    assert store.raw_path(reference).read_bytes() == b"raw tool output"
    assert store.put_raw(b"raw tool output", ".json") == reference


def test_a_stored_object_is_the_canonical_json_of_its_envelope_and_its_id_is_the_evidence_id(tmp_path: Path) -> None:
    evidence = _evidence(results=[{"line": 3, "test": "B602"}])
    stored = EvidenceStore(tmp_path).put(evidence, NOW)
    assert stored.id == evidence.id == evidence_id(evidence.model_dump(mode="json"))
    written = EvidenceStore(tmp_path).object_path(stored.id).read_text(encoding="utf-8")
    assert written == canonical_json(_stored(evidence).model_dump(mode="json")) + "\n"


def test_the_set_gives_each_kinds_evidence_with_its_checked_id() -> None:
    sbom, sast = _evidence(), _evidence(EvidenceKind.SAST)
    admitted = admit([_stored(sbom), _stored(sast)], commit=COMMIT, today=TODAY, max_age_days=30)
    assert [(item.id, item.evidence) for item in admitted.stored(EvidenceKind.SAST)] == [(sast.id, sast)]
    assert admitted.stored(EvidenceKind.RECORDS) == ()


@pytest.mark.parametrize(
    ("pointer", "reason"),
    [
        ('{"id": "../../../etc/passwd"}', "names no evidence digest"),
        ('{"id": "sha256:' + "0" * 64 + '/../x"}', "names no evidence digest"),
        ('{"kind": "sbom"}', "unreadable or truncated"),
        ("not json", "unreadable or truncated"),
        ('["sha256:' + "0" * 64 + '"]', "unreadable or truncated"),
        ('{"id": "sha256:' + "0" * 64 + '"}', "missing"),
        ("{" + " " * MAX_POINTER_BYTES + "}", f"larger than {MAX_POINTER_BYTES} bytes"),
    ],
)
def test_a_hostile_or_broken_pointer_is_a_rejection_not_a_crash(tmp_path: Path, pointer: str, reason: str) -> None:
    store = EvidenceStore(tmp_path)
    store.put(_evidence(), NOW)
    store.pointer_path(EvidenceKind.SBOM).write_text(pointer, encoding="utf-8")
    rejection = store.latest(EvidenceKind.SBOM)
    assert isinstance(rejection, Rejection)
    assert rejection.kind is EvidenceKind.SBOM
    assert reason in rejection.reason


def test_an_object_of_another_kind_behind_a_pointer_is_refused(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    sast = store.put(_evidence(EvidenceKind.SAST), NOW)
    store.pointer_path(EvidenceKind.SBOM).parent.mkdir(parents=True, exist_ok=True)
    store.pointer_path(EvidenceKind.SBOM).write_text(json.dumps({"id": sast.id}), encoding="utf-8")
    rejection = store.latest(EvidenceKind.SBOM)
    assert isinstance(rejection, Rejection)
    assert "names sast evidence" in rejection.reason


def test_an_object_with_extra_or_wrong_fields_is_refused(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    stored = store.put(_evidence(), NOW)
    path = store.object_path(stored.id)
    envelope = json.loads(path.read_text(encoding="utf-8"))
    envelope["evidence"]["subject"]["files"][0]["sha256"] = "not a digest"
    path.write_text(json.dumps(envelope), encoding="utf-8")
    rejection = store.latest(EvidenceKind.SBOM)
    assert isinstance(rejection, Rejection)
    assert "unreadable or truncated" in rejection.reason
