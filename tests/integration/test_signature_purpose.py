"""Domain separation: a bundle-manifest signature never verifies a release file, and a file signature never a bundle.

A bundle manifest is an in-toto statement whose subjects are every entry with its SHA-256, so without a check of
what a signature was made for, the manifest's signature "signed" any file the bundle contains: a renamed
`assessment.json` verified as a signed release file.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from sdl_gate._files import sha256_file
from sdl_gate.attest.dsse import parse_envelope
from sdl_gate.attest.files import FileVerifier, VerifyStatus, sign_file_with_key
from sdl_gate.attest.keys import KeyAlgorithm, PrivateKey, SignatureInvalid, keygen, load_private_key, load_public_key
from sdl_gate.attest.keys import sign_envelope as sign_with_key
from sdl_gate.attest.manifest import (
    KEY_SIGNATURE_SUFFIX,
    SIGSTORE_SIGNATURE_SUFFIX,
    KeyManifestSigner,
    ManifestVerifier,
)
from sdl_gate.attest.sigstore_verify import IdentityPolicy, Instance, SigstoreVerifier, TrustChoice
from sdl_gate.attest.statement import ASSESSMENT_PREDICATE, RELEASE_FILE_PREDICATE, statement
from sdl_gate.bundle.build import create_bundle
from sdl_gate.bundle.verify import verify_bundle
from sdl_gate.checks import Outcome
from sdl_gate.run import assess_project
from tests.conftest import SHARED_FIXTURES, ProjectFactory, RunCli

SIGSTORE = SHARED_FIXTURES / "sigstore"


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


@dataclass(frozen=True)
class Signed:
    """A real bundle signed with the project's release key, and that key."""

    bundle: Path
    key: PrivateKey
    public: Path

    def entry(self, name: str) -> bytes:
        with zipfile.ZipFile(self.bundle) as archive:
            return archive.read(name)


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    base = tmp_path_factory.mktemp("purpose")
    project = ProjectFactory(base / "proj")
    project.root.mkdir()
    pair = keygen(base / "release", KeyAlgorithm.ED25519, b"pw")
    shutil.copyfile(pair.public, project.root / "release.pub.pem")
    project.pyproject('signing = { key = "release.pub.pem" }\n')
    key = load_private_key(pair.private, b"pw")
    bundle = base / "release-1.0.zip"
    create_bundle(project.root, bundle, today=date(2026, 3, 1), signer=KeyManifestSigner(key))
    return Signed(bundle=bundle, key=key, public=pair.public)


@pytest.mark.parametrize("listed", ["assessment.json", "report.html", "policy.json"])
def test_the_manifest_signature_does_not_verify_a_file_the_bundle_lists(
    run_cli: RunCli, signed: Signed, listed: str, tmp_path: Path
) -> None:
    renamed = tmp_path / "gateway-1.1.tar.gz"
    renamed.write_bytes(signed.entry(listed))
    signature = tmp_path / "manifest.json.dsse.json"
    signature.write_bytes(signed.entry("manifest.json.dsse.json"))
    result = run_cli("verify", renamed, "--bundle", signature, "--key", signed.public)
    assert result.code == 1, result.stdout
    assert "FAIL: " in result.stderr
    assert "bundle manifest" in result.stderr
    assert "OK: " not in result.stdout


def test_a_manifest_signature_beside_a_release_file_is_invalid(signed: Signed, tmp_path: Path) -> None:
    """The same forgery as the signatures collector (SM-6, SUM-4) meets it: FILE.dsse.json found beside FILE."""
    artifact = tmp_path / "dist" / "gateway-1.1.tar.gz"
    artifact.parent.mkdir()
    artifact.write_bytes(signed.entry("assessment.json"))
    artifact.with_name(artifact.name + ".dsse.json").write_bytes(signed.entry("manifest.json.dsse.json"))
    result = FileVerifier(public_key=load_public_key(signed.public)).verify(artifact)
    assert result.status is VerifyStatus.INVALID
    assert "not for a release file" in result.detail


def test_an_envelope_with_another_payload_type_does_not_sign_a_file(signed: Signed, tmp_path: Path) -> None:
    artifact = tmp_path / "gateway-1.1.tar.gz"
    artifact.write_bytes(b"release archive\n")
    payload = statement([(artifact.name, sha256_file(artifact))], RELEASE_FILE_PREDICATE, {}).to_bytes()
    envelope = sign_with_key(signed.key, payload, payload_type="application/vnd.example.manifest+json")
    artifact.with_name(artifact.name + ".dsse.json").write_text(envelope.to_json())
    result = FileVerifier(public_key=load_public_key(signed.public)).verify(artifact)
    assert result.status is VerifyStatus.INVALID
    assert "payload type" in result.detail


def test_a_signed_statement_of_another_purpose_does_not_sign_its_subjects(signed: Signed, tmp_path: Path) -> None:
    artifact = tmp_path / "gateway-1.1.tar.gz"
    artifact.write_bytes(b"release archive\n")
    payload = statement([(artifact.name, sha256_file(artifact))], ASSESSMENT_PREDICATE, {"decision": "x"}).to_bytes()
    artifact.with_name(artifact.name + ".dsse.json").write_text(sign_with_key(signed.key, payload).to_json())
    result = FileVerifier(public_key=load_public_key(signed.public)).verify(artifact)
    assert result.status is VerifyStatus.INVALID
    assert "an sdl-gate assessment" in result.detail
    # The same file signed as a release file verifies: the refusal is about the purpose, not the key.
    artifact.with_name(artifact.name + ".dsse.json").write_text(sign_file_with_key(artifact, signed.key))
    assert FileVerifier(public_key=load_public_key(signed.public)).verify(artifact).status is VerifyStatus.VERIFIED


def test_a_release_file_signature_is_not_a_manifest_signature(signed: Signed, tmp_path: Path) -> None:
    artifact = tmp_path / "gateway-1.1.tar.gz"
    artifact.write_bytes(b"release archive\n")
    file_signature = sign_file_with_key(artifact, signed.key).encode()
    signed_payload = parse_envelope(file_signature).payload_bytes()
    verifier = ManifestVerifier(public_key=load_public_key(signed.public))
    with pytest.raises(SignatureInvalid, match=r"for a release-file signature .*not for a bundle manifest"):
        verifier.verify(KEY_SIGNATURE_SUFFIX, file_signature, signed_payload)


def test_a_bundle_whose_manifest_is_a_file_signature_fails(signed: Signed, tmp_path: Path) -> None:
    """The reverse forgery on a whole bundle: manifest.json and its signature swapped for a signed release file."""
    artifact = tmp_path / "gateway-1.1.tar.gz"
    artifact.write_bytes(b"release archive\n")
    file_signature = sign_file_with_key(artifact, signed.key).encode()
    with zipfile.ZipFile(signed.bundle) as archive:
        entries = {info.filename: archive.read(info) for info in archive.infolist()}
    entries["manifest.json"] = parse_envelope(file_signature).payload_bytes()
    entries["manifest.json.dsse.json"] = file_signature
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as archive:
        for name in sorted(entries):
            archive.writestr(name, entries[name])
    report = verify_bundle(forged, ManifestVerifier(public_key=load_public_key(signed.public)), reassess=False)
    assert not report.verified
    assert "manifest signature: the signature is for a release-file signature" in " ".join(report.failures)


@pytest.mark.skipif(not SIGSTORE.is_dir(), reason="shared Sigstore fixtures not present")
def test_a_sigstore_file_signature_is_not_a_manifest_signature() -> None:
    """A Sigstore message signature over a file's digest has no statement at all: never a manifest signature."""
    from sdl_gate.attest.sigstore_verify import load_bundle

    sigstore = SigstoreVerifier(
        TrustChoice(Instance.STAGING),
        IdentityPolicy(identity="william@yossarian.net", issuer="https://github.com/login/oauth"),
    )
    file_signature = load_bundle((SIGSTORE / "bundle_v3.txt.sigstore").read_bytes()).to_json().encode()
    as_file = FileVerifier(sigstore=sigstore).verify(SIGSTORE / "bundle_v3.txt", SIGSTORE / "bundle_v3.txt.sigstore")
    assert as_file.status is VerifyStatus.VERIFIED
    with pytest.raises(SignatureInvalid):
        ManifestVerifier(sigstore=sigstore).verify(
            SIGSTORE_SIGNATURE_SUFFIX, file_signature, (SIGSTORE / "bundle_v3.txt").read_bytes()
        )


def test_the_gate_does_not_count_a_manifest_signature_as_a_release_signature(signed: Signed, tmp_path: Path) -> None:
    """The attack end to end: a release file whose 'signature' is a bundle manifest signature by the project key."""
    project = ProjectFactory(tmp_path / "proj")
    project.root.mkdir()
    shutil.copyfile(signed.public, project.root / "release.pub.pem")
    project.pyproject('artifacts = ["dist/*"]\nsigning = { key = "release.pub.pem" }\n')
    artifact = project.root / "dist" / "gateway-1.1.tar.gz"
    artifact.parent.mkdir()
    artifact.write_bytes(signed.entry("assessment.json"))
    artifact.with_name(artifact.name + ".dsse.json").write_bytes(signed.entry("manifest.json.dsse.json"))
    assessment = assess_project(project.root, today=date(2026, 3, 1)).assessment
    sm6 = next(r for r in assessment.requirements if r.id == "SM-6")
    finding = next(f for f in sm6.findings if f.criterion == "release_signatures")
    assert finding.outcome is Outcome.FAIL
    assert "dist/gateway-1.1.tar.gz: invalid" in finding.message
    assert "not for a release file" in finding.message
