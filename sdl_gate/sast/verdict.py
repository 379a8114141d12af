"""Whether an ``sdl-gate sast`` scan passes: the gate decides, on the scan the command just made.

The scan becomes SAST evidence in memory (nothing is stored) and a slice of the gate judges it with the same
criteria and assessment as ``check``: SI-1 ``sast_files_analysed``, ``languages_analysed``, ``sast_findings`` and
``sast_skips``, SI-2 ``sast_suppressions`` and SVV-3 ``languages_analysed``, under the policy's modes, thresholds
and waivers. Two SAST criteria are ``check``'s alone: ``sast_scan_of_commit`` (a hook scans the working tree or
the files it was given, never a commit) and ``sast_configuration`` (whether a hook or CI runs the analyser).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sdl_gate._clock import file_timestamp
from sdl_gate._git import git_commit
from sdl_gate.collectors.base import CollectContext
from sdl_gate.collectors.sast import sast_evidence
from sdl_gate.inputs import Inputs
from sdl_gate.run import Scope, assess_slice
from sdl_gate.sast.analyse import SastResult
from sdl_gate.sast.console import ScanVerdict, annotate

#: The criteria, by requirement, that judge a scan: everything the gate asks of SAST evidence but whether the
#: scan is of the assessed commit and whether the analyser is enforced.
SAST_SCOPE: Mapping[str, frozenset[str]] = {
    "SI-1": frozenset({"sast_files_analysed", "languages_analysed", "sast_findings", "sast_skips"}),
    "SI-2": frozenset({"sast_suppressions"}),
    "SVV-3": frozenset({"languages_analysed"}),
}


def judge_scan(inputs: Inputs, scan: SastResult, *, today: date | None = None) -> ScanVerdict:
    """Judge ``scan`` (of the project of ``inputs``) with the gate's SAST criteria, as of ``today``."""
    now = file_timestamp()
    context = CollectContext(
        project=inputs.project,
        commit=git_commit(inputs.project.root),
        now=now,
        waivers=inputs.waivers,
        approvers=inputs.approvers,
    )
    evidence = sast_evidence(context, scan, keep_raw=False)
    result = assess_slice(inputs, Scope(SAST_SCOPE), today=today, now=now, declared=(evidence,))
    notes = annotate(scan.report, inputs.policy.requirements["SI-1"], inputs.waivers, result.assessed_on)
    return ScanVerdict(report=scan.report, notes=notes, requirements=result.requirements)
