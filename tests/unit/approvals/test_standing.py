"""The one shape of `records status` and `waivers status`: lines, warnings first, and how many count."""

from __future__ import annotations

from sdl_gate.approvals.standing import Standing, StatusLine, StatusReport


def test_only_approved_and_expiring_items_count() -> None:
    assert {s for s in Standing if StatusLine("x", s, "").counts} == {Standing.APPROVED, Standing.EXPIRING}


def test_a_report_shows_warnings_then_one_line_an_item_then_the_count() -> None:
    report = StatusReport(
        "record",
        (
            StatusLine("REC-1", Standing.APPROVED, "approved by A"),
            StatusLine("REC-2", Standing.STALE, "a linked file changed"),
        ),
        ("no trusted approver register",),
    )
    assert not report.all_count
    assert report.text() == [
        "warning: no trusted approver register",
        "REC-1: approved: approved by A",
        "REC-2: stale: a linked file changed",
        "1 of 2 record(s) count",
    ]


def test_a_report_where_every_item_counts() -> None:
    report = StatusReport("exception", (StatusLine("waiver W-1", Standing.EXPIRING, "expires soon"),))
    assert report.all_count and report.text()[-1] == "1 of 1 exception(s) count"
