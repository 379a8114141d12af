"""The ``bundle`` evidence ``bundle create`` declares for the assessment it bundles, which SM-6 reads.

It is declared for that one run, so the bundled assessment can account for the bundle itself; verifying the
bundle is what proves the declaration (its manifest signature must verify). It is never stored: `check` and
later runs do not see it.
"""

from __future__ import annotations

import enum

from sdl_gate._model import FrozenModel
from sdl_gate.attest.files import SignatureFormat


class SignerCheck(str, enum.Enum):
    """Whether a bundle's signer is the signer the project configured (``[tool.sdl-gate.signing]``)."""

    VERIFIED = "verified"
    MISMATCH = "mismatch"
    NOT_CONFIGURED = "not_configured"


class BundleRecord(FrozenModel):
    """A release-evidence bundle being written for a commit: its file name and who signs its manifest."""

    format: int
    file: str
    signature: SignatureFormat | None
    signer: str | None
    #: None for an unsigned bundle, and in records written before the signer was checked (they do not count).
    signer_check: SignerCheck | None = None
    #: The configured signer the bundle's signer was checked against, for reports.
    expected_signer: str | None = None
