"""Validators shared by every model that names IEC 62443-4-1 requirement ids."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator


def check_requirement_id(value: str) -> str:
    """Return the canonical (upper-case) id, or raise ``ValueError`` naming the unknown id."""
    from sdl_gate.catalogue import load_catalogue

    canonical = value.strip().upper()
    if canonical not in load_catalogue().ids:
        raise ValueError(f"{value!r} is not an IEC 62443-4-1 requirement id (see `sdl-gate catalogue`)")
    return canonical


RequirementId = Annotated[str, AfterValidator(check_requirement_id)]


def reject_case_duplicates(value: Any) -> Any:
    """Refuse mapping keys that name the same requirement in different spellings (``SM-1`` and ``sm-1``)."""
    if isinstance(value, dict):
        seen: dict[str, str] = {}
        for key in value:
            canonical = str(key).strip().upper()
            if canonical in seen:
                raise ValueError(f"{canonical} is given twice (as {seen[canonical]!r} and {key!r})")
            seen[canonical] = str(key)
    return value
