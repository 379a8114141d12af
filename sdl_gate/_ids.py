"""Validators shared by every model that names IEC 62443-4-1 requirement ids."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator


def check_requirement_id(value: str) -> str:
    """Return the canonical (upper-case) id, or raise ``ValueError`` naming the unknown id."""
    from sdl_gate.catalogue import load_catalogue

    canonical = value.strip().upper()
    if canonical not in load_catalogue().ids:
        raise ValueError(f"{value!r} is not an IEC 62443-4-1 requirement id (see `sdl-gate catalogue`)")
    return canonical


RequirementId = Annotated[str, AfterValidator(check_requirement_id)]
