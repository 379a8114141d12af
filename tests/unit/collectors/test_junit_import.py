"""Importing other runners' JUnit reports as test evidence (``collectors.junit_import``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdl_gate.collectors.junit_import import import_junit_reports
from sdl_gate.errors import InputError
from sdl_gate.evidence import EvidenceKind, EvidenceStore, StoredEvidence
from tests.conftest import sha256_of, write

JUNIT = """\
<?xml version="1.0" encoding="utf-8"?>
<testsuite name="ctest" tests="2">
  <testcase classname="firmware" name="test_auth">
    <properties><property name="security.requirements" value="SR-1" /></properties>
  </testcase>
  <testcase classname="firmware" name="test_boot" />
</testsuite>
"""
EMPTY = '<?xml version="1.0"?>\n<testsuite name="ctest" tests="0" />\n'


def test_a_report_is_stored_with_its_digest_and_traced_tests(tmp_path: Path) -> None:
    report = write(tmp_path / "reports" / "ctest.xml", JUNIT)
    (imported,) = import_junit_reports(tmp_path, (report,), "  Jenkins job fw-nightly #412  ")
    assert (imported.report, imported.results, imported.traced) == (report, 2, 1)
    assert imported.sha256 == sha256_of(report)
    stored = EvidenceStore(tmp_path).latest(EvidenceKind.TEST_RESULTS)
    assert isinstance(stored, StoredEvidence)
    assert stored.id == imported.evidence_id
    assert [f.path for f in stored.evidence.subject.files] == ["reports/ctest.xml"]
    assert {t["provenance"]["statement"] for t in stored.evidence.payload["tests"]} == {"Jenkins job fw-nightly #412"}


@pytest.mark.parametrize("bad", ["empty.xml", "missing.xml"])
def test_one_bad_report_stores_none_of_them(tmp_path: Path, bad: str) -> None:
    good = write(tmp_path / "good.xml", JUNIT)
    write(tmp_path / "empty.xml", EMPTY)
    with pytest.raises(InputError) as raised:
        list(import_junit_reports(tmp_path, (good, tmp_path / bad), "CI"))
    assert raised.value.path == str(tmp_path / bad)
    assert EvidenceStore(tmp_path).latest(EvidenceKind.TEST_RESULTS) is None


def test_a_blank_provenance_is_refused(tmp_path: Path) -> None:
    report = write(tmp_path / "ctest.xml", JUNIT)
    with pytest.raises(InputError):
        list(import_junit_reports(tmp_path, (report,), "   "))
    assert EvidenceStore(tmp_path).latest(EvidenceKind.TEST_RESULTS) is None
