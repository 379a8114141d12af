"""Release history: earlier bundles, verified against the project's signer, drive maturity ML3 and ML4 and SM-13."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from sdl_gate.assess import Maturity, PracticeResult
from sdl_gate.attest.keys import KeyAlgorithm, keygen, load_private_key, load_public_key
from sdl_gate.attest.manifest import KeyManifestSigner, ManifestVerifier
from sdl_gate.bundle.build import create_bundle
from sdl_gate.bundle.history import record_history
from sdl_gate.bundle.verify import verify_bundle
from sdl_gate.config import load_project
from sdl_gate.errors import ConfigError
from sdl_gate.history_metrics import Metric
from sdl_gate.history_payload import HistoryPayload
from sdl_gate.run import assess_project
from tests.conftest import ProjectFactory, RunCli, approve_project_exceptions

#: The user guideline requirements: SG-1 to SG-6 are class H, so the review of the documents lists them with SG-7.
GUIDELINES = [f"SG-{n}" for n in range(1, 8)]
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


LENIENT = """
version: 1
extends: iec62443-4-1-ml2
settings:
  maturity: {min_releases: 2, min_span_days: 20}
"""


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


class Product:
    """A key-signed project whose user guidelines (SG) are complete."""

    def __init__(self, project: ProjectFactory, policy: str | None = None) -> None:
        self.project = project
        pair = keygen(project.root.parent / "release", KeyAlgorithm.ED25519, b"pw")
        self.key = load_private_key(pair.private, b"pw")
        self.public = pair.public
        shutil.copyfile(pair.public, project.root / "release.pub.pem")
        guidelines = "".join(f'SG-{n} = "docs/g{n}.md"\n' for n in range(1, 7))
        settings = 'signing = { key = "release.pub.pem" }\n'
        if policy is not None:
            project.policy(policy)
            settings += 'policy = "security/policy.yaml"\n'
        project.pyproject(settings + "\n[tool.sdl-gate.guidelines]\n" + guidelines)
        for n in range(1, 7):
            project.doc(f"docs/g{n}.md")
        project.record("doc-review", "review", GUIDELINES)  # approved two days after it was written
        project.waivers(WAIVER)
        approve_project_exceptions(project)
        self.history = project.root.parent / "releases"
        self.history.mkdir()
        # History and bundles count only when bound to the assessed commit: the product is a git checkout.
        self.commit = project.commit("first")

    def release(self, day: date, version: str = "2.0.0", name: str | None = None) -> Path:
        pyproject = self.project.root / "pyproject.toml"
        text = pyproject.read_text(encoding="utf-8")
        pyproject.write_text(re.sub(r'(?m)^version = ".*"$', f'version = "{version}"', text), encoding="utf-8")
        # Each release is its own commit, as it would be; earlier releases are told apart by commit.
        self.commit = self.project.commit(f"release {version} {day.isoformat()}")
        output = self.history / (name or f"release-{version}-{day.isoformat()}.zip")
        create_bundle(self.project.root, output, today=day, signer=KeyManifestSigner(self.key))
        return output

    def practice(self, day: date, practice_id: str = "SG") -> PracticeResult:
        project = load_project(self.project.root)
        now = datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc)
        record_history(project, self.history, commit=self.commit, now=now)
        assessment = assess_project(self.project.root, today=day, now=now).assessment
        return next(p for p in assessment.practices if p.id == practice_id)

    def maturity(self, day: date) -> Maturity:
        return self.practice(day).maturity


@pytest.fixture
def product(project: ProjectFactory) -> Product:
    return Product(project)


@pytest.fixture
def lenient(project: ProjectFactory) -> Product:
    """The product under a policy that gives ML3 for two released versions over 20 days."""
    return Product(project, LENIENT)


def _checked(run_cli: RunCli, product: Product, day: date) -> dict[str, Any]:
    result = run_cli(
        "check", product.project.root, "--history", product.history, "--format", "json", "--as-of", day.isoformat()
    )
    assert result.code in (0, 1), result.stderr
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def _practice(assessment: dict[str, Any], practice_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(p for p in assessment["practices"] if p["id"] == practice_id)
    return found


def _finding(assessment: dict[str, Any], requirement: str, criterion: str) -> dict[str, Any]:
    result = next(r for r in assessment["requirements"] if r["id"] == requirement)
    found: dict[str, Any] = next(f for f in result["findings"] if f["criterion"] == criterion)
    return found


@pytest.mark.slow
def test_maturity_comes_from_released_versions_over_time_and_an_improved_metric(
    run_cli: RunCli, product: Product
) -> None:
    product.release(date(2026, 1, 20), "1.0.0")
    product.release(date(2026, 1, 20), "1.0.0", name="release-1.0.0-again.zip")  # the same version, minutes apart
    product.release(date(2026, 2, 25), "1.1.0")
    early = _checked(run_cli, product, date(2026, 3, 1))
    sg = _practice(early, "SG")
    assert sg["maturity"] == "ML2"  # three bundles, but two released versions
    assert [r["version"] for r in sg["maturity_evidence"]["releases"]] == ["1.0.0", "1.1.0"]
    product.release(date(2026, 4, 25), "1.2.0")
    later = _checked(run_cli, product, date(2026, 5, 5))
    sg = _practice(later, "SG")
    assert sg["maturity"] == "ML3"  # three versions over 95 days; the waiver on SG-3 counts for nothing
    assert sg["maturity_evidence"]["span_days"] == 95
    assert sg["maturity_evidence"]["metrics"] == [
        {
            "metric": "record_approval_days",
            "description": Metric.RECORD_APPROVAL_DAYS.description,
            "values": [2.0, 2.0, 2.0],
            "trend": "flat",
        }
    ]
    trend = _finding(later, "SM-13", "improvement_trend")
    assert trend["outcome"] == "fail"  # a flat metric is not improvement
    assert "record_approval_days 1.0.0: 2 -> 1.1.0: 2 -> 1.2.0: 2 (flat)" in trend["message"]
    # A guideline update reviewed the same day brings the median approval time down in the next release.
    product.project.record("guide-update", "review", ["SG-7"], date="2026-05-01", approved="2026-05-01")
    product.release(date(2026, 5, 10), "1.3.0")
    improved = _checked(run_cli, product, date(2026, 5, 20))
    sg = _practice(improved, "SG")
    assert sg["maturity"] == "ML4"
    assert (
        "record_approval_days 1.0.0: 2 -> 1.1.0: 2 -> 1.2.0: 2 -> 1.3.0: 1 (improved)"
        in (sg["maturity_evidence"]["conclusion"])
    )
    trend = _finding(improved, "SM-13", "improvement_trend")
    assert trend["outcome"] == "pass"
    assert "record_approval_days 1.1.0: 2 -> 1.2.0: 2 -> 1.3.0: 1 (improved)" in trend["message"]


@pytest.mark.slow
def test_tampered_or_foreign_bundles_do_not_count(lenient: Product, tmp_path: Path) -> None:
    lenient.release(date(2026, 1, 20), "1.0.0")
    second = lenient.release(date(2026, 2, 10), "1.1.0")
    with zipfile.ZipFile(second) as archive:
        entries = {i.filename: archive.read(i) for i in archive.infolist()}
    entries["assessment.json"] = entries["assessment.json"].replace(b'"ML1"', b'"ML2"')
    second.unlink()
    with zipfile.ZipFile(second, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    (lenient.history / "notes.zip").write_bytes(b"not a zip")
    assert lenient.maturity(date(2026, 3, 1)) is Maturity.ML2  # with the second release it would be ML3
    project = load_project(lenient.project.root)
    stored = record_history(project, lenient.history, commit=None, now=datetime(2026, 3, 1, tzinfo=timezone.utc))
    refused = {r["bundle"]: r["reason"] for r in stored.evidence.payload["refused"]}
    assert "assessment.json: sha256" in refused["release-1.1.0-2026-02-10.zip"]
    assert "not a zip archive" in refused["notes.zip"]


@pytest.mark.slow
def test_bundle_with_history_reassesses_identically(lenient: Product, tmp_path: Path) -> None:
    lenient.release(date(2026, 1, 20), "1.0.0")
    lenient.release(date(2026, 2, 10), "1.1.0")
    assert lenient.maturity(date(2026, 3, 1)) is Maturity.ML3
    output = tmp_path / "current.zip"
    create_bundle(lenient.project.root, output, today=date(2026, 3, 1), signer=KeyManifestSigner(lenient.key))
    assessment = json.loads(zipfile.ZipFile(output).read("assessment.json"))
    assert {p["id"]: p["maturity"] for p in assessment["practices"]}["SG"] == "ML3"
    report = verify_bundle(output, ManifestVerifier(public_key=load_public_key(lenient.public)))
    assert report.verified, report.failures


def test_facts_of_earlier_releases_are_read_from_their_verified_evidence(lenient: Product) -> None:
    lenient.release(date(2026, 1, 20), "1.0.0")
    project = load_project(lenient.project.root)
    stored = record_history(project, lenient.history, commit=None, now=datetime(2026, 3, 1, tzinfo=timezone.utc))
    (release,) = HistoryPayload.model_validate(stored.evidence.payload).releases
    assert release.facts is not None
    assert release.facts.records is not None
    assert [(r.id, r.requirements, str(r.created), str(r.approved)) for r in release.facts.records] == [
        ("doc-review", tuple(GUIDELINES), "2026-01-10", "2026-01-12")
    ]


def test_history_needs_a_configured_signer(project: ProjectFactory, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--history needs"):
        record_history(load_project(project.root), tmp_path, commit=None, now=datetime.now(tz=timezone.utc))


@pytest.mark.slow
def test_check_history_option(run_cli: RunCli, product: Product) -> None:
    product.release(date(2026, 1, 20))
    (product.history / "broken.zip").write_bytes(b"x")
    result = run_cli("check", product.project.root, "--history", product.history, "--format", "json")
    assert result.code == 1
    assert "history: broken.zip not counted: " in result.stderr
    assert "release-2.0.0-2026-01-20.zip" not in result.stderr
    missing = run_cli("check", product.project.root, "--history", product.history / "absent")
    assert missing.code == 2


def _findings(product: Product, day: date, requirement: str) -> dict[str, tuple[str, str]]:
    project = load_project(product.project.root)
    now = datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc)
    record_history(project, product.history, commit=product.commit, now=now)
    assessment = assess_project(product.project.root, today=day, now=now).assessment
    result = next(r for r in assessment.requirements if r.id == requirement)
    return {f.criterion: (f.outcome.value, f.message) for f in result.findings}


def test_without_history_the_history_criteria_neither_pass_nor_block(project: ProjectFactory) -> None:
    assessment = assess_project(project.root, today=date(2026, 3, 1)).assessment
    sm12 = {f.criterion: f.outcome.value for f in next(r for r in assessment.requirements if r.id == "SM-12").findings}
    sm13 = {f.criterion: f.outcome.value for f in next(r for r in assessment.requirements if r.id == "SM-13").findings}
    assert sm12["release_history"] == "not_applicable"
    assert sm13["improvement_trend"] == "not_applicable"


@pytest.mark.slow
def test_sm12_verifies_every_earlier_bundle(product: Product) -> None:
    product.release(date(2026, 1, 20))
    assert _findings(product, date(2026, 2, 1), "SM-12")["release_history"][0] == "pass"
    (product.history / "forged.zip").write_bytes(b"not a bundle")
    outcome, message = _findings(product, date(2026, 2, 1), "SM-12")["release_history"]
    assert outcome == "fail"
    assert "forged.zip" in message
