"""OSV matching in every ecosystem: package URLs to OSV ecosystems and names, each ecosystem's version order.

Versions are ordered by univers' class for the ecosystem, never by a comparator written here. What cannot be
decided (a version the ecosystem's order cannot parse, a commit that is neither a range's introducing nor its
fixing commit) is "could not tell", with the reason, never "not affected".

Limits, by design:
- ``GIT`` ranges are matched without the repository's history: a commit equal to a range's ``introduced`` or
  ``last_affected`` commit is affected, one equal to its ``fixed`` or ``limit`` commit is not, and a tag listed
  in the record's ``versions`` (osv.dev enumerates them from the range) decides for a component that carries
  one; any other commit is "could not tell".
- Debian and Alpine advisories name source packages: a binary package's purl matches through its ``upstream``
  qualifier (as syft writes it), else through its own name; its release comes from the ``distro`` qualifier,
  and a purl without one cannot be placed in a release ("could not tell").
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from packageurl import PackageURL
from packaging.utils import canonicalize_name
from univers import versions as uv

from sdl_gate.vulndb.matching import EventKind, MatchError, RangeType

#: purl type -> OSV ecosystem (https://ossf.github.io/osv-schema/#affectedpackage-field).
PURL_ECOSYSTEMS: dict[str, str] = {
    "npm": "npm",
    "maven": "Maven",
    "golang": "Go",
    "cargo": "crates.io",
    "nuget": "NuGet",
    "gem": "RubyGems",
    "composer": "Packagist",
    "deb": "Debian",
    "apk": "Alpine",
    "pypi": "PyPI",
    "hex": "Hex",
    "pub": "Pub",
}

#: OSV ecosystem (without its release) -> univers version class that orders its versions.
VERSION_CLASSES: dict[str, type[uv.Version]] = {
    "npm": uv.SemverVersion,
    "Maven": uv.MavenVersion,
    "Go": uv.GolangVersion,
    "crates.io": uv.SemverVersion,
    "NuGet": uv.NugetVersion,
    "RubyGems": uv.RubygemsVersion,
    "Packagist": uv.ComposerVersion,
    "Debian": uv.DebianVersion,
    "Alpine": uv.AlpineLinuxVersion,
    "PyPI": uv.PypiVersion,
    "Hex": uv.SemverVersion,
    "Pub": uv.SemverVersion,
}

#: Debian code names, for ``distro=bookworm`` as well as ``distro=debian-12``.
DEBIAN_RELEASES: dict[str, str] = {
    "squeeze": "6",
    "wheezy": "7",
    "jessie": "8",
    "stretch": "9",
    "buster": "10",
    "bullseye": "11",
    "bookworm": "12",
    "trixie": "13",
    "forky": "14",
}

#: Repository hosts whose purl types name a repository (``pkg:github/owner/repo@commit``).
REPOSITORY_HOSTS: dict[str, str] = {"github": "github.com", "gitlab": "gitlab.com", "bitbucket": "bitbucket.org"}

#: As CycloneDX caps a version; longer text from an SBOM is not handed to a version parser.
MAX_VERSION_CHARS = 1024
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_VCS_COMMIT = re.compile(r"(.+)@([0-9a-fA-F]{40}|[0-9a-fA-F]{64})")
_DEBIAN_DISTRO = re.compile(r"(?:debian-?)?(\d+)(?:\.\d+)*")
_ALPINE_DISTRO = re.compile(r"(?:alpine-?)?v?(\d+)\.(\d+)(?:\.\d+)*")
_CASE_INSENSITIVE = frozenset({"NuGet", "Packagist", "Debian", "Alpine"})


def base_ecosystem(ecosystem: str) -> str:
    """Return an OSV ecosystem without its release (``Debian:7`` -> ``Debian``)."""
    return ecosystem.split(":", 1)[0].strip()


def normalise_package(ecosystem: str, name: str) -> str:
    """Return the name a package is indexed under in ``ecosystem`` (PEP 503 for PyPI, case-folded where the
    ecosystem's names are case-insensitive, as written elsewhere)."""
    base = base_ecosystem(ecosystem)
    if base == "PyPI":
        return canonicalize_name(name)
    if base in _CASE_INSENSITIVE:
        return name.lower()
    return name


def normalise_repository(url: str) -> str:
    """Return a git repository URL as indexed: scheme and ``.git`` dropped, host lower-cased, no trailing slash."""
    text = url.strip()
    text = re.sub(r"^(?:git\+)?(?:https?|git|ssh)://(?:[^@/]+@)?", "", text)
    text = re.sub(r"^git@([^:]+):", r"\1/", text)
    text = text.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    text = text.removesuffix(".git")
    host, _, path = text.partition("/")
    return f"{host.lower()}/{path}" if path else host.lower()


class Answer(str, enum.Enum):
    """Whether a package version is affected by an advisory."""

    AFFECTED = "affected"
    NOT_AFFECTED = "not_affected"
    UNKNOWN = "could_not_tell"


@dataclass(frozen=True)
class OsvRange:
    """One range of an ``affected[]`` entry, events as written (versions or commits as text)."""

    type: RangeType
    events: tuple[tuple[EventKind, str], ...]
    repo: str | None


@dataclass(frozen=True)
class OsvAffected:
    """One ``affected[]`` entry of any ecosystem, indexed by (ecosystem, normalised name) and by git repository."""

    ecosystem: str
    package: str
    ranges: tuple[OsvRange, ...]
    versions: frozenset[str]

    @property
    def fixed(self) -> tuple[str, ...]:
        """The versions its ECOSYSTEM and SEMVER ranges name as fixed."""
        return tuple(
            value
            for r in self.ranges
            if r.type is not RangeType.GIT
            for kind, value in r.events
            if kind is EventKind.FIXED
        )

    @property
    def repositories(self) -> frozenset[str]:
        """The normalised repositories of its GIT ranges."""
        return frozenset(normalise_repository(r.repo) for r in self.ranges if r.type is RangeType.GIT and r.repo)


@dataclass(frozen=True)
class Target:
    """What the audit knows of one component: its OSV ecosystem (with release), name, version, commit, repository."""

    ecosystem: str | None
    package: str | None
    version: str | None
    commit: str | None
    repository: str | None


class TargetError(ValueError):
    """A package URL that cannot be audited; the message says why."""


def _qualifier(purl: PackageURL, key: str) -> str | None:
    qualifiers = purl.qualifiers if isinstance(purl.qualifiers, dict) else {}
    value = qualifiers.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _release(purl: PackageURL) -> str:
    """The OSV ecosystem with release of a ``deb`` or ``apk`` purl, from its ``distro`` qualifier."""
    distro = (_qualifier(purl, "distro") or "").lower()
    if purl.type == "deb":
        if (purl.namespace or "debian").lower() != "debian":
            raise TargetError(f"deb namespace {purl.namespace!r} is not supported (only debian)")
        release = DEBIAN_RELEASES.get(distro.removeprefix("debian-"))
        found = _DEBIAN_DISTRO.fullmatch(distro)
        if release is None and found is not None:
            release = found.group(1)
        if release is None:
            raise TargetError("no distro qualifier naming the Debian release (e.g. distro=debian-12)")
        return f"Debian:{release}"
    if (purl.namespace or "alpine").lower() != "alpine":
        raise TargetError(f"apk namespace {purl.namespace!r} is not supported (only alpine)")
    found = _ALPINE_DISTRO.fullmatch(distro)
    if found is None:
        raise TargetError("no distro qualifier naming the Alpine release (e.g. distro=alpine-3.19)")
    return f"Alpine:v{found.group(1)}.{found.group(2)}"


def _osv_name(purl: PackageURL, ecosystem: str) -> str:
    match ecosystem:
        case "npm" | "Go" | "Packagist":
            return f"{purl.namespace}/{purl.name}" if purl.namespace else purl.name
        case "Maven":
            if not purl.namespace:
                raise TargetError("a maven purl needs its group id as namespace")
            return f"{purl.namespace}:{purl.name}"
        case "Debian" | "Alpine":
            # Their advisories name the source package; syft writes it as ``upstream=name`` or ``name (version)``.
            upstream = _qualifier(purl, "upstream")
            return upstream.split(" ", 1)[0].split("@", 1)[0] if upstream else purl.name
        case _:
            return purl.name


def target_of(purl_text: str, version: str | None = None, commit: str | None = None) -> Target:
    """Return what to look up for a component with package URL ``purl_text``; raise :class:`TargetError`."""
    try:
        purl = PackageURL.from_string(purl_text)
    except ValueError as exc:
        raise TargetError(f"not a valid package URL ({exc})") from None
    version = purl.version or version
    if version is not None and len(version) > MAX_VERSION_CHARS:
        raise TargetError(f"a version of {len(version)} characters; at most {MAX_VERSION_CHARS} are compared")
    vcs = _qualifier(purl, "vcs_url")
    repository: str | None = None
    if purl.type in REPOSITORY_HOSTS and purl.namespace:
        repository = f"{REPOSITORY_HOSTS[purl.type]}/{purl.namespace}/{purl.name}".lower()
    elif vcs:
        pinned = _VCS_COMMIT.fullmatch(vcs)
        repository = normalise_repository(pinned.group(1) if pinned else vcs)
        if pinned and commit is None:
            commit = pinned.group(2).lower()
    if commit is None and version is not None and _COMMIT.fullmatch(version.lower()) and repository:
        commit, version = version.lower(), None
    ecosystem_base = PURL_ECOSYSTEMS.get(purl.type)
    if ecosystem_base is None:
        if repository and commit:
            return Target(None, None, version, commit, repository)
        raise TargetError(f"purl type {purl.type!r} has no OSV ecosystem and names no repository commit")
    ecosystem = _release(purl) if purl.type in ("deb", "apk") else ecosystem_base
    if ecosystem_base == "Go" and version is not None:
        version = version.removeprefix("v")  # OSV writes Go versions without the "v" of module versions
    name = _osv_name(purl, ecosystem_base)
    return Target(ecosystem, normalise_package(ecosystem, name), version, commit, repository)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise MatchError(where, "must be a non-empty string")
    return value


def _range(raw: Any, where: str) -> OsvRange:
    if not isinstance(raw, Mapping):
        raise MatchError(where, "must be a mapping")
    try:
        range_type = RangeType(raw.get("type"))
    except ValueError:
        raise MatchError(f"{where}.type", f"unknown range type {raw.get('type')!r}") from None
    raw_events = raw.get("events")
    if not isinstance(raw_events, list) or not raw_events:
        raise MatchError(f"{where}.events", "a range needs at least one event")
    events: list[tuple[EventKind, str]] = []
    for index, event in enumerate(raw_events):
        e_where = f"{where}.events[{index}]"
        if not isinstance(event, Mapping) or len(event) != 1:
            raise MatchError(e_where, "an event has exactly one of introduced, fixed, last_affected, limit")
        key, value = next(iter(event.items()))
        try:
            kind = EventKind(key)
        except ValueError:
            raise MatchError(e_where, f"unknown event {key!r}") from None
        events.append((kind, _text(value, f"{e_where}.{key}")))
    repo = raw.get("repo")
    if range_type is RangeType.GIT and not isinstance(repo, str):
        raise MatchError(f"{where}.repo", "a GIT range names its repository")
    return OsvRange(range_type, tuple(events), repo if isinstance(repo, str) else None)


def parse_entries(record: Mapping[str, Any]) -> list[OsvAffected]:
    """Parse every ``affected[]`` entry of an OSV record, whatever its ecosystem; raise :class:`MatchError`."""
    raw_affected = record.get("affected", [])
    if not isinstance(raw_affected, Sequence) or isinstance(raw_affected, str):
        raise MatchError("affected", "must be a list")
    parsed: list[OsvAffected] = []
    for index, raw in enumerate(raw_affected):
        where = f"affected[{index}]"
        if not isinstance(raw, Mapping):
            raise MatchError(where, "must be a mapping")
        package = raw.get("package")
        ranges_raw = raw.get("ranges", []) or []
        if not isinstance(ranges_raw, list):
            raise MatchError(f"{where}.ranges", "must be a list")
        ranges = tuple(_range(r, f"{where}.ranges[{i}]") for i, r in enumerate(ranges_raw))
        versions = raw.get("versions", []) or []
        if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
            raise MatchError(f"{where}.versions", "must be a list of version strings")
        if package is None:  # OSV allows an entry that names only a repository and its commit ranges
            ecosystem, name = "", ""
        elif isinstance(package, Mapping):
            ecosystem = _text(package.get("ecosystem"), f"{where}.package.ecosystem").strip()
            name = _text(package.get("name"), f"{where}.package.name")
        else:
            raise MatchError(f"{where}.package", "must be a mapping")
        parsed.append(
            OsvAffected(
                ecosystem=ecosystem,
                package=normalise_package(ecosystem, name) if name else "",
                ranges=ranges,
                versions=frozenset(versions),
            )
        )
    return parsed


@functools.lru_cache(maxsize=262144)
def parse_ecosystem_version(ecosystem: str, text: str) -> uv.Version | None:
    """Return ``text`` as a version of ``ecosystem`` (univers), or None when that ecosystem's order cannot parse it."""
    cls = VERSION_CLASSES.get(base_ecosystem(ecosystem))
    if cls is None or not text.strip():
        return None
    try:
        return cls(text)
    except Exception:  # univers raises InvalidVersion, InvalidNuGetVersion (not a ValueError), and others
        return None


def _shown(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:80] + "\u2026")


@dataclass(frozen=True)
class EntryAnswer:
    """The answer of one entry for one target, and why it could not tell."""

    answer: Answer
    reason: str | None = None


def _in_version_range(version: uv.Version, ecosystem: str, osv_range: OsvRange) -> EntryAnswer:
    """Evaluate one ECOSYSTEM or SEMVER range (the OSV algorithm): sorted events, introduced/fixed/last_affected."""
    order = "npm" if osv_range.type is RangeType.SEMVER else ecosystem  # SEMVER ranges use SemVer 2.0 whatever
    parsed: list[tuple[EventKind, uv.Version | None]] = []
    limits: list[uv.Version] = []
    for kind, text in osv_range.events:
        if (kind is EventKind.INTRODUCED and text == "0") or (kind is EventKind.LIMIT and text == "*"):
            bound = None
        else:
            bound = parse_ecosystem_version(order, text)
            if bound is None:
                problem = f"the advisory's {kind.value} {_shown(text)} is not a {order} version"
                return EntryAnswer(Answer.UNKNOWN, problem)
        if kind is EventKind.LIMIT:
            if bound is not None:
                limits.append(bound)
            continue
        parsed.append((kind, bound))
    if order != ecosystem:
        version_in_order = parse_ecosystem_version(order, str(version))
        if version_in_order is None:
            return EntryAnswer(Answer.UNKNOWN, f"{_shown(str(version))} is not a SemVer version")
        version = version_in_order
    if limits and not any(version < limit for limit in limits):
        return EntryAnswer(Answer.NOT_AFFECTED)
    affected = False
    # introduced "0" (no bound) sorts before every version; versions of one class compare among themselves only.
    for kind, bound in sorted(parsed, key=lambda e: (0, 0) if e[1] is None else (1, e[1])):
        match kind:
            case EventKind.INTRODUCED:
                affected = affected or bound is None or version >= bound
            case EventKind.FIXED:
                if bound is not None and version >= bound:
                    affected = False
            case EventKind.LAST_AFFECTED:
                if bound is not None and version > bound:
                    affected = False
            case EventKind.LIMIT:  # pragma: no cover - taken out above
                pass
    return EntryAnswer(Answer.AFFECTED if affected else Answer.NOT_AFFECTED)


def _git_range(commit: str, osv_range: OsvRange) -> Answer:
    """A commit against a GIT range without the history: only its own events place it."""
    for kind, value in osv_range.events:
        if value.lower() != commit:
            continue
        if kind in (EventKind.INTRODUCED, EventKind.LAST_AFFECTED):
            return Answer.AFFECTED
        return Answer.NOT_AFFECTED
    return Answer.UNKNOWN


def entry_answer(entry: OsvAffected, target: Target) -> EntryAnswer:
    """Whether ``entry`` affects ``target``: a listed version, a version range, or a commit of a GIT range."""
    version = target.version
    if version is not None and version in entry.versions:
        return EntryAnswer(Answer.AFFECTED)
    answers: list[EntryAnswer] = []
    parsed: uv.Version | None = None
    for osv_range in entry.ranges:
        if osv_range.type is RangeType.GIT:
            if target.commit is None or target.repository is None or osv_range.repo is None:
                continue
            if normalise_repository(osv_range.repo) != target.repository:
                continue
            answer = _git_range(target.commit, osv_range)
            if answer is Answer.UNKNOWN and version is not None and entry.versions:
                answer = Answer.NOT_AFFECTED  # osv.dev enumerated the range's tags; this one is not among them
            reason = (
                f"commit {target.commit[:12]} is neither an introducing nor a fixing commit of the advisory's "
                f"range in {osv_range.repo}; without that repository's history it cannot be placed"
                if answer is Answer.UNKNOWN
                else None
            )
            answers.append(EntryAnswer(answer, reason))
            continue
        if entry.ecosystem != target.ecosystem:
            continue
        if version is None:
            answers.append(EntryAnswer(Answer.UNKNOWN, "the component has no version"))
            continue
        if parsed is None:
            parsed = parse_ecosystem_version(entry.ecosystem, version)
            if parsed is None:
                answers.append(
                    EntryAnswer(Answer.UNKNOWN, f"{_shown(version)} is not a {base_ecosystem(entry.ecosystem)} version")
                )
                continue
        answers.append(_in_version_range(parsed, entry.ecosystem, osv_range))
    if any(a.answer is Answer.AFFECTED for a in answers):
        return EntryAnswer(Answer.AFFECTED)
    unknown = next((a for a in answers if a.answer is Answer.UNKNOWN), None)
    return unknown or EntryAnswer(Answer.NOT_AFFECTED)


def record_answer(entries: Sequence[OsvAffected], target: Target) -> tuple[EntryAnswer, tuple[str, ...]]:
    """Whether a record affects ``target`` (through any entry about it), and the fixed versions it names."""
    relevant = [
        e
        for e in entries
        if (e.ecosystem == target.ecosystem and e.package == target.package)
        or (target.repository is not None and target.repository in e.repositories)
    ]
    answers = [entry_answer(e, target) for e in relevant]
    fixed = tuple(dict.fromkeys(v for e in relevant for v in e.fixed))
    if any(a.answer is Answer.AFFECTED for a in answers):
        return EntryAnswer(Answer.AFFECTED), fixed
    unknown = next((a for a in answers if a.answer is Answer.UNKNOWN), None)
    return unknown or EntryAnswer(Answer.NOT_AFFECTED), fixed
