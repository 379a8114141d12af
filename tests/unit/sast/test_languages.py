"""The census of the product's source files by language (sast/languages.py) and the files it is taken from."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdl_gate.config import load_project
from sdl_gate.errors import ConfigError
from sdl_gate.sast.languages import DEFAULT_LANGUAGES, EXAMPLES, count_languages, language_map
from sdl_gate.sast.settings import load_settings, select
from tests.conftest import commit_all, write


def test_the_default_map_names_the_languages_of_the_issue() -> None:
    for name in ("C", "C++", "Python", "JavaScript", "TypeScript", "Go", "Rust", "Java", "C#"):
        assert DEFAULT_LANGUAGES[name], name


def test_files_are_counted_by_name_and_covered_languages_name_their_analysers() -> None:
    files = ["src/a.c", "src/a.h", "src/b.cpp", "lib/x.py", "README.md", "web/app.ts", "Makefile"]
    census = {c.language: c for c in count_languages(files, language_map({}), {"Python": ("bandit",)})[0]}
    assert {name: c.files for name, c in census.items()} == {"C": 2, "C++": 1, "Python": 1, "TypeScript": 1}
    assert census["C"].examples == ("src/a.c", "src/a.h")
    assert census["Python"].analysers == ("bandit",)
    assert census["C"].analysers == ()


def test_names_match_case_sensitively() -> None:
    # On the systems that build C and C++, `x.C` is C++ and `x.PY` is not Python.
    census = {c.language: c.files for c in count_languages(["x.C", "y.PY"], language_map({}), {})[0]}
    assert census == {"C++": 1}


def test_examples_are_the_first_files_in_path_order() -> None:
    files = [f"src/f{index:02}.go" for index in range(EXAMPLES + 3)]
    (go,), _ = count_languages(reversed(files), language_map({}), {})
    assert go.files == EXAMPLES + 3
    assert go.examples == tuple(files[:EXAMPLES])


def test_a_configured_map_adds_to_the_built_in_one_and_never_removes() -> None:
    merged = language_map({"C": ["*.inc"], "Python": [], "Assembly": ["*.S", "*.s"]})
    assert merged["C"] == ("*.c", "*.h", "*.inc")
    assert merged["Python"] == DEFAULT_LANGUAGES["Python"]
    assert merged["Assembly"] == ("*.S", "*.s")


def test_a_file_claimed_by_another_language_still_counts_for_its_own() -> None:
    languages = language_map({"Python": ["*.c"]})
    census = {c.language: c.files for c in count_languages(["main.c"], languages, {"Python": ("bandit",)})[0]}
    assert census == {"C": 1, "Python": 1}


def test_the_census_counts_git_tracked_files_only(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "w"\n')
    write(tmp_path / "src" / "main.c", "int main(void) { return 0; }\n")
    write(tmp_path / "app.py", "x = 1\n")
    commit_all(tmp_path)
    write(tmp_path / "build" / "generated.c", "int x;\n")  # untracked: not part of the committed product
    selection = select(tmp_path, load_settings(tmp_path))
    assert selection.files == ("app.py", "pyproject.toml", "src/main.c")


def test_outside_git_the_census_counts_the_directory(tmp_path: Path) -> None:
    write(tmp_path / "src" / "main.c", "int main(void) { return 0; }\n")
    write(tmp_path / "app.py", "x = 1\n")
    assert select(tmp_path, load_settings(tmp_path)).files == ("app.py", "src/main.c")


@pytest.mark.parametrize(
    "table",
    ['languages = ["C"]', 'languages = {C = "*.c"}', 'languages = {C = [""]}', 'languages = {"" = ["*.x"]}'],
)
def test_a_malformed_language_map_names_the_file_and_key(tmp_path: Path, table: str) -> None:
    pyproject = write(tmp_path / "pyproject.toml", f'[project]\nname = "w"\n\n[tool.sdl-gate]\n{table}\n')
    with pytest.raises(ConfigError) as caught:
        load_project(tmp_path)
    assert caught.value.path == str(pyproject)
    assert (caught.value.location or "").startswith("tool.sdl-gate.languages")


def test_source_exclude_leaves_files_out_of_the_census_and_lists_each_one() -> None:
    files = ["third_party/zlib/inflate.c", "src/main.c", "third_party/README", "app.py"]
    census, excluded = count_languages(files, language_map({}), {}, ("third_party/*",))
    assert {c.language: c.files for c in census} == {"C": 1, "Python": 1}
    (only,) = excluded  # the README is not source: nothing hidden, nothing to list
    assert (only.path, only.pattern) == ("third_party/zlib/inflate.c", "third_party/*")
    assert only.source == "pyproject.toml [tool.sdl-gate] source-exclude"


def test_an_exclude_pattern_that_matches_everything_hides_nothing_unseen() -> None:
    census, excluded = count_languages(["main.c", "lib/x.rs"], language_map({}), {}, ("*",))
    assert census == ()
    assert [e.path for e in excluded] == ["lib/x.rs", "main.c"]


def test_a_language_is_covered_only_when_analysers_cover_every_one_of_its_files() -> None:
    files = ["src/a.c", "src/b.c", "src/c.c", "web/app.ts"]
    analysed = {"cppcheck": ["src/a.c"], "CodeQL": ["src/b.c", "web/app.ts"]}
    census = {c.language: c for c in count_languages(files, language_map({}), {}, analysed=analysed)[0]}
    assert census["C"].analysers == ("cppcheck", "CodeQL")
    assert (census["C"].uncovered, census["C"].uncovered_examples) == (1, ("src/c.c",))
    assert (census["TypeScript"].analysers, census["TypeScript"].uncovered) == (("CodeQL",), 0)
    analysed["cppcheck"].append("src/c.c")
    census = {c.language: c for c in count_languages(files, language_map({}), {}, analysed=analysed)[0]}
    assert census["C"].uncovered == 0


def test_an_analyser_naming_files_outside_the_census_covers_nothing_more() -> None:
    files = ["src/a.c"]
    (c,), _ = count_languages(files, language_map({}), {}, analysed={"Semgrep": ["other/z.c", "README.md"]})
    assert (c.analysers, c.uncovered) == ((), 1)
