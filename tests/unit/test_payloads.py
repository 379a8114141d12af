"""The records payload model describes exactly what the records collector writes."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from sdl_gate.approvals.register import load_register_file
from sdl_gate.collectors.base import CollectContext
from sdl_gate.collectors.records import RecordsCollector
from sdl_gate.config import load_project
from sdl_gate.payloads import RecordsPayload
from sdl_gate.policy.waivers import WaiverRegister
from tests.conftest import DEMO_PROJECT


@pytest.mark.parametrize("with_register", [True, False], ids=["register", "no-register"])
def test_the_records_model_reads_back_exactly_what_the_collector_writes(with_register: bool) -> None:
    # The demo's records cover the shapes an entry takes: approvals, URL and path links, testers with the authors
    # of their code under test.
    register = load_register_file(DEMO_PROJECT / "security" / "approvers.yaml") if with_register else None
    context = CollectContext(
        project=load_project(DEMO_PROJECT),
        commit=None,
        now=datetime(2026, 12, 1, 12, tzinfo=timezone.utc),
        waivers=WaiverRegister(),
        approvers=register,
    )
    payload = RecordsCollector().collect(context).payload
    parsed = RecordsPayload.model_validate(payload)
    assert {entry.kind.value for entry in parsed.records} >= {"test_report", "review", "process_document"}
    assert any(entry.testers for entry in parsed.records)
    assert any(link.url for entry in parsed.records for link in entry.links)
    assert any(entry.approvals for entry in parsed.records)
    # Nothing the collector writes is lost or changed by the model (and ``extra="forbid"`` refuses anything else).
    assert parsed.model_dump(mode="json", by_alias=True, exclude_unset=True) == payload
