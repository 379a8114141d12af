"""Dependency sources: pinned requirements files, ``uv.lock``, ``pylock.toml`` and installed environments."""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from pydantic import model_validator

from sdl_gate._files import read_text_limited
from sdl_gate._model import FrozenModel
from sdl_gate._yaml import parse_toml_text
from sdl_gate.errors import InputError

MAX_INCLUDE_DEPTH = 5
#: CycloneDX caps a component version at 1,024 characters (and pip-audit's matching parses each number in it).
MAX_VERSION_CHARS = 1024
_HASH_OPTION = re.compile(r"--hash[=\s]+([A-Za-z0-9]+):([0-9a-fA-F]+)")


class SourceKind(str, enum.Enum):
    """Where an inventory of dependencies comes from."""

    ENVIRONMENT = "environment"
    REQUIREMENTS = "requirements"
    UV_LOCK = "uv_lock"
    PYLOCK = "pylock"
    PYPROJECT = "pyproject"
    SBOM = "sbom"  # a CycloneDX or SPDX document another generator wrote (syft, cdxgen, Yocto, cyclonedx-npm)


class Hash(FrozenModel):
    """A digest of one distribution file of a component."""

    alg: str
    value: str


def pypi_purl(name: str, version: str | None = None) -> str:
    """A PyPI package URL as the purl specification writes it: lowercase, ``_`` as ``-``, dots kept.

    PEP 503 normalisation (dots to dashes) is for comparing names, not for writing purls: tools that match
    by purl (Dependency-Track, OSV) expect ``pkg:pypi/ruamel.yaml``, as packageurl-python and cyclonedx-py give.
    """
    from packageurl import PackageURL

    return str(PackageURL(type="pypi", name=name, version=version).to_string())


class Component(FrozenModel):
    """One third-party component; ``version`` is None when the source does not pin it.

    ``purl`` is the package URL: for a component read from an SBOM exactly as the SBOM wrote it (None when it
    has none, which makes the component unauditable); for one read from a Python source, derived from its name
    and version when not given. ``origin`` is the SBOM file it was read from (None for sdl-gate's own Python
    inventory), ``commit`` the VCS revision the SBOM records for it, if any.
    """

    name: str
    version: str | None
    licenses: tuple[str, ...] = ()
    hashes: tuple[Hash, ...] = ()
    dependencies: tuple[str, ...] = ()
    supplier: str | None = None
    purl: str | None = None
    origin: str | None = None
    commit: str | None = None
    #: Installed from a direct URL (a local directory, editable or not, a VCS or an archive: PEP 610), not
    #: from the package index, so no ``pkg:pypi`` URL names it.
    direct_url: bool = False

    @model_validator(mode="before")
    @classmethod
    def _python_purl(cls, data: Any) -> Any:
        # Python sources name a distribution and a pin, never a purl; an SBOM reader always passes its own.
        if isinstance(data, dict) and "purl" not in data and isinstance(data.get("name"), str):
            version = data.get("version")
            pinned = version if isinstance(version, str) and version else None
            off_index = bool(data.get("direct_url"))
            return {**data, "purl": pypi_purl(data["name"], pinned) if pinned and not off_index else None}
        return data

    @property
    def key(self) -> str:
        """The normalised name (PEP 503), which identifies a component within one inventory."""
        return canonicalize_name(self.name)


class Inventory(FrozenModel):
    """The components one source declares, sorted by name; ``graph`` says whether dependencies are known.

    ``entries`` counts what the source lists, the project's own entries included (``-e .``, uv's virtual
    project), so a source that lists nothing can be told from one that lists only the project itself.
    ``includes`` are the files read through ``-r`` (absolute paths, in reading order).
    """

    kind: SourceKind
    path: str | None
    components: tuple[Component, ...]
    graph: bool
    entries: int = 0
    includes: tuple[str, ...] = ()

    @property
    def pinned(self) -> tuple[Component, ...]:
        """Components with an exact version."""
        return tuple(c for c in self.components if c.version)

    @property
    def unpinned(self) -> tuple[Component, ...]:
        """Components without an exact version (cannot be audited exactly)."""
        return tuple(c for c in self.components if not c.version)


def _identity(component: Component) -> tuple[str, str, str, str]:
    return (component.key, component.version or "", component.origin or "", component.purl or "")


def _sorted(components: Iterable[Component]) -> tuple[Component, ...]:
    # One entry per (name, version): two pins of one name are two components, both audited and listed. A
    # component of an SBOM keeps its origin and purl: the same name in two SBOMs (or two ecosystems) is two.
    unique: dict[tuple[str, str, str, str], Component] = {}
    for component in components:
        unique.setdefault(_identity(component), component)
    return tuple(sorted(unique.values(), key=_identity))


def _bounded(version: object, path: Path, *, line: int | None = None, location: str | None = None) -> str | None:
    """A pinned version as text, or None; one longer than any release's is bad input, not a crash later."""
    if not isinstance(version, str):
        return None
    if len(version) > MAX_VERSION_CHARS:
        raise InputError(
            f"version of {len(version)} characters; at most {MAX_VERSION_CHARS} are accepted",
            path=path,
            line=line,
            location=location,
        )
    return version


def exact_version(requirement: Requirement) -> str | None:
    """Return the version a requirement pins with ``==`` or ``===``, or None."""
    specs = list(requirement.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


def _logical_lines(text: str) -> Iterable[tuple[int, str]]:
    buffer = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not buffer:
            start = number
        line = raw
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        yield start, buffer + line
        buffer = ""
    if buffer:
        yield start, buffer


class IncludeKind(str, enum.Enum):
    """The pip options of a requirements file that name another file."""

    REQUIREMENT = "-r"  # its requirements are read as if written here
    CONSTRAINT = "-c"  # limits versions, names no component: confined, never read


_INCLUDE_OPTIONS = (
    ("--requirement", IncludeKind.REQUIREMENT),
    ("--constraint", IncludeKind.CONSTRAINT),
    ("-r", IncludeKind.REQUIREMENT),
    ("-c", IncludeKind.CONSTRAINT),
)
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(//|[^\\/])")


def _include(line: str) -> tuple[IncludeKind, str] | None:
    """Return the kind and target of a ``-r``/``-c`` line (``-r x``, ``-rx``, ``--requirement=x``), else None."""
    for option, kind in _INCLUDE_OPTIONS:
        if not line.startswith(option):
            continue
        rest = line[len(option) :]
        if option.startswith("--") and rest and rest[0] not in " \t=":
            continue  # --requirements-foo is another option
        return kind, rest.lstrip(" \t=").strip()
    return None


@dataclass
class _Reading:
    """What reading one requirements file and its includes found."""

    root: Path
    seen: set[Path] = dataclass_field(default_factory=set)
    components: list[Component] = dataclass_field(default_factory=list)
    entries: int = 0
    includes: list[str] = dataclass_field(default_factory=list)


def _confined(reading: _Reading, source: Path, line: int, kind: IncludeKind, target: str) -> Path:
    """Resolve an include against the including file; refuse anything that is not a file inside the project.

    The messages name the including file, its line and the option, never the target's content: a target
    outside the project (``/proc/self/environ``, a symlink out) is refused before anything reads it.
    """
    option = kind.value
    if not target:
        raise InputError(f"{option} names no file", path=source, line=line)
    if _URL.match(target):
        raise InputError(f"{option} names a URL; includes must be files inside the project", path=source, line=line)
    candidate = Path(target)
    if candidate.is_absolute() or target.startswith(("/", "\\", "~")):
        raise InputError(
            f"{option} names an absolute path; includes must be relative and inside the project",
            path=source,
            line=line,
        )
    try:
        resolved = (source.parent / candidate).resolve()
        root = reading.root.resolve()
    except (OSError, ValueError) as exc:  # a NUL byte in an include, a symlink loop
        raise InputError(f"cannot read requirements file: {exc}", path=source, line=line) from None
    if not resolved.is_relative_to(root):
        raise InputError(
            f"{option} names a file outside the project (through .. or a symbolic link); refused",
            path=source,
            line=line,
        )
    if kind is IncludeKind.REQUIREMENT and not resolved.is_file():
        raise InputError(f"{option} names a file that does not exist in the project", path=source, line=line)
    return resolved


def _requirements(path: Path, depth: int, reading: _Reading) -> None:
    try:
        resolved = path.resolve()
    except (OSError, ValueError) as exc:  # a NUL byte in an include, a symlink loop
        raise InputError(f"cannot read requirements file: {exc}", path=path) from None
    if resolved in reading.seen:
        return
    reading.seen.add(resolved)
    text = read_text_limited(path, root=reading.root)
    for number, raw in _logical_lines(text):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        include = _include(line)
        if include is not None:
            kind, target = include
            included = _confined(reading, path, number, kind, target)
            if kind is IncludeKind.CONSTRAINT:
                continue
            if depth >= MAX_INCLUDE_DEPTH:
                raise InputError("requirements includes nest too deeply", path=path, line=number)
            if included not in reading.seen:
                reading.includes.append(str(included))
            _requirements(included, depth + 1, reading)
            continue
        editable = line.startswith(("-e", "--editable"))
        target = re.sub(r"^(-e|--editable)[=\s]*", "", line) if editable else line
        if editable or re.match(r"^[a-z+]+://", target) or target.startswith((".", "/", "file:")):
            reading.entries += 1
            egg = re.search(r"#egg=([A-Za-z0-9._-]+)", target)
            if egg is not None:
                # A VCS or URL checkout: a component, but without a released version to audit.
                reading.components.append(Component(name=egg.group(1), version=None))
            continue  # a local path is the project's own code, not an externally provided component
        if line.startswith("-"):
            continue  # --index-url and other pip options do not name components
        spec, _, options = line.partition(" --")
        try:
            requirement = Requirement(spec.strip())
        except InvalidRequirement:
            # packaging's message quotes the line; the file and line number are enough to find it.
            raise InputError(
                "not a valid requirement (expected NAME[extras] with a version specifier, a URL, "
                "an -r/-c include or a pip option)",
                path=path,
                line=number,
            ) from None
        reading.entries += 1
        if requirement.url:
            reading.components.append(Component(name=requirement.name, version=None))
            continue
        hashes = tuple(
            sorted(
                (Hash(alg=a.lower(), value=v.lower()) for a, v in _HASH_OPTION.findall(" --" + options)),
                key=lambda h: (h.alg, h.value),
            )
        )
        reading.components.append(
            Component(
                name=requirement.name, version=_bounded(exact_version(requirement), path, line=number), hashes=hashes
            )
        )


def from_requirements(path: Path, root: Path | None = None) -> Inventory:
    """Read a requirements file, following ``-r`` includes inside ``root`` (default: the file's directory).

    ``--hash`` values are kept; ``-c`` constraint files must lie inside ``root`` too but name no component.
    """
    reading = _Reading(root=root if root is not None else path.parent)
    try:
        inside = path.resolve().is_relative_to(reading.root.resolve())
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read requirements file: {exc}", path=path) from None
    if not inside:
        raise InputError("requirements file is outside the project (through a symbolic link); refused", path=path)
    _requirements(path, 0, reading)
    return Inventory(
        kind=SourceKind.REQUIREMENTS,
        path=str(path),
        components=_sorted(reading.components),
        graph=False,
        entries=reading.entries,
        includes=tuple(reading.includes),
    )


def _toml(path: Path, root: Path | None) -> dict[str, Any]:
    return parse_toml_text(read_text_limited(path, root=root), path, "lock file does not parse")


def _str(value: Any, path: Path, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise InputError("expected a non-empty string", path=path, location=where)
    return value


def _hash_text(text: Any) -> Hash | None:
    if isinstance(text, str) and ":" in text:
        alg, value = text.split(":", 1)
        return Hash(alg=alg.lower(), value=value.lower())
    return None


def _locked_component(
    name: str, version: Any, hashes: list[Hash], dependencies: Any, path: Path, where: str
) -> Component:
    """A lock file's package: its bounded version, hashes, and the names of the packages it depends on."""
    names = {
        canonicalize_name(str(d["name"]))
        for d in (dependencies if isinstance(dependencies, list) else [])
        if isinstance(d, dict) and "name" in d
    }
    return Component(
        name=name,
        version=_bounded(version, path, location=f"{where}.version"),
        hashes=tuple(hashes),
        dependencies=tuple(sorted(names)),
    )


def from_uv_lock(path: Path, *, root: Path | None = None) -> Inventory:
    """Read ``uv.lock``: every package with its version, sdist hash and dependencies (the project itself left out)."""
    document = _toml(path, root)
    packages = document.get("package", [])
    if not isinstance(packages, list):
        raise InputError("[[package]] must be an array of tables", path=path, location="package")
    components: list[Component] = []
    for index, entry in enumerate(packages):
        where = f"package[{index}]"
        if not isinstance(entry, dict):
            raise InputError("must be a table", path=path, location=where)
        name = _str(entry.get("name"), path, f"{where}.name")
        source = entry.get("source", {})
        if isinstance(source, dict) and ("editable" in source or "virtual" in source):
            continue  # the project being locked, not a third-party component
        version = entry.get("version")
        hashes: list[Hash] = []
        sdist = entry.get("sdist")
        if isinstance(sdist, dict) and (found := _hash_text(sdist.get("hash"))):
            hashes.append(found)
        components.append(_locked_component(name, version, hashes, entry.get("dependencies"), path, where))
    return Inventory(
        kind=SourceKind.UV_LOCK, path=str(path), components=_sorted(components), graph=True, entries=len(packages)
    )


def from_pylock(path: Path, *, root: Path | None = None) -> Inventory:
    """Read a PEP 751 ``pylock.toml``: packages, versions, sdist hashes and dependencies."""
    document = _toml(path, root)
    packages = document.get("packages", [])
    if not isinstance(packages, list):
        raise InputError("[[packages]] must be an array of tables", path=path, location="packages")
    components: list[Component] = []
    has_graph = False
    for index, entry in enumerate(packages):
        where = f"packages[{index}]"
        if not isinstance(entry, dict):
            raise InputError("must be a table", path=path, location=where)
        name = _str(entry.get("name"), path, f"{where}.name")
        version = entry.get("version")
        hashes: list[Hash] = []
        sdist = entry.get("sdist")
        if isinstance(sdist, dict) and isinstance(sdist.get("hashes"), dict):
            hashes += [Hash(alg=str(a).lower(), value=str(v).lower()) for a, v in sorted(sdist["hashes"].items())]
        raw_deps = entry.get("dependencies")
        if isinstance(raw_deps, list):
            has_graph = True
        components.append(_locked_component(name, version, hashes, raw_deps, path, where))
    return Inventory(
        kind=SourceKind.PYLOCK, path=str(path), components=_sorted(components), graph=has_graph, entries=len(packages)
    )


def from_pyproject(path: Path, *, root: Path | None = None) -> Inventory:
    """Read ``[project].dependencies``; only ``==`` pins carry a version."""
    document = _toml(path, root)
    project = document.get("project", {})
    declared = project.get("dependencies", []) if isinstance(project, dict) else []
    if not isinstance(declared, list):
        raise InputError("project.dependencies must be a list", path=path, location="project.dependencies")
    components: list[Component] = []
    for index, text in enumerate(declared):
        try:
            requirement = Requirement(str(text))
        except InvalidRequirement:
            raise InputError(
                "not a valid requirement (expected NAME[extras] with a version specifier)",
                path=path,
                location=f"project.dependencies[{index}]",
            ) from None
        where = f"project.dependencies[{index}]"
        components.append(
            Component(name=requirement.name, version=_bounded(exact_version(requirement), path, location=where))
        )
    return Inventory(
        kind=SourceKind.PYPROJECT, path=str(path), components=_sorted(components), graph=False, entries=len(declared)
    )


def _licenses(meta: Any) -> tuple[str, ...]:
    expression = meta.get("License-Expression")
    if expression:
        return (str(expression).strip(),)
    found: list[str] = []
    license_text = meta.get("License")
    if license_text and "\n" not in license_text and len(license_text) <= 100 and license_text.strip() != "UNKNOWN":
        found.append(license_text.strip())
    found += [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return tuple(dict.fromkeys(found))


def _supplier(meta: Any) -> str | None:
    for field in ("Author", "Maintainer", "Author-email", "Maintainer-email"):
        value = meta.get(field)
        if value and str(value).strip() and str(value).strip() != "UNKNOWN":
            return str(value).strip()
    return None


def from_environment(paths: list[str] | None = None) -> Inventory:
    """Read the installed distributions on ``paths`` (default: this interpreter's ``sys.path``)."""
    distributions = list(metadata.distributions(path=paths) if paths is not None else metadata.distributions())
    installed: dict[str, Any] = {}
    for dist in distributions:
        meta: Any = dist.metadata
        name = meta.get("Name")
        if name and canonicalize_name(name) not in installed:
            installed[canonicalize_name(name)] = dist
    environment: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    environment["extra"] = ""
    components: list[Component] = []
    for key, dist in installed.items():
        meta = dist.metadata
        dependencies: set[str] = set()
        for text in dist.requires or []:
            try:
                requirement = Requirement(text)
            except InvalidRequirement:
                continue
            # Only unconditional requirements and those whose markers hold here, without extras.
            if requirement.marker is not None and not requirement.marker.evaluate(dict(environment)):
                continue
            dep = canonicalize_name(requirement.name)
            if dep in installed and dep != key:
                dependencies.add(dep)
        components.append(
            Component(
                name=str(meta["Name"]),
                version=str(dist.version),
                licenses=_licenses(meta),
                dependencies=tuple(sorted(dependencies)),
                supplier=_supplier(meta),
                # PEP 610: pip writes direct_url.json only for what it did not take from an index.
                direct_url=dist.read_text("direct_url.json") is not None,
            )
        )
    return Inventory(kind=SourceKind.ENVIRONMENT, path=None, components=_sorted(components), graph=True)


def interpreter_paths(python: str) -> list[str]:
    """Return the ``sys.path`` of another interpreter (its site-packages), asked through ``run_tool``."""
    from sdl_gate._tool import ToolUnavailable, run_tool

    try:
        run = run_tool([python, "-c", "import json, sys; print(json.dumps(sys.path))"], timeout=30)
    except ToolUnavailable as exc:
        raise InputError(f"cannot run the interpreter: {exc.reason}", path=python) from None
    if run.returncode != 0:
        raise InputError(f"the interpreter failed: {run.stderr.strip()[:200]}", path=python)
    paths = json.loads(run.stdout)
    return [str(p) for p in paths if p]


def load_source(kind: SourceKind, path: Path | None, root: Path | None = None) -> Inventory:
    """Load an inventory of ``kind`` from ``path`` (environment needs no path); includes stay inside ``root``."""
    match kind:
        case SourceKind.ENVIRONMENT:
            return from_environment()
        case SourceKind.REQUIREMENTS:
            if path is None:
                raise InputError("a requirements source needs a file")
            if not path.is_file():
                raise InputError("file not found", path=path)
            return from_requirements(path, root)
        case SourceKind.UV_LOCK | SourceKind.PYLOCK | SourceKind.PYPROJECT:
            if path is None:
                raise InputError(f"a {kind.value} source needs a file")
            if not path.is_file():
                raise InputError("file not found", path=path)
            loaders = {
                SourceKind.UV_LOCK: from_uv_lock,
                SourceKind.PYLOCK: from_pylock,
                SourceKind.PYPROJECT: from_pyproject,
            }
            return loaders[kind](path, root=root)
        case SourceKind.SBOM:
            from sdl_gate.sbom.readers import read_sbom

            if path is None:
                raise InputError("an SBOM source needs a file")
            return read_sbom(path, root=root).inventory


def lock_kind(path: Path) -> SourceKind:
    """Return the source kind of a lock file by its name."""
    name = path.name
    if name == "uv.lock":
        return SourceKind.UV_LOCK
    if name == "pylock.toml" or (name.startswith("pylock.") and name.endswith(".toml")):
        return SourceKind.PYLOCK
    if name.endswith(".txt"):
        return SourceKind.REQUIREMENTS
    raise InputError("not a known lock file (uv.lock, pylock.toml, pylock.*.toml, requirements*.txt)", path=path)


class SourceReason(str, enum.Enum):
    """Why a dependency source was read."""

    GIVEN = "given"  # named by the operator (``sdl-gate deps FILES``, ``sbom --file``)
    CONFIGURED = "configured"  # listed in dependency-files
    DISCOVERED = "discovered"  # found by its name in the project root


@dataclass(frozen=True)
class FoundSource:
    """A dependency source to read, and why."""

    kind: SourceKind
    path: Path
    reason: SourceReason


def discover(root: Path, configured: Iterable[str] = ()) -> list[FoundSource]:
    """Find every dependency source: the configured ones, every uv.lock, pylock*.toml and requirements*.txt in
    the project root, and pyproject.toml when it declares dependencies or is the only source.

    Configured files add to what is found, never replace it: a file the project names cannot hide another.
    """
    found: dict[Path, FoundSource] = {}
    for item in configured:
        path = root / item
        found.setdefault(path, FoundSource(lock_kind(path), path, SourceReason.CONFIGURED))
    candidates = [root / "uv.lock", root / "pylock.toml"]
    candidates += sorted(p for p in root.glob("pylock.*.toml"))
    candidates += sorted(p for p in root.glob("requirements*.txt"))
    for path in candidates:
        if path.is_file() and path not in found:
            found[path] = FoundSource(lock_kind(path), path, SourceReason.DISCOVERED)
    pyproject = root / "pyproject.toml"
    # Declaring no dependency, it adds nothing beside other sources; alone, it says the product has none.
    if pyproject.is_file() and (not found or _declares_dependencies(pyproject)):
        found[pyproject] = FoundSource(SourceKind.PYPROJECT, pyproject, SourceReason.DISCOVERED)
    return list(found.values())


def _declares_dependencies(path: Path) -> bool:
    """Whether ``[project].dependencies`` lists anything (a file that does not parse is read, to report it)."""
    try:
        project = parse_toml_text(read_text_limited(path), path).get("project")
    except InputError:
        return True
    return isinstance(project, dict) and bool(project.get("dependencies"))


def _declared_ranges_resolved(inventories: list[Inventory]) -> list[Inventory]:
    """Keep only the exact pins of ``[project].dependencies`` when a lock or requirements file is also read.

    Its ranges are what those files resolve; only when it is the sole source are they the inventory (and
    then, unpinned, they cannot be audited exactly).
    """
    if all(inv.kind is SourceKind.PYPROJECT for inv in inventories):
        return inventories
    return [
        inv.model_copy(update={"components": inv.pinned}) if inv.kind is SourceKind.PYPROJECT else inv
        for inv in inventories
    ]


def merge(inventories: list[Inventory]) -> Inventory:
    """Merge the inventories of one project's sources into one: every (name, version) of every source kept."""
    inventories = _declared_ranges_resolved(inventories)
    if len(inventories) == 1:
        return inventories[0]
    components = [c for inv in inventories for c in inv.components]
    kind = inventories[0].kind if inventories else SourceKind.PYPROJECT
    paths = ", ".join(str(inv.path) for inv in inventories if inv.path)
    return Inventory(
        kind=kind,
        path=paths or None,
        components=_sorted(components),
        graph=all(i.graph for i in inventories),
        entries=sum(i.entries for i in inventories),
        includes=tuple(path for inv in inventories for path in inv.includes),
    )


class Pin(FrozenModel):
    """One exact version of a component and the sources that pin it."""

    version: str
    sources: tuple[str, ...]


class PinConflict(FrozenModel):
    """A component pinned to different versions by the sources of one project (all of them are audited)."""

    name: str
    pins: tuple[Pin, ...]


def pin_conflicts(inventories: list[tuple[str, Inventory]]) -> tuple[PinConflict, ...]:
    """Return the components that ``(label, inventory)`` pairs pin to more than one version."""
    versions: dict[str, dict[str, list[str]]] = {}
    for label, inventory in inventories:
        for component in inventory.pinned:
            labels = versions.setdefault(component.key, {}).setdefault(str(component.version), [])
            if label not in labels:
                labels.append(label)
    return tuple(
        PinConflict(
            name=name,
            pins=tuple(Pin(version=v, sources=tuple(sorted(by_version[v]))) for v in sorted(by_version)),
        )
        for name, by_version in sorted(versions.items())
        if len(by_version) > 1
    )
