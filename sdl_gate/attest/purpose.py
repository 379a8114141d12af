"""What a signature is for: every signed statement declares its purpose, and every verifier checks it.

A signature over an in-toto statement binds a payload type and a predicate type along with the subjects.
Without a check of the purpose, a signature made for one thing verifies as another: a bundle manifest lists
every entry's digest, so its signature would "sign" any file the bundle contains. The payload type must be
in-toto's, and the predicate type must be one the verifier's purpose accepts.
"""

from __future__ import annotations

import enum

from pydantic import ValidationError

from sdl_gate.attest.keys import SignatureInvalid
from sdl_gate.attest.statement import (
    ASSESSMENT_PREDICATE,
    BUNDLE_MANIFEST_PREDICATE,
    CYCLONEDX_PREDICATE,
    PAYLOAD_TYPE,
    RELEASE_FILE_PREDICATE,
    Statement,
    parse_statement,
)

SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1"
SLSA_PROVENANCE_V02 = "https://slsa.dev/provenance/v0.2"


class Purpose(str, enum.Enum):
    """What a verifier accepts a signature for."""

    RELEASE_FILE = "release file"
    BUNDLE_MANIFEST = "bundle manifest"

    @property
    def predicate_types(self) -> frozenset[str]:
        """The predicate types a statement signed for this purpose may carry."""
        match self:
            case Purpose.RELEASE_FILE:
                # sdl-gate's own file signature, and build provenance (e.g. GitHub artifact attestations):
                # both are statements about the very files named as subjects.
                return frozenset({RELEASE_FILE_PREDICATE, SLSA_PROVENANCE_V1, SLSA_PROVENANCE_V02})
            case Purpose.BUNDLE_MANIFEST:
                return frozenset({BUNDLE_MANIFEST_PREDICATE})


_KNOWN = {
    RELEASE_FILE_PREDICATE: "a release-file signature",
    BUNDLE_MANIFEST_PREDICATE: "an sdl-gate bundle manifest",
    ASSESSMENT_PREDICATE: "an sdl-gate assessment",
    CYCLONEDX_PREDICATE: "an SBOM",
    SLSA_PROVENANCE_V1: "build provenance",
    SLSA_PROVENANCE_V02: "build provenance",
}


def signed_statement(payload_type: str, payload: bytes, purpose: Purpose) -> Statement:
    """Return the statement a verified signature carries if it was made for ``purpose``; else raise SignatureInvalid."""
    if payload_type != PAYLOAD_TYPE:
        raise SignatureInvalid(f"the signed payload type is {payload_type!r}, not in-toto's {PAYLOAD_TYPE}")
    try:
        statement = parse_statement(payload)
    except (ValueError, ValidationError) as exc:
        raise SignatureInvalid(f"the signed payload is not an in-toto statement: {str(exc).splitlines()[0]}") from None
    if statement.predicate_type not in purpose.predicate_types:
        what = _KNOWN.get(statement.predicate_type, "another purpose")
        raise SignatureInvalid(
            f"the signature is for {what} (predicate type {statement.predicate_type!r}), not for a {purpose.value}"
        )
    return statement
