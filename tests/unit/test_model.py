"""The shared base models: immutable, and strict or lenient about fields they do not know."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sdl_gate._model import FrozenModel, LenientFrozenModel


class _Strict(FrozenModel):
    name: str


class _Lenient(LenientFrozenModel):
    name: str


def test_a_frozen_model_refuses_unknown_fields_and_changes() -> None:
    with pytest.raises(ValidationError):
        _Strict.model_validate({"name": "a", "extra": 1})
    model = _Strict(name="a")
    with pytest.raises(ValidationError):
        model.name = "b"  # type: ignore[misc]


def test_a_lenient_model_drops_unknown_fields_and_stays_frozen() -> None:
    model = _Lenient.model_validate({"name": "a", "extra": 1})
    assert model.model_dump() == {"name": "a"}
    with pytest.raises(ValidationError):
        model.name = "b"  # type: ignore[misc]
