"""The OT example (examples/ot-firmware): its C code built and tested with CMake/CTest, the JUnit report imported
under the provenance rules, SVV-1/SVV-2 traced through the test map and the threat model, and the whole gate on it
(CTest, cppcheck, flawfinder's SARIF, the offline audit of its SBOM) through check, report and bundle, via the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import (
    SHARED_FIXTURES,
    CliResult,
    RunCli,
    cli_in_process,
    commit_all,
    sha256_of,
    ssh_key,
    write,
    write_register,
)

EXAMPLE = Path(__file__).parents[2] / "examples" / "ot-firmware"
CASES = 14  # add_test calls in the example's CMakeLists.txt
CRITERIA = {"SVV-1": "requirement_tests", "SVV-2": "mitigation_tests"}


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _needs(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} on PATH")


@pytest.fixture
def firmware(tmp_path: Path) -> Path:
    """A copy of the example (the checkout is never written to)."""
    root = tmp_path / "ot-firmware"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("build", ".sdl-gate"))
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
def test_the_example_sbom_is_cyclonedx_1_5_with_debian_npm_maven_and_unauditable_components() -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from packageurl import PackageURL

    text = (EXAMPLE / "sbom" / "firmware.cdx.json").read_text(encoding="utf-8")
    assert JsonStrictValidator(SchemaVersion.V1_5).validate_str(text) is None
    components = json.loads(text)["components"]
    assert [c["name"] for c in components if "purl" not in c] == ["acme-crc16"]
    purls = [PackageURL.from_string(c["purl"]) for c in components if "purl" in c]
    assert {p.type for p in purls} == {"deb", "npm", "maven"}

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


# --- The gate on the example, end to end: check, report, bundle ---------------------------------------------------

# The real OSV records of the SBOM's vulnerable Debian, npm and Maven components, and the advisories they raise.
OSV_RECORDS = (
    "debian-nginx-DSA-3029-1.json",
    "npm-lodash-GHSA-jf85-cpcp-j695.json",
    "maven-log4j-core-GHSA-jfh8-c2jp-5v3q.json",
)
FOUND = (
    "lodash 4.17.11: GHSA-jf85-cpcp-j695",
    "org.apache.logging.log4j:log4j-core 2.14.1: GHSA-jfh8-c2jp-5v3q",
    "nginx 1.2.1-2.2+wheezy2: DSA-3029-1",
)
UNAUDITABLE = "acme-crc16 1.2 (unauditable: no package URL"
PASSPHRASE = "ot firmware release tests"  # noqa: S105 - the passphrase of a throwaway test key


def _sdl_gate(*args: str | Path, env: dict[str, str]) -> CliResult:
    """Run the commands of the example's README, in this process (the module fixture cannot use ``run_cli``)."""
    return cli_in_process(*args, env=env)


@dataclass(frozen=True)
class GatedRelease:
    """The example gated once: the check's assessment, the reports rendered from it, and its signed bundle."""

    root: Path
    check: CliResult
    assessment: dict[str, Any]
    html: Path
    report_json: Path
    bundle: CliResult
    bundle_file: Path
    public_key: Path
    env: dict[str, str]


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> GatedRelease:
    """Run every step of the README's "The gate on it" on one copy of the example (one CMake build per module)."""
    _needs("cmake", "ctest", "cc", "ssh-keygen")
    fixtures = SHARED_FIXTURES / "osv-ecosystems"
    if not fixtures.is_dir():
        pytest.skip(f"shared OSV fixtures absent: {fixtures}")
    base = tmp_path_factory.mktemp("ot-release")
    root = base / "ot-firmware"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("build", ".sdl-gate"))
    env = {"SDL_GATE_CACHE_DIR": str(base / "cache"), "SDL_GATE_KEY_PASSPHRASE": PASSPHRASE}

    def run(*args: str | Path) -> CliResult:
        return _sdl_gate(*args, env=env)

    # Built in the project's own (git-ignored) build directory, as the README does.
    junit = _ctest(root, root / "build")
    # flawfinder, run as the README says, writes the SARIF the example's `sarif` glob (build/*.sarif) reads.
    with (root / "build" / "flawfinder.sarif").open("wb") as sarif:
        subprocess.run(
            [sys.executable, "-m", "flawfinder", "--falsepositive", "--sarif", "src", "tests"],
            cwd=root, stdout=sarif, check=True, timeout=120,
        )  # fmt: skip
    register = _approved_test_report(run, root, junit, base / "keys")
    commit_all(root)

    export = base / "osv-export"
    export.mkdir()
    for name in OSV_RECORDS:
        shutil.copy(fixtures / name, export / name)
    assert run("vulndb", "import", export).code == 0
    imported = run("test-results", "import", "--path", root, "--provenance", "CTest on build host fw-07, job 412")
    assert imported.code == 0, imported.stderr

    assessment = base / "assessment.json"
    check = run("check", root, "--offline", "--approvers", register, "--format", "json", "--output", assessment)
    html, report_json = base / "report.html", base / "report.json"
    for output, report_format in ((html, "html"), (report_json, "json")):
        rendered = run("report", assessment, "--format", report_format, "--output", output)
        assert rendered.code == 0, rendered.stderr

    assert run("keygen", "--output", base / "release").code == 0
    bundle_file = base / "plc-modbusd-2.3.0.zip"
    bundle = run(
        "bundle", "create", root, "--output", bundle_file, "--sign", "key", "--key", base / "release.pem",
        "--approvers", register,
    )  # fmt: skip
    return GatedRelease(
        root=root,
        check=check,
        assessment=json.loads(assessment.read_text(encoding="utf-8")),
        html=html,
        report_json=report_json,
        bundle=bundle,
        bundle_file=bundle_file,
        public_key=base / "release.pub.pem",
        env=env,
    )


def _outcomes(assessment: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every finding of the assessment, keyed ``REQUIREMENT/criterion``."""
    return {f"{r['id']}/{f['criterion']}": f for r in assessment["requirements"] for f in r["findings"]}


@pytest.mark.slow
def test_check_fails_the_example_for_the_reasons_its_readme_names(gated: GatedRelease) -> None:
    assert gated.check.code == 1, gated.check.stderr
    assert gated.assessment["decision"]["passed"] is False
    verdicts = {r["id"]: r["verdict"] for r in gated.assessment["requirements"]}
    found = _outcomes(gated.assessment)
    # The CTest results, vouched for by an approved test_report record, trace to every requirement and mitigation.
    assert found["SVV-1/requirement_tests"]["outcome"] == "pass", found["SVV-1/requirement_tests"]
    assert "all 5 requirement(s) verified by test" in found["SVV-1/requirement_tests"]["message"]
    assert found["SVV-2/mitigation_tests"]["outcome"] == "pass", found["SVV-2/mitigation_tests"]
    assert "all 6 mitigation(s) have passing tests" in found["SVV-2/mitigation_tests"]["message"]
    # Modbus has no authentication: T-05 is transferred to the plant's firewall, so SD-2 fails by name.
    assert found["SD-2/defence_in_depth"]["outcome"] == "fail"
    assert "T-05" in found["SD-2/defence_in_depth"]["message"]
    assert verdicts["SD-2"] == "not_satisfied"
    # The threat model records no review yet.
    assert found["SR-2/threat_model_review"]["outcome"] == "fail"
    assert found["SD-3/reviewed_threat_model"]["outcome"] == "fail"
    # The known vulnerabilities of the SBOM's Debian, npm and Maven components fail SVV-3.
    assert found["SVV-3/known_vulnerabilities"]["outcome"] == "fail"
    assert verdicts["SVV-3"] != "satisfied"
    blocking = set(gated.assessment["decision"]["blocking"])
    assert {"SD-2", "SR-2", "SD-3", "SVV-3"} <= blocking
    assert not {"SVV-1", "SVV-2"} & blocking


@pytest.mark.slow
def test_the_sbom_audit_finds_debian_npm_and_maven_advisories_offline_and_names_the_unauditable_component(
    gated: GatedRelease,
) -> None:
    found = _outcomes(gated.assessment)
    known = found["SVV-3/known_vulnerabilities"]["message"]
    for advisory in FOUND:
        assert advisory in known
    assert UNAUDITABLE in known
    # The fixture records are years old: the audit also says the database is stale (fail closed).
    assert "in the offline vulnerability database was modified" in known
    # The component the audit could not cover is never taken as clean: its disposition cannot be told.
    assert found["DM-4/vulnerability_dispositions"]["outcome"] == "not_available"
    assert UNAUDITABLE in found["DM-4/vulnerability_dispositions"]["message"]


@pytest.mark.slow
def test_cppcheck_and_flawfinder_both_analyse_the_c_sources(gated: GatedRelease) -> None:
    found = _outcomes(gated.assessment)
    for requirement in ("SI-1", "SVV-3"):
        languages = found[f"{requirement}/languages_analysed"]
        assert languages["outcome"] == "pass", languages
        assert "analysed by cppcheck, Flawfinder (build/flawfinder.sarif)" in languages["message"]
        # The four tracked sources; the C file CMake generates in the ignored build directory is not the product's.
        assert "C (4 file(s): src/main.c, src/modbus_server.c" in languages["message"]
    # flawfinder's results (run with --falsepositive) are notes, below SI-1's thresholds.
    assert found["SI-1/sast_findings"]["outcome"] == "pass"
    # The bundle carries the SAST evidence with both analysers' runs and flawfinder's findings.
    with zipfile.ZipFile(gated.bundle_file) as archive:
        evidence = [
            json.loads(archive.read(name)) for name in archive.namelist() if name.startswith("evidence/objects/")
        ]
    (sast,) = [e["evidence"]["payload"] for e in evidence if e["evidence"]["kind"] == "sast"]
    results = {run["tool"]: run["results"] for run in sast["analysers"]}
    assert results.keys() == {"cppcheck", "Flawfinder"}
    assert results["cppcheck"] == 0 < results["Flawfinder"]
    flawfinder = [f for f in sast["findings"] if f["test_id"].startswith("FF")]
    assert len(flawfinder) == results["Flawfinder"]
    assert {"src/main.c", "src/modbus_server.c"} <= {f["path"] for f in flawfinder}
    assert {f["severity"] for f in flawfinder} == {"low"}


@pytest.mark.slow
def test_the_reports_and_the_signed_bundle_carry_the_same_failed_assessment(gated: GatedRelease) -> None:
    assert json.loads(gated.report_json.read_text(encoding="utf-8")) == gated.assessment
    html = gated.html.read_text(encoding="utf-8")
    assert "plc-modbusd" in html and "SVV-3" in html and "acme-crc16" in html
    # bundle create exits 1 with the failed gate, but writes the signed bundle all the same.
    assert gated.bundle.code == 1, gated.bundle.stderr
    assert gated.bundle_file.is_file()
    verified = _sdl_gate("bundle", "verify", gated.bundle_file, "--key", gated.public_key, env=gated.env)
    assert verified.code == 0, verified.stdout + verified.stderr
    rendered = _sdl_gate("report", gated.bundle_file, "--key", gated.public_key, "--format", "json", env=gated.env)
    assert rendered.code == 0, rendered.stderr
    from_bundle = json.loads(rendered.stdout)
    assert from_bundle["decision"] == gated.assessment["decision"]
    assert (
        _outcomes(from_bundle)["SVV-3/known_vulnerabilities"]
        == _outcomes(gated.assessment)["SVV-3/known_vulnerabilities"]
    )
