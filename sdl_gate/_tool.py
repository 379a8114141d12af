"""The one place sdl-gate starts subprocesses: one-shot tools always with a timeout and captured output, and
long-lived workers with pipes (``start_piped``) that their owner stops and reaps (``stop_piped``)."""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TIMEOUT_SECONDS = 60.0
#: Caps every subprocess timeout (seconds), for CI jobs that must fail fast rather than wait for a hung tool.
TIMEOUT_ENVIRONMENT = "SDL_GATE_TOOL_TIMEOUT"


def effective_timeout(requested: float) -> float:
    """Return ``requested``, lowered to ``SDL_GATE_TOOL_TIMEOUT`` when that is set and smaller."""
    from sdl_gate.errors import InputError

    text = os.environ.get(TIMEOUT_ENVIRONMENT)
    if not text:
        return requested
    try:
        cap = float(text)
    except ValueError:
        cap = math.nan
    if not math.isfinite(cap) or cap <= 0:
        raise InputError(f"{TIMEOUT_ENVIRONMENT}={text!r} is not a positive number of seconds")
    return min(requested, cap)


def python_module(module: str) -> list[str]:
    """The argv that runs ``python -m MODULE`` with this interpreter, never importing from the working directory."""
    # `python -m` puts the working directory first on sys.path: run in a checkout (the Action's workspace, a git
    # hook's work tree), a package the checkout holds (a pull request's sdl_gate/ or click/) would be imported
    # instead of ours. -P (3.11+) leaves the working directory out and keeps PYTHONPATH; 3.10 has only -I, which
    # ignores the PYTHON* variables as well.
    return [sys.executable, "-P" if sys.version_info >= (3, 11) else "-I", "-m", module]


@dataclass(frozen=True)
class ToolRun:
    """The outcome of one subprocess that started and finished within its timeout."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


class ToolUnavailable(Exception):
    """The tool is missing, could not start, or did not finish in time; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def run_tool(
    argv: list[str],
    *,
    cwd: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
) -> ToolRun:
    """Run ``argv`` with a timeout; raise :class:`ToolUnavailable` if it is missing, fails to start or hangs."""
    timeout = effective_timeout(timeout)
    executable = shutil.which(argv[0])
    if executable is None:
        raise ToolUnavailable(f"{argv[0]} is not installed or not on PATH")
    try:
        completed = subprocess.run(
            [executable, *argv[1:]],
            cwd=cwd,
            input=stdin,
            env=None if env is None else dict(env),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ToolUnavailable(f"{argv[0]} did not finish within {timeout:g} s and was stopped") from None
    except OSError as exc:
        raise ToolUnavailable(f"{argv[0]} could not be started: {exc.strerror}") from None
    return ToolRun(argv=tuple(argv), returncode=completed.returncode, stdout=completed.stdout, stderr=completed.stderr)


#: A long-lived child that reads requests on its input and answers on its output (see ``start_piped``).
PipedProcess = subprocess.Popen[bytes]


def start_piped(argv: list[str]) -> PipedProcess:
    """Start a long-lived child with pipes to its input and output (its errors discarded); OSError if it cannot."""
    return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def kill_piped(process: PipedProcess) -> None:
    """Kill a piped child (if it is still there) without reaping it."""
    with contextlib.suppress(ProcessLookupError):
        process.kill()


def stop_piped(process: PipedProcess, *, kill: bool, grace: float) -> None:
    """End a piped child: close its input and give it ``grace`` seconds to finish (or kill it), then reap it and
    close its pipes; never leaves a child behind."""
    if kill:
        kill_piped(process)
    else:
        try:
            if process.stdin is not None:
                process.stdin.close()  # a worker's loop ends at the end of its input
            process.wait(grace)
        except (OSError, subprocess.TimeoutExpired):
            kill_piped(process)
    process.wait()
    for pipe in (process.stdin, process.stdout):
        try:
            if pipe is not None:
                pipe.close()
        except OSError:
            pass
