"""The two clocks: the assessment date (today, or an explicit ``--as-of``) and the timestamps written into files.

``SOURCE_DATE_EPOCH`` exists so that rebuilt files are byte-identical: it fixes the timestamps written into
SBOMs, evidence envelopes, VEX documents and bundles, and nothing else. It is often set from the commit
time, which whoever wrote the commit chooses, so it never moves the date the gate judges expiry, approval
and age limits on: that is today in UTC unless the operator names another with ``--as-of``.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timezone

SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"


def current_time() -> datetime:
    """Return the real time now, in UTC (never ``SOURCE_DATE_EPOCH``)."""
    return datetime.now(tz=timezone.utc)


def assessment_date(as_of: date | None = None) -> date:
    """Return the date the gate judges on: ``as_of`` when the operator gave one, else today in UTC."""
    return as_of if as_of is not None else current_time().date()


def file_timestamp() -> datetime:
    """Return the timestamp to write into files: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now."""
    from sdl_gate.errors import InputError

    epoch = os.environ.get(SOURCE_DATE_EPOCH)
    if not epoch:
        return current_time()
    try:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise InputError(f"{SOURCE_DATE_EPOCH}={epoch!r} is not a Unix timestamp") from None
