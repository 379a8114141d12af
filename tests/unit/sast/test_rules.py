"""What the policy makes of a SAST report: allowed skips and exclusions, baseline approvals, each finding's status."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

import pytest

from sdl_gate.policy.loader import resolve_policy
from sdl_gate.policy.models import Mode, ResolvedRequirement, Threshold
from sdl_gate.policy.waivers import Scope as WaiverScope
from sdl_gate.policy.waivers import Waiver, WaiverRegister
from sdl_gate.sast.models import (
    BanditConfigInfo,
    BaselineApproval,
    BaselineEntry,
    BaselineInfo,
    BaselineState,
    Exclusion,
    Level,
    NosecStatus,
    SastFinding,
    SastReport,
    Scope,
    SkippedTest,
    SkipReason,
)
from sdl_gate.sast.rules import (
    Status,
    baseline_state,
    disallowed_exclusions,
    disallowed_skips,
    exclusion_allowed,
    judge,
    skip_allowed,
)
from tests.conftest import approved_baseline_verdicts, approved_waivers

STRICT = ResolvedRequirement(mode=Mode.ENFORCED, justification=None, enforced_from=None, max_age_days=None)
ML2 = resolve_policy("iec62443-4-1-ml2").requirements["SI-1"]
TODAY = date(2026, 6, 1)
FINGERPRINT = "0123456789abcdef0123456789abcdef"


def _skip(test_id: str, severity: Level | None, reason: SkipReason = SkipReason.SKIPPED) -> SkippedTest:
    return SkippedTest(test_id=test_id, name="t", severity=severity, reason=reason, source="pyproject.toml")


def _exclusion(path: str) -> Exclusion:
    return Exclusion(path=path, pattern="x", source="pyproject.toml [tool.bandit] exclude_dirs")


def _report(
    *,
    skipped: tuple[SkippedTest, ...] = (),
    exclusions: tuple[Exclusion, ...] = (),
    findings: tuple[SastFinding, ...] = (),
    baseline: tuple[BaselineEntry, ...] | None = None,
    signed: bool = True,
) -> SastReport:
    return SastReport(
        scanner="bandit",
        scanner_version="1",
        config=BanditConfigInfo(source=None, digest="sha256:0", tests=(), skips=(), excludes=(), skipped=skipped),
        scope=Scope.GIT_TRACKED,
        analysed=1,
        excluded=tuple(e.path for e in exclusions),
        exclusions=exclusions,
        not_analysed=(),
        findings=findings,
        suppressions=(),
        baseline=BaselineInfo(
            path="b.json",
            sha256="0",
            entries=baseline,
            approvals=approved_baseline_verdicts(*baseline) if signed else {},
        )
        if baseline is not None
        else None,
    )


def _finding(nosec: NosecStatus = NosecStatus.NONE, severity: Level = Level.HIGH) -> SastFinding:
    return SastFinding(
        fingerprint=FINGERPRINT,
        path="app.py",
        line=3,
        end_line=3,
        column=1,
        test_id="B602",
        test_name="subprocess_popen_with_shell_equals_true",
        severity=severity,
        confidence=Level.HIGH,
        cwe=78,
        text="shell",
        more_info="https://example.com",
        nosec=nosec,
        nosec_line=3 if nosec is not NosecStatus.NONE else None,
        baselined=False,
    )


def _approval(created: str = "2026-01-01T00:00:00Z", expires: str = "2026-12-31T00:00:00Z") -> BaselineApproval:
    return BaselineApproval(
        approver="Erika Lind <erika@example.com>",
        justification="accepted while the rewrite lands",
        created=datetime.fromisoformat(created),
        expires=datetime.fromisoformat(expires),
    )


def _entry(approval: BaselineApproval | None) -> BaselineEntry:
    return BaselineEntry(fingerprint=FINGERPRINT, path="app.py", test_id="B602", line=3, approval=approval)


@pytest.mark.parametrize(
    ("skip", "allowed"),
    [
        (_skip("B404", Level.LOW), True),  # bandit declares import_subprocess low
        (_skip("B301", Level.MEDIUM), True),
        (_skip("B312", Level.HIGH), False),  # telnetlib: declared high
        (_skip("B602", None), False),  # a plugin declares nothing and may report high
        (_skip("B602", None, SkipReason.NOT_SELECTED), False),
        (_skip("B602", None, SkipReason.RECONFIGURED), False),
    ],
)
def test_without_a_policy_list_only_tests_declared_below_high_may_be_switched_off(
    skip: SkippedTest, allowed: bool
) -> None:
    assert skip_allowed(skip, STRICT) is allowed
    assert disallowed_skips(_report(skipped=(skip,)), STRICT) == (() if allowed else (skip,))


def test_a_policy_list_allows_exactly_the_tests_it_names() -> None:
    policy = replace(STRICT, sast_allowed_skips=("B602",))
    assert skip_allowed(_skip("B602", None), policy)
    assert not skip_allowed(_skip("B603", None), policy)
    assert not skip_allowed(_skip("B312", Level.HIGH), policy)
    # The built-in policies allow B101 (assert_used, low severity only) and nothing else a plugin runs.
    assert skip_allowed(_skip("B101", None, SkipReason.RECONFIGURED), ML2)
    assert not skip_allowed(_skip("B602", None), ML2)


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("tests/test_app.py", True),
        ("tests/unit/deep/test_x.py", True),
        ("docs/conf.py", True),
        (".github/scripts/release.py", True),
        ("src/pkg/tests/helper.py", False),  # tests inside the package ship with it
        ("src/pkg/attests.py", False),  # what a substring pattern "tests" also excludes
        ("src/CVSutil.py", False),  # what bandit's default "CVS" excludes
        ("vendor/lib.py", False),
        ("testsuite.py", False),
    ],
)
def test_excluded_files_are_judged_by_their_path_against_the_policy_globs(path: str, allowed: bool) -> None:
    assert exclusion_allowed(_exclusion(path), ML2) is allowed
    assert not exclusion_allowed(_exclusion(path), STRICT), "without a list nothing may go unanalysed"
    assert disallowed_exclusions(_report(exclusions=(_exclusion(path),)), ML2) == (
        () if allowed else (_exclusion(path),)
    )


@pytest.mark.parametrize(
    ("approval", "state"),
    [
        (None, BaselineState.UNAPPROVED),
        (_approval(), BaselineState.ACTIVE),
        (_approval(expires="2026-05-31T00:00:00Z"), BaselineState.EXPIRED),
        (_approval(created="2026-06-02T00:00:00Z", expires="2027-01-01T00:00:00Z"), BaselineState.NOT_YET_VALID),
    ],
)
def test_a_baseline_entry_accepts_only_while_approved_and_in_its_dates(
    approval: BaselineApproval | None, state: BaselineState
) -> None:
    report = _report(findings=(_finding(),), baseline=(_entry(approval),))
    assert report.baseline is not None
    assert baseline_state(_entry(approval), TODAY, report.baseline) is state
    judgement = judge(report.findings[0], report, STRICT, WaiverRegister(), TODAY)
    assert judgement.baseline is state
    assert judgement.status is (Status.BASELINED if state is BaselineState.ACTIVE else Status.OPEN)
    assert judgement.status.blocks is (state is not BaselineState.ACTIVE)


def test_a_finding_an_unjustified_nosec_silences_blocks_unless_waived_and_a_justified_one_does_not() -> None:
    unjustified = _report(findings=(_finding(NosecStatus.UNJUSTIFIED),))
    judged = judge(unjustified.findings[0], unjustified, STRICT, WaiverRegister(), TODAY)
    assert judged.status is Status.SUPPRESSED_WITHOUT_JUSTIFICATION
    assert judged.status.blocks

    waiver = Waiver(
        id="W-1",
        scope=WaiverScope(finding=FINGERPRINT),
        justification="reviewed: the command is a constant",
        requester="Max Mustermann",
        approver="Erika Lind",
        created=datetime(2026, 1, 1, tzinfo=timezone.utc),
        expires=datetime(2026, 12, 31, tzinfo=timezone.utc),
    )
    waived = judge(unjustified.findings[0], unjustified, STRICT, approved_waivers([waiver]), TODAY)
    assert (waived.status, waived.waiver) == (Status.WAIVED, "W-1")

    justified = _report(findings=(_finding(NosecStatus.JUSTIFIED),))
    assert judge(justified.findings[0], justified, STRICT, WaiverRegister(), TODAY).status is Status.SUPPRESSED

    relaxed = replace(STRICT, severity_threshold=Threshold.HIGH)
    low = _report(findings=(_finding(NosecStatus.UNJUSTIFIED, severity=Level.MEDIUM),))
    assert judge(low.findings[0], low, relaxed, WaiverRegister(), TODAY).status is Status.BELOW_THRESHOLD


def test_an_approved_baseline_entry_without_a_verified_signature_accepts_nothing_and_says_why() -> None:
    report = _report(findings=(_finding(),), baseline=(_entry(_approval()),), signed=False)
    assert report.baseline is not None
    assert baseline_state(_entry(_approval()), TODAY, report.baseline) is BaselineState.NOT_SIGNED
    judgement = judge(report.findings[0], report, STRICT, WaiverRegister(), TODAY)
    assert (judgement.status, judgement.baseline) == (Status.OPEN, BaselineState.NOT_SIGNED)
    assert any("baseline entry does not count" in why and "unverified" in why for why in judgement.why_open)


def test_a_baseline_entry_edited_after_its_approval_was_verified_accepts_nothing() -> None:
    signed = _report(findings=(_finding(),), baseline=(_entry(_approval()),))
    assert signed.baseline is not None
    edited = _entry(_approval(expires="2026-12-31T23:59:59Z"))
    moved = signed.baseline.model_copy(update={"entries": (edited,)})
    assert baseline_state(edited, TODAY, moved) is BaselineState.NOT_SIGNED
    # The line is not signed: an entry whose code moved keeps its approval.
    shifted = _entry(_approval()).model_copy(update={"line": 40})
    assert baseline_state(shifted, TODAY, signed.baseline) is BaselineState.ACTIVE
