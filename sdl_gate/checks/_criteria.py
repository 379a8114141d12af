"""The small criteria requirement checks are built from; each reads evidence and returns one finding."""

from __future__ import annotations

from datetime import date, timedelta

from sdl_gate.approvals.register import REGISTER_PATH
from sdl_gate.checks._approvals import ApprovalState, approval_state
from sdl_gate.checks._base import CheckInput, Criterion, Finding, Outcome
from sdl_gate.checks._criterion import Evaluation, criterion
from sdl_gate.collectors.records import LinkStatus
from sdl_gate.payloads import RecordEntry, RecordsPayload, RepositoryPayload, WaiversPayload
from sdl_gate.policy.waivers import WaiverState


def record_problems(entry: RecordEntry, today: date, max_age_days: int | None) -> list[str]:
    """Return why a record does not count today, its approvals aside (see ``approval_state``)."""
    problems: list[str] = []
    record_date = entry.date
    if record_date > today:
        problems.append(f"it is dated {record_date.isoformat()}, in the future")
    valid_until = entry.valid_until
    if valid_until is not None and valid_until < today:
        problems.append(f"it expired on {valid_until.isoformat()}")
    if max_age_days is not None and record_date < today - timedelta(days=max_age_days):
        problems.append(f"it is from {record_date.isoformat()}, older than the policy's {max_age_days} days")
    for link in entry.links:
        if link.status is LinkStatus.CHANGED:
            problems.append(f"linked file {link.path} changed since it was approved")
        elif link.status is LinkStatus.MISSING:
            problems.append(f"linked file {link.path} is missing")
    placeholders = entry.placeholders
    if placeholders:
        where = "; ".join(f"{p.file}:{p.line or 1} {p.reason}" for p in placeholders)
        more = entry.placeholder_count - len(placeholders)
        problems.append(
            f"it is unfinished, so it counts for nothing even if signed: {where}"
            + (f"; and {more} more" if more else "")
        )
    return problems


def record(*kinds: str, purpose: str) -> Criterion:
    """A current record of one of ``kinds`` listing the requirement, signed by an entitled approver, not its author."""
    accepted = ", ".join(kinds)

    @criterion(
        RecordsPayload,
        name="record",
        description=f"a current {accepted} record signed by an entitled approver other than its author: {purpose}",
        fix=f"Write a {accepted} record listing {{requirement}} (`sdl-gate records new {kinds[0]}`) that covers "
        f"{purpose}, and have an entitled approver other than its author sign it (`sdl-gate records approve ID`)",
        when_empty=Outcome.FAIL,
        empty_means=f"no approved {accepted} record lists the requirement",
        record_kinds=kinds,
    )
    def judge(evaluation: Evaluation, payload: RecordsPayload) -> Finding:
        requirement = evaluation.requirement
        register_edit = payload.approver_register.edit
        listing = [e for e in payload.records if requirement in e.requirements]
        reasons: list[str] = []
        cannot_tell = False
        for entry in listing:
            if entry.kind.value not in kinds:
                reasons.append(f"record {entry.id} is a {entry.kind.value}, but {requirement} needs {accepted}")
                continue
            problems = record_problems(entry, evaluation.today, evaluation.policy.max_age_days)
            state, approved, why = approval_state(entry, requirement, evaluation.today, register_edit)
            if not problems and state is ApprovalState.APPROVED:
                return evaluation.finding(
                    Outcome.PASS,
                    f"record {entry.id} ({entry.kind.value}, {entry.date.isoformat()}) {approved}; linked files "
                    "unchanged",
                    entry.file,
                    examined=len(listing),
                    human_record=True,
                )
            if entry.placeholders and state is ApprovalState.NOT_APPROVED:
                # Signing an unfinished record cannot make it count: the step before approval comes first.
                why = [f"it is not approved; finish it, then run `sdl-gate records approve {entry.id}`"]
            cannot_tell = cannot_tell or (not problems and state is ApprovalState.CANNOT_TELL)
            reasons.append(f"record {entry.id} does not count: " + "; ".join([*problems, *why]))
        if not listing:
            message = f"no record lists {requirement}; add a signed {accepted} record for {purpose}"
        else:
            message = " | ".join(reasons)
        return evaluation.finding(Outcome.NOT_AVAILABLE if cannot_tell else Outcome.FAIL, message)

    return judge


@criterion(
    RecordsPayload,
    name="approver_register",
    description=f"the change under assessment leaves {REGISTER_PATH} as the trusted approver register has it",
    when_empty=Outcome.NOT_APPLICABLE,
    empty_means="no trusted approver register is named, so there is no register an edit could change",
    fix=f"Have the approvers of the trusted register review the change to {REGISTER_PATH} and merge it into the "
    "trusted ref; until then it changes no one's right to approve",
)
def approver_register(evaluation: Evaluation, payload: RecordsPayload) -> Finding:
    """The change leaves the approver register as the trusted one has it: an edit needs its approvers' approval."""
    register = payload.approver_register
    if register.source is None:
        return evaluation.finding(
            Outcome.NOT_APPLICABLE,
            "no trusted approver register is named, so no approval counts and no edit of one can take effect",
        )
    if register.edit is not None:
        # Who approves is decided by the trusted register; a change to it is a change of who may approve, so it
        # blocks until the people that register lists have approved and merged it.
        return evaluation.finding(
            Outcome.FAIL,
            f"{register.edit}; a change to {REGISTER_PATH} changes who may approve records and needs the approval "
            f"of the approvers the trusted register ({register.source}) lists",
            REGISTER_PATH,
        )
    return evaluation.finding(
        Outcome.PASS,
        f"the change does not edit {REGISTER_PATH}: approvals are judged by the trusted register ({register.source})",
        REGISTER_PATH,
        examined=1,
    )


def any_of(*criteria: Criterion) -> Criterion:
    """A criterion met when any of ``criteria`` passes; otherwise it reports all their reasons."""
    name = " or ".join(c.name for c in criteria)
    kinds = tuple(dict.fromkeys(k for c in criteria for k in c.kinds))

    def evaluate(check_input: CheckInput) -> Finding:
        # Each alternative answers under the rule, so an alternative that examined nothing cannot carry it.
        findings = [c.answer(check_input) for c in criteria]
        for finding in findings:
            if finding.outcome is Outcome.PASS:
                return finding
        outcome = Outcome.FAIL if any(f.outcome is Outcome.FAIL for f in findings) else Outcome.NOT_AVAILABLE
        evidence = tuple(dict.fromkeys(e for f in findings for e in f.evidence))
        # Any one alternative's fix would do: each is named, so the reader can pick.
        fix = " Or: ".join(dict.fromkeys(f.fix for f in findings if f.fix))
        return check_input.finding(name, outcome, " | ".join(f.message for f in findings), evidence, fix=fix)

    # With every alternative empty the answer is fail when any alternative's absence is a defect.
    when_empty = Outcome.FAIL if any(c.when_empty is Outcome.FAIL for c in criteria) else Outcome.NOT_AVAILABLE
    return Criterion(
        name,
        " or ".join(c.description for c in criteria),
        kinds,
        evaluate,
        when_empty=when_empty,
        # Declared only when every alternative is, so an undeclared alternative keeps judging emptiness itself.
        empty_means=" and ".join(c.empty_means for c in criteria) if all(c.empty_means for c in criteria) else "",
        record_kinds=tuple(dict.fromkeys(k for c in criteria for k in c.record_kinds)),
        fix=" Or: ".join(dict.fromkeys(c.fix for c in criteria if c.fix)),
    )


@criterion(
    RepositoryPayload,
    name="security_policy",
    description="a security policy with a contact for reporting",
    fix="Commit a SECURITY.md (or .well-known/security.txt) that names a contact (an e-mail address or URL) "
    "for reporting vulnerabilities",
    when_empty=Outcome.FAIL,
    empty_means="no SECURITY.md or security.txt naming a contact",
)
def security_contact(evaluation: Evaluation, payload: RepositoryPayload) -> Finding:
    """A security policy (SECURITY.md or security.txt) that names a reporting contact."""
    policy = payload.security_policy
    if policy is None:
        return evaluation.finding(Outcome.FAIL, "no SECURITY.md or security.txt: users cannot tell where to report")
    if not policy.contacts:
        return evaluation.finding(Outcome.FAIL, f"{policy.path} names no contact address or reporting URL", policy.path)
    return evaluation.finding(
        Outcome.PASS,
        f"{policy.path} names {', '.join(policy.contacts)}",
        policy.path,
        examined=len(policy.contacts),
    )


@criterion(
    RepositoryPayload,
    name="codeowners",
    description="a CODEOWNERS file assigning responsibility",
    fix="Commit a CODEOWNERS file (at the root, .github/ or docs/) with at least one ownership rule",
    when_empty=Outcome.FAIL,
    empty_means="no CODEOWNERS file with an ownership rule",
)
def codeowners(evaluation: Evaluation, payload: RepositoryPayload) -> Finding:
    """A CODEOWNERS file with at least one ownership rule."""
    owners = payload.codeowners
    if owners is None:
        return evaluation.finding(Outcome.FAIL, "no CODEOWNERS file")
    if owners.rules == 0:
        return evaluation.finding(Outcome.FAIL, f"{owners.path} has no ownership rules", owners.path)
    return evaluation.finding(
        Outcome.PASS,
        f"{owners.path}: {owners.rules} rule(s), owners {', '.join(owners.owners)}",
        owners.path,
        examined=owners.rules,
    )


@criterion(
    RepositoryPayload,
    name="guideline_document",
    description="the user guideline document configured for it, with no placeholder (TODO, empty section, template "
    "text)",
    fix="Name the {requirement} user guideline in [tool.sdl-gate] guidelines and commit that document with its content",
    when_empty=Outcome.FAIL,
    empty_means="no guideline document configured, or the configured one is missing or empty",
)
def guideline_document(evaluation: Evaluation, payload: RepositoryPayload) -> Finding:
    """The user guideline document configured for this requirement exists, is not empty and has no placeholder."""
    requirement = evaluation.requirement
    entry = payload.guidelines.get(requirement)
    if entry is None:
        return evaluation.finding(
            Outcome.FAIL,
            f"no document configured; set {requirement} under [tool.sdl-gate.guidelines] in pyproject.toml",
        )
    if entry.status != "present":
        return evaluation.finding(Outcome.FAIL, f"{entry.path} is {entry.status}", entry.path)
    if entry.placeholders:
        more = entry.placeholder_count - len(entry.placeholders)
        message = f"{entry.path} is unfinished, so it counts for nothing: " + "; ".join(entry.placeholders)
        return evaluation.finding(Outcome.FAIL, message + (f"; and {more} more" if more else ""), entry.path)
    return evaluation.finding(Outcome.PASS, f"{entry.path} is present", entry.path, examined=1)


# An empty register is no evidence of issue handling, yet no defect either: demanding an entry would reward
# adding waivers. It neither passes nor blocks; SM-11 and DM-4 rest on their vulnerability dispositions.
@criterion(
    WaiversPayload,
    name="waiver_register",
    description="the waiver register: every exception approved, justified, unexpired",
    fix="Renew or remove the expired waivers in security/waivers.yaml, and give every waiver an approver, a "
    "justification and an expiry within the policy's limit (`sdl-gate records check` lists them)",
    when_empty=Outcome.NOT_APPLICABLE,
    empty_means="no exception is registered, so there is no exception to judge",
)
def waiver_register(evaluation: Evaluation, payload: WaiversPayload) -> Finding:
    """Every registered exception is approved (signed by an entitled approver), justified and in force."""
    # The register the operator loaded is judged, not the payload's description of it.
    register = evaluation.waivers
    expired = [w.id for w in register.waivers if register.state(w, evaluation.today) is WaiverState.EXPIRED]
    if expired:
        return evaluation.finding(
            Outcome.FAIL, f"expired waiver(s) {', '.join(expired)}: renew with a new approval or fix what they cover"
        )
    unapproved = register.not_counting(register.waivers, evaluation.today)
    if unapproved:
        return evaluation.finding(Outcome.FAIL, "; ".join(unapproved))
    count = len(register.waivers)
    return evaluation.finding(Outcome.PASS, f"{count} waiver(s), all approved and in force", examined=count)
