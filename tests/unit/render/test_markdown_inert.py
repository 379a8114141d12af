"""The Markdown report (the GitHub job summary) renders text from the repository inert, whatever it holds."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from sdl_gate.assess import Assessment
from sdl_gate.render.markdown import code_block, code_span, inert, render_markdown
from sdl_gate.render.view import ReportInput, SourceKind
from tests.conftest import assert_inert_markdown
from tests.report_data import sample_assessment

#: What a pull request might write into a threat title, a record or waiver, a file name or a project name.
HOSTILE = {
    "image": "![x](https://evil.example/x.png)",
    "raw-html": "<img src=x onerror=alert(1)>",
    "javascript-link": "[click](javascript:alert(1))",
    "reference-link": "[click][r]\n\n[r]: https://evil.example/",
    "autolink": "<https://evil.example/>",
    "bare-url": "see https://evil.example/x and WWW.evil.example",
    "email": "mail root@evil.example",
    "html-comment": "<!-- hide the rest",
    "code-fence-escape": "``` `![x](https://evil.example/y.png)` ```",
    "backslash-escape-of-ours": "\\![x](https://evil.example/z.png)",
    "entity": "&lt;img src=x onerror=alert(1)&gt; &#x5b;a&#x5d;(https://evil.example/)",
    "table-breaker": "a | b |\n| --- |\n![x](https://evil.example/t.png)",
    "issue": "![x](https://evil/x.png) <img src=x onerror=alert(1)> [click](javascript:alert(1))",
}

PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _walk(tokens: list[Token]) -> list[Token]:
    found: list[Token] = []
    for token in tokens:
        found.append(token)
        if token.children:
            found += _walk(token.children)
    return found


def _with(text: str, field: str) -> Assessment:
    base = sample_assessment()
    match field:
        case "product":
            return base.model_copy(update={"product": base.product.model_copy(update={"name": text})})
        case "policy":
            return base.model_copy(update={"policy": base.policy.model_copy(update={"name": text})})
        case "waiver":
            waiver = base.waivers[0].model_copy(update={"approver": text, "target": text})
            return base.model_copy(update={"waivers": [waiver, *base.waivers[1:]]})
        case "message" | "location" | "remediation":
            requirements: list[Any] = []
            for result in base.requirements:
                if result.id != "SM-2":
                    requirements.append(result)
                elif field == "remediation":
                    requirements.append(result.model_copy(update={"remediation": text}))
                else:
                    finding = result.findings[0].model_copy(update={field: text})
                    requirements.append(result.model_copy(update={"findings": [finding]}))
            return base.model_copy(update={"requirements": requirements})
    raise AssertionError(field)


@pytest.mark.parametrize("field", ["product", "policy", "waiver", "message", "location", "remediation"])
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_user_text_in_every_field_is_inert(name: str, field: str) -> None:
    text = HOSTILE[name]
    report = ReportInput(_with(text, field), SourceKind.ASSESSMENT_FILE, "assessment.json")
    markdown = render_markdown(report)
    # A remediation's backtick pairs are code by design (the catalogue writes commands so): inert, not verbatim.
    assert_inert_markdown(markdown, None if field == "remediation" else text)


def test_the_file_name_a_report_was_rendered_from_is_inert() -> None:
    origin = "![x](https://evil.example/o.png) `<img src=x>`.json"
    assert_inert_markdown(render_markdown(ReportInput(sample_assessment(), SourceKind.ASSESSMENT_FILE, origin)), origin)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("![]()<>`\\&#;:/@.wx |*_~$^{}\n")), max_size=40))
def test_any_mix_of_markdown_metacharacters_stays_text(text: str) -> None:
    line = inert(" ".join(text.split()))
    tokens = _walk(PARSER.parse(f"before {line} after"))
    assert not [t for t in tokens if t.type in ("image", "link_open", "html_inline", "code_inline", "em_open")]
    span = code_span(text)
    if span:
        code = [t for t in _walk(PARSER.parse(f"before {span} after")) if t.type == "code_inline"]
        assert [t.content for t in code] == [" ".join(text.split())]


@pytest.mark.parametrize("text", ["```\n![x](https://evil.example/x.png)\n```", "````\n<img src=x>", "~~~\n[a](b)"])
def test_a_code_block_cannot_be_closed_by_its_content(text: str) -> None:
    tokens = _walk(PARSER.parse("## title\n\n" + code_block(text) + "after\n"))
    fences = [t for t in tokens if t.type == "fence"]
    assert len(fences) == 1 and fences[0].content == text + "\n"
    assert not [t for t in tokens if t.type in ("image", "link_open", "html_inline", "html_block")]
