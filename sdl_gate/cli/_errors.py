"""The one place that maps what a command raised to the documented exit code.

Exit codes: 0 passed, 1 gate failed, 2 usage or invalid input, 3 internal or tool error.
"""

from __future__ import annotations

import traceback

import click

from sdl_gate.errors import InputError, SdlGateError

EXIT_PASSED = 0
EXIT_GATE_FAILED = 1
EXIT_INVALID_INPUT = 2
EXIT_INTERNAL_ERROR = 3
#: What a shell reports for a process stopped by Ctrl-C (128 + SIGINT).
EXIT_ABORTED = 130


def run_command(command: click.Command, args: list[str]) -> int:
    """Run ``command`` on ``args`` and return its exit code; errors are reported on stderr, never raised."""
    verbose = "-v" in args or "--verbose" in args
    try:
        code = command.main(args=args, prog_name="sdl-gate", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = EXIT_INVALID_INPUT if exc.exit_code == 2 else exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        code = EXIT_ABORTED
    except InputError as exc:
        if verbose:
            traceback.print_exc()
        click.echo(f"error: {exc.diagnostics()}", err=True)
        code = EXIT_INVALID_INPUT
    except SdlGateError as exc:
        if verbose:
            traceback.print_exc()
        click.echo(f"error: {exc.diagnostics()}", err=True)
        code = EXIT_INTERNAL_ERROR
    except Exception as exc:
        if verbose:
            traceback.print_exc()
        click.echo(f"internal error: {type(exc).__name__}: {exc} (rerun with --verbose for details)", err=True)
        code = EXIT_INTERNAL_ERROR
    return code if isinstance(code, int) else EXIT_PASSED
