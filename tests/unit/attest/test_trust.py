"""Turning the operator's trust and signing options into verifiers and signers (``attest.trust``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdl_gate.attest.files import FileVerifier, VerifyStatus
from sdl_gate.attest.keys import PASSPHRASE_VARIABLE, KeyAlgorithm, KeyPair, key_id, keygen, load_public_key
from sdl_gate.attest.manifest import KeyManifestSigner
from sdl_gate.attest.trust import SignWith, TrustRequest, manifest_signer, sign_files
from sdl_gate.errors import InputError

_PASSPHRASE = "correct horse battery staple"  # noqa: S105 - a test key's passphrase


@pytest.fixture
def pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KeyPair:
    monkeypatch.setenv(PASSPHRASE_VARIABLE, _PASSPHRASE)
    return keygen(tmp_path / "release", KeyAlgorithm.ED25519, _PASSPHRASE.encode())


def test_no_option_given_is_not_a_request() -> None:
    assert not TrustRequest().given
    assert TrustRequest(staging=True).given
    assert TrustRequest(key=Path("k.pub.pem")).given


@pytest.mark.parametrize(
    "request_",
    [
        TrustRequest(),
        TrustRequest(identity="me@example.org"),
        TrustRequest(ref="refs/heads/main"),
        TrustRequest(repository="owner/name"),
        TrustRequest(staging=True),
    ],
    ids=["nothing", "identity-without-issuer", "ref-without-repository", "repository-without-ref", "staging-only"],
)
def test_a_request_that_trusts_nobody_or_half_an_identity_is_refused(request_: TrustRequest) -> None:
    with pytest.raises(InputError):
        request_.verifiers()


def test_a_public_key_is_trusted_alone(pair: KeyPair) -> None:
    public_key, sigstore = TrustRequest(key=pair.public).verifiers()
    assert sigstore is None
    assert public_key is not None
    assert key_id(public_key) == pair.key_id
    assert pair.key_id in TrustRequest(key=pair.public).manifest_verifier().describe()


def test_an_identity_with_its_issuer_builds_a_sigstore_verifier() -> None:
    request = TrustRequest(identity="me@example.org", issuer="https://accounts.example.org")
    public_key, sigstore = request.verifiers()
    assert public_key is None
    assert sigstore is not None


def test_a_manifest_is_unsigned_unless_asked(pair: KeyPair) -> None:
    assert manifest_signer(None, None) is None
    assert isinstance(manifest_signer(SignWith.KEY, pair.private), KeyManifestSigner)


@pytest.mark.parametrize(("sign_with", "key"), [(SignWith.KEY, None), (None, Path("release.pem"))])
def test_a_key_and_key_signing_go_together(sign_with: SignWith | None, key: Path | None) -> None:
    with pytest.raises(InputError):
        manifest_signer(sign_with, key)


def test_files_signed_with_a_key_verify_with_its_public_key(pair: KeyPair, tmp_path: Path) -> None:
    files = (tmp_path / "a.whl", tmp_path / "b.tar.gz")
    for index, path in enumerate(files):
        path.write_bytes(b"artefact %d" % index)
    signed = list(sign_files(files, pair.private))
    assert [path for path, _ in signed] == list(files)
    verifier = FileVerifier(sigstore=None, public_key=load_public_key(pair.public))
    for path, signature in signed:
        assert signature == path.with_name(path.name + ".dsse.json")
        assert verifier.verify(path, None).status is VerifyStatus.VERIFIED


def test_a_missing_file_is_refused_before_anything_is_signed(pair: KeyPair, tmp_path: Path) -> None:
    present = tmp_path / "a.whl"
    present.write_bytes(b"artefact")
    missing = tmp_path / "missing.whl"
    with pytest.raises(InputError) as raised:
        list(sign_files((present, missing), pair.private))
    assert raised.value.path == str(missing)
    assert not present.with_name("a.whl.dsse.json").exists()
