"""Strict, bounded YAML/JSON loading (sdl_gate._yaml) and the mapping of schema errors to lines."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, create_model

from sdl_gate import _yaml
from sdl_gate._files import MAX_INPUT_BYTES
from sdl_gate._yaml import (
    MAX_DEPTH,
    MAX_VALUES,
    collector_paused,
    format_location,
    load_json,
    load_yaml,
    parse_json_text,
    parse_toml_text,
    parse_yaml_text,
    validate,
)
from sdl_gate.errors import InputError
from sdl_gate.policy.waivers import WaiverFile
from tests.conftest import write

SOURCE = Path("doc.yaml")


def _yaml_error(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        parse_yaml_text(text, SOURCE)
    return info.value


def _json_error(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        parse_json_text(text, Path("doc.json"))
    return info.value


# --- YAML syntax and structure -----------------------------------------------------------------


def test_plain_document_loads_with_line_of_every_key() -> None:
    data, lines = parse_yaml_text("a: 1\nb:\n  c: [x, y]\n", SOURCE)
    assert data == {"a": 1, "b": {"c": ["x", "y"]}}
    assert lines.lines[("a",)] == 1
    assert lines.lines[("b",)] == 2
    assert lines.lines[("b", "c")] == 3
    assert lines.line_for(("b", "c", 5, "missing")) == 3


def test_malformed_yaml_reports_line_of_problem() -> None:
    error = _yaml_error("a: 1\nb: [1, 2\nc: 3\n")
    assert error.message.startswith("malformed YAML")
    assert error.line == 3
    assert error.path == str(SOURCE)


def test_bad_indentation_reports_its_line() -> None:
    error = _yaml_error("a: 1\n  b: 2\n")
    assert error.message.startswith("malformed YAML")
    assert error.line == 2


def test_duplicate_key_reports_line_of_the_duplicate() -> None:
    error = _yaml_error("a: 1\nb: 2\na: 3\n")
    assert error.message == "duplicate key 'a'"
    assert error.line == 3
    assert error.location == "a"


def test_nested_duplicate_key_names_its_place() -> None:
    error = _yaml_error("outer:\n  x: 1\n  y: 2\n  x: 3\n")
    assert "duplicate key 'x'" in error.message
    assert error.line == 4
    assert error.location == "outer.x"


def test_multiple_documents_rejected_at_second_document() -> None:
    error = _yaml_error("a: 1\n---\nb: 2\n")
    assert "more than one YAML document" in error.message
    assert error.line == 3


def test_empty_text_rejected() -> None:
    error = _yaml_error("")
    assert "empty" in error.message
    assert error.line == 1


def test_comment_only_file_counts_as_empty() -> None:
    error = _yaml_error("# nothing here\n\n")
    assert "empty" in error.message


def test_binary_tag_rejected_with_line() -> None:
    error = _yaml_error("a: 1\nb: !!binary aGVsbG8=\n")
    assert "unsupported YAML tag" in error.message
    assert "binary" in error.message
    assert error.line == 2
    assert error.location == "b"


def test_python_name_tag_on_scalar_rejected() -> None:
    error = _yaml_error("a: !!python/name:os.system\n")
    assert "unsupported YAML tag" in error.message
    assert "python/name" in error.message


def test_local_tag_rejected() -> None:
    error = _yaml_error("a:\n  b: !custom value\n")
    assert "unsupported YAML tag '!custom'" in error.message
    assert error.line == 2


def test_python_object_tag_on_mapping_rejected() -> None:
    error = _yaml_error("a: !!python/object:os.system {}\n")
    assert "unsupported YAML tag" in error.message


def test_python_object_apply_tag_on_sequence_rejected() -> None:
    error = _yaml_error("a: !!python/object/apply:os.system [echo hi]\n")
    assert "unsupported YAML tag" in error.message


def test_merge_key_rejected_with_line() -> None:
    error = _yaml_error("base: &b {x: 1}\nchild:\n  <<: *b\n  y: 2\n")
    assert "merge keys" in error.message
    assert error.line == 3


def test_non_scalar_mapping_key_rejected() -> None:
    error = _yaml_error("? [a, b]\n: 1\n")
    assert "mapping keys must be plain strings" in error.message


def test_recursive_alias_rejected() -> None:
    error = _yaml_error("a: &x [1, *x]\n")
    assert "recursive alias" in error.message


def test_plain_alias_is_expanded() -> None:
    data, _ = parse_yaml_text("a: &x [1, 2]\nb: *x\n", SOURCE)
    assert data == {"a": [1, 2], "b": [1, 2]}


def _billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ["l0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_refused() -> None:
    error = _yaml_error(_billion_laughs())
    assert "alias" in error.message
    assert "expand" in error.message
    assert str(MAX_VALUES) in error.message


def test_nesting_deeper_than_limit_refused() -> None:
    depth = MAX_DEPTH + 5
    error = _yaml_error("a: " + "[" * depth + "]" * depth + "\n")
    assert f"deeper than {MAX_DEPTH}" in error.message


def test_nesting_at_limit_accepted() -> None:
    # The top-level key counts as one level; MAX_DEPTH - 1 lists below it reach exactly the limit.
    depth = MAX_DEPTH - 1
    data, _ = parse_yaml_text("a: " + "[" * depth + "]" * depth + "\n", SOURCE)
    value = data["a"]
    for _ in range(depth - 1):
        value = value[0]
    assert value == []


def test_timestamps_stay_strings() -> None:
    data, _ = parse_yaml_text("d: 2026-01-01\nt: 2026-01-01T10:00:00Z\n", SOURCE)
    assert data == {"d": "2026-01-01", "t": "2026-01-01T10:00:00Z"}


def test_standard_scalars_are_typed() -> None:
    data, _ = parse_yaml_text("i: 5\nf: 1.5\nb: true\nn: ~\ns: '5'\nt: !!str 5\n", SOURCE)
    assert data == {"i": 5, "f": 1.5, "b": True, "n": None, "s": "5", "t": "5"}


# --- One pass over the parser's events, with libyaml or without -------------------------------

#: The parsers a document may meet: libyaml's where PyYAML was built with it, and PyYAML's own.
PARSERS = [
    pytest.param(getattr(yaml, "CSafeLoader", None), id="libyaml"),
    pytest.param(yaml.SafeLoader, id="pure-python"),
]


@pytest.fixture(params=PARSERS)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> type[yaml.SafeLoader]:
    """Parse with one parser for the test's length."""
    if request.param is None:
        pytest.skip("PyYAML was built without libyaml")
    monkeypatch.setattr(_yaml, "_LOADER", request.param)
    return request.param  # type: ignore[no-any-return]


@pytest.mark.usefixtures("parser")
@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 100_000 + "\n",
        "- " * 100_000 + "x\n",
        "a: {b: " + "{c: " * 100_000 + "\n",
    ],
    ids=["flow-sequences", "block-sequences", "flow-mappings"],
)
def test_nesting_far_past_the_limit_is_refused_at_its_line_by_either_parser(text: str) -> None:
    # Composing this recursively would crash the interpreter; libyaml may refuse it itself, in its words.
    assert _yaml_error("# deep\n" + text).line == 2


@pytest.mark.usefixtures("parser")
@pytest.mark.parametrize("opening", ["[", "{a: ", "- "])
def test_nesting_just_past_the_limit_is_refused_by_either_parser(opening: str) -> None:
    error = _yaml_error("# deep\nx:\n" + "  " + opening * (MAX_DEPTH + 1) + "1\n")
    assert error.message == f"YAML nested deeper than {MAX_DEPTH} levels; refused"
    assert error.line == 3


@pytest.mark.usefixtures("parser")
def test_alias_bomb_refused_by_either_parser() -> None:
    error = _yaml_error(_billion_laughs())
    assert str(MAX_VALUES) in error.message
    assert error.line is not None and error.location is not None and error.location.startswith("l")


@pytest.mark.usefixtures("parser")
def test_aliases_nested_past_the_depth_limit_refused_with_their_place() -> None:
    chain = ["a0: &a0 [x]", *(f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, MAX_DEPTH + 2))]
    error = _yaml_error("\n".join(chain) + "\n")
    assert error.message == f"document is nested deeper than {MAX_DEPTH} levels; refused"
    assert error.location == f"a{MAX_DEPTH - 1}" + "[0]" * MAX_DEPTH
    assert error.line == 1  # the innermost value, written once at a0


@pytest.mark.usefixtures("parser")
@pytest.mark.parametrize(
    ("text", "line", "location"),
    [
        ("a: &x [1, *x]\n", 1, "a[1]"),
        ("a: &x\n  b: [1, {c: *x}]\n", 1, "a.b[1].c"),
        ("a: &x [1, &y [2, *x]]\nb: *y\n", 1, "a[1][1]"),
    ],
)
def test_recursive_alias_refused_where_it_recurs(text: str, line: int, location: str) -> None:
    error = _yaml_error(text)
    assert error.message == "recursive alias; refused"
    assert (error.line, error.location) == (line, location)


@pytest.mark.usefixtures("parser")
def test_aliases_expand_to_copies_with_the_lines_of_their_anchors() -> None:
    data, lines = parse_yaml_text("base: &b\n  x: [1, &s two]\ncopy: *b\nalso: *s\n", SOURCE)
    assert data == {"base": {"x": [1, "two"]}, "copy": {"x": [1, "two"]}, "also": "two"}
    assert data["copy"] is not data["base"]
    assert lines.lines[("copy", "x", 1)] == 2
    assert lines.lines[("also",)] == 4


@pytest.mark.usefixtures("parser")
@pytest.mark.parametrize(
    ("text", "message", "line", "location"),
    [
        ("&k k: 1\n*k : 2\n", "duplicate key 'k'", 1, "k"),
        ("a: &m {x: 1}\n*m : 2\n", "mapping keys must be plain strings", 1, "(document)"),
    ],
)
def test_alias_as_a_key_is_the_anchored_scalar(text: str, message: str, line: int, location: str) -> None:
    error = _yaml_error(text)
    assert (error.message, error.line, error.location) == (message, line, location)


@pytest.mark.usefixtures("parser")
@pytest.mark.parametrize(("text", "line"), [("a: 1\nb: *nowhere\n", 2), ("a: &x 1\nb: &x 2\n", 2)])
def test_undefined_alias_and_anchor_defined_twice_are_malformed_at_their_line(text: str, line: int) -> None:
    error = _yaml_error(text)
    assert error.message.startswith("malformed YAML")
    assert error.line == line


@pytest.mark.usefixtures("parser")
@pytest.mark.parametrize(
    ("text", "starts", "line"),
    [
        # The syntax of the whole file is checked before its values: the later syntax error is the one named.
        ("a: 1\na: 2\nb: [\n", "malformed YAML", 4),
        ("a: !!binary aGk=\nb: *nowhere\n", "malformed YAML", 2),
        ("a: !!binary aGk=\n---\nb: 1\n", "more than one YAML document", 3),
        # Depth is checked before a broken alias, as the parser meets it.
        ("a: *nowhere\nb: " + "[" * (MAX_DEPTH + 1) + "\n", "YAML nested deeper", 2),
        ("a: 1\n  b: 2\nc: " + "[" * (MAX_DEPTH + 1) + "\n", "malformed YAML", 2),
    ],
)
def test_of_several_problems_the_one_reported_is_the_same_as_ever(text: str, starts: str, line: int) -> None:
    error = _yaml_error(text)
    assert error.message.startswith(starts)
    assert error.line == line


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML was built without libyaml")
def test_a_document_is_parsed_once_by_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    parsers: list[object] = []
    real_init = yaml.CSafeLoader.__init__

    def counting_init(self: yaml.CSafeLoader, stream: str) -> None:
        parsers.append(stream)
        real_init(self, stream)

    monkeypatch.setattr(yaml.CSafeLoader, "__init__", counting_init)
    data, _ = parse_yaml_text("a: [1, 2]\n", SOURCE)
    assert data == {"a": [1, 2]}
    assert len(parsers) == 1


def test_nested_anchors_keep_one_copy_of_the_events_they_share() -> None:
    # Each of 60 nested anchors covers the same 30,000 values: kept once each they take a few megabytes,
    # kept once per anchor they took over a hundred.
    depth, count = 60, 30_000
    text = "a: " + "".join(f"&a{i} [" for i in range(depth)) + ", ".join(["x"] * count) + "]" * depth + "\n"
    tracemalloc.start()
    try:
        data, _ = parse_yaml_text(text, SOURCE)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    innermost = data["a"]
    for _ in range(depth - 1):
        innermost = innermost[0]
    assert len(innermost) == count
    assert peak < 48 * 1024 * 1024


@pytest.fixture
def collector_enabled() -> Iterator[None]:
    """Start with the garbage collector on and leave it as the test found it."""
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.usefixtures("collector_enabled")
def test_the_collector_is_paused_while_loading_and_resumes_after_an_error() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(InputError), collector_paused():
        parse_yaml_text("a: 1\na: 2\n", SOURCE)
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_a_collector_paused_by_someone_else_stays_paused() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


# --- Files: size, type, encoding ---------------------------------------------------------------


def test_load_yaml_reads_file_and_names_it_in_errors(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.yaml", "a: 1\na: 2\n")
    with pytest.raises(InputError) as info:
        load_yaml(path)
    assert info.value.path == str(path)
    assert info.value.line == 2
    assert info.value.diagnostics().startswith(f"{path}:2 at a: duplicate key")


def test_fifty_megabyte_file_refused_by_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    with pytest.raises(InputError) as info:
        load_yaml(path)
    assert "limit" in info.value.message
    assert str(MAX_INPUT_BYTES) in info.value.message
    assert str(50 * 1024 * 1024) in info.value.message


def test_explicit_small_limit_is_honoured(tmp_path: Path) -> None:
    path = write(tmp_path / "small.yaml", "a: 1234567890\n")
    with pytest.raises(InputError) as info:
        load_yaml(path, limit=5)
    assert "5-byte limit" in info.value.message


def test_directory_where_file_expected(tmp_path: Path) -> None:
    directory = tmp_path / "policy.yaml"
    directory.mkdir()
    with pytest.raises(InputError) as info:
        load_yaml(directory)
    assert "is a directory" in info.value.message
    assert info.value.path == str(directory)


def test_missing_file_reported(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_yaml(tmp_path / "absent.yaml")
    assert info.value.message == "file not found"


def test_non_utf8_bytes_report_their_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"a: 1\nb: 2\nc: caf\xe9\n")
    with pytest.raises(InputError) as info:
        load_yaml(path)
    assert "UTF-8" in info.value.message
    assert info.value.line == 3


# --- JSON --------------------------------------------------------------------------------------


def test_json_loads_plain_document(tmp_path: Path) -> None:
    path = write(tmp_path / "doc.json", '{"a": [1, 2.5, "x", null, true]}')
    assert load_json(path) == {"a": [1, 2.5, "x", None, True]}


def test_json_duplicate_key_rejected() -> None:
    error = _json_error('{"a": 1, "b": {"c": 1}, "a": 2}')
    assert error.message == "duplicate key 'a'"


def test_json_nested_duplicate_key_rejected() -> None:
    error = _json_error('{"a": {"c": 1, "c": 2}}')
    assert error.message == "duplicate key 'c'"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_non_finite_constants_rejected(constant: str) -> None:
    error = _json_error('{"a": ' + constant + "}")
    assert error.message == f"{constant} is not valid JSON"


def test_malformed_json_reports_line_and_column() -> None:
    error = _json_error('{\n  "a": 1,\n  "b": }\n')
    assert error.message.startswith("malformed JSON")
    assert error.line == 3
    assert "column 8" in error.message


def test_deeply_nested_json_refused() -> None:
    error = _json_error("[" * 100_000)
    assert "nested too deeply" in error.message


@pytest.mark.parametrize("number", ["1e999", "-1e999", "1" + "0" * 400 + ".5"])
def test_json_numbers_out_of_float_range_are_refused(number: str) -> None:
    error = _json_error('{"a": ' + number + "}")
    assert error.path == "doc.json" and "out of range" in error.message


@pytest.mark.parametrize("digits", [4301, 10_000])
def test_json_integers_past_pythons_digit_limit_are_refused(digits: int) -> None:
    error = _json_error('{"a": [-' + "7" * digits + "]}")
    assert error.path == "doc.json" and "too long" in error.message


@pytest.mark.parametrize(("text", "line"), [("a: 1\nb: " + "9" * 5000 + "\n", 2), ("- .inf\n", 1), ("- 1.0e+999\n", 1)])
def test_yaml_numbers_python_cannot_hold_are_refused_with_their_line(text: str, line: int) -> None:
    error = _yaml_error(text)
    assert error.path == str(SOURCE) and error.line == line


def test_toml_that_python_cannot_hold_is_refused_naming_the_file() -> None:
    for text in (f"a = {'9' * 5000}\n", "a = " + "[" * 100_000 + "]" * 100_000 + "\n", "a = [\n"):
        with pytest.raises(InputError) as info:
            parse_toml_text(text, Path("pyproject.toml"))
        assert info.value.path == "pyproject.toml"


def test_json_file_size_limit(tmp_path: Path) -> None:
    path = write(tmp_path / "doc.json", '{"a": "' + "x" * 100 + '"}')
    with pytest.raises(InputError) as info:
        load_json(path, limit=50)
    assert "50-byte limit" in info.value.message


# --- validation_error mapping ------------------------------------------------------------------

WAIVER = """\
  - id: W-{n}
    scope: {{requirement: SM-1}}
    justification: accepted for the pilot release
    approver: Bob Example
    created: 2026-01-01T00:00:00Z
    expires: {expires}
    requester: Alice Example
"""


def _register(*entries: str) -> str:
    return "version: 1\nwaivers:\n" + "".join(entries)


def _validation_error(text: str) -> InputError:
    data, lines = parse_yaml_text(text, SOURCE)
    with pytest.raises(InputError) as info:
        validate(WaiverFile, data, SOURCE, lines, "waiver register")
    return info.value


def test_unknown_key_named_with_its_line() -> None:
    text = _register(WAIVER.format(n=1, expires="2026-06-30T23:59:59Z") + "    x: 1\n")
    error = _validation_error(text)
    assert error.message == "invalid waiver register: unknown key 'x'"
    assert error.line == 10
    assert error.location == "waivers[0].x"


def test_missing_key_named() -> None:
    text = _register(WAIVER.format(n=1, expires="2026-06-30T23:59:59Z").replace("    approver: Bob Example\n", ""))
    error = _validation_error(text)
    assert error.message == "invalid waiver register: missing required key 'approver'"
    assert error.location == "waivers[0].approver"
    assert error.line == 3  # the waiver that lacks it


def test_missing_top_level_key_named() -> None:
    error = _validation_error("waivers: []\n")
    assert "missing required key 'version'" in error.message


def test_wrong_type_names_field_path_and_line() -> None:
    text = _register(
        WAIVER.format(n=1, expires="2026-06-30T23:59:59Z"),
        WAIVER.format(n=2, expires="next week"),
    )
    error = _validation_error(text)
    assert error.location == "waivers[1].expires"
    assert error.line == 15
    assert error.diagnostics().startswith("doc.yaml:15 at waivers[1].expires: invalid waiver register:")


def test_top_level_list_rejected_as_not_a_mapping() -> None:
    error = _validation_error("- a\n- b\n")
    assert "expected a mapping at the top level" in error.message
    assert error.line == 1


def test_further_problems_are_counted() -> None:
    class Two(BaseModel):
        model_config = ConfigDict(extra="forbid")
        a: int
        b: int

    data, lines = parse_yaml_text("c: 1\n", SOURCE)
    with pytest.raises(InputError) as info:
        validate(Two, data, SOURCE, lines, "thing")
    assert "(and 2 more problems: " in info.value.message
    assert "'b'" in info.value.message and "'c'" in info.value.message


def test_every_further_problem_is_named_with_its_place_and_line() -> None:
    class Three(BaseModel):
        model_config = ConfigDict(extra="forbid")
        a: int
        b: int
        items: list[int]

    data, lines = parse_yaml_text("a: 1\nb: not a number\nitems:\n  - 1\n  - two\nc: 1\n", SOURCE)
    with pytest.raises(InputError) as info:
        validate(Three, data, SOURCE, lines, "thing")
    error = info.value
    assert (error.line, error.location) == (2, "b")
    assert "items[1] (line 5): " in error.message
    assert "c (line 6): unknown key 'c'" in error.message
    assert "items[1] (line 5)" in error.diagnostics()


def test_problems_beyond_the_named_ones_are_counted() -> None:
    fields = {f"f{index}": (int, ...) for index in range(10)}
    Many = create_model("Many", **fields)  # type: ignore[call-overload]
    data, lines = parse_yaml_text("x: 1\n", SOURCE)
    with pytest.raises(InputError) as info:
        validate(Many, data, SOURCE, lines, "thing")
    # ten missing keys: the first, five more named, four counted
    assert "(and 9 more problems: " in info.value.message
    assert info.value.message.endswith("; 4 more)")


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), "(document)"),
        (("a",), "a"),
        (("waivers", 2, "expires"), "waivers[2].expires"),
        ((0, "x"), "[0].x"),
    ],
)
def test_format_location(path: tuple[str | int, ...], text: str) -> None:
    assert format_location(path) == text
