"""Finding, loading and resolving policies, built-in or from a file, through ``extends:`` chains."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from sdl_gate._model import FrozenModel
from sdl_gate._yaml import load_yaml, validate
from sdl_gate.catalogue import load_catalogue
from sdl_gate.errors import InputError, PolicyError
from sdl_gate.placeholders import find_placeholder
from sdl_gate.policy.models import (
    Days,
    MaturityRules,
    MaturitySettings,
    Mode,
    Params,
    Policy,
    PolicyFile,
    RequirementPolicy,
    ResolvedRequirement,
)
from sdl_gate.policy.waivers import DEFAULT_MAX_WAIVER_DAYS

DEFAULT_POLICY = "iec62443-4-1-ml2"
MAX_EXTENDS_DEPTH = 8

_BASE_REQUIREMENT = ResolvedRequirement(mode=Mode.ENFORCED, justification=None, enforced_from=None, max_age_days=None)


def builtin_policy_dir() -> Path:
    """Return the directory of the built-in policies (inside the wheel, or ``policies/`` in a checkout)."""
    package_dir = Path(__file__).resolve().parent.parent
    installed = package_dir / "policies"
    return installed if installed.is_dir() else package_dir.parent / "policies"


def builtin_policy_names() -> tuple[str, ...]:
    """Return the names of the built-in policies, sorted."""
    return tuple(sorted(path.stem for path in builtin_policy_dir().glob("*.yaml")))


def _is_builtin_name(spec: str) -> bool:
    return "/" not in spec and "\\" not in spec and not spec.endswith((".yaml", ".yml"))


@dataclass(frozen=True)
class _Loaded:
    source: str
    path: Path
    file: PolicyFile


def load_policy_file(path: Path, *, root: Path | None = None) -> PolicyFile:
    """Load and validate one policy file without resolving ``extends:`` (with ``root``: inside the project)."""
    data, lines = load_yaml(path, root=root)
    try:
        return validate(PolicyFile, data, path, lines, "policy")
    except InputError as exc:
        raise PolicyError(exc.message, path=exc.path, line=exc.line, location=exc.location, hint=exc.hint) from None


def _locate(spec: str, relative_to: Path | None) -> tuple[str, Path]:
    if _is_builtin_name(spec):
        path = builtin_policy_dir() / f"{spec}.yaml"
        if not path.is_file():
            names = ", ".join(builtin_policy_names())
            raise PolicyError(f"no built-in policy named {spec!r}", hint=f"built-in policies: {names}")
        return f"builtin:{spec}", path
    path = Path(spec)
    if not path.is_absolute() and relative_to is not None:
        path = relative_to / path
    return str(spec), path


def _chain(spec: str, relative_to: Path | None, root: Path | None) -> list[_Loaded]:
    chain: list[_Loaded] = []
    seen: set[Path] = set()
    current: str | None = spec
    base = relative_to
    while current is not None:
        source, path = _locate(current, base)
        resolved = path.resolve()
        if resolved in seen:
            raise PolicyError(f"policy extends itself in a cycle through {current!r}", path=path)
        if len(chain) >= MAX_EXTENDS_DEPTH:
            raise PolicyError(f"extends: chain is longer than {MAX_EXTENDS_DEPTH} policies", path=path)
        seen.add(resolved)
        # Built-in policies ship with sdl-gate; every other file of a project's chain stays inside the project.
        inside = None if source.startswith("builtin:") else root
        loaded = _Loaded(source=source, path=path, file=load_policy_file(path, root=inside))
        chain.append(loaded)
        current = loaded.file.extends
        base = path.parent
    chain.reverse()
    return chain


def _apply(entry: ResolvedRequirement, override: RequirementPolicy) -> ResolvedRequirement:
    fields = override.model_fields_set
    result = entry
    if "mode" in fields and override.mode is not None:
        result = replace(result, mode=override.mode)
    if "justification" in fields:
        result = replace(result, justification=override.justification)
    if "enforced_from" in fields:
        result = replace(result, enforced_from=override.enforced_from)
    if "waivable" in fields and override.waivable is not None:
        result = replace(result, waivable=override.waivable)
    if override.params is not None:
        # Params and ResolvedRequirement share field names, so every parameter merges the same way.
        params = override.params
        result = replace(result, **{name: getattr(params, name) for name in params.model_fields_set})
    return result


def _apply_maturity(rules: MaturityRules, override: MaturitySettings) -> MaturityRules:
    given = {name: getattr(override, name) for name in override.model_fields_set}
    return replace(rules, **{name: value for name, value in given.items() if value is not None})


def resolve_policy(spec: str = DEFAULT_POLICY, *, relative_to: Path | None = None, root: Path | None = None) -> Policy:
    """Resolve a built-in name or a policy file path into a complete :class:`Policy`.

    ``root`` is given when the policy is the project's own: then each file of its ``extends:`` chain must be
    a regular file inside the project.
    """
    chain = _chain(spec, relative_to, root)
    catalogue = load_catalogue()
    entries = dict.fromkeys(catalogue.ids, _BASE_REQUIREMENT)
    not_assessed_blocks = True
    evidence_max_age_days = 30
    maturity = MaturityRules()
    waiver_max_days = DEFAULT_MAX_WAIVER_DAYS
    name = ""
    description = ""
    for loaded in chain:
        policy_file = loaded.file
        if policy_file.settings is not None:
            settings = policy_file.settings
            if settings.not_assessed_blocks is not None:
                not_assessed_blocks = settings.not_assessed_blocks
            if settings.evidence_max_age_days is not None:
                evidence_max_age_days = settings.evidence_max_age_days
            if settings.maturity is not None:
                maturity = _apply_maturity(maturity, settings.maturity)
            if settings.waiver_max_days is not None:
                waiver_max_days = settings.waiver_max_days
        if policy_file.defaults is not None:
            defaults = policy_file.defaults
            if defaults.mode is Mode.NOT_APPLICABLE:
                raise PolicyError(
                    "defaults cannot be not_applicable; scope requirements out one by one with a justification",
                    path=loaded.path,
                )
            for rid in entries:
                if rid not in policy_file.requirements:
                    entries[rid] = _apply(entries[rid], defaults)
        for rid, override in policy_file.requirements.items():
            entries[rid] = _apply(entries[rid], override)
        name = policy_file.name or loaded.path.stem
        description = policy_file.description or description
    for rid, entry in entries.items():
        if entry.mode is Mode.NOT_APPLICABLE:
            placeholder = find_placeholder(entry.justification)
            if placeholder is not None:
                raise PolicyError(
                    f"{rid} is not_applicable, but its justification {placeholder.describe()}; scoping a "
                    "requirement out (SM-5) needs a justification of real content",
                    path=chain[-1].path,
                    location=f"requirements.{rid}.justification",
                )
    return Policy(
        name=name,
        description=description,
        source=chain[-1].source,
        chain=tuple(loaded.source for loaded in chain[:-1]),
        not_assessed_blocks=not_assessed_blocks,
        evidence_max_age_days=evidence_max_age_days,
        requirements=entries,
        maturity=maturity,
        waiver_max_days=waiver_max_days,
    )


class _ResolvedEntry(FrozenModel):
    mode: Mode
    justification: str | None
    enforced_from: date | None
    params: Params
    waivable: bool


class _ResolvedSettings(FrozenModel):
    not_assessed_blocks: bool
    evidence_max_age_days: Days
    waiver_max_days: int
    #: Absent when the policy keeps the built-in defaults (see ``Policy.to_json``).
    maturity: MaturitySettings | None = None


class _ResolvedDocument(FrozenModel):
    """The JSON form ``policy show --format json`` prints and bundles carry: ``to_json()`` plus source and digest."""

    digest: str
    source: str
    name: str
    description: str
    extends: list[str]
    settings: _ResolvedSettings
    requirements: dict[str, _ResolvedEntry]


def resolved_policy_document(policy: Policy) -> dict[str, object]:
    """Return the resolved policy as the self-describing JSON document :func:`load_resolved_policy` reads."""
    return {"digest": policy.digest, "source": policy.source, **policy.to_json()}


def load_resolved_policy(data: bytes, *, path: Path | str) -> Policy:
    """Load a resolved policy from its JSON document; refuse it unless it covers the catalogue and its digest holds."""
    try:
        document = _ResolvedDocument.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PolicyError(f"not a resolved policy: {first['msg']}", path=path, location=where or None) from None
    ids = set(load_catalogue().ids)
    if set(document.requirements) != ids:
        missing = sorted(ids - set(document.requirements))
        extra = sorted(set(document.requirements) - ids)
        raise PolicyError(
            f"resolved policy does not cover the catalogue (missing {missing}, unknown {extra})", path=path
        )
    policy = Policy(
        name=document.name,
        description=document.description,
        source=document.source,
        chain=tuple(document.extends),
        not_assessed_blocks=document.settings.not_assessed_blocks,
        evidence_max_age_days=document.settings.evidence_max_age_days,
        maturity=_apply_maturity(MaturityRules(), document.settings.maturity or MaturitySettings()),
        waiver_max_days=document.settings.waiver_max_days,
        requirements={
            rid: ResolvedRequirement(
                mode=entry.mode,
                justification=entry.justification,
                enforced_from=entry.enforced_from,
                waivable=entry.waivable,
                **{name: getattr(entry.params, name) for name in type(entry.params).model_fields},
            )
            for rid, entry in document.requirements.items()
        },
    )
    if policy.digest != document.digest:
        raise PolicyError(
            f"resolved policy digest {document.digest} does not match its content ({policy.digest})", path=path
        )
    return policy
