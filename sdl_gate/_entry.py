"""Console entry point; answers ``--version`` before loading the command-line framework."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the ``sdl-gate`` command line."""
    # `--version` is what scripts and hooks call to probe for the tool; answering it without
    # importing click keeps that probe at bare-interpreter speed.
    if sys.argv[1:] == ["--version"]:
        from sdl_gate import __version__

        sys.stdout.write(f"sdl-gate {__version__}\n")
        return
    from sdl_gate.cli import main as cli_main

    cli_main()
