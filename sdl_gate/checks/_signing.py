"""Criteria on release signatures and the release-evidence bundle (SM-6, SM-8, SUM-4)."""

from __future__ import annotations

from sdl_gate.attest.files import SignatureFormat, VerifyStatus
from sdl_gate.bundle_payload import BundleRecord, SignerCheck
from sdl_gate.checks._base import Finding, Outcome
from sdl_gate.checks._criterion import Evaluation, criterion
from sdl_gate.collectors.signatures import SignaturesPayload

_NO_RELEASE_FILE = "no release file is configured, or none matches the configured patterns"


def _released(evaluation: Evaluation, payload: SignaturesPayload) -> SignaturesPayload | Finding:
    """Return the payload when every release file verified; otherwise the finding that says why not."""
    if not payload.patterns:
        return evaluation.finding(
            Outcome.NOT_AVAILABLE, 'no release files configured; set artifacts = ["dist/*"] under [tool.sdl-gate]'
        )
    if not payload.artifacts:
        patterns = ", ".join(payload.patterns)
        return evaluation.finding(Outcome.NOT_AVAILABLE, f"no release file matches {patterns}; build the release first")
    bad = [a for a in payload.artifacts if a.status in (VerifyStatus.UNSIGNED, VerifyStatus.INVALID)]
    if bad:
        listing = "; ".join(f"{a.path}: {a.status.value} ({a.detail})" for a in bad)
        return evaluation.finding(Outcome.FAIL, listing, bad[0].path)
    unchecked = [a for a in payload.artifacts if a.status is VerifyStatus.NOT_CHECKED]
    if unchecked:
        reason = payload.verification.problem or unchecked[0].detail
        listing = ", ".join(a.path for a in unchecked)
        return evaluation.finding(Outcome.NOT_AVAILABLE, f"{listing} not verified: {reason}")
    return payload


@criterion(
    SignaturesPayload,
    view=_released,
    name="release_signatures",
    description="a verified signature for every released file",
    fix="Sign every released file (`sdl-gate sign FILES`) and commit the signatures beside them",
    when_empty=Outcome.NOT_AVAILABLE,
    empty_means=_NO_RELEASE_FILE,
)
def signed_release(evaluation: Evaluation, payload: SignaturesPayload) -> Finding:
    """Every configured release file has a signature that verifies offline against the configured signer (SM-6)."""
    signers = sorted({a.signer or "" for a in payload.artifacts})
    return evaluation.finding(
        Outcome.PASS,
        f"{len(payload.artifacts)} release file(s) signed and verified (signer {', '.join(signers)})",
        examined=len(payload.artifacts),
    )


@criterion(
    SignaturesPayload,
    view=_released,
    name="verifiable_updates",
    description="updates users can verify as authentic",
    fix="Publish a signature users can verify with every released file (`sdl-gate sign FILES`)",
    when_empty=Outcome.NOT_AVAILABLE,
    empty_means=_NO_RELEASE_FILE,
)
def verifiable_updates(evaluation: Evaluation, payload: SignaturesPayload) -> Finding:
    """Users can verify every update: each file ships with its signature and a published way to check it (SUM-4)."""
    how = [text for text in (payload.verification.sigstore, payload.verification.key) if text]
    return evaluation.finding(
        Outcome.PASS,
        f"every update file ships with a signature users can verify against {' or '.join(how)}",
        examined=len(payload.artifacts),
    )


@criterion(
    SignaturesPayload,
    view=_released,
    name="keyless_signing",
    description="keyless signing with a short-lived identity",
    fix="Sign the released files keylessly with Sigstore (`sdl-gate sign FILES` without --key), or record the "
    "custody of the signing key in an approved key_custody record",
    when_empty=Outcome.NOT_AVAILABLE,
    empty_means=_NO_RELEASE_FILE,
)
def keyless_signing(evaluation: Evaluation, payload: SignaturesPayload) -> Finding:
    """Release files are signed with short-lived Sigstore certificates, so no long-lived key needs custody (SM-8)."""
    keyed = [a.path for a in payload.artifacts if a.format is SignatureFormat.KEY]
    if keyed:
        return evaluation.finding(
            Outcome.FAIL, f"{', '.join(keyed)} signed with a long-lived key, which needs a key_custody record"
        )
    identities = sorted({a.signer or "" for a in payload.artifacts})
    return evaluation.finding(
        Outcome.PASS,
        f"signed keyless with short-lived certificates for {', '.join(identities)}",
        examined=len(payload.artifacts),
    )


@criterion(
    SignaturesPayload,
    name="no_committed_private_key",
    description="no private key committed to the repository",
    fix="Remove the private key from the repository and its history, revoke it, and keep keys out of git "
    "(the sdl-private-keys hook stops new ones)",
    when_empty=Outcome.NOT_AVAILABLE,
    empty_means="the key scan read no file of the repository",
)
def no_committed_private_key(evaluation: Evaluation, payload: SignaturesPayload) -> Finding:
    """No private key is committed to the repository (a waiver by fingerprint accepts, e.g., a test key)."""
    scan = payload.key_scan
    waivers = evaluation.waivers
    waived: list[str] = []
    open_keys: list[str] = []
    for key in scan.found:
        waiver = waivers.for_finding(key.fingerprint, evaluation.today)
        if waiver is not None:
            waived.append(f"{key.path} (waived by {waiver.id})")
        else:
            unapproved = waivers.not_counting(waivers.matching_finding(key.fingerprint), evaluation.today)
            why = f"; {'; '.join(unapproved)}" if unapproved else ""
            open_keys.append(f"{key.path} ({key.key_type}{why})")
    if open_keys:
        return evaluation.finding(
            Outcome.FAIL,
            f"private key(s) in the repository: {', '.join(open_keys)}; remove them, rotate the keys and "
            "keep keys in a secret store",
            scan.found[0].path,
        )
    if not scan.complete:
        return evaluation.finding(Outcome.NOT_AVAILABLE, f"key scan incomplete: {scan.problem}")
    suffix = f"; accepted: {', '.join(waived)}" if waived else ""
    return evaluation.finding(
        Outcome.PASS,
        f"{scan.files_scanned} file(s) scanned ({scan.method}); no private key committed{suffix}",
        examined=scan.files_scanned,
    )


@criterion(
    BundleRecord,
    name="release_bundle",
    description="the release-evidence bundle being made (bundle create), signed by the configured signer",
    fix="Create the release-evidence bundle for this commit with the configured signer (`sdl-gate bundle create`)",
    when_empty=Outcome.NOT_AVAILABLE,
    empty_means="no release-evidence bundle was created for the commit",
    # Only `bundle create` declares a bundle, for the assessment it writes into it.
    not_collected=(Outcome.NOT_APPLICABLE, "no release-evidence bundle is being made of this assessment"),
)
def release_bundle(evaluation: Evaluation, payload: BundleRecord) -> Finding:
    """The release-evidence bundle being made of this assessment is signed by the configured signer (SM-6)."""
    if payload.signature is None:
        return evaluation.finding(Outcome.FAIL, f"bundle {payload.file} is not signed; create it with --sign")
    match payload.signer_check:
        case SignerCheck.VERIFIED:
            return evaluation.finding(
                Outcome.PASS,
                f"release-evidence bundle {payload.file} signed by {payload.signer}, the configured signer",
                examined=1,
            )
        case SignerCheck.MISMATCH:
            return evaluation.finding(
                Outcome.FAIL,
                f"bundle {payload.file} is signed by {payload.signer}, not by the configured signer "
                f"{payload.expected_signer or '(unknown)'}",
            )
        case SignerCheck.NOT_CONFIGURED:
            return evaluation.finding(
                Outcome.NOT_AVAILABLE,
                f"bundle {payload.file} is signed by {payload.signer}, but no signer is configured to check it "
                "against; set key or identity under [tool.sdl-gate.signing]",
            )
        case None:
            return evaluation.finding(
                Outcome.NOT_AVAILABLE,
                f"bundle {payload.file} was declared without checking its signer against the configured one; "
                "create it again",
            )
