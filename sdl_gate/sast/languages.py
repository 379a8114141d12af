"""The census of a product's source files by language, so static analysis is judged on the whole product."""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterable, Mapping

from sdl_gate.sast.models import Exclusion, LanguageCount

#: The languages counted by default and the file names that are their source (matched case-sensitively).
DEFAULT_LANGUAGES: dict[str, tuple[str, ...]] = {
    "C": ("*.c", "*.h"),
    "C++": ("*.cc", "*.cpp", "*.cxx", "*.c++", "*.C", "*.hh", "*.hpp", "*.hxx", "*.h++", "*.ipp", "*.inl"),
    "C#": ("*.cs",),
    "Go": ("*.go",),
    "Java": ("*.java",),
    "JavaScript": ("*.js", "*.mjs", "*.cjs", "*.jsx"),
    "Kotlin": ("*.kt", "*.kts"),
    "PHP": ("*.php",),
    "Python": ("*.py", "*.pyw"),
    "Ruby": ("*.rb",),
    "Rust": ("*.rs",),
    "Swift": ("*.swift",),
    "TypeScript": ("*.ts", "*.mts", "*.cts", "*.tsx"),
}
#: The analyser sdl-gate runs itself, and the language its results cover.
BANDIT_LANGUAGE = "Python"
#: How many of a language's files the evidence names, so a reader can find them.
EXAMPLES = 5
#: Where the repository names the paths the census leaves out (each one listed and judged by the policy).
SOURCE_EXCLUDE_SETTING = "pyproject.toml [tool.sdl-gate] source-exclude"


def language_map(configured: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
    """The built-in map with the project's additions: a project can add languages and names, never remove one.

    The map is repository content, so it may only make the census see more.
    """
    merged = {language: list(globs) for language, globs in DEFAULT_LANGUAGES.items()}
    for language, globs in configured.items():
        merged.setdefault(language, []).extend(globs)
    return {language: tuple(dict.fromkeys(globs)) for language, globs in sorted(merged.items())}


def count_languages(
    files: Iterable[str],
    languages: Mapping[str, tuple[str, ...]],
    covered: Mapping[str, tuple[str, ...]],
    excludes: Iterable[str] = (),
) -> tuple[tuple[LanguageCount, ...], tuple[Exclusion, ...]]:
    """Count ``files`` (repository paths) per language by name; ``covered`` names each language's analysers.

    A file whose name matches several languages counts for each, so an added glob can never move a file out
    of the language it is really written in. A source file an ``excludes`` glob matches is not counted but
    returned as an exclusion, for the policy to judge.
    """
    found: dict[str, list[str]] = {}
    exclusions: list[Exclusion] = []
    patterns = tuple(excludes)
    for path in sorted(set(files)):
        name = posixpath.basename(path)
        matched = [
            language
            for language, globs in languages.items()
            if any(fnmatch.fnmatchcase(name, glob) or fnmatch.fnmatchcase(path, glob) for glob in globs)
        ]
        if not matched:
            continue
        pattern = next((glob for glob in patterns if fnmatch.fnmatchcase(path, glob)), None)
        if pattern is not None:
            exclusions.append(Exclusion(path=path, pattern=pattern, source=SOURCE_EXCLUDE_SETTING))
            continue
        for language in matched:
            found.setdefault(language, []).append(path)
    census = tuple(
        LanguageCount(
            language=language,
            files=len(paths),
            examples=tuple(paths[:EXAMPLES]),
            analysers=tuple(covered.get(language, ())),
        )
        for language, paths in sorted(found.items())
    )
    return census, tuple(exclusions)
