"""The base models every record sdl-gate reads or writes derives from."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class FrozenModel(BaseModel):
    """Immutable, and refuses fields it does not know: what sdl-gate writes and the files users write."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class LenientFrozenModel(BaseModel):
    """Immutable, and ignores fields it does not know: the foreign formats sdl-gate imports."""

    model_config = ConfigDict(frozen=True, extra="ignore")
