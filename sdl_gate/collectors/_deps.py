"""The project's dependency inventory, shared by the SBOM and vulnerability collectors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from sdl_gate.collectors.base import CollectContext
from sdl_gate.errors import ConfigError, InputError
from sdl_gate.evidence import FileDigest
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


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceRead(_Frozen):
    """One dependency source that was read: what it is, why it was read and what it listed."""

    kind: SourceKind
    path: str
    reason: SourceReason
    entries: int
    components: int
    pinned: int
    includes: tuple[str, ...] = ()

    @property
    def lists_nothing(self) -> bool:
        """Whether a lock or requirements file lists nothing at all (a pyproject.toml may declare no dependency)."""
        return self.entries == 0 and self.kind is not SourceKind.PYPROJECT


@dataclass(frozen=True)
class ProjectDependencies:
    """The merged inventory, the sources it came from, their digests (includes too) and conflicting pins.

    ``inventory`` is None when there is no source at all.
    """

    inventory: Inventory | None
    sources: tuple[SourceRead, ...]
    files: tuple[FileDigest, ...]
    conflicts: tuple[PinConflict, ...] = ()


def _check_inside(context: CollectContext, source: FoundSource) -> None:
    root = context.root.resolve()
    try:
        inside = source.path.resolve().is_relative_to(root)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read dependency file: {exc}", path=source.path) from None
    if source.reason is SourceReason.CONFIGURED:
        if not inside:
            raise ConfigError(
                f"dependency file {source.path} is outside the project",
                path=context.project.config_source,
                location="tool.sdl-gate.dependency-files",
            )
        if not source.path.is_file():
            raise ConfigError(
                f"dependency file {context.relative(source.path)} not found",
                path=context.project.config_source,
                location="tool.sdl-gate.dependency-files",
            )
    elif not inside:
        raise InputError("dependency file is a symbolic link out of the project; refused", path=source.path)


def project_dependencies(context: CollectContext, given: Sequence[Path] | None = None) -> ProjectDependencies:
    """Read every dependency source of the project, or only the files the operator ``given``.

    Every source found is read (the configured ones add to those found by name, never replace them), every
    pin of every source is kept, and pins of one name to different versions are reported as conflicts.
    """
    root = context.root
    if given is not None:
        found = [FoundSource(lock_kind(path), path, SourceReason.GIVEN) for path in given]
    else:
        try:
            found = discover(root, context.project.config.dependency_files)
        except InputError as exc:
            raise ConfigError(
                exc.message,
                path=context.project.config_source or exc.path,
                location="tool.sdl-gate.dependency-files",
            ) from None
    for source in found:
        _check_inside(context, source)
    if not found:
        return ProjectDependencies(None, (), ())
    inventories = [load_source(source.kind, source.path, root) for source in found]
    sources: list[SourceRead] = []
    files: list[FileDigest] = []
    for source, inventory in zip(found, inventories, strict=True):
        includes = tuple(context.relative(Path(path)) for path in inventory.includes)
        sources.append(
            SourceRead(
                kind=source.kind,
                path=context.relative(source.path),
                reason=source.reason,
                entries=inventory.entries,
                components=len(inventory.components),
                pinned=len(inventory.pinned),
                includes=includes,
            )
        )
        files.append(context.digest(source.path))
        files += [context.digest(Path(path)) for path in inventory.includes]
    unique = {(f.path, f.sha256): f for f in files}
    conflicts = pin_conflicts([(s.path, inv) for s, inv in zip(sources, inventories, strict=True)])
    return ProjectDependencies(merge(inventories), tuple(sources), tuple(unique[k] for k in sorted(unique)), conflicts)


@dataclass(frozen=True)
class InstalledEnvironment:
    """An installed Python environment the operator asked to audit instead of the project's files.

    ``label`` names it in reports (the interpreter given, or ``environment``); ``paths`` is its ``sys.path``,
    None for the environment sdl-gate itself runs in.
    """

    label: str
    paths: tuple[str, ...] | None = None


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
