"""Signing and offline verification: the real Sigstore bundles, local keys, DSSE and the sign/verify commands."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from sdl_gate.attest.dsse import Envelope, pae, parse_envelope
from sdl_gate.attest.files import FileVerifier, VerifyStatus, sign_file_with_key
from sdl_gate.attest.keys import (
    KeyAlgorithm,
    SignatureInvalid,
    keygen,
    load_private_key,
    load_public_key,
    sign_envelope,
    verify_envelope,
)
from sdl_gate.attest.sigstore_verify import IdentityPolicy, Instance, SigstoreVerifier, TrustChoice
from sdl_gate.attest.statement import parse_statement
from sdl_gate.errors import InputError
from tests.conftest import SHARED_FIXTURES, RunCli

SIGSTORE = SHARED_FIXTURES / "sigstore"
needs_fixtures = pytest.mark.skipif(not SIGSTORE.is_dir(), reason="shared Sigstore fixtures not present")

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
WHL_IDENTITY = "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2"
STAGING_IDENTITY = "william@yossarian.net"
STAGING_ISSUER = "https://github.com/login/oauth"
DSSE_IDENTITY = (
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
    ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
)
PASSPHRASE = {"SDL_GATE_KEY_PASSPHRASE": "correct horse battery staple"}


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _verifier(instance: Instance, **identity: str) -> FileVerifier:
    return FileVerifier(sigstore=SigstoreVerifier(TrustChoice(instance), IdentityPolicy(**identity)))


@needs_fixtures
@pytest.mark.parametrize(
    ("artifact", "instance", "identity", "expected", "reason"),
    [
        ("bundle_v3_github.whl", Instance.PRODUCTION, {"identity": WHL_IDENTITY, "issuer": GITHUB_ISSUER}, True, ""),
        (
            "bundle_v3_github.whl",
            Instance.PRODUCTION,
            {"repository": "trailofbits/rfc8785.py", "ref": "refs/tags/v0.1.2"},
            True,
            "",
        ),
        (
            "bundle_v3_github.whl",
            Instance.PRODUCTION,
            {"identity": WHL_IDENTITY.replace("v0.1.2", "v0.1.3"), "issuer": GITHUB_ISSUER},
            False,
            "Sigstore verification failed",
        ),
        (
            "bundle_v3_github.whl",
            Instance.PRODUCTION,
            {"identity": WHL_IDENTITY, "issuer": "https://accounts.google.com"},
            False,
            "Sigstore verification failed",
        ),
        (
            "bundle_v3_github.whl",
            Instance.PRODUCTION,
            {"repository": "someone-else/rfc8785.py"},
            False,
            "Sigstore verification failed",
        ),
        (
            "bundle_v3_github.whl",
            Instance.STAGING,
            {"identity": WHL_IDENTITY, "issuer": GITHUB_ISSUER},
            False,
            "Sigstore verification failed",
        ),
        ("bundle_v3.txt", Instance.STAGING, {"identity": STAGING_IDENTITY, "issuer": STAGING_ISSUER}, True, ""),
        (
            "bundle_v3.txt",
            Instance.PRODUCTION,
            {"identity": STAGING_IDENTITY, "issuer": STAGING_ISSUER},
            False,
            "Sigstore verification failed",
        ),
        (
            "bundle_invalid_version.txt",
            Instance.STAGING,
            {"identity": STAGING_IDENTITY, "issuer": STAGING_ISSUER},
            False,
            "Sigstore bundle refused",
        ),
        (
            "bundle_no_log_entry.txt",
            Instance.STAGING,
            {"identity": STAGING_IDENTITY, "issuer": STAGING_ISSUER},
            False,
            "expected exactly one log entry",
        ),
    ],
)
def test_real_sigstore_bundles_verify_offline_as_documented(
    artifact: str, instance: Instance, identity: dict[str, str], expected: bool, reason: str
) -> None:
    result = _verifier(instance, **identity).verify(SIGSTORE / artifact)
    assert (result.status is VerifyStatus.VERIFIED) is expected, result.detail
    if expected:
        assert result.signer in (WHL_IDENTITY, STAGING_IDENTITY)
    else:
        assert result.status is VerifyStatus.INVALID
        assert reason in result.detail


@needs_fixtures
@pytest.mark.parametrize(
    ("artifact", "identity", "issuer", "instance"),
    [
        ("bundle_v3_github.whl", WHL_IDENTITY, GITHUB_ISSUER, Instance.PRODUCTION),
        ("bundle_v3.txt", STAGING_IDENTITY, STAGING_ISSUER, Instance.STAGING),
    ],
)
def test_a_changed_file_no_longer_verifies(
    tmp_path: Path, artifact: str, identity: str, issuer: str, instance: Instance
) -> None:
    copy = tmp_path / artifact
    copy.write_bytes((SIGSTORE / artifact).read_bytes() + b"\n")
    signature = SIGSTORE / (artifact + ".sigstore")
    result = _verifier(instance, identity=identity, issuer=issuer).verify(copy, signature)
    assert result.status is VerifyStatus.INVALID
    assert "Sigstore verification failed" in result.detail


@needs_fixtures
def test_dsse_bundle_verifies_but_its_subject_is_checked_against_the_file() -> None:
    verifier = SigstoreVerifier(
        TrustChoice(Instance.STAGING), IdentityPolicy(identity=DSSE_IDENTITY, issuer=GITHUB_ISSUER)
    )
    bundle = (SIGSTORE / "a.dsse.staging-rekor-v2.txt.sigstore.json").read_bytes()
    payload, signer = verifier.verify_statement(bundle)
    statement = parse_statement(payload)
    assert signer.identity == DSSE_IDENTITY
    assert statement.predicate_type == "https://slsa.dev/provenance/v1"
    assert [s.name for s in statement.subject] == ["a.txt"]
    # The file next to it is not the statement's subject: as a file signature it must not verify.
    result = FileVerifier(sigstore=verifier).verify(SIGSTORE / "a.dsse.staging-rekor-v2.txt")
    assert result.status is VerifyStatus.INVALID
    assert "subject digest does not match the file" in result.detail
    wrong = SigstoreVerifier(TrustChoice(Instance.STAGING), IdentityPolicy(identity=WHL_IDENTITY, issuer=GITHUB_ISSUER))
    with pytest.raises(SignatureInvalid):
        wrong.verify_statement(bundle)


def test_incomplete_identity_is_refused_before_verifying() -> None:
    with pytest.raises(InputError, match="OIDC issuer"):
        SigstoreVerifier(TrustChoice(), IdentityPolicy(identity=WHL_IDENTITY))


def test_pae_matches_the_dsse_specification_example() -> None:
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )


@pytest.mark.parametrize("algorithm", list(KeyAlgorithm))
def test_key_round_trip_and_tampering(tmp_path: Path, algorithm: KeyAlgorithm) -> None:
    pair = keygen(tmp_path / "release", algorithm, b"pass phrase")
    assert stat.S_IMODE(pair.private.stat().st_mode) == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in pair.private.read_bytes()
    key = load_private_key(pair.private, b"pass phrase")
    public = load_public_key(pair.public)
    envelope = sign_envelope(key, b'{"hello": "world"}')
    assert verify_envelope(envelope, public) == b'{"hello": "world"}'
    assert envelope.signatures[0].keyid == pair.key_id
    forged = Envelope(
        payload="eyJoZWxsbyI6ICJ3b3JsZCEifQ==", payloadType=envelope.payload_type, signatures=envelope.signatures
    )
    with pytest.raises(SignatureInvalid):
        verify_envelope(forged, public)
    other = keygen(tmp_path / "other", algorithm, b"pass phrase")
    with pytest.raises(SignatureInvalid):
        verify_envelope(envelope, load_public_key(other.public))
    with pytest.raises(InputError, match="cannot load the private key"):
        load_private_key(pair.private, b"wrong")
    with pytest.raises(InputError, match="already exists"):
        keygen(tmp_path / "release", algorithm, b"pass phrase")


def test_key_signed_file_binds_the_digest(tmp_path: Path) -> None:
    pair = keygen(tmp_path / "k", KeyAlgorithm.ED25519, b"pw")
    artifact = tmp_path / "firmware.bin"
    artifact.write_bytes(b"\x00firmware v1")
    signature = artifact.with_name(artifact.name + ".dsse.json")
    signature.write_text(sign_file_with_key(artifact, load_private_key(pair.private, b"pw")))
    verifier = FileVerifier(public_key=load_public_key(pair.public))
    assert verifier.verify(artifact).status is VerifyStatus.VERIFIED
    statement = parse_statement(parse_envelope(signature.read_bytes()).payload_bytes())
    assert statement.subject[0].name == "firmware.bin"
    artifact.write_bytes(b"\x00firmware v2")
    changed = verifier.verify(artifact)
    assert changed.status is VerifyStatus.INVALID
    assert "subject digest does not match" in changed.detail
    assert FileVerifier().verify(artifact).status is VerifyStatus.NOT_CHECKED
    signature.write_text("{not json")
    assert verifier.verify(artifact).status is VerifyStatus.INVALID
    signature.unlink()
    assert verifier.verify(artifact).status is VerifyStatus.UNSIGNED


@pytest.mark.slow
def test_keygen_sign_verify_commands(run_cli: RunCli, tmp_path: Path) -> None:
    prefix = tmp_path / "keys" / "release"
    made = run_cli("keygen", "--output", prefix, env=PASSPHRASE)
    assert made.code == 0, made.stderr
    artifact = tmp_path / "app-1.0.tar.gz"
    artifact.write_bytes(b"release payload")
    signed = run_cli("sign", artifact, "--key", f"{prefix}.pem", env=PASSPHRASE)
    assert signed.code == 0, signed.stderr
    assert (tmp_path / "app-1.0.tar.gz.dsse.json").is_file()
    ok = run_cli("verify", artifact, "--key", f"{prefix}.pub.pem")
    assert ok.code == 0, ok.stderr
    assert "OK: " in ok.stdout
    artifact.write_bytes(b"release payload, changed")
    bad = run_cli("verify", artifact, "--key", f"{prefix}.pub.pem")
    assert bad.code == 1
    assert "subject digest does not match" in bad.stderr
    no_secret = run_cli("sign", artifact, "--key", f"{prefix}.pem", env={"SDL_GATE_KEY_PASSPHRASE": ""})
    assert no_secret.code == 2
    assert "SDL_GATE_KEY_PASSPHRASE" in no_secret.stderr
    wrong = run_cli("sign", artifact, "--key", f"{prefix}.pem", env={"SDL_GATE_KEY_PASSPHRASE": "nope"})
    assert wrong.code == 2
    assert "release.pem" in wrong.stderr
    nobody = run_cli("verify", artifact)
    assert nobody.code == 2
    assert "--identity" in nobody.stderr


@pytest.mark.slow
@needs_fixtures
def test_verify_command_on_real_bundles(run_cli: RunCli, tmp_path: Path) -> None:
    whl = SIGSTORE / "bundle_v3_github.whl"
    good = run_cli("verify", whl, "--repository", "trailofbits/rfc8785.py", "--ref", "refs/tags/v0.1.2")
    assert good.code == 0, good.stderr
    wrong = run_cli("verify", whl, "--identity", "someone@example.com", "--issuer", GITHUB_ISSUER)
    assert wrong.code == 1
    staging = run_cli(
        "verify", SIGSTORE / "bundle_v3.txt", "--identity", STAGING_IDENTITY, "--issuer", STAGING_ISSUER, "--staging"
    )
    assert staging.code == 0, staging.stderr
    # --bundle names a signature kept elsewhere; a copy of the file verifies against it.
    copy = tmp_path / "renamed.whl"
    shutil.copyfile(whl, copy)
    detached = run_cli(
        "verify",
        copy,
        "--bundle",
        SIGSTORE / "bundle_v3_github.whl.sigstore",
        "--identity",
        WHL_IDENTITY,
        "--issuer",
        GITHUB_ISSUER,
    )
    assert detached.code == 0, detached.stderr
    missing = run_cli("verify", tmp_path / "absent.whl", "--identity", WHL_IDENTITY, "--issuer", GITHUB_ISSUER)
    assert missing.code == 2
    assert "absent.whl" in missing.stderr


def test_trust_config_that_is_not_one_is_bad_input(tmp_path: Path) -> None:
    config = tmp_path / "trust.json"
    config.write_text(json.dumps({"mediaType": "nope"}))
    with pytest.raises(InputError, match="trust config"):
        SigstoreVerifier(TrustChoice(trust_config=config), IdentityPolicy(identity="a@b", issuer="https://x"))


@pytest.mark.slow
@needs_fixtures
def test_trust_config_from_a_file_verifies_like_an_air_gapped_site(run_cli: RunCli, tmp_path: Path) -> None:
    from sdl_gate.attest.sigstore_verify import load_trusted_root, trusted_root_json

    root_file = tmp_path / "private-instance-root.json"
    root_file.write_text(trusted_root_json(load_trusted_root(TrustChoice(Instance.STAGING))))
    args = ("verify", SIGSTORE / "bundle_v3.txt", "--identity", STAGING_IDENTITY, "--issuer", STAGING_ISSUER)
    assert run_cli(*args, "--trust-config", root_file).code == 0
    # The same bundle against a production root (given as a file) must not verify.
    root_file.write_text(trusted_root_json(load_trusted_root(TrustChoice(Instance.PRODUCTION))))
    assert run_cli(*args, "--trust-config", root_file).code == 1


@needs_fixtures
def test_manifest_verifier_accepts_only_the_signed_statement_in_canonical_form() -> None:
    from sdl_gate.attest.manifest import SIGSTORE_SIGNATURE_SUFFIX, ManifestVerifier
    from sdl_gate.attest.sigstore_verify import load_bundle

    sigstore = SigstoreVerifier(
        TrustChoice(Instance.STAGING), IdentityPolicy(identity=DSSE_IDENTITY, issuer=GITHUB_ISSUER)
    )
    written = (SIGSTORE / "a.dsse.staging-rekor-v2.txt.sigstore.json").read_bytes()
    canonical = load_bundle(written).to_json().encode()
    payload, _ = sigstore.verify_statement(canonical)
    verifier = ManifestVerifier(sigstore=sigstore)
    # The signature and the identity verify, but it signs build provenance of a file, not a bundle manifest.
    with pytest.raises(SignatureInvalid, match=r"for build provenance .*not for a bundle manifest"):
        verifier.verify(SIGSTORE_SIGNATURE_SUFFIX, canonical, payload)
    with pytest.raises(SignatureInvalid, match="covers a different manifest"):
        verifier.verify(SIGSTORE_SIGNATURE_SUFFIX, canonical, payload + b" ")
    with pytest.raises(SignatureInvalid, match="not in the form sdl-gate writes"):
        verifier.verify(SIGSTORE_SIGNATURE_SUFFIX, canonical + b"\n", payload)
    with pytest.raises(SignatureInvalid, match="verify it with --key"):
        verifier.verify(".dsse.json", canonical, payload)


def test_fulcio_extension_text_handles_both_encodings() -> None:
    from sdl_gate.attest.sigstore_verify import _extension_text

    issuer = "https://token.actions.githubusercontent.com"
    assert _extension_text(issuer.encode()) == issuer
    assert _extension_text(b"\x0c" + bytes([len(issuer)]) + issuer.encode()) == issuer
    long_issuer = "https://issuer.example.com/" + "x" * 200
    assert _extension_text(b"\x0c\x81" + bytes([len(long_issuer)]) + long_issuer.encode()) == long_issuer
