"""The waiver register: loading, validation, scope kinds, validity windows and matching."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from sdl_gate.approvals.state import ExceptionStatus
from sdl_gate.errors import InputError, RecordError
from sdl_gate.policy.waivers import (
    DEFAULT_MAX_WAIVER_DAYS,
    VexJustification,
    VexState,
    WaiverKind,
    WaiverRegister,
    WaiverState,
    load_waivers,
)
from tests.conftest import ProjectFactory, approved_waivers


def waiver(
    waiver_id: str = "W-1",
    scope: str = "{requirement: SM-1}",
    *,
    created: str = "2026-01-01T00:00:00Z",
    expires: str = "2026-06-30T23:59:59Z",
    extra: str = "",
) -> str:
    """Return one waiver entry of a register, indented for the ``waivers:`` list (7 lines + extra)."""
    return (
        f"  - id: {waiver_id}\n"
        f"    scope: {scope}\n"
        "    justification: accepted for the pilot release only\n"
        "    approver: Bob Example <bob@example.com>\n"
        f"    created: {created}\n"
        f"    expires: {expires}\n"
        "    requester: Alice Example <alice@example.com>\n"
        f"{extra}"
    )


def register_text(*entries: str) -> str:
    return "version: 1\nwaivers:\n" + "".join(entries)


#: These tests are about scopes, windows and matching, not about the duration limit (tested on its own below).
ANY_DURATION = 3660


def load(project: ProjectFactory, *entries: str) -> WaiverRegister:
    """The register with every waiver's approval verified (matching is tested here, signatures elsewhere)."""
    loaded = load_waivers(project.waivers(register_text(*entries)), max_days=ANY_DURATION)
    return approved_waivers(loaded.waivers, loaded.source)


def load_error(project: ProjectFactory, *entries: str) -> RecordError:
    path = project.waivers(register_text(*entries))
    with pytest.raises(RecordError) as info:
        load_waivers(path, max_days=ANY_DURATION)
    assert info.value.path == str(path)
    return info.value


# --- Loading -----------------------------------------------------------------------------------


def test_missing_file_is_an_empty_register(tmp_path: Path) -> None:
    register = load_waivers(tmp_path / "waivers.yaml")
    assert register.waivers == ()
    assert register.source is None


def test_empty_waiver_list_is_valid(project: ProjectFactory) -> None:
    path = project.waivers("version: 1\nwaivers: []\n")
    register = load_waivers(path)
    assert register.waivers == ()
    assert register.source == str(path)


def test_requirement_scope(project: ProjectFactory) -> None:
    (loaded,) = load(project, waiver(scope="{requirement: sm-2}")).waivers
    assert loaded.scope.kind is WaiverKind.REQUIREMENT
    assert loaded.scope.requirement == "SM-2"
    assert loaded.scope.target_requirement == "SM-2"
    assert loaded.scope.describe() == "requirement SM-2"
    assert loaded.expires == datetime(2026, 6, 30, 23, 59, 59, tzinfo=timezone.utc)


def test_finding_scope_defaults_to_si1(project: ProjectFactory) -> None:
    (loaded,) = load(project, waiver(scope="{finding: 'bandit:B101:src/app.py:abc123'}")).waivers
    assert loaded.scope.kind is WaiverKind.FINDING
    assert loaded.scope.requirement is None
    assert loaded.scope.target_requirement == "SI-1"
    assert loaded.scope.describe() == "finding bandit:B101:src/app.py:abc123"


def test_finding_scope_with_explicit_requirement(project: ProjectFactory) -> None:
    (loaded,) = load(project, waiver(scope="{finding: abc, requirement: SI-2}")).waivers
    assert loaded.scope.kind is WaiverKind.FINDING
    assert loaded.scope.target_requirement == "SI-2"


def test_vulnerability_scope_defaults_to_svv3_with_vex(project: ProjectFactory) -> None:
    entry = waiver(
        scope="{vulnerability: CVE-2026-1234, package: PyYAML}",
        extra="    vex:\n      state: not_affected\n      justification: code_not_reachable\n",
    )
    (loaded,) = load(project, entry).waivers
    assert loaded.scope.kind is WaiverKind.VULNERABILITY
    assert loaded.scope.target_requirement == "SVV-3"
    assert loaded.scope.describe() == "CVE-2026-1234 in PyYAML"
    assert loaded.vex is not None
    assert loaded.vex.state is VexState.NOT_AFFECTED
    assert loaded.vex.justification is VexJustification.CODE_NOT_REACHABLE


def test_waivers_keep_file_order(project: ProjectFactory) -> None:
    register = load(project, waiver("W-b"), waiver("W-a"), waiver("W-c"))
    assert [w.id for w in register.waivers] == ["W-b", "W-a", "W-c"]


# --- Validation --------------------------------------------------------------------------------


def test_timezone_less_created_rejected(project: ProjectFactory) -> None:
    error = load_error(project, waiver(created="2026-01-01T00:00:00"))
    assert "timezone" in error.message
    assert error.location == "waivers[0].created"
    assert error.line == 7


def test_timezone_less_expires_rejected(project: ProjectFactory) -> None:
    error = load_error(project, waiver(expires="2026-06-30T23:59:59"))
    assert "timezone" in error.message
    assert error.location == "waivers[0].expires"
    assert error.line == 8


def test_date_only_expires_rejected(project: ProjectFactory) -> None:
    error = load_error(project, waiver(expires="2026-06-30"))
    assert error.location == "waivers[0].expires"
    assert error.line == 8


def test_expires_before_created_rejected(project: ProjectFactory) -> None:
    error = load_error(project, waiver(created="2026-07-01T00:00:00Z", expires="2026-06-30T23:59:59Z"))
    assert "expires must be after created" in error.message
    assert error.location == "waivers[0]"


def test_expires_equal_to_created_rejected(project: ProjectFactory) -> None:
    error = load_error(project, waiver(created="2026-07-01T00:00:00Z", expires="2026-07-01T02:00:00+02:00"))
    assert "expires must be after created" in error.message


def test_vex_on_requirement_waiver_rejected(project: ProjectFactory) -> None:
    error = load_error(project, waiver(extra="    vex: {state: not_affected}\n"))
    assert "vex only applies to vulnerability waivers" in error.message


def test_vex_on_finding_waiver_rejected(project: ProjectFactory) -> None:
    error = load_error(project, waiver(scope="{finding: abc}", extra="    vex: {state: false_positive}\n"))
    assert "vex only applies to vulnerability waivers" in error.message


def test_unknown_vex_state_rejected(project: ProjectFactory) -> None:
    entry = waiver(scope="{vulnerability: CVE-1, package: x}", extra="    vex: {state: fine}\n")
    error = load_error(project, entry)
    assert error.location == "waivers[0].vex.state"


def test_package_without_vulnerability_rejected(project: ProjectFactory) -> None:
    error = load_error(project, waiver(scope="{package: requests}"))
    assert "package only goes with vulnerability" in error.message
    assert error.location == "waivers[0].scope"
    assert error.line == 4


def test_vulnerability_without_package_rejected(project: ProjectFactory) -> None:
    error = load_error(project, waiver(scope="{vulnerability: CVE-2026-1}"))
    assert "needs the package" in error.message


def test_finding_and_vulnerability_together_rejected(project: ProjectFactory) -> None:
    error = load_error(project, waiver(scope="{finding: abc, vulnerability: CVE-2026-1, package: x}"))
    assert "not both" in error.message


def test_empty_scope_rejected(project: ProjectFactory) -> None:
    error = load_error(project, waiver(scope="{}"))
    assert "scope needs requirement, finding, or vulnerability" in error.message


def test_duplicate_waiver_id_rejected_at_second(project: ProjectFactory) -> None:
    error = load_error(project, waiver("W-1"), waiver("W-2"), waiver("W-1"))
    assert "duplicate waiver id 'W-1'" in error.message
    assert "waivers[0]" in error.message
    assert error.location == "waivers[2].id"
    assert error.line == 17


def test_unknown_requirement_in_scope_rejected(project: ProjectFactory) -> None:
    error = load_error(project, waiver(scope="{requirement: XX-9}"))
    assert "'XX-9'" in error.message
    assert error.location == "waivers[0].scope.requirement"
    assert error.line == 4


def test_short_justification_rejected(project: ProjectFactory) -> None:
    path = project.waivers(register_text(waiver()).replace("accepted for the pilot release only", "ok"))
    with pytest.raises(RecordError) as info:
        load_waivers(path)
    assert info.value.location == "waivers[0].justification"


def test_invalid_id_rejected(project: ProjectFactory) -> None:
    error = load_error(project, waiver("'-bad id'"))
    assert error.location == "waivers[0].id"


def test_unknown_key_rejected(project: ProjectFactory) -> None:
    error = load_error(project, waiver(extra="    ticket: SEC-1\n"))
    assert error.message == "invalid waiver register: unknown key 'ticket'"
    assert error.line == 10


def test_version_2_rejected(project: ProjectFactory) -> None:
    path = project.waivers("version: 2\nwaivers: []\n")
    with pytest.raises(RecordError) as info:
        load_waivers(path)
    assert info.value.location == "version"


def test_malformed_yaml_is_an_input_error(project: ProjectFactory) -> None:
    path = project.waivers("version: 1\nwaivers: [\n")
    with pytest.raises(InputError) as info:
        load_waivers(path)
    assert info.value.message.startswith("malformed YAML")


# --- State around the boundaries ---------------------------------------------------------------


def test_state_active_on_expiry_day(project: ProjectFactory) -> None:
    register = load(project, waiver())
    assert register.state(register.waivers[0], date(2026, 6, 30)) is WaiverState.ACTIVE


def test_state_expired_the_day_after(project: ProjectFactory) -> None:
    register = load(project, waiver())
    assert register.state(register.waivers[0], date(2026, 7, 1)) is WaiverState.EXPIRED


def test_state_active_on_creation_day(project: ProjectFactory) -> None:
    register = load(project, waiver(created="2026-01-01T15:00:00Z"))
    assert register.state(register.waivers[0], date(2026, 1, 1)) is WaiverState.ACTIVE


def test_state_not_yet_valid_the_day_before_creation(project: ProjectFactory) -> None:
    register = load(project, waiver())
    assert register.state(register.waivers[0], date(2025, 12, 31)) is WaiverState.NOT_YET_VALID


def test_state_uses_utc_for_offset_times(project: ProjectFactory) -> None:
    # 01:00 on 1 July at +02:00 is 23:00 UTC on 30 June.
    register = load(project, waiver(expires="2026-07-01T01:00:00+02:00"))
    assert register.state(register.waivers[0], date(2026, 6, 30)) is WaiverState.ACTIVE
    assert register.state(register.waivers[0], date(2026, 7, 1)) is WaiverState.EXPIRED


# --- Matching ----------------------------------------------------------------------------------


def test_for_requirement_matches_active_only(project: ProjectFactory) -> None:
    register = load(project, waiver(scope="{requirement: SM-3}"))
    assert register.for_requirement("SM-3", date(2026, 3, 1)) is register.waivers[0]
    assert register.for_requirement("SM-3", date(2026, 7, 1)) is None
    assert register.for_requirement("SM-4", date(2026, 3, 1)) is None


def test_for_requirement_ignores_finding_waiver_reported_under_it(project: ProjectFactory) -> None:
    register = load(project, waiver(scope="{finding: abc, requirement: SI-1}"))
    assert register.for_requirement("SI-1", date(2026, 3, 1)) is None


def test_for_vulnerability_matches_any_alias(project: ProjectFactory) -> None:
    register = load(project, waiver(scope="{vulnerability: GHSA-aaaa-bbbb-cccc, package: requests}"))
    aliases = {"CVE-2026-0001", "GHSA-aaaa-bbbb-cccc", "PYSEC-2026-1"}
    assert register.for_vulnerability(aliases, "requests", date(2026, 3, 1)) is register.waivers[0]
    assert register.for_vulnerability({"CVE-2026-0001"}, "requests", date(2026, 3, 1)) is None


@pytest.mark.parametrize(
    ("written", "observed"),
    [("PyYAML", "pyyaml"), ("pyyaml", "PyYAML"), ("jinja_2", "jinja-2"), ("zope.interface", "Zope_Interface")],
)
def test_for_vulnerability_normalises_package_names(project: ProjectFactory, written: str, observed: str) -> None:
    register = load(project, waiver(scope=f"{{vulnerability: CVE-2026-1, package: {written}}}"))
    assert register.for_vulnerability({"CVE-2026-1"}, observed, date(2026, 3, 1)) is register.waivers[0]


def test_for_vulnerability_other_package_not_matched(project: ProjectFactory) -> None:
    register = load(project, waiver(scope="{vulnerability: CVE-2026-1, package: pyyaml}"))
    assert register.for_vulnerability({"CVE-2026-1"}, "pyyaml-include", date(2026, 3, 1)) is None


def test_for_vulnerability_expired_not_matched(project: ProjectFactory) -> None:
    register = load(project, waiver(scope="{vulnerability: CVE-2026-1, package: pyyaml}"))
    assert register.for_vulnerability({"CVE-2026-1"}, "pyyaml", date(2026, 7, 1)) is None


def test_for_finding_matches_active_only(project: ProjectFactory) -> None:
    register = load(
        project,
        waiver("W-old", scope="{finding: fp-1}", created="2025-01-01T00:00:00Z", expires="2025-12-31T00:00:00Z"),
        waiver("W-new", scope="{finding: fp-1}"),
    )
    assert register.for_finding("fp-1", date(2025, 6, 1)) is register.waivers[0]
    found = register.for_finding("fp-1", date(2026, 3, 1))
    assert found is not None
    assert found.id == "W-new"
    assert register.for_finding("fp-1", date(2026, 7, 1)) is None
    assert register.for_finding("fp-2", date(2026, 3, 1)) is None


def test_for_finding_not_yet_valid_not_matched(project: ProjectFactory) -> None:
    register = load(project, waiver(scope="{finding: fp-1}", created="2026-05-01T00:00:00Z"))
    assert register.for_finding("fp-1", date(2026, 4, 30)) is None
    assert register.for_finding("fp-1", date(2026, 5, 1)) is register.waivers[0]


# --- Requester, approver and duration (issue: waivers and exceptions are bounded) ---------------------------------


def _entry(requester: str, approver: str) -> str:
    return (
        "  - id: W-1\n"
        "    scope: {requirement: SM-1}\n"
        "    justification: accepted for the pilot release only\n"
        f"    requester: {requester}\n"
        f"    approver: {approver}\n"
        "    created: 2026-01-01T00:00:00Z\n"
        "    expires: 2026-03-01T00:00:00Z\n"
    )


@pytest.mark.parametrize(
    ("requester", "approver"),
    [
        pytest.param("Bob Example <bob@example.com>", "Bob Example <bob@example.com>", id="same-string"),
        pytest.param("Bob <bob@example.com>", "Robert Example <BOB@example.com>", id="same-email-other-name"),
        pytest.param("bob@example.com", "Bob Example <bob@example.com>", id="bare-email"),
        pytest.param("sdl-gate maintainers", "SDL-Gate  Maintainers", id="same-name-no-email"),
        pytest.param("Bob <bob@example.com>", "Bob <bob@example.com> (CISO)", id="text-after-the-address"),
        pytest.param("bob@example.com", "Alice <alice@example.com>, Bob <bob@example.com>", id="one-of-two"),
    ],
)
def test_self_approval_refused_naming_the_entry(project: ProjectFactory, requester: str, approver: str) -> None:
    error = load_error(project, _entry(requester, approver))
    assert "self-approval" in error.message
    assert error.location == "waivers[0]"
    assert error.line == 3


def test_requester_and_approver_with_different_emails_accepted(project: ProjectFactory) -> None:
    register = load(project, _entry("Bob Example <bob@example.com>", "Bob Example <bob@other.example>"))
    assert register.waivers[0].requester == "Bob Example <bob@example.com>"


def test_register_without_requester_refused_naming_the_entry(project: ProjectFactory) -> None:
    entry = "".join(line + "\n" for line in waiver().splitlines() if "requester" not in line)
    error = load_error(project, entry)
    assert error.location == "waivers[0].requester"


def test_unbounded_waiver_refused_with_the_builtin_limit_named(project: ProjectFactory) -> None:
    path = project.waivers(register_text(waiver(created="2026-01-01T00:00:00Z", expires="2099-12-31T23:59:59Z")))
    with pytest.raises(RecordError) as info:
        load_waivers(path)
    error = info.value
    assert error.path == str(path)
    assert error.location == "waivers[0].expires"
    assert error.line == 8
    assert "unbounded waiver" in error.message
    assert f"limit of {DEFAULT_MAX_WAIVER_DAYS} days" in error.message


def test_waiver_of_exactly_the_limit_accepted(project: ProjectFactory) -> None:
    path = project.waivers(register_text(waiver(created="2026-01-01T00:00:00Z", expires="2026-06-30T00:00:00Z")))
    assert len(load_waivers(path).waivers) == 1


def test_policy_limit_applies(project: ProjectFactory) -> None:
    path = project.waivers(register_text(waiver(created="2026-01-01T00:00:00Z", expires="2026-02-15T00:00:00Z")))
    assert len(load_waivers(path, max_days=45).waivers) == 1
    with pytest.raises(RecordError) as info:
        load_waivers(path, max_days=44)
    assert "limit of 44 days" in info.value.message


@pytest.mark.parametrize("state", [VexState.EXPLOITABLE, VexState.IN_TRIAGE])
def test_open_vex_state_is_no_disposition(project: ProjectFactory, state: VexState) -> None:
    scope = "{vulnerability: GHSA-1, package: demo}"
    register = load(project, waiver(scope=scope, extra=f"    vex: {{state: {state.value}}}\n"))
    assert register.for_vulnerability({"GHSA-1"}, "demo", date(2026, 3, 1)) is None
    statement = register.open_statement({"GHSA-1"}, "demo", date(2026, 3, 1))
    assert statement is not None and statement.id == "W-1"


def test_closing_vex_state_is_a_disposition(project: ProjectFactory) -> None:
    scope = "{vulnerability: GHSA-1, package: demo}"
    register = load(project, waiver(scope=scope, extra="    vex: {state: not_affected}\n"))
    assert register.for_vulnerability({"GHSA-1"}, "demo", date(2026, 3, 1)) is not None
    assert register.open_statement({"GHSA-1"}, "demo", date(2026, 3, 1)) is None


def test_signed_content_covers_every_field_as_written(project: ProjectFactory) -> None:
    first = load(project, waiver()).waivers[0]
    again = load(project, waiver()).waivers[0]
    longer = load(project, waiver(expires="2026-07-01T00:00:00Z")).waivers[0]
    assert first.signed_content() == again.signed_content()
    assert first.signed_content() != longer.signed_content()
    assert b'"requester":"Alice Example <alice@example.com>"' in first.signed_content()


# --- Approval ----------------------------------------------------------------------------------


def test_a_waiver_without_a_verified_approval_matches_nothing_and_says_why(project: ProjectFactory) -> None:
    loaded = load_waivers(project.waivers(register_text(waiver(scope="{finding: abc}"))), max_days=ANY_DURATION)
    today = date(2026, 3, 1)
    assert loaded.for_finding("abc", today) is None
    assert loaded.approval(loaded.waivers[0]).status is ExceptionStatus.UNVERIFIED
    assert loaded.not_counting(loaded.matching_finding("abc"), today) == [
        f"waiver W-1 does not count: {loaded.why_not_approved(loaded.waivers[0], today)}"
    ]
    assert "--approvers" in (loaded.why_not_approved(loaded.waivers[0], today) or "")


def test_an_approval_verified_for_other_content_does_not_count(project: ProjectFactory) -> None:
    first = load(project, waiver(scope="{finding: abc}"))
    edited = load_waivers(
        project.waivers(register_text(waiver(scope="{finding: abc}", expires="2026-06-30T23:59:58Z"))),
        max_days=ANY_DURATION,
    )
    moved = WaiverRegister(waivers=edited.waivers, source=edited.source, approvals=first.approvals)
    assert first.for_finding("abc", date(2026, 3, 1)) is first.waivers[0]
    assert moved.for_finding("abc", date(2026, 3, 1)) is None


def test_an_approval_dated_after_the_assessment_does_not_count_yet(project: ProjectFactory) -> None:
    loaded = load_waivers(project.waivers(register_text(waiver(scope="{finding: abc}"))), max_days=ANY_DURATION)
    later = approved_waivers(loaded.waivers, loaded.source, approved_on=date(2026, 4, 1))
    assert later.for_finding("abc", date(2026, 3, 1)) is None
    assert later.for_finding("abc", date(2026, 4, 1)) is later.waivers[0]
