"""DSSE envelopes (https://github.com/secure-systems-lab/dsse): the pre-authentication encoding and JSON form."""

from __future__ import annotations

import base64
import binascii

from pydantic import ConfigDict, Field, ValidationError

from sdl_gate._files import pretty_json
from sdl_gate._model import FrozenModel

MAX_ENVELOPE_BYTES = 16 * 1024 * 1024


class DsseSignature(FrozenModel):
    """One signature over the envelope's PAE."""

    keyid: str = ""
    sig: str = Field(min_length=1)


class Envelope(FrozenModel):
    """A DSSE envelope: base64 payload, its type, and signatures."""

    model_config = ConfigDict(populate_by_name=True)

    payload: str
    payload_type: str = Field(alias="payloadType")
    signatures: tuple[DsseSignature, ...] = Field(min_length=1)

    def payload_bytes(self) -> bytes:
        """Return the decoded payload."""
        return base64.b64decode(self.payload, validate=True)

    def to_json(self) -> str:
        """Return the envelope as pretty, sorted JSON."""
        return pretty_json(self.model_dump(mode="json", by_alias=True))


def pae(payload_type: str, payload: bytes) -> bytes:
    """Return DSSEv1's pre-authentication encoding of ``payload``."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(payload), payload)


def parse_envelope(data: bytes) -> Envelope:
    """Parse an envelope; raise ``ValueError`` naming what is wrong."""
    if len(data) > MAX_ENVELOPE_BYTES:
        raise ValueError(f"envelope is larger than {MAX_ENVELOPE_BYTES} bytes")
    try:
        envelope = Envelope.model_validate_json(data)
        envelope.payload_bytes()
        for signature in envelope.signatures:
            base64.b64decode(signature.sig, validate=True)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"not a DSSE envelope: {where}: {first['msg']}") from None
    except binascii.Error:
        raise ValueError("not a DSSE envelope: payload or signature is not base64") from None
    return envelope


def b64(data: bytes) -> str:
    """Return standard base64 text."""
    return base64.b64encode(data).decode("ascii")
