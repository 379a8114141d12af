"""`sdl-gate explain ID`: what a requirement asks, how the gate checks it, what the policy demands, how to fix it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sdl_gate._clock import assessment_date
from sdl_gate.approvals.register import RegisterChoice
from sdl_gate.assess import ASSESSMENT_CRITERIA, human_record_rule
from sdl_gate.catalogue import load_catalogue
from sdl_gate.checks import CHECKS
from sdl_gate.config import load_project
from sdl_gate.errors import InputError
from sdl_gate.inputs import load_inputs
from sdl_gate.policy.loader import resolve_policy


def explain_requirement(
    requirement_id: str, project_path: Path, policy_spec: str | None, register: RegisterChoice
) -> list[str]:
    """The lines explaining ``requirement_id`` under the policy (the project's unless ``policy_spec``) today.

    The project's waivers of the requirement are listed with whether each counts, judged against ``register``.
    """
    loaded = load_catalogue()
    try:
        requirement = loaded.requirement(requirement_id)
    except KeyError:
        raise InputError(
            f"{requirement_id!r} is not an IEC 62443-4-1 requirement id",
            hint="`sdl-gate catalogue` lists them",
        ) from None
    if policy_spec is None:
        project = load_project(project_path)
        policy = resolve_policy(project.config.policy, relative_to=project_path, root=project_path)
    else:
        policy = resolve_policy(policy_spec, relative_to=Path.cwd())
    entry = policy.requirements[requirement.id]
    practice = next(p for p in loaded.practices if p.id == requirement.practice)
    lines = [
        f"{requirement.id}  {requirement.title}",
        f"practice   {practice.id} - {practice.title}",
        f"automation {requirement.automation.value}: {requirement.automation.describe()}",
        "",
        "What it asks (our summary):",
        f"  {requirement.summary}",
        "",
        "Typical evidence:",
        *(f"  - {item}" for item in requirement.evidence),
        "",
        "How sdl-gate checks it (every criterion must pass; missing or rejected evidence is not_available,",
        "and a criterion that found nothing to examine never passes):",
    ]
    for criterion in CHECKS[requirement.id].criteria:
        kinds = ", ".join(kind.value for kind in criterion.kinds)
        lines.append(f"  - {criterion.name}  [evidence: {kinds}]")
        lines.append(f"      passes with: {criterion.description}")
        if criterion.empty_means:
            lines.append(f"      empty evidence: {criterion.when_empty.value} ({criterion.empty_means})")
        else:
            lines.append("      empty evidence: judged by the criterion itself (no declared outcome)")
    if requirement.id in ASSESSMENT_CRITERIA:
        lines.append(f"  - {ASSESSMENT_CRITERIA[requirement.id]}  [reads: the other verdicts of the assessment]")
    human_rule = human_record_rule(requirement)
    if human_rule is not None:
        lines.append(f"  - {human_rule}  [evidence: records]")
    today = assessment_date()
    mode = entry.effective_mode(today)
    lines += ["", f"Policy {policy.name} ({policy.source}):", f"  mode: {mode.value}"]
    if mode is not entry.mode:
        lines.append(f"  (becomes {entry.mode.value} on {entry.enforced_from})")
    if entry.justification:
        lines.append(f"  justification: {entry.justification}")
    if entry.max_age_days:
        lines.append(f"  records older than {entry.max_age_days} days do not count")
    lines += _waiver_lines(requirement.id, project_path, policy_spec, today, register)
    lines += ["", "How to fix a failure:", f"  {requirement.remediation}"]
    if requirement.ssdf:
        lines += ["", f"NIST SSDF tasks citing it: {', '.join(requirement.ssdf)}"]
    return lines


def _waiver_lines(
    requirement_id: str,
    project_path: Path,
    policy_spec: str | None,
    today: date,
    approvers: RegisterChoice,
) -> list[str]:
    """The project's waivers reported under the requirement, and whether each counts (signed and approved)."""
    inputs = load_inputs(project_path, policy_spec).with_approvers(approvers)
    register = inputs.waivers
    listed = [w for w in register.waivers if w.scope.target_requirement == requirement_id]
    if not listed:
        return []
    lines = ["", f"Waivers for {requirement_id} in {register.source}:"]
    for waiver in listed:
        window = register.state(waiver, today)
        why = register.why_not_approved(waiver, today)
        standing = f"does not count: {why}" if why is not None else register.approval(waiver).detail
        lines.append(f"  - {waiver.id} ({waiver.scope.describe()}, {window.value}): {standing}")
    return lines
