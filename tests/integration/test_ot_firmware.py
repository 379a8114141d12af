"""The OT example (examples/ot-firmware): its C code built and tested with CMake/CTest, the JUnit report imported
under the provenance rules, and SVV-1/SVV-2 traced through the test map and the threat model, via the CLI."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from sdl_gate.config import ToolConfig
from tests.conftest import SHARED_FIXTURES, RunCli, commit_all, sha256_of, ssh_key, write, write_register

EXAMPLE = Path(__file__).parents[2] / "examples" / "ot-firmware"
CASES = 14  # add_test calls in the example's CMakeLists.txt
CRITERIA = {"SVV-1": "requirement_tests", "SVV-2": "mitigation_tests"}


def _needs(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} on PATH")


def _known_keys_only(pyproject: Path) -> None:
    """Drop [tool.sdl-gate] keys this build does not define yet (the SARIF and SBOM readers add ``sarif`` and
    ``sboms``), so the example's other settings are what the tests exercise; once defined, nothing is dropped."""
    known = {field.alias or name for name, field in ToolConfig.model_fields.items()}
    kept: list[str] = []
    section = ""
    for line in pyproject.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("["):
            section = line.strip()
        key = re.match(r"^([a-z][a-z-]*)\s*=", line)
        if section == "[tool.sdl-gate]" and key and key[1] not in known:
            continue
        kept.append(line)
    pyproject.write_text("".join(kept), encoding="utf-8")


@pytest.fixture
def firmware(tmp_path: Path) -> Path:
    """A copy of the example (the checkout is never written to)."""
    root = tmp_path / "ot-firmware"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("build", ".sdl-gate"))
    _known_keys_only(root / "pyproject.toml")
    return root


def _ctest(root: Path, build: Path) -> Path:
    """Configure, build and run the example's CTest tests out of tree; return the JUnit report in the project."""
    _needs("cmake", "ctest", "cc")
    subprocess.run(["cmake", "-S", root, "-B", build], check=True, capture_output=True)
    subprocess.run(["cmake", "--build", build, "-j", "2"], check=True, capture_output=True)
    junit = root / "reports" / "ctest-junit.xml"
    junit.parent.mkdir(exist_ok=True)
    # ctest exits non-zero when a test fails; the report is what is judged.
    subprocess.run(["ctest", "--test-dir", build, "--output-junit", junit], check=False, capture_output=True)
    assert junit.is_file()
    return junit


def _import(run_cli: RunCli, root: Path, junit: Path | None = None) -> None:
    """Import the report, or without one the files the example's ``test-results`` globs match."""
    named = () if junit is None else (junit,)
    imported = run_cli(
        "test-results", "import", *named, "--path", root, "--provenance", "CTest 3.x on the firmware build host"
    )
    assert imported.code == 0, imported.stderr
    assert f"{CASES} test result(s)" in imported.stdout


def _findings(run_cli: RunCli, root: Path, *args: str | Path) -> dict[str, dict[str, Any]]:
    result = run_cli("check", root, "--format", "json", *args)
    assert result.code in (0, 1), result.stderr
    assessment = json.loads(result.stdout)
    found = {}
    for requirement, criterion in CRITERIA.items():
        entry = next(r for r in assessment["requirements"] if r["id"] == requirement)
        found[requirement] = next(f for f in entry["findings"] if f["criterion"] == criterion)
    return found


def _approved_test_report(run_cli: RunCli, root: Path, junit: Path, keys_dir: Path) -> Path:
    """An approved test_report record linking the JUnit report's digest; returns the operator's register."""
    keys = {name: ssh_key(keys_dir, name) for name in ("alice", "bob")}
    register = write_register(keys_dir / "approvers.yaml", keys)
    done = date.today() - timedelta(days=1)
    write(
        root / "security" / "records" / "ctest-run.yaml",
        f"version: 1\nid: ctest-run\nkind: test_report\ntitle: CTest run of plc-modbusd 2.3.0 on the build host\n"
        f"requirements: [SUM-1]\ndate: {done}\nauthor: Alice Example <alice@example.com>\n"
        f"links:\n  - {{path: {junit.relative_to(root).as_posix()}, sha256: {sha256_of(junit)}}}\n",
    )
    approved = run_cli(
        "records", "approve", "ctest-run", "--key", keys["bob"], "--path", root, "--approvers", register,
        "--date", date.today().isoformat(),
    )  # fmt: skip
    assert approved.code == 0, approved.stderr
    return register


@pytest.mark.slow
def test_ctest_results_trace_to_every_requirement_and_mitigation_once_an_approved_record_vouches(
    firmware: Path, tmp_path: Path, run_cli: RunCli
) -> None:
    junit = _ctest(firmware, tmp_path / "build")
    commit_all(firmware)
    _import(run_cli, firmware)
    # A claim nobody vouched for: SVV-1 and SVV-2 cannot tell (the provenance rule), never pass.
    for requirement, finding in _findings(run_cli, firmware).items():
        assert finding["outcome"] == "not_available", (requirement, finding)
        assert "imported from ctest-junit.xml" in finding["message"]

    register = _approved_test_report(run_cli, firmware, junit, tmp_path / "keys")
    commit_all(firmware)
    _import(run_cli, firmware, junit)  # evidence is bound to the commit that now holds the record
    found = _findings(run_cli, firmware, "--approvers", register)
    assert found["SVV-1"]["outcome"] == "pass", found["SVV-1"]
    assert "all 5 requirement(s) verified by test have passing tests" in found["SVV-1"]["message"]
    assert found["SVV-2"]["outcome"] == "pass", found["SVV-2"]
    assert "all 6 mitigation(s) have passing tests" in found["SVV-2"]["message"]
    assert "approved by test_report ctest-run" in found["SVV-1"]["message"]


@pytest.mark.slow
def test_a_failing_ctest_test_and_a_mapped_test_that_never_ran_fail_svv_1(
    firmware: Path, tmp_path: Path, run_cli: RunCli
) -> None:
    source = firmware / "src" / "modbus_server.c"
    # Break the write-access check: process values become writable, so the read-only test fails.
    broken = source.read_text(encoding="utf-8").replace(
        "if (map->access[i] != MB_ACCESS_READ_WRITE) {", "if (map->access[i] == (mb_access)2) {"
    )
    assert broken != source.read_text(encoding="utf-8")
    source.write_text(broken, encoding="utf-8")
    test_map = firmware / "security" / "test-map.yaml"
    test_map.write_text(
        test_map.read_text(encoding="utf-8") + "  mbap_handles_pipelined_requests: [SR-FW-001]\n", encoding="utf-8"
    )
    junit = _ctest(firmware, tmp_path / "build")
    commit_all(firmware)
    _import(run_cli, firmware, junit)
    # The operator's policy counts imported results as they are, so only the test outcomes decide.
    policy = write(
        tmp_path / "policy.yaml",
        "version: 1\nname: imported-counts\nextends: iec62443-4-1-ml2\n"
        "defaults: {params: {imported_test_results: always}}\n",
    )
    found = _findings(run_cli, firmware, "--policy", policy)
    svv1 = found["SVV-1"]
    assert svv1["outcome"] == "fail", svv1
    assert "fc6_refuses_read_only_registers failed" in svv1["message"]
    assert "mbap_handles_pipelined_requests missing" in svv1["message"]
    assert found["SVV-2"]["outcome"] == "fail"
    assert "fc6_refuses_read_only_registers failed" in found["SVV-2"]["message"]


@pytest.mark.slow
def test_the_example_models_load_and_a_test_map_naming_an_unknown_requirement_is_refused(
    firmware: Path, run_cli: RunCli
) -> None:
    loaded = run_cli("threat-model", "check", "--path", firmware)
    # It loads; its analysis names the example's honest gaps (T-05 is transferred, no review yet) as findings.
    assert loaded.code in (0, 1), loaded.stderr
    assert "6 threats, 6 mitigations" in loaded.stdout
    test_map = firmware / "security" / "test-map.yaml"
    text = test_map.read_text(encoding="utf-8")
    unknown = text.replace("maximum: [SR-FW-005]", "maximum: [SR-FW-055]")
    assert unknown != text
    test_map.write_text(unknown, encoding="utf-8")
    refused = run_cli("threat-model", "check", "--path", firmware)
    assert refused.code == 2
    line = next(n for n, t in enumerate(test_map.read_text().splitlines(), 1) if "SR-FW-055" in t)
    assert f"test-map.yaml:{line}" in refused.stderr
    assert not (firmware / ".sdl-gate").exists()


@pytest.mark.slow
def test_the_example_sbom_is_cyclonedx_1_5_with_an_unauditable_and_a_vulnerable_debian_component() -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from packageurl import PackageURL

    text = (EXAMPLE / "sbom" / "firmware.cdx.json").read_text(encoding="utf-8")
    assert JsonStrictValidator(SchemaVersion.V1_5).validate_str(text) is None
    components = json.loads(text)["components"]
    assert [c["name"] for c in components if "purl" not in c] == ["acme-crc16"]
    purls = [PackageURL.from_string(c["purl"]) for c in components if "purl" in c]
    assert {p.type for p in purls} == {"deb", "npm"}

    record_path = SHARED_FIXTURES / "osv-ecosystems" / "debian-nginx-DSA-3029-1.json"
    if not record_path.is_file():
        pytest.skip(f"shared OSV fixtures absent: {record_path}")
    _needs("dpkg")
    record = json.loads(record_path.read_text(encoding="utf-8"))
    (affected,) = record["affected"]
    (nginx,) = [p for p in purls if p.type == "deb" and p.name == affected["package"]["name"]]
    assert f"Debian:{(nginx.qualifiers or {})['distro'].removeprefix('debian-')}" == affected["package"]["ecosystem"]
    (fixed,) = [e["fixed"] for r in affected["ranges"] for e in r["events"] if "fixed" in e]
    # Debian's own version ordering decides that the example's nginx is before the fix, i.e. affected.
    assert subprocess.run(["dpkg", "--compare-versions", str(nginx.version), "lt", fixed], check=False).returncode == 0


def _configured_by_this_build(key: str) -> bool:
    return key in {field.alias or name for name, field in ToolConfig.model_fields.items()}


@pytest.mark.slow
def test_the_gate_finds_the_debian_and_npm_vulnerabilities_and_names_the_unauditable_component(
    firmware: Path, tmp_path: Path, run_cli: RunCli
) -> None:
    import importlib.util

    if not _configured_by_this_build("sboms") or importlib.util.find_spec("univers") is None:
        pytest.skip("needs the SBOM readers ([tool.sdl-gate] sboms) and the audit of every ecosystem (univers)")
    fixtures = SHARED_FIXTURES / "osv-ecosystems"
    if not fixtures.is_dir():
        pytest.skip(f"shared OSV fixtures absent: {fixtures}")
    database = tmp_path / "osv"
    database.mkdir()
    for name in ("debian-nginx-DSA-3029-1.json", "npm-lodash-GHSA-jf85-cpcp-j695.json"):
        shutil.copy(fixtures / name, database / name)
    env = {"SDL_GATE_CACHE_DIR": str(tmp_path / "cache")}
    imported = run_cli("vulndb", "import", database, env=env)
    assert imported.code == 0, imported.stderr
    commit_all(firmware)
    # The fixture database is small and old: the operator's policy accepts it, as for sdl-gate's own gate.
    policy = write(
        tmp_path / "policy.yaml",
        "version: 1\nextends: iec62443-4-1-ml2\ndefaults: {params: {vulndb_max_age_days: 36500, "
        "vulndb_min_records: {}}}\n",
    )
    result = run_cli("check", firmware, "--offline", "--format", "json", "--policy", policy, env=env)
    assert result.code == 1, result.stderr
    findings = " ".join(
        f["message"] for r in json.loads(result.stdout)["requirements"] for f in r["findings"] if f["outcome"] != "pass"
    )
    assert "DSA-3029-1" in findings or "CVE-2014-3616" in findings
    assert "GHSA-jf85-cpcp-j695" in findings or "CVE-2019-10744" in findings
    assert "acme-crc16" in findings
