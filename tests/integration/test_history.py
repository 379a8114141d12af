"""Release history: earlier bundles, verified against the project's signer, drive maturity ML3 and ML4."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from sdl_gate.assess import Maturity
from sdl_gate.attest.keys import KeyAlgorithm, keygen, load_private_key, load_public_key
from sdl_gate.attest.manifest import KeyManifestSigner, ManifestVerifier
from sdl_gate.bundle.build import create_bundle
from sdl_gate.bundle.history import record_history
from sdl_gate.bundle.verify import verify_bundle
from sdl_gate.config import load_project
from sdl_gate.errors import ConfigError
from sdl_gate.run import check
from tests.conftest import ProjectFactory, RunCli

WAIVER = """
version: 1
waivers:
  - id: W-SG
    scope: {requirement: SG-3}
    justification: Hardening guide is being rewritten for the new web interface.
    requester: Alice Example <alice@example.com>
    approver: Bob Example <bob@example.com>
    created: 2026-01-01T00:00:00Z
    expires: 2026-06-29T00:00:00Z
"""


class Product:
    """A key-signed project whose user guidelines (SG) are complete."""

    def __init__(self, project: ProjectFactory) -> None:
        self.project = project
        pair = keygen(project.root.parent / "release", KeyAlgorithm.ED25519, b"pw")
        self.key = load_private_key(pair.private, b"pw")
        self.public = pair.public
        shutil.copyfile(pair.public, project.root / "release.pub.pem")
        guidelines = "".join(f'SG-{n} = "docs/g{n}.md"\n' for n in range(1, 7))
        project.pyproject('signing = { key = "release.pub.pem" }\n\n[tool.sdl-gate.guidelines]\n' + guidelines)
        for n in range(1, 7):
            project.doc(f"docs/g{n}.md")
        project.record("doc-review", "review", ["SG-7"])
        project.waivers(WAIVER)
        self.history = project.root.parent / "releases"
        self.history.mkdir()

    def release(self, day: date) -> Path:
        output = self.history / f"release-{day.isoformat()}.zip"
        create_bundle(self.project.root, output, today=day, signer=KeyManifestSigner(self.key))
        return output

    def maturity(self, day: date) -> Maturity:
        project = load_project(self.project.root)
        now = datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc)
        record_history(project, self.history, commit=None, now=now)
        assessment = check(self.project.root, today=day, now=now).assessment
        return next(p for p in assessment.practices if p.id == "SG").maturity


@pytest.fixture
def product(project: ProjectFactory) -> Product:
    return Product(project)


def test_maturity_rises_with_verified_history(product: Product) -> None:
    assert product.maturity(date(2026, 1, 20)) is Maturity.ML2  # no earlier release
    product.release(date(2026, 1, 20))
    assert product.maturity(date(2026, 2, 10)) is Maturity.ML2  # one earlier release is not "several"
    product.release(date(2026, 2, 10))
    assert product.maturity(date(2026, 3, 1)) is Maturity.ML3  # complete in this and two earlier releases
    (product.project.root / "security" / "waivers.yaml").unlink()
    assert product.maturity(date(2026, 3, 1)) is Maturity.ML4  # and its open exceptions fell from 1 to 0


def test_tampered_or_foreign_bundles_do_not_count(product: Product, tmp_path: Path) -> None:
    product.release(date(2026, 1, 20))
    second = product.release(date(2026, 2, 10))
    with zipfile.ZipFile(second) as archive:
        entries = {i.filename: archive.read(i) for i in archive.infolist()}
    entries["assessment.json"] = entries["assessment.json"].replace(b'"ML1"', b'"ML2"')
    second.unlink()
    with zipfile.ZipFile(second, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    (product.history / "notes.zip").write_bytes(b"not a zip")
    assert product.maturity(date(2026, 3, 1)) is Maturity.ML2
    project = load_project(product.project.root)
    stored = record_history(project, product.history, commit=None, now=datetime(2026, 3, 1, tzinfo=timezone.utc))
    refused = {r["bundle"]: r["reason"] for r in stored.evidence.payload["refused"]}
    assert "assessment.json: sha256" in refused["release-2026-02-10.zip"]
    assert "not a zip archive" in refused["notes.zip"]


def test_bundle_with_history_reassesses_identically(product: Product, tmp_path: Path) -> None:
    product.release(date(2026, 1, 20))
    product.release(date(2026, 2, 10))
    assert product.maturity(date(2026, 3, 1)) is Maturity.ML3
    output = tmp_path / "current.zip"
    create_bundle(product.project.root, output, today=date(2026, 3, 1), signer=KeyManifestSigner(product.key))
    assessment = json.loads(zipfile.ZipFile(output).read("assessment.json"))
    assert {p["id"]: p["maturity"] for p in assessment["practices"]}["SG"] == "ML3"
    report = verify_bundle(output, ManifestVerifier(public_key=load_public_key(product.public)))
    assert report.verified, report.failures


def test_history_needs_a_configured_signer(project: ProjectFactory, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--history needs"):
        record_history(load_project(project.root), tmp_path, commit=None, now=datetime.now(tz=timezone.utc))


def test_check_history_option(run_cli: RunCli, product: Product) -> None:
    product.release(date(2026, 1, 20))
    (product.history / "broken.zip").write_bytes(b"x")
    result = run_cli("check", product.project.root, "--history", product.history, "--format", "json")
    assert result.code == 1
    assert "history: broken.zip not counted: " in result.stderr
    assert "release-2026-01-20.zip" not in result.stderr
    missing = run_cli("check", product.project.root, "--history", product.history / "absent")
    assert missing.code == 2


def _findings(product: Product, day: date, requirement: str) -> dict[str, tuple[str, str]]:
    project = load_project(product.project.root)
    now = datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc)
    record_history(project, product.history, commit=None, now=now)
    assessment = check(product.project.root, today=day, now=now).assessment
    result = next(r for r in assessment.requirements if r.id == requirement)
    return {f.criterion: (f.outcome.value, f.message) for f in result.findings}


def test_without_history_the_history_criteria_neither_pass_nor_block(project: ProjectFactory) -> None:
    assessment = check(project.root, today=date(2026, 3, 1)).assessment
    sm12 = {f.criterion: f.outcome.value for f in next(r for r in assessment.requirements if r.id == "SM-12").findings}
    sm13 = {f.criterion: f.outcome.value for f in next(r for r in assessment.requirements if r.id == "SM-13").findings}
    assert sm12["release_history"] == "not_applicable"
    assert sm13["improvement_trend"] == "not_applicable"


def test_sm12_verifies_every_earlier_bundle(product: Product) -> None:
    product.release(date(2026, 1, 20))
    assert _findings(product, date(2026, 2, 1), "SM-12")["release_history"][0] == "pass"
    (product.history / "forged.zip").write_bytes(b"not a bundle")
    outcome, message = _findings(product, date(2026, 2, 1), "SM-12")["release_history"]
    assert outcome == "fail"
    assert "forged.zip" in message


def test_sm13_follows_the_score_trend_over_releases(product: Product) -> None:
    product.release(date(2026, 1, 20))
    assert _findings(product, date(2026, 2, 1), "SM-13")["improvement_trend"][0] == "not_available"
    product.release(date(2026, 2, 10))
    outcome, message = _findings(product, date(2026, 3, 1), "SM-13")["improvement_trend"]
    assert outcome == "pass"
    assert "held or rose" in message
    (product.project.root / "docs" / "g1.md").write_text("   \n", encoding="utf-8")  # SG-1 now fails
    product.release(date(2026, 3, 1))
    outcome, message = _findings(product, date(2026, 3, 20), "SM-13")["improvement_trend"]
    assert outcome == "fail"
    assert "fell over releases" in message
