"""What an earlier release's verified evidence tells the process metrics (bundle/history.py ``release_facts``)."""

from __future__ import annotations

from datetime import date

import pytest

from sdl_gate.bundle.history import release_facts
from sdl_gate.collectors.vulns import AuditStatus
from sdl_gate.evidence import Evidence, EvidenceKind
from sdl_gate.sast.models import NosecStatus, NotAnalysed
from sdl_gate.sast.models import Scope as SastScope
from tests.unit.checks._build import (
    audit,
    days_ago,
    dependency,
    evidence,
    record_entry,
    records,
    sast,
    sast_finding,
    vuln,
)


def test_a_complete_audit_gives_its_vulnerabilities_with_their_publication_dates() -> None:
    found = release_facts([audit(vuln("GHSA-1", published="2026-01-05T10:00:00Z"), vuln("GHSA-2", published=None))])
    assert found.vulnerabilities is not None
    assert [(v.id, v.package, v.published) for v in found.vulnerabilities] == [
        ("GHSA-1", "requests", date(2026, 1, 5)),
        ("GHSA-2", "requests", None),
    ]
    assert found.vulnerabilities[0].aliases == ("CVE-2026-0001",)


@pytest.mark.parametrize(
    "partial",
    [
        pytest.param(audit(status=AuditStatus.UNAVAILABLE, reason="pip-audit timed out"), id="unavailable"),
        pytest.param(audit(dependencies=(dependency(), dependency("lxml", skipped="not on PyPI"))), id="skipped"),
        pytest.param(audit(dependencies=()), id="no-dependency"),
    ],
)
def test_an_audit_that_could_not_see_everything_counts_no_vulnerabilities(partial: Evidence) -> None:
    # Counting what a partial audit saw would make fewer vulnerabilities look like an improvement.
    assert release_facts([partial]).vulnerabilities is None


def test_sast_findings_count_what_is_in_the_code_but_a_justified_nosec() -> None:
    justified = sast_finding("fp-2").model_copy(update={"nosec": NosecStatus.JUSTIFIED, "nosec_line": 11})
    unjustified = sast_finding("fp-3").model_copy(update={"nosec": NosecStatus.UNJUSTIFIED, "nosec_line": 11})
    baselined = sast_finding("fp-4", baselined=True)
    found = release_facts([sast(sast_finding("fp-1"), justified, unjustified, baselined)])
    assert found.sast_findings == 3


@pytest.mark.parametrize(
    "partial",
    [
        pytest.param(sast(scope=SastScope.FILES), id="some-files"),
        pytest.param(sast(analysed=0), id="no-file"),
        pytest.param(sast(not_analysed=(NotAnalysed(path="w/broken.py", reason="syntax error"),)), id="unparsed"),
        pytest.param(sast(modified=("w/run.py",)), id="modified"),
    ],
)
def test_a_scan_that_did_not_cover_the_project_counts_no_finding(partial: Evidence) -> None:
    assert release_facts([partial]).sast_findings is None


def test_records_give_their_requirements_date_and_approval() -> None:
    entries = (
        record_entry("review", "review", ["SG-7", "SD-3"], dated=days_ago(20), approved=days_ago(18)),
        record_entry("draft", "review", ["SR-2"], approved=None),
    )
    found = release_facts([records(*entries)])
    assert found.records is not None
    assert [(r.id, r.requirements, r.approved is not None) for r in found.records] == [
        ("draft", ("SR-2",), False),
        ("review", ("SD-3", "SG-7"), True),
    ]
    review = found.records[1]
    assert review.approved is not None
    assert (review.approved - review.created).days == 2


def test_missing_repeated_or_malformed_evidence_gives_no_fact() -> None:
    assert release_facts([]).model_dump() == {"vulnerabilities": None, "sast_findings": None, "records": None}
    twice = release_facts([sast(), sast(sast_finding())])
    assert twice.sast_findings is None
    broken = release_facts(
        [
            evidence(EvidenceKind.VULNERABILITY_AUDIT, {"status": "completed"}),
            evidence(EvidenceKind.SAST, {"findings": "many"}),
            evidence(EvidenceKind.RECORDS, {"records": [{"id": "x"}]}),
        ]
    )
    assert broken.model_dump() == {"vulnerabilities": None, "sast_findings": None, "records": None}
