"""The error hierarchy: one root error with a user-facing ``diagnostics()`` text.

The CLI catches :class:`SdlGateError` once and maps its subclasses to exit codes; library code
raises and never prints or exits.
"""

from __future__ import annotations

from pathlib import Path


class SdlGateError(Exception):
    """Root of every error sdl-gate reports to a user."""

    def diagnostics(self) -> str:
        """Return the text shown to the user: what went wrong and, where known, how to fix it."""
        return str(self)


class InputError(SdlGateError):
    """A file or argument the user gave is invalid (exit code 2)."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        location: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.location = location
        self.hint = hint
        super().__init__(self.diagnostics())

    def where(self) -> str:
        """Return ``file:line`` (and the place in the document) as far as they are known."""
        parts: list[str] = []
        if self.path is not None:
            parts.append(self.path if self.line is None else f"{self.path}:{self.line}")
        if self.location:
            parts.append(f"at {self.location}")
        return " ".join(parts)

    def diagnostics(self) -> str:
        """Return ``file:line at place: message`` plus the hint on its own line."""
        where = self.where()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class PolicyError(InputError):
    """A policy file is invalid or names an unknown built-in policy."""


class RecordError(InputError):
    """A human process record or the waiver register is invalid."""


class ApproversError(InputError):
    """The approver register is invalid, cannot be read from its trusted source, or is named twice."""


class ConfigError(InputError):
    """The ``[tool.sdl-gate]`` configuration is invalid."""


class ToolError(SdlGateError):
    """An external tool or the environment failed in a way we cannot turn into evidence (exit 3)."""
