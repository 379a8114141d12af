"""Process metrics over the release history: released versions in order, per-release values, and their trend.

Read by SM-13 (continuous improvement) and by the indicative maturity (ML3 and ML4) alike, so both say the same
thing about the same releases. Every value comes from an earlier release's verified bundle; a release whose
evidence could not tell has no value (never zero), and a trend needs two measured releases.
"""

from __future__ import annotations

import enum
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sdl_gate.evidence import EvidenceKind
from sdl_gate.history_payload import HistoryPayload, ReleaseSnapshot, SeenVulnerability


class Metric(str, enum.Enum):
    """A process metric measured per release; for every one of them, lower is better."""

    VULNERABILITY_FIX_DAYS = "vulnerability_fix_days"
    OPEN_VULNERABILITIES = "open_vulnerabilities"
    SAST_FINDINGS = "sast_findings"
    RECORD_APPROVAL_DAYS = "record_approval_days"

    @property
    def description(self) -> str:
        """What the metric measures in one release, for reports."""
        match self:
            case Metric.VULNERABILITY_FIX_DAYS:
                return (
                    "median days from a known vulnerability's publication to the release that no longer has it, "
                    "over the vulnerabilities the previous release's audit reported"
                )
            case Metric.OPEN_VULNERABILITIES:
                return "known vulnerabilities the release's complete dependency audit reported"
            case Metric.SAST_FINDINGS:
                return "static-analysis findings in the release's code (a justified # nosec excluded)"
            case Metric.RECORD_APPROVAL_DAYS:
                return "median days from a process record's date to its approval, over the release's records"

    @property
    def source(self) -> EvidenceKind:
        """The evidence the metric is drawn from; a practice checked on that evidence is measured by it."""
        match self:
            case Metric.VULNERABILITY_FIX_DAYS | Metric.OPEN_VULNERABILITIES:
                return EvidenceKind.VULNERABILITY_AUDIT
            case Metric.SAST_FINDINGS:
                return EvidenceKind.SAST
            case Metric.RECORD_APPROVAL_DAYS:
                return EvidenceKind.RECORDS


class Trend(str, enum.Enum):
    """How a metric moved from the first to the last release it was measured in."""

    IMPROVED = "improved"
    FLAT = "flat"
    WORSENED = "worsened"
    NOT_MEASURED = "not_measured"


@dataclass(frozen=True)
class MetricSeries:
    """One metric over consecutive released versions, with the value in each (None: not measured there)."""

    metric: Metric
    releases: tuple[ReleaseSnapshot, ...]
    values: tuple[float | None, ...]
    trend: Trend

    def describe(self) -> str:
        """The numbers per release and the trend, e.g. ``open_vulnerabilities 1.0: 3 -> 1.1: 1 (improved)``."""
        points = " -> ".join(
            f"{release_label(r)}: {'n/a' if v is None else f'{v:g}'}"
            for r, v in zip(self.releases, self.values, strict=True)
        )
        return f"{self.metric.value} {points} ({self.trend.value.replace('_', ' ')})"


def release_label(release: ReleaseSnapshot) -> str:
    """A release as reports name it: its version, else its bundle."""
    return release.version or release.bundle


def released_versions(
    payloads: Iterable[HistoryPayload], today: date, product: str | None = None
) -> list[ReleaseSnapshot]:
    """Earlier verified releases before ``today``, one per distinct version (its latest bundle), oldest first.

    Bundles of one version count once, however many were made; a bundle that names no version cannot show a
    distinct release and is left out.
    """
    latest: dict[str, ReleaseSnapshot] = {}
    for payload in payloads:
        for release in payload.releases:
            if release.version is None or release.assessed_on >= today:
                continue
            if product is not None and release.product != product:
                continue
            known = latest.get(release.version)
            if known is None or (known.assessed_on, known.bundle) < (release.assessed_on, release.bundle):
                latest[release.version] = release
    return sorted(latest.values(), key=lambda r: (r.assessed_on, r.bundle))


def _reported(vulnerability: SeenVulnerability, later: Sequence[SeenVulnerability]) -> bool:
    names = {vulnerability.id, *vulnerability.aliases}
    return any(v.package == vulnerability.package and names & {v.id, *v.aliases} for v in later)


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _value(
    metric: Metric, series: Sequence[ReleaseSnapshot], index: int, requirements: frozenset[str] | None
) -> float | None:
    facts = series[index].facts
    if facts is None:
        return None
    match metric:
        case Metric.OPEN_VULNERABILITIES:
            return None if facts.vulnerabilities is None else float(len(facts.vulnerabilities))
        case Metric.SAST_FINDINGS:
            return None if facts.sast_findings is None else float(facts.sast_findings)
        case Metric.RECORD_APPROVAL_DAYS:
            if facts.records is None:
                return None
            days: list[int] = []
            for record in facts.records:
                if record.approved is not None and (requirements is None or requirements & set(record.requirements)):
                    days.append((record.approved - record.created).days)
            return _median(days)
        case Metric.VULNERABILITY_FIX_DAYS:
            previous = series[index - 1].facts if index > 0 else None
            if previous is None or previous.vulnerabilities is None or facts.vulnerabilities is None:
                return None
            released = series[index].assessed_on
            fixed = [v for v in previous.vulnerabilities if not _reported(v, facts.vulnerabilities)]
            return _median(
                [(released - v.published).days for v in fixed if v.published is not None and v.published <= released]
            )


def trend(values: Sequence[float | None]) -> Trend:
    """Compare the last measured value with the first: strictly lower is improved, equal is flat."""
    measured = [v for v in values if v is not None]
    if len(measured) < 2:
        return Trend.NOT_MEASURED
    if measured[-1] < measured[0]:
        return Trend.IMPROVED
    return Trend.FLAT if measured[-1] == measured[0] else Trend.WORSENED


def measure(
    metric: Metric, series: Sequence[ReleaseSnapshot], start: int, requirements: frozenset[str] | None = None
) -> MetricSeries:
    """Measure ``metric`` over ``series[start:]`` (earlier releases may feed the first value, as fixes do).

    ``requirements`` limits record metrics to records of those requirements (a practice's); None takes all.
    """
    values = tuple(_value(metric, series, index, requirements) for index in range(start, len(series)))
    return MetricSeries(metric=metric, releases=tuple(series[start:]), values=values, trend=trend(values))
