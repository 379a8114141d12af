"""What other packages use from the checks besides the registry: how a human record is judged and approved, and
how test findings say they rest on imported results.

The modules behind these names are the checks' own; everything outside ``sdl_gate.checks`` imports from here.
"""

from __future__ import annotations

from sdl_gate.checks._approvals import ApprovalState, approval_state
from sdl_gate.checks._criteria import record, record_problems
from sdl_gate.checks._test_provenance import COUNTED, REFUSED, TEST_CRITERIA

__all__ = ["COUNTED", "REFUSED", "TEST_CRITERIA", "ApprovalState", "approval_state", "record", "record_problems"]
