"""Human process records: the record model, ``load_record`` and the RecordsCollector."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from sdl_gate.approvals.register import load_register_file
from sdl_gate.collectors.base import CollectContext
from sdl_gate.collectors.records import LinkStatus, RecordKind, RecordsCollector, load_record, record_files
from sdl_gate.config import load_project
from sdl_gate.errors import InputError, RecordError
from sdl_gate.evidence import Evidence, EvidenceKind
from sdl_gate.policy.waivers import WaiverRegister
from tests.conftest import REPO_ROOT, ProjectFactory, sha256_of, sign_record, write

NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)
FAKE_SHA = "a" * 64

BASE = """\
version: 1
id: R-1
kind: review
title: Design review of the update channel
requirements: [SM-1]
date: 2026-01-10
author: Alice Example
"""


def record_error(tmp_path: Path, text: str) -> RecordError:
    path = write(tmp_path / "record.yaml", text)
    with pytest.raises(RecordError) as info:
        load_record(path)
    assert info.value.path == str(path)
    return info.value


def collect(project: ProjectFactory, *, register: bool = True) -> Evidence:
    context = CollectContext(
        project=load_project(project.root),
        commit=None,
        now=NOW,
        waivers=WaiverRegister(),
        approvers=load_register_file(project.approvers) if register and project.approvers else None,
    )
    return RecordsCollector().collect(context)


def records_of(evidence: Evidence) -> list[dict[str, object]]:
    records = evidence.payload["records"]
    assert isinstance(records, list)
    return records


def link_statuses(evidence: Evidence, record_id: str) -> list[str]:
    return [link["status"] for link in links_of(evidence, record_id)]


def links_of(evidence: Evidence, record_id: str) -> list[dict[str, object]]:
    record = next(r for r in records_of(evidence) if r["id"] == record_id)
    links = record["links"]
    assert isinstance(links, list)
    return links


def raw_record(project: ProjectFactory, record_id: str, link_lines: str) -> Path:
    """Write a record whose ``links:`` body is given verbatim."""
    text = BASE.replace("R-1", record_id) + "links:\n" + link_lines
    return write(project.root / "security" / "records" / f"{record_id}.yaml", text)


# --- load_record -------------------------------------------------------------------------------


def test_valid_record_without_approval(tmp_path: Path) -> None:
    record, lines = load_record(write(tmp_path / "r.yaml", BASE))
    assert record.id == "R-1"
    assert record.kind is RecordKind.REVIEW
    assert record.requirements == ["SM-1"]
    assert record.date == date(2026, 1, 10)
    assert record.approval is None
    assert record.links == []
    assert lines[("kind",)] == 3


def test_valid_record_with_approval_links_and_validity(tmp_path: Path) -> None:
    text = (
        BASE
        + "approval:\n  approver: Bob\n  date: 2026-01-10\n"
        + f"links:\n  - path: docs/a.md\n    sha256: {FAKE_SHA}\n  - url: https://example.com/review/1\n"
        + "valid_until: 2027-01-10\n"
    )
    record, _ = load_record(write(tmp_path / "r.yaml", text))
    assert record.approval is not None
    assert record.approval.date == date(2026, 1, 10)
    assert [(link.path, link.url) for link in record.links] == [
        ("docs/a.md", None),
        (None, "https://example.com/review/1"),
    ]
    assert record.valid_until == date(2027, 1, 10)


def test_lowercase_requirement_ids_canonicalised(tmp_path: Path) -> None:
    record, _ = load_record(write(tmp_path / "r.yaml", BASE.replace("[SM-1]", "[sm-1, svv-3]")))
    assert record.requirements == ["SM-1", "SVV-3"]


def test_approval_before_record_date_rejected(tmp_path: Path) -> None:
    error = record_error(tmp_path, BASE + "approval:\n  approver: Bob\n  date: 2026-01-09\n")
    assert "approval.date is before the record's date" in error.message


def test_valid_until_before_record_date_rejected(tmp_path: Path) -> None:
    error = record_error(tmp_path, BASE + "valid_until: 2026-01-01\n")
    assert "valid_until is before the record's date" in error.message


def test_unknown_kind_rejected_with_line(tmp_path: Path) -> None:
    error = record_error(tmp_path, BASE.replace("kind: review", "kind: chat"))
    assert error.message.startswith("invalid record")
    assert error.line == 3
    assert error.location == "kind"


def test_link_with_path_and_url_rejected(tmp_path: Path) -> None:
    text = BASE + f"links:\n  - path: docs/a.md\n    sha256: {FAKE_SHA}\n    url: https://example.com/a\n"
    error = record_error(tmp_path, text)
    assert "exactly one of path or url" in error.message
    assert error.location == "links[0]"
    assert error.line == 9


def test_link_with_neither_path_nor_url_rejected(tmp_path: Path) -> None:
    error = record_error(tmp_path, BASE + f"links:\n  - sha256: {FAKE_SHA}\n")
    assert "exactly one of path or url" in error.message


def test_path_link_needs_no_sha256_since_approvals_pin_it(tmp_path: Path) -> None:
    record, _ = load_record(write(tmp_path / "r.yaml", BASE + "links:\n  - path: docs/a.md\n"))
    assert record.links[0].sha256 is None


def test_url_link_with_sha256_rejected(tmp_path: Path) -> None:
    error = record_error(tmp_path, BASE + f"links:\n  - url: https://example.com/a\n    sha256: {FAKE_SHA}\n")
    assert "only a path link carries a sha256" in error.message
    assert error.location == "links[0]"


@pytest.mark.parametrize("digest", ["abc", "g" * 64, "a" * 63, "a" * 65])
def test_invalid_sha256_rejected(tmp_path: Path, digest: str) -> None:
    error = record_error(tmp_path, BASE + f"links:\n  - path: docs/a.md\n    sha256: '{digest}'\n")
    assert error.location == "links[0].sha256"
    assert error.line == 10


def test_non_http_url_rejected(tmp_path: Path) -> None:
    error = record_error(tmp_path, BASE + "links:\n  - url: file:///etc/passwd\n")
    assert error.location == "links[0].url"


def test_empty_requirements_rejected(tmp_path: Path) -> None:
    error = record_error(tmp_path, BASE.replace("[SM-1]", "[]"))
    assert error.location == "requirements"
    assert error.line == 5


def test_unknown_requirement_rejected(tmp_path: Path) -> None:
    error = record_error(tmp_path, BASE.replace("[SM-1]", "[SM-1, XX-9]"))
    assert "'XX-9'" in error.message
    assert error.location == "requirements[1]"
    assert error.line == 5


def test_missing_author_rejected(tmp_path: Path) -> None:
    error = record_error(tmp_path, BASE.replace("author: Alice Example\n", ""))
    assert "missing required key 'author'" in error.message


def test_unknown_key_rejected(tmp_path: Path) -> None:
    error = record_error(tmp_path, BASE + "reviewer: Carol\n")
    assert error.message == "invalid record: unknown key 'reviewer'"
    assert error.line == 8


INSPECTION = BASE.replace("kind: review", "kind: inspection").replace("[SM-1]", "[SVV-1]")


def test_an_inspection_record_names_the_product_requirements_it_verified(tmp_path: Path) -> None:
    record, lines = load_record(write(tmp_path / "r.yaml", INSPECTION + "verifies: [SR-GW-007, SR-GW-008]\n"))
    assert record.kind is RecordKind.INSPECTION
    assert record.verifies == ["SR-GW-007", "SR-GW-008"]
    assert lines[("verifies", 1)] == 8


@pytest.mark.parametrize("verifies", ["", "verifies: []\n"])
def test_an_inspection_record_that_verifies_nothing_is_rejected(tmp_path: Path, verifies: str) -> None:
    error = record_error(tmp_path, INSPECTION + verifies)
    assert error.location == "verifies"


def test_verifies_on_another_kind_of_record_is_rejected(tmp_path: Path) -> None:
    error = record_error(tmp_path, BASE + "verifies: [SR-GW-007]\n")
    assert "verifies is for inspection records" in error.message
    assert error.location == "verifies"
    assert error.line == 8


def test_a_malformed_verified_id_is_rejected_with_its_place(tmp_path: Path) -> None:
    error = record_error(tmp_path, INSPECTION + "verifies: [SR-GW-007, 'not an id']\n")
    assert error.location == "verifies[1]"
    assert error.line == 8


# --- RecordsCollector: link observation ---------------------------------------------------------


def test_collector_produces_records_evidence(project: ProjectFactory) -> None:
    project.doc("docs/process.md")
    path = project.record("R-1", "process_document", ["SM-1", "sm-2"], links=["docs/process.md"])
    evidence = collect(project)
    assert evidence.kind is EvidenceKind.RECORDS
    assert evidence.subject.commit is None
    (entry,) = records_of(evidence)
    assert entry["file"] == "security/records/R-1.yaml"
    assert entry["kind"] == "process_document"
    assert entry["requirements"] == ["SM-1", "SM-2"]
    assert entry["author_email"] == "alice@example.com"
    (approval,) = entry["approvals"]
    assert (approval["approver"], approval["date"], approval["status"]) == ("bob@example.com", "2026-01-12", "verified")
    assert approval["person"]["department"] == "Product Security"
    assert approval["may_approve"] == ["SM-1", "SM-2"]
    assert entry["verifies"] == []
    files = {f.path: f.sha256 for f in evidence.subject.files}
    sidecar = path.with_name(path.name + ".approvals.json")
    assert files == {
        "security/records/R-1.yaml": sha256_of(path),
        "security/records/R-1.yaml.approvals.json": sha256_of(sidecar),
        "docs/process.md": sha256_of(project.root / "docs" / "process.md"),
    }
    assert evidence.payload["register"]["source"] == f"file {project.approvers}"
    assert evidence.payload["register"]["edit"] is None


def test_without_a_register_approvals_are_unverified(project: ProjectFactory) -> None:
    project.record("R-1", "process_document", ["SM-1"])
    (entry,) = records_of(collect(project, register=False))
    assert [a["status"] for a in entry["approvals"]] == ["unverified"]


def test_the_payload_lists_what_an_inspection_record_verifies(project: ProjectFactory) -> None:
    project.record("I-1", "inspection", ["SVV-1"], verifies=["SR-B", "SR-A", "SR-B"])
    (entry,) = records_of(collect(project))
    assert entry["kind"] == "inspection"
    assert entry["verifies"] == ["SR-A", "SR-B"]


def test_no_records_directory_gives_empty_payload(project: ProjectFactory) -> None:
    evidence = collect(project, register=False)
    assert evidence.payload == {
        "records": [],
        "register": {"source": None, "sha256": None, "people": 0, "edit": None},
    }
    assert evidence.subject.files == ()


def test_unpinned_link_is_present(project: ProjectFactory) -> None:
    doc = project.doc("docs/process.md")
    project.record("R-1", "process_document", ["SM-1"], links=["docs/process.md"])
    (link,) = links_of(collect(project), "R-1")
    assert link == {
        "path": "docs/process.md",
        "expected_sha256": None,
        "actual_sha256": sha256_of(doc),
        "status": LinkStatus.PRESENT.value,
    }


def test_unchanged_link(project: ProjectFactory) -> None:
    doc = project.doc("docs/process.md")
    raw_record(project, "R-1", f"  - path: docs/process.md\n    sha256: {sha256_of(doc)}\n")
    (link,) = links_of(collect(project), "R-1")
    assert link == {
        "path": "docs/process.md",
        "expected_sha256": sha256_of(doc),
        "actual_sha256": sha256_of(doc),
        "status": LinkStatus.UNCHANGED.value,
    }


def test_changed_link_after_edit(project: ProjectFactory) -> None:
    doc = project.doc("docs/process.md")
    approved = sha256_of(doc)
    raw_record(project, "R-1", f"  - path: docs/process.md\n    sha256: {approved}\n")
    doc.write_text("# document\n\nedited after approval\n", encoding="utf-8")
    (link,) = links_of(collect(project), "R-1")
    assert link["status"] == "changed"
    assert link["expected_sha256"] == approved
    assert link["actual_sha256"] == sha256_of(doc)
    assert link["actual_sha256"] != approved


def test_missing_link_after_delete(project: ProjectFactory) -> None:
    doc = project.doc("docs/process.md")
    project.record("R-1", "process_document", ["SM-1"], links=["docs/process.md"])
    doc.unlink()
    evidence = collect(project)
    (link,) = links_of(evidence, "R-1")
    assert link["status"] == "missing"
    assert link["actual_sha256"] is None
    assert [f.path for f in evidence.subject.files] == [
        "security/records/R-1.yaml",
        "security/records/R-1.yaml.approvals.json",
    ]


def test_link_to_directory_is_missing(project: ProjectFactory) -> None:
    (project.root / "docs").mkdir()
    raw_record(project, "R-1", f"  - path: docs\n    sha256: {FAKE_SHA}\n")
    assert link_statuses(collect(project), "R-1") == ["missing"]


def test_url_link(project: ProjectFactory) -> None:
    raw_record(project, "R-1", "  - url: https://example.com/pentest/2026\n")
    (link,) = links_of(collect(project), "R-1")
    assert link == {"url": "https://example.com/pentest/2026", "status": "url"}


def test_mixed_link_statuses_keep_link_order(project: ProjectFactory) -> None:
    kept = project.doc("docs/kept.md")
    edited = project.doc("docs/edited.md")
    gone = project.doc("docs/gone.md")
    raw_record(
        project,
        "R-1",
        f"  - path: docs/kept.md\n    sha256: {sha256_of(kept)}\n"
        "  - url: https://example.com/x\n"
        f"  - path: docs/edited.md\n    sha256: {sha256_of(edited)}\n"
        f"  - path: docs/gone.md\n    sha256: {sha256_of(gone)}\n",
    )
    edited.write_text("changed\n", encoding="utf-8")
    gone.unlink()
    assert link_statuses(collect(project), "R-1") == ["unchanged", "url", "changed", "missing"]


# --- RecordsCollector: paths that escape the project --------------------------------------------


def escape_error(project: ProjectFactory, record: Path) -> InputError:
    with pytest.raises(InputError) as info:
        collect(project)
    error = info.value
    assert error.path == str(record)
    assert error.location == "links[0].path"
    assert error.line == 9
    assert str(record) in error.diagnostics()
    assert "links[0].path" in error.diagnostics()
    return error


def test_parent_directory_link_rejected(project: ProjectFactory) -> None:
    write(project.root.parent / "outside.md", "secret\n")
    record = raw_record(project, "R-1", f"  - path: ../outside.md\n    sha256: {FAKE_SHA}\n")
    error = escape_error(project, record)
    assert "outside the project root" in error.message


def test_absolute_link_rejected(project: ProjectFactory) -> None:
    record = raw_record(project, "R-1", f"  - path: /etc/passwd\n    sha256: {FAKE_SHA}\n")
    error = escape_error(project, record)
    assert "absolute" in error.message


def test_symlink_pointing_outside_rejected(project: ProjectFactory) -> None:
    outside = write(project.root.parent / "outside.md", "secret\n")
    (project.root / "docs").mkdir()
    (project.root / "docs" / "link.md").symlink_to(outside)
    record = raw_record(project, "R-1", f"  - path: docs/link.md\n    sha256: {sha256_of(outside)}\n")
    error = escape_error(project, record)
    assert "outside the project root" in error.message


def test_dotdot_that_stays_inside_is_allowed(project: ProjectFactory) -> None:
    doc = project.doc("docs/process.md")
    raw_record(project, "R-1", f"  - path: security/../docs/process.md\n    sha256: {sha256_of(doc)}\n")
    assert link_statuses(collect(project), "R-1") == ["unchanged"]


def test_symlink_inside_project_is_followed(project: ProjectFactory) -> None:
    doc = project.doc("docs/process.md")
    (project.root / "docs" / "alias.md").symlink_to(doc)
    raw_record(project, "R-1", f"  - path: docs/alias.md\n    sha256: {sha256_of(doc)}\n")
    evidence = collect(project)
    assert link_statuses(evidence, "R-1") == ["unchanged"]
    assert "docs/process.md" in {f.path for f in evidence.subject.files}


# --- RecordsCollector: record files ------------------------------------------------------------


def test_duplicate_record_ids_across_files_rejected(project: ProjectFactory) -> None:
    records = project.root / "security" / "records"
    write(records / "a-review.yaml", BASE)
    second = write(records / "b-review.yaml", BASE.replace("Design review", "Another review"))
    with pytest.raises(RecordError) as info:
        collect(project)
    assert "duplicate record id 'R-1'" in info.value.message
    # Files are read in sorted order, so the second file is the duplicate and the first is named.
    assert "also in security/records/a-review.yaml" in info.value.message
    assert info.value.path == str(second)
    assert info.value.line == 2


def test_directory_named_like_a_record_rejected(project: ProjectFactory) -> None:
    project.record("R-1", "review", ["SM-1"])
    directory = project.root / "security" / "records" / "x.yaml"
    directory.mkdir()
    with pytest.raises(RecordError) as info:
        collect(project)
    assert "is a directory" in info.value.message
    assert info.value.path == str(directory)


def test_invalid_record_fails_the_collection(project: ProjectFactory) -> None:
    project.record("R-1", "review", ["SM-1"])
    bad = write(project.root / "security" / "records" / "bad.yaml", BASE.replace("kind: review", "kind: chat"))
    with pytest.raises(RecordError) as info:
        collect(project)
    assert info.value.path == str(bad)
    assert info.value.line == 3


def test_only_yaml_files_are_records(project: ProjectFactory) -> None:
    project.record("R-1", "review", ["SM-1"])
    write(project.root / "security" / "records" / "README.md", "not a record\n")
    write(project.root / "security" / "records" / "R-2.yml", BASE.replace("R-1", "R-2"))
    names = [p.name for p in record_files(project.root / "security")]
    assert names == ["R-1.yaml", "R-2.yml"]
    assert [r["id"] for r in records_of(collect(project))] == ["R-1", "R-2"]


def test_records_dir_follows_configured_security_dir(project: ProjectFactory) -> None:
    project.pyproject('security-dir = "compliance"\n')
    write(project.root / "compliance" / "records" / "R-9.yaml", BASE.replace("R-1", "R-9"))
    project.record("R-1", "review", ["SM-1"])  # under security/, which is no longer read
    assert [r["id"] for r in records_of(collect(project))] == ["R-9"]


def test_payload_sorted_by_id_not_by_file_name(project: ProjectFactory) -> None:
    records = project.root / "security" / "records"
    write(records / "a.yaml", BASE.replace("R-1", "Z-last"))
    write(records / "b.yaml", BASE.replace("R-1", "A-first"))
    write(records / "c.yaml", BASE.replace("R-1", "M-middle"))
    assert [r["id"] for r in records_of(collect(project))] == ["A-first", "M-middle", "Z-last"]


def test_evidence_id_stable_across_collections(project: ProjectFactory) -> None:
    project.doc("docs/process.md")
    project.record("R-1", "process_document", ["SM-1"], links=["docs/process.md"])
    project.record("R-2", "training", ["SM-4"])
    first = collect(project)
    second = collect(project)
    assert first.id == second.id
    assert first.id.startswith("sha256:")
    assert first.canonical() == second.canonical()


def test_evidence_id_changes_when_linked_file_changes(project: ProjectFactory) -> None:
    doc = project.doc("docs/process.md")
    project.record("R-1", "process_document", ["SM-1"], links=["docs/process.md"])
    before = collect(project).id
    doc.write_text("edited\n", encoding="utf-8")
    assert collect(project).id != before


# --- placeholders: an unfinished record or linked document is listed with its file and line -----------------------


def placeholders_of(evidence: Evidence, record_id: str) -> list[tuple[str, int | None, str]]:
    entry = next(r for r in records_of(evidence) if r["id"] == record_id)
    found = entry["placeholders"]
    assert isinstance(found, list)
    assert entry["placeholder_count"] == len(found)
    return [(p["file"], p["line"], p["kind"]) for p in found]


def test_a_finished_record_and_document_have_no_placeholder(project: ProjectFactory) -> None:
    project.doc("docs/process.md", "# Process\n\nEvery change is reviewed by a second developer.\n")
    project.record("R-1", "process_document", ["SM-1"], links=["docs/process.md"])
    assert placeholders_of(collect(project), "R-1") == []


def test_a_todo_in_a_record_is_listed_with_its_line(project: ProjectFactory) -> None:
    path = project.root / "security" / "records" / "R-1.yaml"
    write(path, BASE.replace("title: Design review of the update channel", "title: TODO what was reviewed"))
    assert placeholders_of(collect(project), "R-1") == [("security/records/R-1.yaml", 4, "marker")]


def test_filler_notes_and_a_blank_author_are_placeholders(project: ProjectFactory) -> None:
    text = BASE.replace("author: Alice Example", "author: <your name> <you@example.com>") + "notes: to be defined\n"
    write(project.root / "security" / "records" / "R-1.yaml", text)
    assert placeholders_of(collect(project), "R-1") == [
        ("security/records/R-1.yaml", 7, "marker"),
        ("security/records/R-1.yaml", 8, "filler"),
    ]


@pytest.mark.parametrize(
    ("text", "line", "kind"),
    [
        ("# Process\n\nLorem ipsum dolor sit amet.\n", 3, "marker"),
        ("# Process\n\nWe review every change.\n\n## Roles\n", 5, "empty_section"),
        ("", 1, "empty"),
    ],
    ids=["lorem", "empty-section", "empty"],
)
def test_a_placeholder_in_a_linked_document_is_listed_with_its_line(
    project: ProjectFactory, text: str, line: int, kind: str
) -> None:
    project.doc("docs/process.md", text)
    project.record("R-1", "process_document", ["SM-1"], links=["docs/process.md"])
    assert placeholders_of(collect(project), "R-1") == [("docs/process.md", line, kind)]


def test_a_record_copied_from_the_init_template_is_a_template_even_signed(project: ProjectFactory) -> None:
    template = (REPO_ROOT / "sdl_gate" / "templates" / "security" / "records" / "review.yaml").read_text()
    path = write(project.root / "security" / "records" / "review.yaml", template.replace("TODO ", ""))
    assert project.keys is not None
    sign_record(path, project.keys["bob"], "bob@example.com", "2026-01-12")
    found = placeholders_of(collect(project), "review")
    assert ("security/records/review.yaml", 1, "template") in found


def test_placeholders_listed_are_bounded_and_counted(project: ProjectFactory) -> None:
    project.doc("docs/process.md", "# Process\n\n" + "TBD\n" * 50)
    project.record("R-1", "process_document", ["SM-1"], links=["docs/process.md"])
    (entry,) = records_of(collect(project))
    assert isinstance(entry["placeholders"], list)
    assert len(entry["placeholders"]) == 20
    assert entry["placeholder_count"] == 50
