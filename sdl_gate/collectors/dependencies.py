"""The project's dependency inventory, shared by the SBOM and vulnerability collectors: the Python sources
sdl-gate reads itself and the SBOMs of other generators the project lists in ``sboms``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from sdl_gate._files import read_bytes_limited, sha256_bytes, sha256_file
from sdl_gate._model import FrozenModel
from sdl_gate.collectors.base import CollectContext
from sdl_gate.config import Project
from sdl_gate.errors import ConfigError, InputError
from sdl_gate.evidence import FileDigest
from sdl_gate.sbom.readers import MAX_SBOM_BYTES, SbomDocument, parse_sbom
from sdl_gate.sbom.sources import (
    FoundSource,
    Inventory,
    PinConflict,
    SourceKind,
    SourceReason,
    discover,
    from_environment,
    load_source,
    lock_kind,
    merge,
    pin_conflicts,
)

#: Real products ship a handful of SBOMs (image, host tools, web UI); Yocto writes one per recipe, hundreds.
MAX_SBOM_FILES = 2048


class SourceRead(FrozenModel):
    """One dependency source that was read: what it is, why it was read and what it listed."""

    kind: SourceKind
    path: str
    reason: SourceReason
    entries: int
    components: int
    pinned: int
    includes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProjectDependencies:
    """The merged inventory, the sources it came from, their digests (includes too) and conflicting pins.

    ``inventory`` is None when there is no source at all.
    """

    inventory: Inventory | None
    sources: tuple[SourceRead, ...]
    files: tuple[FileDigest, ...]
    conflicts: tuple[PinConflict, ...] = ()


def _relative(root: Path, path: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()


def _check_inside(project: Project, source: FoundSource) -> None:
    root = project.root.resolve()
    try:
        inside = source.path.resolve().is_relative_to(root)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read dependency file: {exc}", path=source.path) from None
    if source.reason is SourceReason.CONFIGURED:
        if not inside:
            raise ConfigError(
                f"dependency file {source.path} is outside the project",
                path=project.config_source,
                location="tool.sdl-gate.dependency-files",
            )
        if not source.path.is_file():
            raise ConfigError(
                f"dependency file {_relative(root, source.path)} not found",
                path=project.config_source,
                location="tool.sdl-gate.dependency-files",
            )
    elif not inside:
        raise InputError("dependency file is a symbolic link out of the project; refused", path=source.path)


def project_dependencies(project: Project, given: Sequence[Path] | None = None) -> ProjectDependencies:
    """Read every dependency source of the project, or only the files the operator ``given``.

    The one place that discovers and reads the project's dependency files, for every collector, command and
    hook. Every source found is read (the configured ones add to those found by name, never replace them),
    every pin of every source is kept, and pins of one name to different versions are reported as conflicts.
    """
    root = project.root
    if given is not None:
        found = [FoundSource(lock_kind(path), path, SourceReason.GIVEN) for path in given]
    else:
        try:
            found = discover(root, project.config.dependency_files)
        except InputError as exc:
            raise ConfigError(
                exc.message,
                path=project.config_source or exc.path,
                location="tool.sdl-gate.dependency-files",
            ) from None
    for source in found:
        _check_inside(project, source)
    if not found:
        return ProjectDependencies(None, (), ())
    inventories = [load_source(source.kind, source.path, root) for source in found]
    sources: list[SourceRead] = []
    files: list[FileDigest] = []
    for source, inventory in zip(found, inventories, strict=True):
        includes = tuple(_relative(root, Path(path)) for path in inventory.includes)
        sources.append(
            SourceRead(
                kind=source.kind,
                path=_relative(root, source.path),
                reason=source.reason,
                entries=inventory.entries,
                components=len(inventory.components),
                pinned=len(inventory.pinned),
                includes=includes,
            )
        )
        for path in (source.path, *map(Path, inventory.includes)):
            files.append(FileDigest(path=_relative(root, path), sha256=sha256_file(path)))
    unique = {(f.path, f.sha256): f for f in files}
    conflicts = pin_conflicts([(s.path, inv) for s, inv in zip(sources, inventories, strict=True)])
    return ProjectDependencies(merge(inventories), tuple(sources), tuple(unique[k] for k in sorted(unique)), conflicts)


@dataclass(frozen=True)
class ProjectSboms:
    """The SBOMs ``sboms`` in [tool.sdl-gate] names, read, in path order, with the digest of every file."""

    documents: tuple[SbomDocument, ...]
    files: tuple[FileDigest, ...]

    @property
    def inventory(self) -> Inventory | None:
        """Their components merged into one inventory, each keeping its file as origin; None without an SBOM."""
        if not self.documents:
            return None
        return merge([document.inventory for document in self.documents])


def _sbom_paths(context: CollectContext) -> list[Path]:
    """The files the ``sboms`` globs match, each inside the project; a glob that matches nothing is an error."""
    source = context.project.config_source or context.root / "pyproject.toml"
    found: dict[Path, None] = {}
    for index, pattern in enumerate(context.project.config.sboms):
        location = f"tool.sdl-gate.sboms[{index}]"
        parts = Path(pattern).parts
        if Path(pattern).is_absolute() or pattern.startswith(("/", "\\", "~")) or ".." in parts:
            raise ConfigError(
                f"SBOM glob {pattern!r} must be relative to the project and stay inside it",
                path=source,
                location=location,
            )
        if parts.count("**") > 1:  # each further ** multiplies the walk of the whole tree
            raise ConfigError(f"SBOM glob {pattern!r} has more than one **", path=source, location=location)
        try:
            # Bounded before sorting: a glob the checkout wrote must not make the run walk or read without end.
            walked = islice(context.root.glob(pattern), MAX_SBOM_FILES * 16)
            matched = sorted(path for path in walked if path.is_file())
        except (OSError, ValueError) as exc:  # an invalid pattern, a NUL byte
            raise ConfigError(f"SBOM glob {pattern!r} cannot be used: {exc}", path=source, location=location) from None
        if not matched:
            raise ConfigError(f"SBOM glob {pattern!r} matches no file", path=source, location=location)
        found.update(dict.fromkeys(matched))
        if len(found) > MAX_SBOM_FILES:
            raise ConfigError(
                f"the sboms globs match more than {MAX_SBOM_FILES} files; name the SBOMs more narrowly",
                path=source,
                location=location,
            )
    return list(found)


def project_sboms(context: CollectContext) -> ProjectSboms:
    """Read every SBOM the project lists (CycloneDX JSON/XML, SPDX JSON); a file that resolves outside the
    project, is too large or does not parse is bad input naming the file and the place."""
    documents: list[SbomDocument] = []
    files: list[FileDigest] = []
    for path in _sbom_paths(context):
        data = read_bytes_limited(path, MAX_SBOM_BYTES, root=context.root)
        relative = context.relative(path)
        # The relative path is the components' origin, so the evidence is the same on every machine.
        documents.append(parse_sbom(data, path).named(relative))
        files.append(FileDigest(path=relative, sha256=sha256_bytes(data)))
    return ProjectSboms(tuple(documents), tuple(files))


@dataclass(frozen=True)
class InstalledEnvironment:
    """An installed Python environment the operator asked to audit instead of the project's files.

    ``label`` names it in reports (the interpreter given, or ``environment``); ``paths`` is its ``sys.path``,
    None for the environment sdl-gate itself runs in.
    """

    label: str
    paths: tuple[str, ...] | None = None


def installed_environment(python: str | None) -> InstalledEnvironment:
    """The environment ``python`` runs in (asked for its ``sys.path``), or sdl-gate's own when None."""
    if python is None:
        return InstalledEnvironment("environment")
    from sdl_gate.sbom.sources import interpreter_paths

    return InstalledEnvironment(python, tuple(interpreter_paths(python)))


def environment_dependencies(environment: InstalledEnvironment) -> ProjectDependencies:
    """Every distribution installed in ``environment``, at the exact version installed: the whole tree, pinned."""
    inventory = from_environment(list(environment.paths) if environment.paths is not None else None)
    source = SourceRead(
        kind=SourceKind.ENVIRONMENT,
        path=environment.label,
        reason=SourceReason.GIVEN,
        entries=inventory.entries or len(inventory.components),
        components=len(inventory.components),
        pinned=len(inventory.pinned),
    )
    return ProjectDependencies(inventory, (source,), ())


#: Sources that pin every dependency, transitive ones included.
WHOLE_TREE_KINDS = frozenset({SourceKind.UV_LOCK, SourceKind.PYLOCK, SourceKind.ENVIRONMENT})
