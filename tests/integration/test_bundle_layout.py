"""A bundle verifies only when every byte is accounted for: no reader may see another archive than the verifier.

Each forgery below starts from a real bundle written by `sdl-gate bundle create`. Python's zipfile (the reader
verification used on its own) still sees the genuine, correctly signed entries in every one of them, while a
streaming extractor, or a tool that trusts the 32-bit end record, extracts a forged `report.html` or
`assessment.json`.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from sdl_gate.attest.keys import KeyAlgorithm, keygen, load_public_key
from sdl_gate.attest.manifest import ManifestVerifier
from sdl_gate.bundle.history import read_history
from sdl_gate.bundle.verify import verify_bundle
from tests import zipforge
from tests.conftest import ProjectFactory, RunCli

UNLOCK = "layout tests"
FORGED_REPORT = b"<!DOCTYPE html><title>sdl-gate report</title><p>PASSED: 47 of 47 requirements satisfied</p>\n"
FORGED_ASSESSMENT = b'{"decision": {"passed": true, "summary": "PASSED: 47 of 47 requirements satisfied"}}\n'


@dataclass(frozen=True)
class Signed:
    """A real key-signed bundle and the public key that verifies it."""

    bundle: Path
    public: Path

    def verifier(self) -> ManifestVerifier:
        return ManifestVerifier(public_key=load_public_key(self.public))


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    base = tmp_path_factory.mktemp("layout")
    project = ProjectFactory.signed_by(base / "proj", base / "approvers")
    project.root.mkdir()
    pair = keygen(base / "release", KeyAlgorithm.ED25519, UNLOCK.encode())
    shutil.copyfile(pair.public, project.root / "release.pub.pem")
    project.pyproject('signing = { key = "release.pub.pem" }\n')
    project.doc("docs/review.md")
    project.record("release-review", "review", ["SM-12"], links=["docs/review.md"])
    bundle = base / "release-1.0.zip"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "sdl_gate",
            "bundle",
            "create",
            str(project.root),
            "--output",
            str(bundle),
            "--sign",
            "key",
            "--key",
            str(pair.private),
            "--as-of",
            "2026-03-01",
        ],
        env={
            **os.environ,
            "SDL_GATE_KEY_PASSPHRASE": UNLOCK,
            "SOURCE_DATE_EPOCH": "1772323200",
            "SDL_GATE_APPROVERS": str(project.approvers),
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode in (0, 1), completed.stderr
    return Signed(bundle=bundle, public=pair.public)


VARIANTS: dict[str, Callable[[bytes], bytes]] = {
    "prepended forged report": lambda b: zipforge.prepend(b, zipforge.local_entry("report.html", FORGED_REPORT)),
    "trailing forged report": lambda b: zipforge.append(b, zipforge.local_entry("report.html", FORGED_REPORT)),
    "hidden local report": lambda b: zipforge.hidden_local_entry(b, "report.html", FORGED_REPORT),
    "hidden local assessment": lambda b: zipforge.hidden_local_entry(b, "assessment.json", FORGED_ASSESSMENT),
    "second directory behind zip64": lambda b: zipforge.second_directory_behind_zip64(b, "report.html", FORGED_REPORT),
    "zip comment": lambda b: zipforge.with_comment(b, b"report: see report.html"),
    "local header crc disagrees": lambda b: zipforge.patch_local(b, "report.html", "crc", 0),
    "local header method disagrees": lambda b: zipforge.patch_local(b, "assessment.json", "method", 0),
    "data descriptor": lambda b: zipforge.patch_flags_everywhere(b, "report.html", 0x08),
}


def _genuine_entries(blob: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_the_genuine_bundle_verifies(signed: Signed) -> None:
    report = verify_bundle(signed.bundle, signed.verifier())
    assert report.verified, report.failures


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_forged_layouts_fail_verification(signed: Signed, variant: str, tmp_path: Path) -> None:
    original = signed.bundle.read_bytes()
    forged = tmp_path / "forged.zip"
    forged.write_bytes(VARIANTS[variant](original))
    # zipfile still reads the genuine, signed entries: the signature and digests alone cannot see the forgery.
    assert _genuine_entries(forged.read_bytes()) == _genuine_entries(original)
    report = verify_bundle(forged, signed.verifier(), reassess=False)
    assert not report.verified
    assert any("not a well-formed bundle zip" in failure for failure in report.failures), report.failures


def test_duplicate_names_fail_verification(signed: Signed, tmp_path: Path) -> None:
    forged = tmp_path / "forged.zip"
    forged.write_bytes(zipforge.duplicate_central_entry(signed.bundle.read_bytes(), "report.html"))
    report = verify_bundle(forged, signed.verifier(), reassess=False)
    assert "entry 'report.html' appears more than once" in " ".join(report.failures)


@pytest.mark.parametrize("variant", ["hidden local report", "prepended forged report", "zip comment"])
def test_verify_command_exits_1_naming_the_layout(
    run_cli: RunCli, signed: Signed, variant: str, tmp_path: Path
) -> None:
    forged = tmp_path / "forged.zip"
    forged.write_bytes(VARIANTS[variant](signed.bundle.read_bytes()))
    result = run_cli("bundle", "verify", forged, "--key", signed.public)
    assert result.code == 1, result.stderr
    assert "NOT VERIFIED" in result.stdout
    assert "FAILED: not a well-formed bundle zip" in result.stdout


@pytest.mark.skipif(shutil.which("bsdtar") is None, reason="bsdtar (Debian libarchive-tools) is not installed")
@pytest.mark.parametrize(
    ("variant", "name", "forged"),
    [
        pytest.param("hidden local report", "report.html", FORGED_REPORT, id="report.html"),
        pytest.param("hidden local assessment", "assessment.json", FORGED_ASSESSMENT, id="assessment.json"),
    ],
)
def test_a_streaming_extractor_sees_the_forged_entry(
    signed: Signed, variant: str, name: str, forged: bytes, tmp_path: Path
) -> None:
    """What the strict check protects against: bsdtar reading a pipe extracts the hidden entry over the real one."""
    blob = VARIANTS[variant](signed.bundle.read_bytes())
    target = tmp_path / "extracted"
    target.mkdir()
    # A pipe, not a file: bsdtar cannot seek to the central directory and walks the local headers.
    subprocess.run(["bsdtar", "-xf", "-", "-C", str(target)], input=blob, check=True, timeout=60)
    assert (target / name).read_bytes() == forged
    forged_path = tmp_path / "forged.zip"
    forged_path.write_bytes(blob)
    assert not verify_bundle(forged_path, signed.verifier(), reassess=False).verified


def test_a_forged_bundle_does_not_count_as_an_earlier_release(signed: Signed, tmp_path: Path) -> None:
    """SM-12 and maturity read release history; a bundle with a hidden entry is refused there too."""
    history = tmp_path / "releases"
    history.mkdir()
    (history / "v1.0.zip").write_bytes(VARIANTS["hidden local assessment"](signed.bundle.read_bytes()))
    (history / "v0.9.zip").write_bytes(VARIANTS["prepended forged report"](signed.bundle.read_bytes()))
    payload = read_history(history, signed.verifier(), "widget")
    assert payload.releases == ()
    assert sorted(r.bundle for r in payload.refused) == ["v0.9.zip", "v1.0.zip"]
    assert all("not a well-formed bundle zip" in r.reason for r in payload.refused)
