"""Hostile input: every parser answers a value or its documented error, never another exception.

Property tests (hypothesis) feed each parser arbitrary bytes and arbitrary JSON-shaped documents built from
the parser's own vocabulary, so they reach past the first type check; the round trips check that what
sdl-gate writes, it reads back unchanged. The regression tests at the end are inputs the fuzz harness
(``fuzz/``) found.
"""

from __future__ import annotations

import base64
import io
import json
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdl_gate.approvals.register import load_register_file
from sdl_gate.approvals.sidecar import load_approvals, load_exception_approvals
from sdl_gate.attest.manifest import ManifestVerifier
from sdl_gate.bundle.verify import verify_bundle
from sdl_gate.collectors.records import load_record
from sdl_gate.collectors.test_results import parse_junit
from sdl_gate.collectors.vulns import parse_report
from sdl_gate.errors import InputError, SdlGateError
from sdl_gate.policy.loader import load_policy_file, load_resolved_policy, resolve_policy, resolved_policy_document
from sdl_gate.policy.waivers import load_waivers
from sdl_gate.render.json import render_json
from sdl_gate.render.source import parse_assessment
from sdl_gate.sast.findings import load_baseline
from sdl_gate.sast.settings import load_settings
from sdl_gate.sbom.quality import assess_sbom, load_sbom
from sdl_gate.sbom.sources import Inventory, SourceKind, from_pylock, from_requirements, from_uv_lock
from sdl_gate.threatmodel.loader import load_threat_model
from sdl_gate.threatmodel.model import ModelFormat
from sdl_gate.threatmodel.model_check import native_text
from sdl_gate.threatmodel.requirements import load_requirements
from sdl_gate.vulndb.importer import parse_record
from sdl_gate.vulndb.matching import is_affected, parse_record_affected
from tests.conftest import DEMO_PROJECT, SHARED_FIXTURES, ProjectFactory, RunCli
from tests.report_data import sample_assessment

PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
EMPTY = Inventory(kind=SourceKind.REQUIREMENTS, path=None, components=(), graph=False)
UNREACHABLE = "http://127.0.0.1:9"

#: Words the parsers look for, so generated documents get past "unknown key" to the deeper checks.
VOCABULARY = [
    "version", "id", "name", "kind", "title", "requirements", "date", "author", "approval", "approver", "links",
    "path", "sha256", "url", "valid_until", "waivers", "scope", "requirement", "finding", "vulnerability",
    "package", "justification", "created", "expires", "vex", "state", "extends", "settings", "defaults", "mode",
    "params", "max_age_days", "enforced_from", "not_assessed_blocks", "evidence_max_age_days", "SM-1", "SVV-3",
    "context", "zones", "components", "flows", "assets", "threats", "mitigations", "reviews", "dispositions",
    "severity", "stride", "zone", "source", "target", "summary", "otmVersion", "project", "trustZones",
    "dataflows", "detail", "cells", "diagrams", "shape", "data", "affected", "ranges", "events", "introduced",
    "fixed", "last_affected", "limit", "type", "ECOSYSTEM", "PyPI", "modified", "published", "withdrawn",
    "aliases", "dependencies", "vulns", "fix_versions", "skip_reason", "bomFormat", "CycloneDX", "specVersion",
    "1.6", "metadata", "purl", "schema_version", "decision", "verdict", "people", "roles", "approves", "kinds",
    "email", "ssh_keys", "sigstore", "identity", "issuer", "department", "organisation", "approvals", "record",
    "linked_files", "ssh_signature", "sigstore_bundle", "testers", "code_under_test", "file", "requester",
]  # fmt: skip
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(VOCABULARY)
    | st.text(max_size=20)
)
documents = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(VOCABULARY) | st.text(max_size=8), inner, max_size=6)
    ),
    max_leaves=30,
)


def _as_yaml(document: Any) -> bytes:
    return yaml.safe_dump(document, allow_unicode=True).encode("utf-8")


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _only_documented(call: Callable[[], object]) -> None:
    """Run ``call``; the one acceptable failure is the documented :class:`SdlGateError`."""
    try:
        call()
    except SdlGateError as exc:
        assert exc.diagnostics().strip(), "an error must say what is wrong"


YAML_LOADERS: dict[str, tuple[str, Callable[[Path], object]]] = {
    "policy": ("policy.yaml", load_policy_file),
    "policy-chain": ("policy.yaml", lambda path: resolve_policy(str(path))),
    "waivers": ("security/waivers.yaml", load_waivers),
    "record": ("security/records/r.yaml", load_record),
    "approvers": ("security/approvers.yaml", load_register_file),
    "approvals": ("security/records/r.yaml.approvals.json", lambda path: load_approvals(path.with_name("r.yaml"), "r")),
    "exception-approvals": (
        "security/waivers.yaml.approvals.json",
        lambda path: load_exception_approvals(path.with_name("waivers.yaml")),
    ),
    "requirements": ("security/requirements.yaml", load_requirements),
    "threat-model": ("security/threat-model.yaml", load_threat_model),
    "requirements-txt": ("requirements.txt", from_requirements),
    "uv-lock": ("uv.lock", from_uv_lock),
    "pylock": ("pylock.toml", from_pylock),
    "junit": ("report.xml", lambda path: parse_junit(path, path.parent)),
    "sbom": ("bom.cdx.json", lambda path: assess_sbom(load_sbom(path))),
    "sast-baseline": ("security/sast-baseline.json", load_baseline),
    "bandit-ini": (".bandit", lambda path: load_settings(path.parent)),
    "bandit-toml": ("pyproject.toml", lambda path: load_settings(path.parent)),
}


@pytest.mark.slow
@pytest.mark.security(requirements=["SR-SG-004"], threats=["T-04"], mitigations=["M-04"])
@pytest.mark.parametrize("parser", sorted(YAML_LOADERS))
@PROPERTY
@given(data=st.binary(max_size=400) | documents.map(_as_yaml))
def test_file_parsers_raise_only_their_documented_error(parser: str, data: bytes, tmp_path: Path) -> None:
    name, load = YAML_LOADERS[parser]
    path = _write(tmp_path, name, data)
    _only_documented(lambda: load(path))


@pytest.mark.slow
@pytest.mark.parametrize("fmt", [ModelFormat.THREAT_DRAGON, ModelFormat.PYTM, ModelFormat.OTM, ModelFormat.NATIVE])
@PROPERTY
@given(document=documents)
def test_threat_model_importers_raise_only_input_errors(fmt: ModelFormat, document: Any, tmp_path: Path) -> None:
    path = _write(tmp_path, "model.json", json.dumps(document).encode())
    _only_documented(lambda: load_threat_model(path, fmt))


@PROPERTY
@given(document=documents, as_yaml=st.booleans())
def test_osv_records_raise_only_input_errors_and_match_without_crashing(document: Any, as_yaml: bool) -> None:
    name = "r.yaml" if as_yaml else "r.json"
    data = _as_yaml(document) if as_yaml else json.dumps(document).encode()
    try:
        record = parse_record(data, name, name)
    except InputError:
        return
    for affected in parse_record_affected(record):
        is_affected("1.0", affected)


@PROPERTY
@given(report=documents)
def test_pip_audit_report_is_parsed_or_declared_unusable(report: Any) -> None:
    result = parse_report(report, EMPTY.components, UNREACHABLE)
    assert isinstance(result, str | tuple)


@PROPERTY
@given(data=st.binary(max_size=300) | documents.map(lambda d: json.dumps(d).encode()))
def test_assessment_and_resolved_policy_json_raise_only_input_errors(data: bytes) -> None:
    _only_documented(lambda: parse_assessment(data, Path("assessment.json")))
    _only_documented(lambda: load_resolved_policy(data, path="policy.json"))


@PROPERTY
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_are_never_a_verified_bundle(data: bytes, tmp_path: Path) -> None:
    path = _write(tmp_path, "bundle.zip", data)
    try:
        report = verify_bundle(path, ManifestVerifier())
    except InputError:
        return
    assert not report.verified


# --- Round trips ----------------------------------------------------------------------------------------


def test_assessment_json_round_trips() -> None:
    assessment = sample_assessment()
    text = render_json(assessment)
    assert parse_assessment(text.encode(), Path("a.json")) == assessment
    assert render_json(parse_assessment(text.encode(), Path("a.json"))) == text


@pytest.mark.parametrize("name", ["iec62443-4-1-ml2", "iec62443-4-1-ml4"])
def test_resolved_policy_round_trips(name: str) -> None:
    policy = resolve_policy(name)
    data = json.dumps(resolved_policy_document(policy)).encode()
    assert load_resolved_policy(data, path="policy.json").digest == policy.digest


@pytest.mark.parametrize("as_json", [False, True])
def test_native_threat_model_round_trips(as_json: bool, tmp_path: Path) -> None:
    model = load_threat_model(DEMO_PROJECT / "security" / "threat-model.yaml").model
    path = _write(tmp_path, "tm.json" if as_json else "tm.yaml", native_text(model, as_json=as_json).encode())
    again = load_threat_model(path).model
    assert again == model
    assert native_text(again, as_json=as_json) == native_text(model, as_json=as_json)


def test_threat_dragon_import_round_trips_through_the_native_format(tmp_path: Path) -> None:
    source = SHARED_FIXTURES / "threat-dragon" / "v2-threat-model.json"
    if not source.is_file():
        pytest.skip(f"shared fixture {source.name} is not available")
    model = load_threat_model(source).model
    path = _write(tmp_path, "tm.yaml", native_text(model, as_json=False).encode())
    assert load_threat_model(path).model == model


# --- Regressions found by the fuzz harness --------------------------------------------------------------


@pytest.mark.parametrize(
    "vulns",
    [
        [{"id(": "PYSEC-2014-8"}],  # the fuzzer's input: a key mangled, so no "id"
        [{"id": 7}],
        ["PYSEC-2014-8"],
        5,
        {"id": "PYSEC-2014-8"},
        [{"id": "PYSEC-2014-8", "aliases": 3}],
        [{"id": "PYSEC-2014-8", "fix_versions": "2.7.2"}],
    ],
)
def test_malformed_pip_audit_vulnerability_entry_is_unusable_not_a_crash(vulns: Any) -> None:
    report = {"dependencies": [{"name": "jinja2", "version": "2.4.1", "vulns": vulns}]}
    result = parse_report(report, EMPTY.components, UNREACHABLE)
    assert result == "pip-audit's JSON report has a malformed vulnerability entry for 'jinja2'"


def _zip_with_a_central_directory_pointing_before_the_file(path: Path) -> Path:
    """A zip whose end record claims the central directory starts later than it does.

    zipfile then shifts every entry's header offset below zero and ``open`` fails with ``OSError``
    (``seek`` with a negative offset) rather than ``BadZipFile``: what the fuzzer found.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", "{}")
        archive.writestr("manifest.json.dsse.json", "{}")
    data = bytearray(buffer.getvalue())
    end = data.rfind(b"PK\x05\x06")
    (offset,) = struct.unpack_from("<I", data, end + 16)
    struct.pack_into("<I", data, end + 16, offset + 4096)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.security(requirements=["SR-SG-003", "SR-SG-004"], threats=["T-03", "T-04"], mitigations=["M-03"])
def test_zip_with_impossible_offsets_is_a_failed_verification_not_a_crash(tmp_path: Path) -> None:
    bundle = _zip_with_a_central_directory_pointing_before_the_file(tmp_path / "bundle.zip")
    report = verify_bundle(bundle, ManifestVerifier())
    assert not report.verified
    # The strict layout check refuses it before zipfile seeks anywhere.
    assert any("not a well-formed bundle zip" in failure for failure in report.failures), report.failures


def _zip_with_a_non_utf8_name_flagged_utf8(path: Path) -> Path:
    """A member name flagged UTF-8 whose bytes are not UTF-8: zipfile raises UnicodeDecodeError on open."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("r\u00e9cord.json", "{}")  # stored as UTF-8 with flag bit 11 set
    path.write_bytes(buffer.getvalue().replace("\u00e9".encode(), b"\xa4\xa4"))
    return path


def test_zip_with_a_mislabelled_member_name_is_bad_input_for_bundles_and_osv_exports(tmp_path: Path) -> None:
    from sdl_gate.vulndb.importer import read_source

    archive = _zip_with_a_non_utf8_name_flagged_utf8(tmp_path / "x.zip")
    with pytest.raises(InputError, match="not a zip archive"):
        verify_bundle(archive, ManifestVerifier())
    with pytest.raises(InputError, match="not a readable zip archive"):
        read_source(archive)


def test_osv_yaml_with_an_impossible_date_is_bad_input() -> None:
    with pytest.raises(InputError) as info:
        parse_record(b"id: PYSEC-1\nmodified: 2024-13-01\n", "r.yaml", "r.yaml")
    assert info.value.path == "r.yaml"


def test_nul_bytes_in_paths_are_bad_input(tmp_path: Path) -> None:
    from sdl_gate._files import resolve_inside

    requirements = _write(tmp_path, "requirements.txt", b"-r other\x00.txt\nidna==3.10\n")
    with pytest.raises(InputError, match="cannot read requirements file"):
        from_requirements(requirements)
    with pytest.raises(InputError, match="cannot be resolved"):
        resolve_inside(tmp_path, "docs/a\x00b.md", source=tmp_path / "r.yaml", line=3, location="links[0].path")


def test_zip_needing_a_newer_zip_version_is_bad_input(tmp_path: Path) -> None:
    """zipfile raises NotImplementedError for an entry that needs a zip version it lacks (found by fuzzing)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", "{}")
    data = bytearray(buffer.getvalue())
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 6, 69)  # "version needed to extract": 6.9
    bundle = _write(tmp_path, "bundle.zip", bytes(data))
    with pytest.raises(InputError) as info:
        verify_bundle(bundle, ManifestVerifier())
    assert info.value.path == str(bundle)


def test_junit_xml_with_an_unknown_encoding_is_bad_input(tmp_path: Path) -> None:
    report = _write(tmp_path, "report.xml", b'<?xml version="1.0" encoding="lUTF-8"?><testsuite/>')
    with pytest.raises(InputError) as info:
        parse_junit(report, tmp_path)
    assert (info.value.path, info.value.line) == (str(report), 1)


def test_junit_class_name_too_long_for_a_path_is_not_a_crash(tmp_path: Path) -> None:
    """A class name that makes an impossible file name (ENAMETOOLONG) is kept as a plain id (found by fuzzing)."""
    long_name = "m" * 5000
    report = _write(
        tmp_path,
        "report.xml",
        f'<testsuite><testcase classname="{long_name}.Case" name="test_x"/></testsuite>'.encode(),
    )
    [result] = parse_junit(report, tmp_path)
    assert result.node_id == f"{long_name}.Case::test_x"


# --- Too large to be anything but hostile: exit 2 naming the file, never an internal error -----------------

DIGITS = "1" * 5000  # past Python's 4,300-digit limit for converting text to int
DEEP_JSON = "[" * 100_000 + "]" * 100_000  # past the interpreter's recursion limit
USE_POLICY = '[project]\nname = "widget"\nversion = "2.0.0"\n\n[tool.sdl-gate]\npolicy = "security/policy.yaml"\n'
USE_JSON_MODEL = '[project]\nname = "widget"\nversion = "2.0.0"\n\n[tool.sdl-gate]\nthreat-model = "model.json"\n'
RECORD = "version: 1\nid: r\nkind: training\ntitle: t\nrequirements: [SM-4]\ndate: 2026-01-10\nauthor: Alice\n"
OSV = '{"id": "PYSEC-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"name": "demo", '
OSV += '"ecosystem": "PyPI"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "%s"}]}]}]}'

TOO_LARGE: dict[str, tuple[dict[str, str], tuple[str, ...], str]] = {
    # name: (files written into the project, command (ROOT is the project), the file the error names)
    "yaml-integer-waivers": ({"security/waivers.yaml": f"version: {DIGITS}\n"}, ("records", "check"), "waivers.yaml"),
    "yaml-integer-record": ({"security/records/r.yaml": RECORD + f"notes: {DIGITS}\n"}, ("records", "check"), "r.yaml"),
    "yaml-days-policy": (
        {
            "pyproject.toml": USE_POLICY,
            "security/records/r.yaml": RECORD,
            "security/policy.yaml": (
                "version: 1\nname: p\nextends: iec62443-4-1-ml2\nrequirements:\n  SM-4:\n    params:\n"
                f"      max_age_days: {'9' * 4000}\n"
            ),
        },
        ("records", "check"),
        "policy.yaml",
    ),
    "toml-integer-config": (
        {"pyproject.toml": f'[project]\nname = "widget"\n\n[tool.sdl-gate]\nsast-jobs = {DIGITS}\n'},
        ("records", "check"),
        "pyproject.toml",
    ),
    "toml-deep-config": (
        {"pyproject.toml": '[project]\nname = "widget"\nx = ' + "[" * 100_000 + "]" * 100_000 + "\n"},
        ("records", "check"),
        "pyproject.toml",
    ),
    "toml-integer-lock": ({"uv.lock": f"version = {DIGITS}\n"}, ("sbom",), "uv.lock"),
    "json-integer-threat-model": (
        {"pyproject.toml": USE_JSON_MODEL, "model.json": f'{{"version": {DIGITS}}}'},
        ("threat-model", "check", "--path"),
        "model.json",
    ),
    "toml-deep-lock": ({"uv.lock": "x = " + "[" * 100_000 + "]" * 100_000 + "\n"}, ("sbom",), "uv.lock"),
    "json-deep-sbom": ({"bom.json": DEEP_JSON}, ("sbom-check", "ROOT/bom.json"), "bom.json"),
    "json-integer-sbom": (
        {"bom.json": f'{{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": {DIGITS}}}'},
        ("sbom-check", "ROOT/bom.json"),
        "bom.json",
    ),
    "json-integer-assessment": ({"a.json": f'{{"schema_version": {DIGITS}}}'}, ("report", "ROOT/a.json"), "a.json"),
    "version-5000-digits-requirements": ({"requirements.txt": f"idna=={DIGITS}\n"}, ("sbom",), "requirements.txt"),
    "version-5000-digits-gate": ({"requirements.txt": f"idna==1.{DIGITS}\n"}, ("check",), "requirements.txt"),
    "version-5000-digits-lock": (
        {"uv.lock": f'version = 1\n\n[[package]]\nname = "idna"\nversion = "1.{DIGITS}"\n'},
        ("sbom",),
        "uv.lock",
    ),
    "version-long-local-label": ({"requirements.txt": "idna==1.0+" + "a" * 5000 + "\n"}, ("sbom",), "requirements.txt"),
    "version-5000-digits-osv": (
        {"osv/PYSEC-1.json": OSV % f"1.{DIGITS}"},
        ("vulndb", "import", "ROOT/osv", "--cache-dir", "ROOT/cache"),
        "PYSEC-1.json",
    ),
}


@pytest.mark.security(requirements=["SR-SG-004"], threats=["T-04"], mitigations=["M-04"])
@pytest.mark.parametrize("variant", sorted(TOO_LARGE))
def test_too_large_input_is_bad_input_naming_the_file(
    variant: str, project: ProjectFactory, run_cli_in_process: RunCli
) -> None:
    files, command, named = TOO_LARGE[variant]
    for relative, text in files.items():
        _write(project.root, relative, text.encode())
    args = [part.replace("ROOT", str(project.root)) for part in command]
    if "ROOT" not in " ".join(command):
        args.append(str(project.root))
    result = run_cli_in_process(*args, cwd=project.root)
    assert result.code == 2, result.stderr
    assert named in result.stderr, "the error must name the file"
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("command", "option"), [(("records", "check"), "--warn-days"), (("threat-model", "check"), "--max-age-days")]
)
def test_a_day_count_past_a_century_is_a_usage_error(
    command: tuple[str, ...], option: str, project: ProjectFactory, run_cli_in_process: RunCli
) -> None:
    result = run_cli_in_process(*command, option, str(10**12), cwd=project.root)
    assert result.code == 2, result.stderr
    assert option in result.stderr


def test_the_cli_day_bound_is_the_policy_bound() -> None:
    from sdl_gate.cli import MAX_DAYS_OPTION
    from sdl_gate.policy.models import MAX_DAYS

    assert MAX_DAYS_OPTION == MAX_DAYS


@PROPERTY
@given(
    armored=st.text(max_size=300).map(
        lambda body: f"-----BEGIN SSH SIGNATURE-----\n{body}\n-----END SSH SIGNATURE-----\n"
    )
    | st.binary(max_size=300).map(
        lambda raw: (
            "-----BEGIN SSH SIGNATURE-----\n"
            + base64.b64encode(b"SSHSIG" + raw).decode()
            + "\n-----END SSH SIGNATURE-----\n"
        )
    )
)
def test_an_approval_signature_is_verified_or_refused_never_a_crash(armored: str) -> None:
    from sdl_gate.approvals.signatures import verify_ssh
    from sdl_gate.attest.keys import SignatureInvalid

    try:
        verify_ssh(b"message", armored)
    except SignatureInvalid as exc:
        assert str(exc)
    else:
        raise AssertionError("a random signature verified")
