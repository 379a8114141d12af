"""Criteria on release signatures and the release-evidence bundle (SM-6, SM-8, SUM-4)."""

from __future__ import annotations

from sdl_gate.attest.files import SignatureFormat, VerifyStatus
from sdl_gate.bundle_payload import BundleRecord, SignerCheck
from sdl_gate.checks._base import CheckInput, Criterion, Finding, Outcome
from sdl_gate.checks._criteria import _single
from sdl_gate.collectors.signatures import SignaturesPayload
from sdl_gate.evidence import Evidence, EvidenceKind

_NO_RELEASE_FILE = "no release file is configured, or none matches the configured patterns"


def _payload(check_input: CheckInput, name: str) -> tuple[Evidence, SignaturesPayload] | Finding:
    evidence = _single(check_input, EvidenceKind.SIGNATURES, name)
    if isinstance(evidence, Finding):
        return evidence
    return evidence, SignaturesPayload.model_validate(evidence.payload)


def _release_state(check_input: CheckInput, name: str) -> tuple[Evidence, SignaturesPayload] | Finding:
    """Return the evidence when every release file verified; otherwise the finding that says why not."""
    loaded = _payload(check_input, name)
    if isinstance(loaded, Finding):
        return loaded
    evidence, payload = loaded
    ids = (evidence.id,)
    if not payload.patterns:
        return check_input.finding(
            name,
            Outcome.NOT_AVAILABLE,
            'no release files configured; set artifacts = ["dist/*"] under [tool.sdl-gate]',
            ids,
        )
    if not payload.artifacts:
        patterns = ", ".join(payload.patterns)
        return check_input.finding(
            name, Outcome.NOT_AVAILABLE, f"no release file matches {patterns}; build the release first", ids
        )
    bad = [a for a in payload.artifacts if a.status in (VerifyStatus.UNSIGNED, VerifyStatus.INVALID)]
    if bad:
        listing = "; ".join(f"{a.path}: {a.status.value} ({a.detail})" for a in bad)
        return check_input.finding(name, Outcome.FAIL, listing, ids, bad[0].path)
    unchecked = [a for a in payload.artifacts if a.status is VerifyStatus.NOT_CHECKED]
    if unchecked:
        reason = payload.verification.problem or unchecked[0].detail
        listing = ", ".join(a.path for a in unchecked)
        return check_input.finding(name, Outcome.NOT_AVAILABLE, f"{listing} not verified: {reason}", ids)
    return evidence, payload


def signed_release() -> Criterion:
    """Every configured release file has a signature that verifies offline against the configured signer (SM-6)."""
    name = "release_signatures"

    def evaluate(check_input: CheckInput) -> Finding:
        state = _release_state(check_input, name)
        if isinstance(state, Finding):
            return state
        evidence, payload = state
        signers = sorted({a.signer or "" for a in payload.artifacts})
        return check_input.finding(
            name,
            Outcome.PASS,
            f"{len(payload.artifacts)} release file(s) signed and verified (signer {', '.join(signers)})",
            (evidence.id,),
            examined=len(payload.artifacts),
        )

    return Criterion(
        name,
        "a verified signature for every released file",
        (EvidenceKind.SIGNATURES,),
        evaluate,
        fix="Sign every released file (`sdl-gate sign FILES`) and commit the signatures beside them",
        when_empty=Outcome.NOT_AVAILABLE,
        empty_means=_NO_RELEASE_FILE,
    )


def verifiable_updates() -> Criterion:
    """Users can verify every update: each file ships with its signature and a published way to check it (SUM-4)."""
    name = "verifiable_updates"

    def evaluate(check_input: CheckInput) -> Finding:
        state = _release_state(check_input, name)
        if isinstance(state, Finding):
            return state
        evidence, payload = state
        how = [text for text in (payload.verification.sigstore, payload.verification.key) if text]
        return check_input.finding(
            name,
            Outcome.PASS,
            f"every update file ships with a signature users can verify against {' or '.join(how)}",
            (evidence.id,),
            examined=len(payload.artifacts),
        )

    return Criterion(
        name,
        "updates users can verify as authentic",
        (EvidenceKind.SIGNATURES,),
        evaluate,
        fix="Publish a signature users can verify with every released file (`sdl-gate sign FILES`)",
        when_empty=Outcome.NOT_AVAILABLE,
        empty_means=_NO_RELEASE_FILE,
    )


def keyless_signing() -> Criterion:
    """Release files are signed with short-lived Sigstore certificates, so no long-lived key needs custody (SM-8)."""
    name = "keyless_signing"

    def evaluate(check_input: CheckInput) -> Finding:
        state = _release_state(check_input, name)
        if isinstance(state, Finding):
            return state
        evidence, payload = state
        keyed = [a.path for a in payload.artifacts if a.format is SignatureFormat.KEY]
        if keyed:
            return check_input.finding(
                name,
                Outcome.FAIL,
                f"{', '.join(keyed)} signed with a long-lived key, which needs a key_custody record",
                (evidence.id,),
            )
        identities = sorted({a.signer or "" for a in payload.artifacts})
        return check_input.finding(
            name,
            Outcome.PASS,
            f"signed keyless with short-lived certificates for {', '.join(identities)}",
            (evidence.id,),
            examined=len(payload.artifacts),
        )

    return Criterion(
        name,
        "keyless signing with a short-lived identity",
        (EvidenceKind.SIGNATURES,),
        evaluate,
        fix="Sign the released files keylessly with Sigstore (`sdl-gate sign FILES` without --key), or record the "
        "custody of the signing key in an approved key_custody record",
        when_empty=Outcome.NOT_AVAILABLE,
        empty_means=_NO_RELEASE_FILE,
    )


def no_committed_private_key() -> Criterion:
    """No private key is committed to the repository (a waiver by fingerprint accepts, e.g., a test key)."""
    name = "no_committed_private_key"

    def evaluate(check_input: CheckInput) -> Finding:
        loaded = _payload(check_input, name)
        if isinstance(loaded, Finding):
            return loaded
        evidence, payload = loaded
        scan = payload.key_scan
        ids = (evidence.id,)
        waived: list[str] = []
        open_keys: list[str] = []
        for key in scan.found:
            waiver = check_input.waivers.for_finding(key.fingerprint, check_input.today)
            if waiver is not None:
                waived.append(f"{key.path} (waived by {waiver.id})")
            else:
                unapproved = check_input.waivers.not_counting(
                    check_input.waivers.matching_finding(key.fingerprint), check_input.today
                )
                why = f"; {'; '.join(unapproved)}" if unapproved else ""
                open_keys.append(f"{key.path} ({key.key_type}{why})")
        if open_keys:
            return check_input.finding(
                name,
                Outcome.FAIL,
                f"private key(s) in the repository: {', '.join(open_keys)}; remove them, rotate the keys and "
                "keep keys in a secret store",
                ids,
                scan.found[0].path,
            )
        if not scan.complete:
            return check_input.finding(name, Outcome.NOT_AVAILABLE, f"key scan incomplete: {scan.problem}", ids)
        suffix = f"; accepted: {', '.join(waived)}" if waived else ""
        return check_input.finding(
            name,
            Outcome.PASS,
            f"{scan.files_scanned} file(s) scanned ({scan.method}); no private key committed{suffix}",
            ids,
            examined=scan.files_scanned,
        )

    return Criterion(
        name,
        "no private key committed to the repository",
        (EvidenceKind.SIGNATURES,),
        evaluate,
        fix="Remove the private key from the repository and its history, revoke it, and keep keys out of git "
        "(the sdl-private-keys hook stops new ones)",
        when_empty=Outcome.NOT_AVAILABLE,
        empty_means="the key scan read no file of the repository",
    )


def release_bundle() -> Criterion:
    """The release-evidence bundle being made of this assessment is signed by the configured signer (SM-6)."""
    name = "release_bundle"

    def evaluate(check_input: CheckInput) -> Finding:
        evidence = _single(check_input, EvidenceKind.BUNDLE, name)
        if isinstance(evidence, Finding):
            if not check_input.evidence.rejected(EvidenceKind.BUNDLE):
                # Only `bundle create` declares a bundle, for the assessment it writes into it.
                message = "no release-evidence bundle is being made of this assessment"
                return check_input.finding(name, Outcome.NOT_APPLICABLE, message)
            return evidence
        payload = BundleRecord.model_validate(evidence.payload)
        ids = (evidence.id,)
        if payload.signature is None:
            return check_input.finding(
                name, Outcome.FAIL, f"bundle {payload.file} is not signed; create it with --sign", ids
            )
        match payload.signer_check:
            case SignerCheck.VERIFIED:
                return check_input.finding(
                    name,
                    Outcome.PASS,
                    f"release-evidence bundle {payload.file} signed by {payload.signer}, the configured signer",
                    ids,
                    examined=1,
                )
            case SignerCheck.MISMATCH:
                return check_input.finding(
                    name,
                    Outcome.FAIL,
                    f"bundle {payload.file} is signed by {payload.signer}, not by the configured signer "
                    f"{payload.expected_signer or '(unknown)'}",
                    ids,
                )
            case SignerCheck.NOT_CONFIGURED:
                return check_input.finding(
                    name,
                    Outcome.NOT_AVAILABLE,
                    f"bundle {payload.file} is signed by {payload.signer}, but no signer is configured to check it "
                    "against; set key or identity under [tool.sdl-gate.signing]",
                    ids,
                )
            case None:
                return check_input.finding(
                    name,
                    Outcome.NOT_AVAILABLE,
                    f"bundle {payload.file} was declared without checking its signer against the configured one; "
                    "create it again",
                    ids,
                )

    return Criterion(
        name,
        "the release-evidence bundle being made (bundle create), signed by the configured signer",
        (EvidenceKind.BUNDLE,),
        evaluate,
        fix="Create the release-evidence bundle for this commit with the configured signer (`sdl-gate bundle create`)",
        when_empty=Outcome.NOT_AVAILABLE,
        empty_means="no release-evidence bundle was created for the commit",
    )
