"""What other packages use from the checks besides the registry: how a human record is judged and approved.

The modules behind these names are the checks' own; everything outside ``sdl_gate.checks`` imports from here.
"""

from __future__ import annotations

from sdl_gate.checks._approvals import ApprovalState, approval_state
from sdl_gate.checks._criteria import record, record_problems

__all__ = ["ApprovalState", "approval_state", "record", "record_problems"]
