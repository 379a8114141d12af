"""The exact bytes an approval signs.

An approval message is canonical JSON (keys sorted, no spaces, ASCII only) of::

    {"type": "https://sdl-gate.dev/record-approval/v1",
     "record": <the record as validated, fields left at their defaults omitted>,
     "linked_files": [{"path": <link path>, "sha256": <the file's SHA-256>}, ...],   # in the record's order
     "approver": <the approver's e-mail address, lower-cased>,
     "date": <the approval date, YYYY-MM-DD>}

so a change to any field of the record, to any linked file, to the approver or to the date gives another
message and the signature no longer verifies. The type names the purpose inside the signed bytes, and SSH
signatures use their own namespace (``sdl-gate-record``), so a signature made for anything else (a git
commit, a release file) can never pass for an approval.

Waivers and SAST baseline entries are approved the same way, with their own type (so an approval of one kind
of thing never passes for another) and no linked files: ``record`` then holds the waiver or the baseline entry
as written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

APPROVAL_TYPE = "https://sdl-gate.dev/record-approval/v1"
WAIVER_APPROVAL_TYPE = "https://sdl-gate.dev/waiver-approval/v1"
BASELINE_APPROVAL_TYPE = "https://sdl-gate.dev/sast-baseline-approval/v1"
SSH_NAMESPACE = "sdl-gate-record"


def approval_message(
    record: Mapping[str, Any],
    linked_files: Sequence[tuple[str, str]],
    approver: str,
    approved_on: date,
    *,
    approval_type: str = APPROVAL_TYPE,
) -> bytes:
    """Return the bytes one approval signs (see the module docstring)."""
    document = {
        "type": approval_type,
        "record": dict(record),
        "linked_files": [{"path": path, "sha256": digest} for path, digest in linked_files],
        "approver": approver.strip().lower(),
        "date": approved_on.isoformat(),
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode(
        "ascii"
    )
