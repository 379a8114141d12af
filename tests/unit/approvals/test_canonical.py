"""The approval message: exactly what an approval signs."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sdl_gate.approvals.canonical import APPROVAL_TYPE, approval_message

RECORD: dict[str, Any] = {"version": 1, "id": "R-1", "kind": "review", "requirements": ["SD-3"], "title": "t"}
LINKED = [("docs/design.md", "ab" * 32)]
DAY = date(2026, 1, 12)


def test_the_message_is_canonical_ascii_json_naming_its_purpose() -> None:
    message = approval_message(RECORD, LINKED, "Bob@Example.com", DAY)
    document = json.loads(message)
    assert document == {
        "type": APPROVAL_TYPE,
        "record": RECORD,
        "linked_files": [{"path": "docs/design.md", "sha256": "ab" * 32}],
        "approver": "bob@example.com",
        "date": "2026-01-12",
    }
    assert message == json.dumps(document, sort_keys=True, separators=(",", ":")).encode("ascii")
    assert message.isascii()


def test_key_order_of_the_record_does_not_matter() -> None:
    shuffled = dict(reversed(list(RECORD.items())))
    assert approval_message(shuffled, LINKED, "bob@example.com", DAY) == approval_message(
        RECORD, LINKED, "bob@example.com", DAY
    )


def test_non_ascii_text_is_escaped_not_lost() -> None:
    message = approval_message({**RECORD, "title": "Prüfung"}, LINKED, "bob@example.com", DAY)
    assert message.isascii()
    assert json.loads(message)["record"]["title"] == "Prüfung"


def test_every_part_changes_the_message() -> None:
    base = approval_message(RECORD, LINKED, "bob@example.com", DAY)
    variants = [
        approval_message({**RECORD, "title": "u"}, LINKED, "bob@example.com", DAY),
        approval_message(RECORD, [("docs/design.md", "cd" * 32)], "bob@example.com", DAY),
        approval_message(RECORD, [("docs/other.md", "ab" * 32)], "bob@example.com", DAY),
        approval_message(RECORD, [], "bob@example.com", DAY),
        approval_message(RECORD, LINKED, "carol@example.com", DAY),
        approval_message(RECORD, LINKED, "bob@example.com", date(2026, 1, 13)),
    ]
    assert len({base, *variants}) == len(variants) + 1
