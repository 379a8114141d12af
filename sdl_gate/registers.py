"""A quick review of the hand-written registers (records and waivers), for hooks and editors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sdl_gate.checks._criteria import record_problems
from sdl_gate.collectors.base import CollectContext
from sdl_gate.collectors.records import RecordsCollector
from sdl_gate.policy.waivers import WaiverKind, WaiverState
from sdl_gate.run import Inputs


@dataclass(frozen=True)
class RegisterReview:
    """What a register review found; every list holds one human-readable line per item."""

    records: int
    waivers: int
    records_not_counting: tuple[str, ...]
    waivers_expired: tuple[str, ...]
    waivers_expiring: tuple[str, ...]
    waivers_not_counting: tuple[str, ...] = ()


def review_registers(inputs: Inputs, today: date, warn_days: int) -> RegisterReview:
    """Validate records and waivers (invalid files raise) and list what does not count or expires soon."""
    now = datetime.combine(today, time(12), tzinfo=timezone.utc)
    context = CollectContext(project=inputs.project, commit=None, now=now, waivers=inputs.waivers)
    entries = RecordsCollector().collect(context).payload["records"]
    not_counting: list[str] = []
    for entry in entries:
        ages = [inputs.policy.requirements[rid].max_age_days for rid in entry["requirements"]]
        limits = [age for age in ages if age is not None]
        problems = record_problems(entry, today, min(limits) if limits else None)
        if problems:
            not_counting.append(f"{entry['file']}: record {entry['id']} does not count: " + "; ".join(problems))
    register = inputs.waivers
    horizon = datetime.combine(today + timedelta(days=warn_days), time.max, tzinfo=timezone.utc)
    expired: list[str] = []
    expiring: list[str] = []
    not_counted: list[str] = []
    for waiver in register.waivers:
        state = register.state(waiver, today)
        label = f"waiver {waiver.id} ({waiver.scope.describe()})"
        target = waiver.scope.target_requirement
        if waiver.scope.kind is WaiverKind.REQUIREMENT and not inputs.policy.requirements[target].waivable:
            not_counted.append(f"{label} does not count: policy {inputs.policy.name} does not allow waiving {target}")
        elif not waiver.disposes and waiver.vex is not None:
            not_counted.append(
                f"{label} states VEX {waiver.vex.state.value}, which is not a disposition: the vulnerability stays open"
            )
        match state:
            case WaiverState.EXPIRED:
                expired.append(f"{label} expired on {waiver.expires.isoformat()}: renew it or fix what it covers")
            case WaiverState.ACTIVE if waiver.expires <= horizon:
                expiring.append(f"{label} expires on {waiver.expires.isoformat()}, within {warn_days} days")
            case WaiverState.ACTIVE | WaiverState.NOT_YET_VALID:
                pass
    return RegisterReview(
        records=len(entries),
        waivers=len(register.waivers),
        records_not_counting=tuple(not_counting),
        waivers_expired=tuple(expired),
        waivers_expiring=tuple(expiring),
        waivers_not_counting=tuple(not_counted),
    )
