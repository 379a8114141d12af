"""When an audit cannot show the dependencies clean, and when its offline database cannot be trusted."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import pytest

from sdl_gate.checks._vulns import DEFAULT_VULNDB_MIN_RECORDS, audit_gaps, database_problem
from sdl_gate.collectors.vulns import AuditPayload

TODAY = date(2026, 11, 30)


def _source(path: str, entries: int, components: int, kind: str = "requirements") -> dict[str, Any]:
    return {
        "kind": kind,
        "path": path,
        "reason": "discovered",
        "entries": entries,
        "components": components,
        "pinned": components,
    }


def _audited(name: str, version: str) -> dict[str, Any]:
    return {"name": name, "version": version, "status": "audited", "reason": None}


def _payload(**fields: Any) -> AuditPayload:
    """A completed offline audit as the collector writes it, validated by its payload model."""
    payload: dict[str, Any] = {
        "status": "completed",
        "reason": None,
        "service": "osv",
        "url": "http://127.0.0.1:1/v1/query",
        "url_chosen_by": "default",
        "offline": True,
        "ecosystem": "PyPI",
        "sources": [_source("requirements.txt", 1, 1)],
        "conflicts": [],
        "dependencies": [_audited("idna", "3.10")],
        "vulnerabilities": [],
        "database": None,
    }
    return AuditPayload.model_validate({**payload, **fields})


def _database(records: int, newest: str | None, ecosystem: str = "PyPI") -> dict[str, Any]:
    return {
        "records": records + 7,
        "imported_at": f"{TODAY.isoformat()}T00:00:00Z",  # imported today, whatever its records say
        "newest_modified": newest,
        "sha256": "0" * 64,
        "ecosystems": [
            {"ecosystem": ecosystem, "records": records, "newest_modified": newest},
            {"ecosystem": "npm", "records": 7, "newest_modified": f"{TODAY.isoformat()}T00:00:00Z"},
        ],
        "chosen_by": "option",
    }


def test_a_complete_audit_has_no_gap() -> None:
    assert audit_gaps(_payload()) == []


@pytest.mark.parametrize(
    ("sources", "dependencies", "named"),
    [
        # An empty decoy beside the real file.
        ([_source("requirements.txt", 1, 1), _source("pylock.toml", 0, 0, "pylock")], None, "pylock.toml"),
        ([_source("requirements.txt", 1, 1), _source("uv.lock", 0, 0, "uv_lock")], None, "uv.lock"),
        ([_source("requirements.txt", 1, 1), _source("requirements-dev.txt", 0, 0)], None, "requirements-dev.txt"),
        # Nothing at all to audit.
        ([_source("requirements.txt", 0, 0)], [], "no dependency was audited"),
        ([_source("uv.lock", 1, 0, "uv_lock")], [], "no dependency was audited"),
        ([], [], "no dependency was audited"),
        # A dependency sent to pip-audit that its report does not account for.
        (
            None,
            [
                _audited("idna", "3.10"),
                {"name": "pyyaml", "version": "5.3", "status": "not_reported", "reason": "missing from its report"},
            ],
            "pyyaml 5.3 (missing from its report)",
        ),
        (None, [{"name": "jinja2", "version": None, "status": "skipped", "reason": "not pinned"}], "jinja2"),
    ],
)
def test_an_incomplete_audit_says_why(
    sources: list[dict[str, Any]] | None, dependencies: list[dict[str, Any]] | None, named: str
) -> None:
    fields: dict[str, Any] = {}
    if sources is not None:
        fields["sources"] = sources
    if dependencies is not None:
        fields["dependencies"] = dependencies
    gaps = audit_gaps(_payload(**fields))
    assert gaps and named in "; ".join(gaps)


def test_a_pyproject_declaring_nothing_beside_a_lock_is_no_gap() -> None:
    sources = [_source("requirements.txt", 1, 1), _source("pyproject.toml", 0, 0, "pyproject")]
    assert audit_gaps(_payload(sources=sources)) == []


def test_an_online_audit_has_no_database_to_judge() -> None:
    assert database_problem(_payload(offline=False), TODAY, None, None) is None


def test_a_current_complete_database_is_trusted() -> None:
    payload = _payload(database=_database(1000, "2026-11-29T08:00:00Z"))
    assert database_problem(payload, TODAY, None, None) is None


@pytest.mark.parametrize(
    ("database", "max_age", "minimum", "named"),
    [
        # Imported today, but its newest PyPI advisory is old: stale.
        (_database(5000, "2026-10-01T00:00:00Z"), None, None, "2026-10-01"),
        (_database(5000, "2023-10-25T18:28:34Z"), 365, None, "2023-10-25"),
        (_database(5000, "2026-11-20T00:00:00Z"), 7, None, "more than 7 days"),
        # Dates in the future cannot be trusted (a database that claims to be current for ever).
        (_database(5000, "2999-01-01T00:00:00Z"), None, None, "2999-01-01"),
        # Too few records of the audited ecosystem to have covered the audit.
        (_database(1, "2026-11-29T00:00:00Z"), None, None, "holds 1 PyPI advisories"),
        (_database(999, "2026-11-29T00:00:00Z"), None, None, "fewer than the 1000"),
        (_database(20, "2026-11-29T00:00:00Z"), None, {"PyPI": 25}, "fewer than the 25"),
        (_database(5000, "2026-11-29T00:00:00Z", ecosystem="npm"), None, None, "holds 0 PyPI advisories"),
        # Evidence that records no count per ecosystem.
        ({**_database(25, "2026-11-29T00:00:00Z"), "ecosystems": []}, None, None, "again"),
        (_database(5000, None), None, None, "no modification date"),
    ],
)
def test_a_database_that_cannot_have_covered_the_audit_is_named(
    database: dict[str, Any], max_age: int | None, minimum: dict[str, int] | None, named: str
) -> None:
    problem = database_problem(_payload(database=database), TODAY, max_age, minimum)
    assert problem is not None and named in problem


def test_a_database_too_small_names_the_requirement_whose_params_set_the_minimum() -> None:
    payload = _payload(database=_database(20, "2026-11-29T00:00:00Z"))
    problem = database_problem(payload, TODAY, None, {"PyPI": 25}, "SM-9")
    assert problem is not None and "SM-9 (its params.vulndb_min_records)" in problem


def test_the_policy_minimum_can_be_lowered_and_the_default_is_documented() -> None:
    payload = _payload(database=_database(25, "2026-11-29T00:00:00Z"))
    assert database_problem(payload, TODAY, None, {"PyPI": 25}) is None
    assert DEFAULT_VULNDB_MIN_RECORDS == {"PyPI": 1000}


def _component(name: str, status: str, purl: str | None = None, reason: str | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "version": "1.0",
        "purl": purl,
        "ecosystem": None,
        "status": status,
        "reason": reason,
        "vulnerabilities": [],
    }


def test_unaudited_sbom_components_are_a_gap_until_a_component_waiver_accepts_them() -> None:
    from sdl_gate.policy.waivers import Scope, Waiver
    from tests.conftest import approved_waivers

    payload = _payload(
        components=[
            _component("left-pad", "audited", "pkg:npm/left-pad@1.0"),
            _component("vendored-zlib", "unauditable", reason="no package URL"),
            _component("rails", "could_not_tell", "pkg:gem/rails@1.0", "'1.0x' is not a RubyGems version"),
        ],
        ecosystems_covered=["npm"],
    )
    gaps = audit_gaps(payload)
    assert len(gaps) == 1
    assert "vendored-zlib 1.0 (unauditable: no package URL)" in gaps[0]
    assert "pkg:gem/rails@1.0 (could_not_tell" in gaps[0]

    def waiver(waiver_id: str, component: str) -> Waiver:
        return Waiver(
            id=waiver_id,
            scope=Scope(component=component),
            justification="Vendored C code reviewed by hand against the upstream advisories.",
            requester="Max <max@example.com>",
            approver="Erika <erika@example.com>",
            created=datetime(2026, 11, 1, tzinfo=timezone.utc),
            expires=datetime(2027, 1, 1, tzinfo=timezone.utc),
        )

    register = approved_waivers((waiver("W-1", "vendored-zlib"), waiver("W-2", "pkg:gem/rails@1.0")))
    assert audit_gaps(payload, register, TODAY) == []
    assert audit_gaps(payload, register, date(2027, 2, 1)) != []  # expired waivers accept nothing


def test_database_is_checked_in_every_ecosystem_the_sbom_was_audited_in() -> None:
    today = f"{TODAY.isoformat()}T00:00:00Z"
    database = _database(5000, today)
    payload = _payload(database=database, ecosystems_covered=["npm", "Debian:12"], components=[])
    problem = database_problem(payload, TODAY, None, None)
    assert problem is not None and "Debian" in problem  # the database holds no Debian advisory at all
    database["ecosystems"].append({"ecosystem": "Debian", "records": 3, "newest_modified": today})
    payload = _payload(database=database, ecosystems_covered=["npm", "Debian:12"], components=[])
    assert database_problem(payload, TODAY, None, None) is None
