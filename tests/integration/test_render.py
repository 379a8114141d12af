"""``sdl-gate report`` and ``sdl-gate check --format`` run as a user runs them: every format, bad input, bundles."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import jsonschema
import pytest

from sdl_gate.render.formats import ReportFormat
from tests.conftest import DEMO_PROJECT, SHARED_FIXTURES, RunCli
from tests.report_data import sample_assessment

SARIF_SCHEMA = SHARED_FIXTURES / "sarif" / "sarif-schema-2.1.0.json"


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _sarif_validator() -> jsonschema.Draft4Validator:
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"SARIF schema fixture not found at ../shared/fixtures/sarif ({SARIF_SCHEMA.name})")
    return jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))


def _assessment_file(tmp_path: Path) -> Path:
    path = tmp_path / "assessment.json"
    path.write_text(json.dumps(sample_assessment().model_dump(mode="json"), indent=2), encoding="utf-8")
    return path


def test_cli_report_renders_every_format(run_cli: RunCli, tmp_path: Path) -> None:
    source = _assessment_file(tmp_path)
    for report_format in ReportFormat:
        out = tmp_path / f"report.{report_format.value}"
        result = run_cli("report", "--format", report_format.value, source, "--output", out)
        assert result.code == 0, result.stderr
        text = out.read_text(encoding="utf-8")
        assert "modbus-mqtt-gateway" in text
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Rendered from the assessment file assessment.json (sha256:" in html
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8")) == json.loads(source.read_text())


@pytest.mark.slow
def test_cli_check_offers_report_formats(run_cli: RunCli, tmp_path: Path) -> None:
    demo = tmp_path / "demo-project"
    # A copy, so the run does not write evidence into the source tree.
    shutil.copytree(DEMO_PROJECT, demo, ignore=shutil.ignore_patterns(".sdl-gate"))
    out = tmp_path / "demo.sarif"
    result = run_cli("check", demo, "--format", "sarif", "--output", out)
    assert result.code == 1, result.stderr
    log = json.loads(out.read_text(encoding="utf-8"))
    if SARIF_SCHEMA.is_file():
        _sarif_validator().validate(log)
    assert {r["ruleId"] for r in log["runs"][0]["results"]} >= {"SM-4", "SM-6"}
    result = run_cli("check", demo, "--format", "markdown")
    assert result.code == 1
    assert result.stdout.startswith("## \u274c sdl-gate: FAILED")
    assert "Rendered directly by `sdl-gate check`" in result.stdout


def test_cli_report_newer_schema_version_is_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    document = sample_assessment().model_dump(mode="json")
    document["schema_version"] = 2
    path = tmp_path / "future.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = run_cli("report", path)
    assert result.code == 2
    assert "future.json at schema_version: written by a newer sdl-gate (assessment schema_version 2)" in result.stderr
    assert "upgrade sdl-gate" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "truncated.json:"),
        (b"[1, 2]", "not an sdl-gate assessment: expected a JSON object"),
        (b'{"schema_version": 1, "standard": "x"}', "invalid assessment: missing required key"),
        (b"", "file is empty"),
        (b'{"schema_version": "1"}', "schema_version is missing or not an integer"),
    ],
)
def test_cli_report_bad_input_is_exit_2(run_cli: RunCli, tmp_path: Path, content: bytes | None, expected: str) -> None:
    source = _assessment_file(tmp_path)
    path = tmp_path / "truncated.json"
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2] if content is None else content)
    result = run_cli("report", path)
    assert result.code == 2, result.stderr
    assert expected in result.stderr
    if content is None:
        assert "malformed JSON" in result.stderr


def test_cli_report_refuses_a_bundle_it_cannot_verify(run_cli: RunCli, tmp_path: Path) -> None:
    bundle = tmp_path / "release.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("assessment.json", _assessment_file(tmp_path).read_text(encoding="utf-8"))
    (tmp_path / "k.pub.pem").write_bytes(_public_key_pem())
    result = run_cli("report", bundle, "--key", tmp_path / "k.pub.pem", "--output", tmp_path / "r.html")
    assert result.code == 2
    assert "release.zip: release-evidence bundle did not verify, so no report is rendered from it" in result.stderr
    assert "manifest.json is missing" in result.stderr
    assert not (tmp_path / "r.html").exists()


def _public_key_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def test_cli_failed_report_keeps_the_previous_output(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    out.write_text("previous report", encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema_version": 1,', encoding="utf-8")
    result = run_cli("report", broken, "--output", out)
    assert result.code == 2
    assert out.read_text(encoding="utf-8") == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.json", "report.html"]
