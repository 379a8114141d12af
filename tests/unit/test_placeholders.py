"""What counts as a placeholder rather than content: markers, filler, the init templates, very short texts."""

from __future__ import annotations

import pytest

from sdl_gate.placeholders import PlaceholderKind, find_placeholder, is_placeholder, template_texts
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
    assert is_placeholder(text)


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
    assert not is_placeholder(text)


def test_short_names_pass_a_smaller_minimum_but_markers_still_count() -> None:
    assert find_placeholder("DMZ", min_chars=1) is None
    assert is_placeholder("DMZ")
    assert is_placeholder("TODO", min_chars=1)
    assert is_placeholder("-", min_chars=1)


def test_every_free_text_of_the_unedited_threat_model_template_is_a_placeholder() -> None:
    import yaml

    model = ThreatModel.model_validate(yaml.safe_load((TEMPLATES / "threat-model.yaml").read_text(encoding="utf-8")))
    assert model.product is not None
    texts = [model.product.intended_environment, *model.product.assumptions, *model.product.out_of_scope]
    texts += [m.description for m in model.mitigations] + [t.title for t in model.threats]
    assert texts
    assert all(is_placeholder(text) for text in texts), [t for t in texts if not is_placeholder(t)]
    # The texts are known without their TODO too, so deleting only the marker does not make them content.
    assert "what the control does" in template_texts()
