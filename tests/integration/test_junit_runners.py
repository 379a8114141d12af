"""JUnit XML written by real test runners where they are installed (GoogleTest, CTest), imported through the CLI.

Runners that are not installed are covered by samples in their documented shape (tests/data/junit/).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from sdl_gate.evidence import EvidenceKind, EvidenceStore, StoredEvidence
from tests.conftest import RunCli, write

GTEST_SOURCE = """\
#include <gtest/gtest.h>
TEST(Mbap, RejectsNonzeroProtocolId) { RecordProperty("security.requirements", "SR-FW-001"); EXPECT_EQ(1, 1); }
TEST(Mbap, RejectsBadLength) { RecordProperty("security.requirements", "SR-FW-001"); EXPECT_EQ(0, 2); }
TEST(Mbap, WaitsForCompleteFrame) { GTEST_SKIP() << "needs the socket harness"; }
TEST(Fc3, DISABLED_ReadsOutsideTheMap) { RecordProperty("security.requirements", "SR-FW-002"); }
"""

CTEST_PROJECT = """\
cmake_minimum_required(VERSION 3.16)
project(runners C)
enable_testing()
file(WRITE ${CMAKE_BINARY_DIR}/ok.c "int main(void) { return 0; }")
file(WRITE ${CMAKE_BINARY_DIR}/bad.c "int main(void) { return 1; }")
add_executable(ok ${CMAKE_BINARY_DIR}/ok.c)
add_executable(bad ${CMAKE_BINARY_DIR}/bad.c)
add_test(NAME passes COMMAND ok)
add_test(NAME fails COMMAND bad)
add_test(NAME skipped_by_code COMMAND bad)
set_tests_properties(skipped_by_code PROPERTIES SKIP_RETURN_CODE 1)
add_test(NAME switched_off COMMAND ok)
set_tests_properties(switched_off PROPERTIES DISABLED TRUE)
"""


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _imported(run_cli: RunCli, root: Path, report: Path) -> dict[str, tuple[str, list[str]]]:
    result = run_cli("test-results", "import", report, "--path", root, "--provenance", "runner test on this host")
    assert result.code == 0, result.stderr
    stored = EvidenceStore(root).latest(EvidenceKind.TEST_RESULTS)
    assert isinstance(stored, StoredEvidence)
    return {t["node_id"]: (t["outcome"], t["requirements"]) for t in stored.evidence.payload["tests"]}


@pytest.mark.slow
def test_googletest_xml_from_a_real_run(tmp_path: Path, run_cli: RunCli) -> None:
    compiler = shutil.which("g++") or shutil.which("c++")
    if compiler is None or not Path("/usr/include/gtest/gtest.h").is_file():
        pytest.skip("needs a C++ compiler and GoogleTest (Debian: libgtest-dev)")
    source = write(tmp_path / "src" / "mbap_test.cc", GTEST_SOURCE)
    binary = tmp_path / "mbap_test"
    subprocess.run(
        [compiler, "-std=c++17", source, "-o", binary, "-lgtest", "-lgtest_main", "-pthread"],
        check=True,
        capture_output=True,
    )
    report = tmp_path / "gtest.xml"
    subprocess.run([binary, f"--gtest_output=xml:{report}"], check=False, capture_output=True)
    assert _imported(run_cli, tmp_path, report) == {
        "Mbap::RejectsNonzeroProtocolId": ("passed", ["SR-FW-001"]),
        "Mbap::RejectsBadLength": ("failed", ["SR-FW-001"]),
        "Mbap::WaitsForCompleteFrame": ("skipped", []),
        # A DISABLED_ test never runs, so its property is not recorded either; it must not read as a pass.
        "Fc3::DISABLED_ReadsOutsideTheMap": ("skipped", []),
    }


@pytest.mark.slow
def test_ctest_junit_from_a_real_run_never_passes_a_disabled_or_skipped_test(tmp_path: Path, run_cli: RunCli) -> None:
    if not all(shutil.which(tool) for tool in ("cmake", "ctest", "cc")):
        pytest.skip("needs cmake, ctest and a C compiler")
    project = tmp_path / "project"
    write(project / "CMakeLists.txt", CTEST_PROJECT)
    build = tmp_path / "build"
    subprocess.run(["cmake", "-S", project, "-B", build], check=True, capture_output=True)
    subprocess.run(["cmake", "--build", build], check=True, capture_output=True)
    report = tmp_path / "ctest.xml"
    subprocess.run(["ctest", "--test-dir", build, "--output-junit", report], check=False, capture_output=True)
    assert _imported(run_cli, project, report) == {
        "passes": ("passed", []),
        "fails": ("failed", []),
        "skipped_by_code": ("skipped", []),
        "switched_off": ("skipped", []),
    }
