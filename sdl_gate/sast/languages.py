"""The census of a product's source files by language, so static analysis is judged on the whole product."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Collection, Iterable, Mapping

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
#: The languages the built-in cppcheck analyses.
CPPCHECK_LANGUAGES = ("C", "C++")
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


def _matchers(
    languages: Mapping[str, tuple[str, ...]],
) -> tuple[dict[str, tuple[str, ...]], list[tuple[str, re.Pattern[str]]]]:
    """Split the map into a lookup by extension (``*.c``) and one regex per language for every other glob.

    The census looks at every file of the repository, so the common case is one dictionary lookup per file.
    """
    by_extension: dict[str, list[str]] = {}
    other: list[tuple[str, re.Pattern[str]]] = []
    for language, globs in languages.items():
        rest = []
        for glob in globs:
            extension = glob[2:]
            if glob.startswith("*.") and extension and not any(char in extension for char in "*?[./"):
                by_extension.setdefault(extension, []).append(language)
            else:
                rest.append(glob)
        if rest:
            other.append((language, re.compile("|".join(f"(?:{fnmatch.translate(glob)})" for glob in rest))))
    return {extension: tuple(names) for extension, names in by_extension.items()}, other


def language_files(
    files: Iterable[str], languages: Mapping[str, tuple[str, ...]], excludes: Iterable[str] = ()
) -> tuple[dict[str, list[str]], tuple[Exclusion, ...]]:
    """Each language's files among ``files`` (repository paths, by name), and the source files ``excludes`` drop.

    A file whose name matches several languages counts for each, so an added glob can never move a file out
    of the language it is really written in. A source file an ``excludes`` glob matches is not counted but
    returned as an exclusion, for the policy to judge.
    """
    found: dict[str, list[str]] = {}
    exclusions: list[Exclusion] = []
    patterns = tuple(excludes)
    by_extension, other = _matchers(languages)
    for path in sorted(set(files)):
        name = posixpath.basename(path)
        _, dot, extension = name.rpartition(".")
        matched: tuple[str, ...] = by_extension.get(extension, ()) if dot else ()
        if other:
            extra = {language for language, regex in other if regex.match(name) or regex.match(path)}
            matched = tuple(sorted(extra.union(matched)))
        if not matched:
            continue
        pattern = next((glob for glob in patterns if fnmatch.fnmatchcase(path, glob)), None)
        if pattern is not None:
            exclusions.append(Exclusion(path=path, pattern=pattern, source=SOURCE_EXCLUDE_SETTING))
            continue
        for language in matched:
            found.setdefault(language, []).append(path)
    return dict(sorted(found.items())), tuple(exclusions)


def count_languages(
    files: Iterable[str],
    languages: Mapping[str, tuple[str, ...]],
    covered: Mapping[str, tuple[str, ...]],
    excludes: Iterable[str] = (),
    analysed: Mapping[str, Collection[str]] | None = None,
) -> tuple[tuple[LanguageCount, ...], tuple[Exclusion, ...]]:
    """Count ``files`` (repository paths) per language by name, with the analysers whose results cover each.

    ``covered`` names analysers that cover a whole language (bandit for Python, whose own coverage criterion
    judges each file); ``analysed`` maps every other analyser to the repository files its results cover. A
    language is covered only when every one of its files is: the files no analyser covers are counted.
    """
    found, exclusions = language_files(files, languages, excludes)
    census: list[LanguageCount] = []
    sets = {name: frozenset(listed) for name, listed in (analysed or {}).items()}
    union = frozenset().union(*sets.values())
    for language, paths in found.items():
        whole = tuple(covered.get(language, ()))
        partial = tuple(name for name, hits in sets.items() if any(path in hits for path in paths))
        left = [] if whole else [path for path in paths if path not in union]
        census.append(
            LanguageCount(
                language=language,
                files=len(paths),
                examples=tuple(paths[:EXAMPLES]),
                analysers=tuple(dict.fromkeys((*whole, *partial))),
                uncovered=len(left),
                uncovered_examples=tuple(left[:EXAMPLES]),
            )
        )
    return tuple(census), exclusions
