"""Approval signatures with the real ssh-keygen and sigstore-python: what verifies, and why the rest does not."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from sdl_gate.approvals.signatures import (
    inspect_ssh_signature,
    key_fingerprint,
    parse_public_key,
    sign_ssh,
    verify_sigstore,
    verify_ssh,
)
from sdl_gate.attest.keys import SignatureInvalid
from sdl_gate.errors import InputError
from tests.conftest import SHARED_FIXTURES, ssh_key, write

MESSAGE = b'{"type":"https://sdl-gate.dev/record-approval/v1"}'


def _fingerprint(key: Path) -> str:
    return key_fingerprint(parse_public_key(key.with_suffix(".pub").read_text()))


def test_a_signature_made_with_ssh_keygen_verifies_and_names_its_key(tmp_path: Path) -> None:
    key = ssh_key(tmp_path, "bob")
    signature = sign_ssh(MESSAGE, key)
    assert verify_ssh(MESSAGE, signature) == _fingerprint(key)
    listed = subprocess.run(["ssh-keygen", "-l", "-f", str(key)], capture_output=True, text=True, check=True)
    assert _fingerprint(key) in listed.stdout  # the same fingerprint ssh-keygen shows


def test_an_rsa_key_works_too(tmp_path: Path) -> None:
    key = tmp_path / "rsa"
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", str(key)], check=True)
    assert verify_ssh(MESSAGE, sign_ssh(MESSAGE, key)) == _fingerprint(key)


def test_another_message_does_not_verify(tmp_path: Path) -> None:
    signature = sign_ssh(MESSAGE, ssh_key(tmp_path, "bob"))
    with pytest.raises(SignatureInvalid, match="does not match"):
        verify_ssh(MESSAGE + b" ", signature)


def test_a_signature_in_another_namespace_is_refused(tmp_path: Path) -> None:
    key = ssh_key(tmp_path, "bob")
    content = write(tmp_path / "commit", MESSAGE.decode())
    subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-n", "git", "-f", str(key), str(content)], check=True)
    signature = content.with_name("commit.sig").read_text()
    assert inspect_ssh_signature(signature).namespace == "git"
    with pytest.raises(SignatureInvalid, match="namespace 'git'"):
        verify_ssh(content.read_bytes(), signature)


def test_an_unsupported_key_type_is_refused_as_such(tmp_path: Path) -> None:
    key = tmp_path / "ecdsa"
    subprocess.run(["ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", str(key)], check=True)
    with pytest.raises(ValueError, match="not supported"):
        parse_public_key(key.with_suffix(".pub").read_text())
    with pytest.raises(SignatureInvalid, match="unsupported"):
        verify_ssh(MESSAGE, sign_ssh(MESSAGE, key))


@pytest.mark.parametrize(
    "text",
    ["", "hello", "-----BEGIN SSH SIGNATURE-----\nnot base64!\n-----END SSH SIGNATURE-----\n", "x" * 100_000],
)
def test_a_malformed_signature_is_invalid(text: str) -> None:
    with pytest.raises(SignatureInvalid):
        verify_ssh(MESSAGE, text)


def test_signing_with_something_that_is_not_a_key_is_an_input_error(tmp_path: Path) -> None:
    bogus = write(tmp_path / "bogus", "not a key\n")
    bogus.chmod(0o600)
    with pytest.raises(InputError, match="ssh-keygen could not sign"):
        sign_ssh(MESSAGE, bogus)
    with pytest.raises(InputError, match="not found"):
        sign_ssh(MESSAGE, tmp_path / "missing")


# --- Sigstore: offline, against the real bundles of the shared fixtures ---------------------------------------

SIGSTORE = SHARED_FIXTURES / "sigstore"
STAGING_IDENTITY = ("william@yossarian.net", "https://github.com/login/oauth")


def _bundle(name: str) -> dict[str, object]:
    path = SIGSTORE / name
    if not path.is_file():
        pytest.skip(f"shared Sigstore fixtures not available ({path})")
    loaded: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def test_a_sigstore_bundle_verifies_over_the_bytes_it_signs() -> None:
    bundle = _bundle("bundle_v3.txt.sigstore")
    verify_sigstore((SIGSTORE / "bundle_v3.txt").read_bytes(), bundle, *STAGING_IDENTITY, staging=True)


def test_a_sigstore_bundle_over_other_bytes_is_invalid() -> None:
    bundle = _bundle("bundle_v3.txt.sigstore")
    with pytest.raises(SignatureInvalid):
        verify_sigstore(MESSAGE, bundle, *STAGING_IDENTITY, staging=True)


def test_a_sigstore_bundle_of_another_identity_or_instance_is_invalid() -> None:
    bundle = _bundle("bundle_v3.txt.sigstore")
    signed = (SIGSTORE / "bundle_v3.txt").read_bytes()
    with pytest.raises(SignatureInvalid):
        verify_sigstore(signed, bundle, "mallory@example.com", STAGING_IDENTITY[1], staging=True)
    with pytest.raises(SignatureInvalid):
        verify_sigstore(signed, bundle, *STAGING_IDENTITY, staging=False)
