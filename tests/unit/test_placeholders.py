"""What counts as a placeholder rather than content: markers, filler, the init templates, very short texts."""

from __future__ import annotations

import pytest

from sdl_gate.placeholders import (
    PlaceholderKind,
    document_placeholders,
    find_marker,
    find_placeholder,
    matching_template,
    template_copy,
    template_texts,
)
from sdl_gate.record_kinds import RecordKind
from sdl_gate.threatmodel.model import ThreatModel
from tests.conftest import REPO_ROOT

TEMPLATES = REPO_ROOT / "sdl_gate" / "templates" / "security"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (None, PlaceholderKind.EMPTY),
        ("", PlaceholderKind.EMPTY),
        ("   \n\t ", PlaceholderKind.EMPTY),
        ("TBD", PlaceholderKind.MARKER),
        ("tbd", PlaceholderKind.MARKER),
        ("Input validation, TODO: describe the limits", PlaceholderKind.MARKER),
        ("FIXME write this mitigation down properly", PlaceholderKind.MARKER),
        ("XXX fill in before the release", PlaceholderKind.MARKER),
        ("Lorem ipsum dolor sit amet, consectetur", PlaceholderKind.MARKER),
        ("n/a", PlaceholderKind.FILLER),
        ("N/A.", PlaceholderKind.FILLER),
        ("-", PlaceholderKind.FILLER),
        ("...", PlaceholderKind.FILLER),
        ("To be defined", PlaceholderKind.FILLER),
        ("not applicable", PlaceholderKind.FILLER),
        ("what the control does", PlaceholderKind.TEMPLATE),
        ("e.g. a firewall enforces default-deny rules on every conduit.", PlaceholderKind.TEMPLATE),
        ("Where the product runs, who operates it, and which zone it sits in.", PlaceholderKind.TEMPLATE),
        ("mTLS", PlaceholderKind.TOO_SHORT),
        ("see M-1", PlaceholderKind.TOO_SHORT),
        ("checked", PlaceholderKind.TOO_SHORT),
    ],
)
def test_placeholders_are_recognised_with_their_kind(text: str | None, kind: PlaceholderKind) -> None:
    found = find_placeholder(text)
    assert found is not None, text
    assert found.kind is kind
    assert found.describe()


@pytest.mark.parametrize(
    "text",
    [
        "Client certificates",
        "Rate limit",
        "Requests are limited to 125 registers and the poll interval is bounded.",
        "Todo items are stored encrypted at rest",  # "todo" as an ordinary word, not the TODO marker
        "Tokens are bound to the client's TLS session (xxx-hash of the certificate)",
    ],
)
def test_real_content_is_not_a_placeholder(text: str) -> None:
    assert find_placeholder(text) is None


def test_short_names_pass_a_smaller_minimum_but_markers_still_count() -> None:
    assert find_placeholder("DMZ", min_chars=1) is None
    assert find_placeholder("DMZ") is not None
    assert find_placeholder("TODO", min_chars=1) is not None
    assert find_placeholder("-", min_chars=1) is not None


def test_every_free_text_of_the_unedited_threat_model_template_is_a_placeholder() -> None:
    import yaml

    model = ThreatModel.model_validate(yaml.safe_load((TEMPLATES / "threat-model.yaml").read_text(encoding="utf-8")))
    assert model.product is not None
    texts = [model.product.intended_environment, *model.product.assumptions, *model.product.out_of_scope]
    texts += [m.description for m in model.mitigations] + [t.title for t in model.threats]
    assert texts
    assert all(find_placeholder(text) is not None for text in texts), [t for t in texts if find_placeholder(t) is None]
    # The texts are known without their TODO too, so deleting only the marker does not make them content.
    assert "what the control does" in template_texts()


# --- whole documents: records, linked documents, user guidelines ---------------------------------------------------

DEMO_DOCS = REPO_ROOT / "examples" / "demo-project" / "docs"


@pytest.mark.parametrize(
    "blank",
    ["Owner: <fill in>", "Signed by <your name>", "Date: [insert date]", "Product {{ product_name }} is secure"],
)
def test_the_blanks_of_a_form_are_markers(blank: str) -> None:
    found = find_marker(blank)
    assert found is not None
    assert found.kind is PlaceholderKind.MARKER


@pytest.mark.parametrize("text", ["Alice Example <alice@example.com>", "a list [a, b] and a map {a: 1}", "todo list"])
def test_ordinary_text_carries_no_marker(text: str) -> None:
    assert find_marker(text) is None


@pytest.mark.parametrize(
    ("text", "line", "kind"),
    [
        ("# Process\n\nWe review every change.\n\nOwner: TBD\n", 5, PlaceholderKind.MARKER),
        ("# Process\n\nLorem ipsum dolor sit amet.\n", 3, PlaceholderKind.MARKER),
        ("# Process\n\nWe review every change.\n\n## Roles\n\n## Tools\n\nbandit\n", 5, PlaceholderKind.EMPTY_SECTION),
        ("Process\n=======\n\nText.\n\nRoles\n-----\n", 6, PlaceholderKind.EMPTY_SECTION),
        ("# Process\n\nText here.\n\n## Last\n", 5, PlaceholderKind.EMPTY_SECTION),
        ("  \n\n", 1, PlaceholderKind.EMPTY),
    ],
    ids=["tbd", "lorem", "empty-section", "setext-empty-section", "empty-last-section", "empty-file"],
)
def test_a_document_placeholder_is_found_at_its_line(text: str, line: int, kind: PlaceholderKind) -> None:
    found = document_placeholders(text, ".md")
    assert [(p.line, p.placeholder.kind) for p in found] == [(line, kind)]
    assert found[0].describe("docs/process.md").startswith(f"docs/process.md:{line} ")


def test_a_heading_whose_subsections_have_content_is_not_empty() -> None:
    text = "# Guide\n\n## Install\n\nRun the installer.\n\n```sh\n# not a heading\n```\n"
    assert document_placeholders(text, ".md") == []


def test_plain_text_has_no_sections_but_markers_count() -> None:
    assert document_placeholders("# a comment-like line\n", ".txt") == []
    assert [p.line for p in document_placeholders("Intro.\nFIXME: write the rest\n", ".txt")] == [2]


def test_the_demo_documents_are_content() -> None:
    documents = sorted(DEMO_DOCS.rglob("*.md"))
    assert documents
    for document in documents:
        assert document_placeholders(document.read_text(encoding="utf-8"), ".md") == [], document


def test_every_shipped_template_is_recognised_as_one() -> None:
    templates = [t for t in sorted(TEMPLATES.rglob("*.yaml")) if matching_template(t.read_text(), ".yaml")]
    # Every record template and the threat model and requirements (the files that could be signed as evidence).
    names = {t.relative_to(TEMPLATES).as_posix() for t in templates}
    assert {f"records/{kind.value}.yaml" for kind in RecordKind} <= names
    assert {"threat-model.yaml", "requirements.yaml"} <= names


def test_a_nearly_unchanged_template_is_still_the_template() -> None:
    original = (TEMPLATES / "records" / "review.yaml").read_text(encoding="utf-8")
    # What someone does to make a template "look filled in" without writing anything: take out the TODOs and
    # the comments, change the dates and the id, reflow the spacing and the case.
    edited = "\n".join(
        line.replace("TODO ", "").replace("2026-01-01", "2026-05-17").replace("id: review", "id: Review-2")
        for line in original.splitlines()
        if not line.startswith("#")
    ).upper()
    found = template_copy(edited, ".yaml")
    assert found is not None
    assert found.kind is PlaceholderKind.TEMPLATE
    assert "records/review.yaml" in found.describe()
    assert document_placeholders(edited, ".yaml")[0].line == 1


def test_a_filled_in_record_is_not_a_template() -> None:
    text = (
        "version: 1\nid: design-review-7\nkind: review\ntitle: Design review of the update channel\n"
        "requirements: [SD-3]\ndate: 2026-04-02\nauthor: Alice Example <alice@example.com>\n"
        "links:\n  - path: docs/design.md\nnotes: Two findings, both fixed in the same release.\n"
    )
    assert matching_template(text, ".yaml") is None
    assert document_placeholders(text, ".yaml") == []
