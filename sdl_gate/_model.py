"""The base models every record sdl-gate reads or writes derives from.

Their validators are built when a model is first used, not when its module is imported (``defer_build``): a
command imports the models of every kind of evidence but uses a few, and building them all cost about a
tenth of a second on every run.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class FrozenModel(BaseModel):
    """Immutable, and refuses fields it does not know: what sdl-gate writes and the files users write."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class LenientFrozenModel(BaseModel):
    """Immutable, and ignores fields it does not know: the foreign formats sdl-gate imports."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)
