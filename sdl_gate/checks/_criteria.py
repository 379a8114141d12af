"""The small criteria requirement checks are built from; each reads evidence and returns one finding."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sdl_gate.approvals.register import REGISTER_PATH
from sdl_gate.checks._approvals import ApprovalState, approval_state
from sdl_gate.checks._base import CheckInput, Criterion, Finding, Outcome
from sdl_gate.evidence import Evidence, EvidenceKind
from sdl_gate.policy.waivers import WaiverState


def _single(check_input: CheckInput, kind: EvidenceKind, criterion: str) -> Evidence | Finding:
    """Return the one usable evidence of ``kind``, or a ``not_available`` finding explaining its absence."""
    found = check_input.evidence.of(kind)
    if found:
        return found[0]
    rejected = check_input.evidence.rejected(kind)
    reason = "; ".join(r.reason for r in rejected) if rejected else f"no {kind.value} evidence was collected"
    return check_input.finding(criterion, Outcome.NOT_AVAILABLE, reason)


def record_problems(entry: Mapping[str, Any], today: date, max_age_days: int | None) -> list[str]:
    """Return why a record does not count today, its approvals aside (see ``approval_state``)."""
    problems: list[str] = []
    record_date = date.fromisoformat(entry["date"])
    if record_date > today:
        problems.append(f"it is dated {record_date.isoformat()}, in the future")
    valid_until = entry.get("valid_until")
    if valid_until is not None and date.fromisoformat(valid_until) < today:
        problems.append(f"it expired on {valid_until}")
    if max_age_days is not None and record_date < today - timedelta(days=max_age_days):
        problems.append(f"it is from {record_date.isoformat()}, older than the policy's {max_age_days} days")
    for link in entry.get("links", []):
        status = link["status"]
        if status == "changed":
            problems.append(f"linked file {link['path']} changed since it was approved")
        elif status == "missing":
            problems.append(f"linked file {link['path']} is missing")
    # Evidence that does not say whether it looked for placeholders cannot be told free of them.
    placeholders: list[Mapping[str, Any]] = entry["placeholders"]
    if placeholders:
        where = "; ".join(f"{p['file']}:{p['line'] or 1} {p['reason']}" for p in placeholders)
        more = entry["placeholder_count"] - len(placeholders)
        problems.append(
            f"it is unfinished, so it counts for nothing even if signed: {where}"
            + (f"; and {more} more" if more else "")
        )
    return problems


def record(*kinds: str, purpose: str) -> Criterion:
    """A current record of one of ``kinds`` listing the requirement, signed by an entitled approver, not its author."""
    name = "record"
    accepted = ", ".join(kinds)

    def evaluate(check_input: CheckInput) -> Finding:
        evidence = _single(check_input, EvidenceKind.RECORDS, name)
        if isinstance(evidence, Finding):
            return evidence
        requirement = check_input.requirement
        register_edit = (evidence.payload.get("register") or {}).get("edit")
        listing = [e for e in evidence.payload["records"] if requirement in e["requirements"]]
        reasons: list[str] = []
        cannot_tell = False
        for entry in listing:
            if entry["kind"] not in kinds:
                reasons.append(f"record {entry['id']} is a {entry['kind']}, but {requirement} needs {accepted}")
                continue
            problems = record_problems(entry, check_input.today, check_input.policy.max_age_days)
            state, approved, why = approval_state(entry, requirement, check_input.today, register_edit)
            if not problems and state is ApprovalState.APPROVED:
                return check_input.finding(
                    name,
                    Outcome.PASS,
                    f"record {entry['id']} ({entry['kind']}, {entry['date']}) {approved}; linked files unchanged",
                    (evidence.id,),
                    entry["file"],
                    examined=len(listing),
                    human_record=True,
                )
            if entry["placeholders"] and state is ApprovalState.NOT_APPROVED:
                # Signing an unfinished record cannot make it count: the step before approval comes first.
                why = [f"it is not approved; finish it, then run `sdl-gate records approve {entry['id']}`"]
            cannot_tell = cannot_tell or (not problems and state is ApprovalState.CANNOT_TELL)
            reasons.append(f"record {entry['id']} does not count: " + "; ".join([*problems, *why]))
        if not listing:
            message = f"no record lists {requirement}; add a signed {accepted} record for {purpose}"
        else:
            message = " | ".join(reasons)
        outcome = Outcome.NOT_AVAILABLE if cannot_tell else Outcome.FAIL
        return check_input.finding(name, outcome, message, (evidence.id,))

    return Criterion(
        name,
        f"a current {accepted} record signed by an entitled approver other than its author: {purpose}",
        (EvidenceKind.RECORDS,),
        evaluate,
        fix=f"Write a {accepted} record listing {{requirement}} (`sdl-gate records new {kinds[0]}`) that covers "
        f"{purpose}, and have an entitled approver other than its author sign it (`sdl-gate records approve ID`)",
        when_empty=Outcome.FAIL,
        empty_means=f"no approved {accepted} record lists the requirement",
        record_kinds=kinds,
    )


def approver_register() -> Criterion:
    """The change leaves the approver register as the trusted one has it: an edit needs its approvers' approval."""
    name = "approver_register"

    def evaluate(check_input: CheckInput) -> Finding:
        evidence = _single(check_input, EvidenceKind.RECORDS, name)
        if isinstance(evidence, Finding):
            return evidence
        # Read strictly: the collector always describes the register, so a payload without it is malformed.
        register = evidence.payload["register"]
        source = register["source"]
        if source is None:
            return check_input.finding(
                name,
                Outcome.NOT_APPLICABLE,
                "no trusted approver register is named, so no approval counts and no edit of one can take effect",
                (evidence.id,),
            )
        edit = register["edit"]
        if edit is not None:
            # Who approves is decided by the trusted register; a change to it is a change of who may approve, so it
            # blocks until the people that register lists have approved and merged it.
            return check_input.finding(
                name,
                Outcome.FAIL,
                f"{edit}; a change to {REGISTER_PATH} changes who may approve records and needs the approval of the "
                f"approvers the trusted register ({source}) lists",
                (evidence.id,),
                REGISTER_PATH,
            )
        return check_input.finding(
            name,
            Outcome.PASS,
            f"the change does not edit {REGISTER_PATH}: approvals are judged by the trusted register ({source})",
            (evidence.id,),
            REGISTER_PATH,
            examined=1,
        )

    return Criterion(
        name,
        f"the change under assessment leaves {REGISTER_PATH} as the trusted approver register has it",
        (EvidenceKind.RECORDS,),
        evaluate,
        when_empty=Outcome.NOT_APPLICABLE,
        empty_means="no trusted approver register is named, so there is no register an edit could change",
        fix=f"Have the approvers of the trusted register review the change to {REGISTER_PATH} and merge it into the "
        "trusted ref; until then it changes no one's right to approve",
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


def security_contact() -> Criterion:
    """A security policy (SECURITY.md or security.txt) that names a reporting contact."""
    name = "security_policy"

    def evaluate(check_input: CheckInput) -> Finding:
        evidence = _single(check_input, EvidenceKind.REPOSITORY, name)
        if isinstance(evidence, Finding):
            return evidence
        policy = evidence.payload["security_policy"]
        if policy is None:
            return check_input.finding(
                name,
                Outcome.FAIL,
                "no SECURITY.md or security.txt: users cannot tell where to report",
                (evidence.id,),
            )
        if not policy["contacts"]:
            return check_input.finding(
                name,
                Outcome.FAIL,
                f"{policy['path']} names no contact address or reporting URL",
                (evidence.id,),
                policy["path"],
            )
        contacts = ", ".join(policy["contacts"])
        return check_input.finding(
            name,
            Outcome.PASS,
            f"{policy['path']} names {contacts}",
            (evidence.id,),
            policy["path"],
            examined=len(policy["contacts"]),
        )

    return Criterion(
        name,
        "a security policy with a contact for reporting",
        (EvidenceKind.REPOSITORY,),
        evaluate,
        fix="Commit a SECURITY.md (or .well-known/security.txt) that names a contact (an e-mail address or URL) "
        "for reporting vulnerabilities",
        when_empty=Outcome.FAIL,
        empty_means="no SECURITY.md or security.txt naming a contact",
    )


def codeowners() -> Criterion:
    """A CODEOWNERS file with at least one ownership rule."""
    name = "codeowners"

    def evaluate(check_input: CheckInput) -> Finding:
        evidence = _single(check_input, EvidenceKind.REPOSITORY, name)
        if isinstance(evidence, Finding):
            return evidence
        owners = evidence.payload["codeowners"]
        if owners is None:
            return check_input.finding(name, Outcome.FAIL, "no CODEOWNERS file", (evidence.id,))
        if owners["rules"] == 0:
            return check_input.finding(
                name, Outcome.FAIL, f"{owners['path']} has no ownership rules", (evidence.id,), owners["path"]
            )
        return check_input.finding(
            name,
            Outcome.PASS,
            f"{owners['path']}: {owners['rules']} rule(s), owners {', '.join(owners['owners'])}",
            (evidence.id,),
            owners["path"],
            examined=owners["rules"],
        )

    return Criterion(
        name,
        "a CODEOWNERS file assigning responsibility",
        (EvidenceKind.REPOSITORY,),
        evaluate,
        fix="Commit a CODEOWNERS file (at the root, .github/ or docs/) with at least one ownership rule",
        when_empty=Outcome.FAIL,
        empty_means="no CODEOWNERS file with an ownership rule",
    )


def guideline_document() -> Criterion:
    """The user guideline document configured for this requirement exists, is not empty and has no placeholder."""
    name = "guideline_document"

    def evaluate(check_input: CheckInput) -> Finding:
        evidence = _single(check_input, EvidenceKind.REPOSITORY, name)
        if isinstance(evidence, Finding):
            return evidence
        requirement = check_input.requirement
        entry = evidence.payload["guidelines"].get(requirement)
        if entry is None:
            return check_input.finding(
                name,
                Outcome.FAIL,
                f"no document configured; set {requirement} under [tool.sdl-gate.guidelines] in pyproject.toml",
                (evidence.id,),
            )
        if entry["status"] != "present":
            return check_input.finding(
                name, Outcome.FAIL, f"{entry['path']} is {entry['status']}", (evidence.id,), entry["path"]
            )
        if entry["placeholders"]:
            more = entry["placeholder_count"] - len(entry["placeholders"])
            message = f"{entry['path']} is unfinished, so it counts for nothing: " + "; ".join(entry["placeholders"])
            return check_input.finding(
                name, Outcome.FAIL, message + (f"; and {more} more" if more else ""), (evidence.id,), entry["path"]
            )
        return check_input.finding(
            name, Outcome.PASS, f"{entry['path']} is present", (evidence.id,), entry["path"], examined=1
        )

    return Criterion(
        name,
        "the user guideline document configured for it, with no placeholder (TODO, empty section, template text)",
        (EvidenceKind.REPOSITORY,),
        evaluate,
        fix="Name the {requirement} user guideline in [tool.sdl-gate] guidelines and commit that document with its "
        "content",
        when_empty=Outcome.FAIL,
        empty_means="no guideline document configured, or the configured one is missing or empty",
    )


def waiver_register() -> Criterion:
    """Every registered exception is approved (signed by an entitled approver), justified and in force."""
    name = "waiver_register"

    def evaluate(check_input: CheckInput) -> Finding:
        evidence = _single(check_input, EvidenceKind.WAIVERS, name)
        if isinstance(evidence, Finding):
            return evidence
        register = check_input.waivers
        expired = [w.id for w in register.waivers if register.state(w, check_input.today) is WaiverState.EXPIRED]
        if expired:
            return check_input.finding(
                name,
                Outcome.FAIL,
                f"expired waiver(s) {', '.join(expired)}: renew with a new approval or fix what they cover",
                (evidence.id,),
            )
        unapproved = register.not_counting(register.waivers, check_input.today)
        if unapproved:
            return check_input.finding(name, Outcome.FAIL, "; ".join(unapproved), (evidence.id,))
        count = len(register.waivers)
        return check_input.finding(
            name, Outcome.PASS, f"{count} waiver(s), all approved and in force", (evidence.id,), examined=count
        )

    # An empty register is no evidence of issue handling, yet no defect either: demanding an entry would reward
    # adding waivers. It neither passes nor blocks; SM-11 and DM-4 rest on their vulnerability dispositions.
    return Criterion(
        name,
        "the waiver register: every exception approved, justified, unexpired",
        (EvidenceKind.WAIVERS,),
        evaluate,
        fix="Renew or remove the expired waivers in security/waivers.yaml, and give every waiver an approver, a "
        "justification and an expiry within the policy's limit (`sdl-gate records check` lists them)",
        when_empty=Outcome.NOT_APPLICABLE,
        empty_means="no exception is registered, so there is no exception to judge",
    )
