"""The offline audit of components of any ecosystem by package URL (pip-audit keeps the Python dependencies).

``audit_components(components, database)`` takes anything with a name, a version and a purl (and, optionally, a
commit): the SBOM readers' components plug in as they are.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sdl_gate.vulndb.ecosystems import Answer, Target, TargetError, base_ecosystem, record_answer, target_of
from sdl_gate.vulndb.store import StoredRecord, VulnDatabase, merge_aliases

#: What a component matched by repository commit alone (no OSV ecosystem) is audited "in".
GIT = "GIT"


class Auditable(Protocol):
    """What the audit reads of a component; ``commit`` is read when the component has one."""

    @property
    def name(self) -> str:
        """The component's name as its source writes it."""
        ...

    @property
    def version(self) -> str | None:
        """Its version, None when its source gives none."""
        ...

    @property
    def purl(self) -> str | None:
        """Its package URL, None when its source gives none."""
        ...


class ComponentStatus(str, enum.Enum):
    """What the audit could say about one component."""

    AUDITED = "audited"
    UNAUDITABLE = "unauditable"  # no purl, no OSV ecosystem, or an ecosystem the database does not hold
    UNDETERMINED = "could_not_tell"  # an advisory about it could not be evaluated (version order, commit)


@dataclass(frozen=True)
class ComponentResult:
    """One component's audit: its status and why, the OSV ecosystem it was audited in, the advisories found."""

    name: str
    version: str | None
    purl: str | None
    ecosystem: str | None
    package: str | None
    status: ComponentStatus
    reason: str | None
    advisories: tuple[dict[str, Any], ...] = ()
    fixed: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class EcosystemAudit:
    """Every component's result and the ecosystems (with release) the database covered."""

    components: tuple[ComponentResult, ...]
    ecosystems: tuple[str, ...]


def _commit(component: Auditable) -> str | None:
    commit = getattr(component, "commit", None)
    return commit.lower() if isinstance(commit, str) and commit else None


def _unauditable(component: Auditable, ecosystem: str | None, reason: str) -> ComponentResult:
    return ComponentResult(
        component.name, component.version, component.purl, ecosystem, None, ComponentStatus.UNAUDITABLE, reason
    )


def _label(target: Target) -> str:
    return target.ecosystem or GIT


def _judge(component: Auditable, target: Target, records: Sequence[StoredRecord]) -> ComponentResult:
    affected: list[StoredRecord] = []
    unknown: list[str] = []
    for record in records:
        verdict, _ = record_answer(record.entries, target)
        if verdict.answer is Answer.AFFECTED:
            affected.append(record)
        elif verdict.answer is Answer.UNKNOWN:
            unknown.append(f"{record.id}: {verdict.reason}")
    advisories = tuple(merge_aliases(affected))
    fixed = tuple(record_answer(_entries(document, records), target)[1] for document in advisories)
    status = ComponentStatus.UNDETERMINED if unknown else ComponentStatus.AUDITED
    reason = "; ".join(sorted(unknown)) if unknown else None
    return ComponentResult(
        component.name,
        component.version,
        component.purl,
        _label(target),
        target.package or component.name,
        status,
        reason,
        advisories,
        fixed,
    )


def _entries(document: dict[str, Any], records: Sequence[StoredRecord]) -> Sequence[Any]:
    """The parsed entries of the record a merged advisory was built from (its primary id)."""
    return next((r.entries for r in records if r.id == document["id"]), ())


def audit_components(
    components: Iterable[Auditable], database: VulnDatabase, *, skip: frozenset[tuple[str, str]] = frozenset()
) -> EcosystemAudit:
    """Audit every component by its purl against the offline database, in its own ecosystem and version order.

    ``skip`` holds the (OSV ecosystem, normalised name) of components another audit covers (pip-audit's PyPI
    pins, with the version as ``name@version``). A component with no purl, whose purl names no OSV ecosystem,
    or whose ecosystem the database holds no advisory of, is unauditable: nothing shows it clean.
    """
    ecosystems, has_git = database.coverage()
    results: list[ComponentResult] = []
    pending: list[tuple[Auditable, Target]] = []
    for component in components:
        if not component.purl:
            results.append(_unauditable(component, None, "no package URL: the audit cannot tell its ecosystem"))
            continue
        try:
            target = target_of(component.purl, component.version, _commit(component))
        except TargetError as exc:
            results.append(_unauditable(component, None, str(exc)))
            continue
        if target.ecosystem is not None and (target.ecosystem, f"{target.package}@{target.version}") in skip:
            continue
        if target.ecosystem is not None and target.ecosystem not in ecosystems:
            base = base_ecosystem(target.ecosystem)
            results.append(
                _unauditable(
                    component,
                    target.ecosystem,
                    f"the offline database holds no {target.ecosystem} advisories; import osv.dev's {base}/all.zip",
                )
            )
            continue
        if target.ecosystem is None and not has_git:
            results.append(
                _unauditable(component, None, "the offline database holds no advisory with a GIT range to match")
            )
            continue
        pending.append((component, target))
    for (component, target), records in zip(pending, database.candidates(t for _, t in pending), strict=True):
        results.append(_judge(component, target, records))
    results.sort(key=lambda r: (r.purl or "", r.name, r.version or ""))
    covered = sorted({r.ecosystem for r in results if r.ecosystem and r.status is not ComponentStatus.UNAUDITABLE})
    return EcosystemAudit(tuple(results), tuple(covered))
