"""The signature collector and its criteria: SM-6, SUM-4, SM-8 (keyless or custody, no committed key)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from sdl_gate.assess import Assessment, Verdict
from sdl_gate.attest.files import sign_file_with_key
from sdl_gate.attest.keys import KeyAlgorithm, keygen, load_private_key
from sdl_gate.collectors.keyscan import CHUNK_BYTES, scan_private_keys
from sdl_gate.errors import ConfigError
from sdl_gate.run import assess_project
from tests.conftest import SHARED_FIXTURES, ProjectFactory, RunCli, approve_project_exceptions

SIGSTORE = SHARED_FIXTURES / "sigstore"
TODAY = date(2026, 3, 1)


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _assess(project: ProjectFactory) -> Assessment:
    return assess_project(project.root, today=TODAY, store=False).assessment


def _verdicts(assessment: Assessment, *ids: str) -> dict[str, tuple[Verdict, str]]:
    return {r.id: (r.verdict, r.rationale) for r in assessment.requirements if r.id in ids}


def _key_signed_release(project: ProjectFactory, *, sign: bool = True) -> Path:
    """A project whose dist/ holds two files signed with a local key, the public key committed."""
    pair = keygen(project.root.parent / "release", KeyAlgorithm.ED25519, b"pw")
    shutil.copyfile(pair.public, project.root / "release.pub.pem")
    key = load_private_key(pair.private, b"pw")
    for name in ("gateway-1.0.tar.gz", "gateway-1.0-py3-none-any.whl"):
        artifact = project.doc(f"dist/{name}", f"contents of {name}\n")
        if sign:
            artifact.with_name(name + ".dsse.json").write_text(sign_file_with_key(artifact, key))
    project.pyproject('artifacts = ["dist/*"]\nsigning = { key = "release.pub.pem" }\n')
    return pair.private


def test_key_signed_release_satisfies_sm6_and_sum4_and_sm8_needs_custody(project: ProjectFactory) -> None:
    _key_signed_release(project)
    verdicts = _verdicts(_assess(project), "SM-6", "SUM-4", "SM-8")
    assert verdicts["SM-6"][0] is Verdict.SATISFIED, verdicts["SM-6"][1]
    assert "2 release file(s) signed and verified" in verdicts["SM-6"][1]
    assert verdicts["SUM-4"][0] is Verdict.SATISFIED
    assert "release.pub.pem" in verdicts["SUM-4"][1]
    # A long-lived key without a custody record does not meet SM-8; the key scan passes.
    assert verdicts["SM-8"][0] is Verdict.PARTIALLY_SATISFIED
    assert "needs a key_custody record" in verdicts["SM-8"][1]
    assert "no private key committed" in verdicts["SM-8"][1]
    project.doc("docs/key-custody.md", "# Key custody\n\nThe key lives in the HSM.\n")
    project.record("custody", "key_custody", ["SM-8"], links=["docs/key-custody.md"])
    assert _verdicts(_assess(project), "SM-8")["SM-8"][0] is Verdict.SATISFIED


def test_unsigned_or_tampered_release_file_fails_sm6_naming_it(project: ProjectFactory) -> None:
    _key_signed_release(project)
    (project.root / "dist" / "gateway-1.0.tar.gz").write_text("tampered\n")
    project.doc("dist/extra.bin", "no signature\n")
    verdict, rationale = _verdicts(_assess(project), "SM-6")["SM-6"]
    assert verdict is Verdict.NOT_SATISFIED
    assert "dist/gateway-1.0.tar.gz: invalid" in rationale
    assert "dist/extra.bin: unsigned" in rationale


def test_nothing_configured_or_built_is_not_assessed(project: ProjectFactory) -> None:
    verdict, rationale = _verdicts(_assess(project), "SM-6")["SM-6"]
    assert verdict is Verdict.NOT_ASSESSED
    assert "no release files configured" in rationale
    project.pyproject('artifacts = ["dist/*"]\nsigning = { identity = "a@example.com", issuer = "https://x" }\n')
    verdict, rationale = _verdicts(_assess(project), "SM-6")["SM-6"]
    assert verdict is Verdict.NOT_ASSESSED
    assert "no release file matches dist/*" in rationale


def test_signature_without_a_configured_verifier_is_not_a_pass(project: ProjectFactory) -> None:
    _key_signed_release(project)
    project.pyproject('artifacts = ["dist/*"]\n')
    verdict, rationale = _verdicts(_assess(project), "SUM-4")["SUM-4"]
    assert verdict is Verdict.NOT_ASSESSED
    assert "no signer identity or public key configured" in rationale


def test_missing_public_key_is_a_config_error(project: ProjectFactory) -> None:
    project.pyproject('artifacts = ["dist/*"]\nsigning = { key = "absent.pub.pem" }\n')
    with pytest.raises(ConfigError, match=r"signing\.key"):
        _assess(project)


@pytest.mark.skipif(not SIGSTORE.is_dir(), reason="shared Sigstore fixtures not present")
def test_keyless_release_meets_sm8_without_a_custody_record(project: ProjectFactory) -> None:
    (project.root / "dist").mkdir()
    for name in ("bundle_v3_github.whl", "bundle_v3_github.whl.sigstore"):
        shutil.copyfile(SIGSTORE / name, project.root / "dist" / name)
    project.pyproject(
        'artifacts = ["dist/*.whl"]\nsigning = { repository = "trailofbits/rfc8785.py", ref = "refs/tags/v0.1.2" }\n'
    )
    verdicts = _verdicts(_assess(project), "SM-6", "SM-8", "SUM-4")
    assert verdicts["SM-6"][0] is Verdict.SATISFIED, verdicts["SM-6"][1]
    assert verdicts["SM-8"][0] is Verdict.SATISFIED, verdicts["SM-8"][1]
    assert "short-lived certificates" in verdicts["SM-8"][1]
    assert "GitHub Actions workflow of trailofbits/rfc8785.py" in verdicts["SUM-4"][1]


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey, fmt: str) -> bytes:
    formats = {
        "pkcs8": (serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        "traditional": (
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ),
        "openssh": (serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()),
        "encrypted": (
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pw"),
        ),
        "der": (serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    }
    encoding, private_format, encryption = formats[fmt]
    return key.private_bytes(encoding, private_format, encryption)


def test_key_scan_finds_every_private_key_format(tmp_path: Path) -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "server.pem").write_bytes(_pem(rsa_key, "traditional"))
    (tmp_path / "deploy_key").write_bytes(_pem(ed25519.Ed25519PrivateKey.generate(), "openssh"))
    (tmp_path / "ec.key").write_bytes(_pem(ec_key, "pkcs8"))
    (tmp_path / "signing.p8").write_bytes(_pem(ec_key, "der"))
    (tmp_path / "backup.pem").write_bytes(b"notes\n" + _pem(ec_key, "encrypted"))
    (tmp_path / "public.pem").write_bytes(
        ec_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (tmp_path / "random.key").write_bytes(b"\x30\x82 not a key")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "vendored.pem").write_bytes(_pem(ec_key, "pkcs8"))
    result = scan_private_keys(tmp_path, tracked=False)
    found = {hit.path: (hit.key_type, hit.encrypted) for hit in result.hits}
    assert found == {
        "conf/server.pem": ("RSA PRIVATE KEY", False),
        "deploy_key": ("OPENSSH PRIVATE KEY", None),
        "ec.key": ("PRIVATE KEY", False),
        "signing.p8": ("DER PRIVATE KEY", False),
        "backup.pem": ("ENCRYPTED PRIVATE KEY", True),
    }
    assert result.complete
    assert result.method == "directory walk"


def test_committed_key_fails_sm8_and_a_waiver_accepts_a_test_key(project: ProjectFactory) -> None:
    _key_signed_release(project)
    project.doc("docs/key-custody.md")
    project.record("custody", "key_custody", ["SM-8"], links=["docs/key-custody.md"])
    key = ec.generate_private_key(ec.SECP256R1())
    (project.root / "tests").mkdir()
    (project.root / "tests" / "fixture.pem").write_bytes(_pem(key, "pkcs8"))
    verdict, rationale = _verdicts(_assess(project), "SM-8")["SM-8"]
    assert verdict is Verdict.PARTIALLY_SATISFIED
    assert "private key(s) in the repository: tests/fixture.pem" in rationale
    project.waivers(
        """
        version: 1
        waivers:
          - id: W-KEY
            scope: {finding: "private-key:tests/fixture.pem"}
            justification: Throw-away key used only by the unit tests, never for releases.
            requester: Alice Example <alice@example.com>
            approver: Bob Example <bob@example.com>
            created: 2026-01-01T00:00:00Z
            expires: 2026-06-29T00:00:00Z
        """
    )
    approve_project_exceptions(project)
    verdict, rationale = _verdicts(_assess(project), "SM-8")["SM-8"]
    assert verdict is Verdict.SATISFIED, rationale
    assert "tests/fixture.pem (waived by W-KEY)" in rationale


def test_key_scan_reads_only_tracked_files_in_git(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    key = _pem(ec.generate_private_key(ec.SECP256R1()), "pkcs8")
    (tmp_path / "tracked.pem").write_bytes(key)
    (tmp_path / "untracked.pem").write_bytes(key)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "tracked.pem"], cwd=tmp_path, check=True)
    result = scan_private_keys(tmp_path, tracked=True)
    assert result.method == "git ls-files"
    assert [hit.path for hit in result.hits] == ["tracked.pem"]


def test_private_keys_command_names_keys_hidden_by_format_encoding_or_size(run_cli: RunCli, tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = _pem(key, "pkcs8")
    files = {
        "assets/blob.bin": _pem(key, "der"),
        "assets/store": pkcs12.serialize_key_and_certificates(
            b"x", key, None, None, serialization.BestAvailableEncryption(b"pw")
        ),
        # The header is assembled so that this test file is not itself a key to the scan.
        "ops/putty.ppk": b"PuTTY-User-Key-File" + b"-3: ssh-ed25519\nEncryption: none\nComment: ops\n",
        "ops/export.txt": pem.decode("ascii").encode("utf-16"),
        "docs/huge.log": b"." * (CHUNK_BYTES + 1) + pem,
        "README.md": b"# nothing to see\n",
    }
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    result = run_cli("private-keys", *sorted(files), "--path", tmp_path, cwd=tmp_path)
    assert result.code == 1, result.stdout + result.stderr
    for name in files:
        assert (f"  {name}: " in result.stdout) is (name != "README.md"), name
