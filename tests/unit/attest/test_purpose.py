"""Every signed statement declares its purpose; a verifier accepts only statements made for its own."""

from __future__ import annotations

import pytest

from sdl_gate.attest.keys import SignatureInvalid
from sdl_gate.attest.purpose import SLSA_PROVENANCE_V1, Purpose, signed_statement
from sdl_gate.attest.statement import (
    ASSESSMENT_PREDICATE,
    BUNDLE_MANIFEST_PREDICATE,
    CYCLONEDX_PREDICATE,
    PAYLOAD_TYPE,
    RELEASE_FILE_PREDICATE,
    statement,
)

DIGEST = "ab" * 32


def _payload(predicate_type: str) -> bytes:
    return statement([("app-1.0.tar.gz", DIGEST)], predicate_type, {}).to_bytes()


@pytest.mark.parametrize(
    ("purpose", "predicate_type"),
    [
        (Purpose.RELEASE_FILE, RELEASE_FILE_PREDICATE),
        (Purpose.RELEASE_FILE, SLSA_PROVENANCE_V1),
        (Purpose.BUNDLE_MANIFEST, BUNDLE_MANIFEST_PREDICATE),
    ],
)
def test_a_statement_made_for_the_purpose_is_accepted(purpose: Purpose, predicate_type: str) -> None:
    accepted = signed_statement(PAYLOAD_TYPE, _payload(predicate_type), purpose)
    assert accepted.predicate_type == predicate_type
    assert accepted.subject[0].digest == {"sha256": DIGEST}


@pytest.mark.parametrize(
    ("purpose", "predicate_type", "named"),
    [
        (Purpose.RELEASE_FILE, BUNDLE_MANIFEST_PREDICATE, "an sdl-gate bundle manifest"),
        (Purpose.RELEASE_FILE, ASSESSMENT_PREDICATE, "an sdl-gate assessment"),
        (Purpose.RELEASE_FILE, CYCLONEDX_PREDICATE, "an SBOM"),
        (Purpose.RELEASE_FILE, "https://example.com/anything/v1", "another purpose"),
        (Purpose.BUNDLE_MANIFEST, RELEASE_FILE_PREDICATE, "a release-file signature"),
        (Purpose.BUNDLE_MANIFEST, SLSA_PROVENANCE_V1, "build provenance"),
        (Purpose.BUNDLE_MANIFEST, ASSESSMENT_PREDICATE, "an sdl-gate assessment"),
    ],
)
def test_a_statement_made_for_another_purpose_is_refused(purpose: Purpose, predicate_type: str, named: str) -> None:
    with pytest.raises(SignatureInvalid) as refused:
        signed_statement(PAYLOAD_TYPE, _payload(predicate_type), purpose)
    assert named in str(refused.value)
    assert f"not for a {purpose.value}" in str(refused.value)


@pytest.mark.parametrize("purpose", list(Purpose))
def test_another_payload_type_is_refused_even_around_a_fitting_statement(purpose: Purpose) -> None:
    fitting = next(iter(sorted(purpose.predicate_types)))
    for payload_type in ("application/json", "application/vnd.sdl-gate.manifest+json", ""):
        with pytest.raises(SignatureInvalid, match="payload type"):
            signed_statement(payload_type, _payload(fitting), purpose)


@pytest.mark.parametrize("payload", [b"", b"{}", b"not json", b'{"_type": "https://in-toto.io/Statement/v0.1"}'])
def test_a_payload_that_is_no_statement_is_refused(payload: bytes) -> None:
    with pytest.raises(SignatureInvalid, match="not an in-toto statement"):
        signed_statement(PAYLOAD_TYPE, payload, Purpose.RELEASE_FILE)
