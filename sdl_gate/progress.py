"""Progress of long work on a stream (stderr): a bar redrawn in place on a terminal, a plain line now and then in logs.

Never on stdout: reports (``--format json`` among them) own it. A short run shows nothing in a log.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TextIO

from sdl_gate.sast.engine import ScanProgress

#: How often a log (not a terminal) gets a line.
LOG_INTERVAL_SECONDS = 10.0
#: How often a terminal's bar is redrawn at most.
BAR_INTERVAL_SECONDS = 0.1
BAR_WIDTH = 24


def _seconds(value: float) -> str:
    whole = round(value)
    return f"{whole // 60} min {whole % 60:02d} s" if whole >= 60 else f"{whole} s"


def describe(progress: ScanProgress) -> str:
    """``1200/2900 files, 800 from the cache, about 40 s left`` (time left once anything was scanned)."""
    text = f"{progress.done}/{progress.total} files, {progress.cache_hits} from the cache"
    scanned = progress.done - progress.cache_hits
    remaining = progress.total - progress.done
    if remaining and scanned > 0:
        # The rate of files actually scanned: cache hits come at once and would promise too much.
        text += f", about {_seconds(remaining * progress.elapsed / scanned)} left"
    return text


class ProgressReport:
    """A progress sink for a scan: call it with each :class:`ScanProgress`; ``close`` ends the display."""

    def __init__(
        self,
        stream: TextIO,
        *,
        interactive: bool,
        label: str = "sast",
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._interactive = interactive
        self._label = label
        self._interval = (
            interval if interval is not None else (BAR_INTERVAL_SECONDS if interactive else LOG_INTERVAL_SECONDS)
        )
        self._clock = clock
        self._last = clock()
        self._shown = False
        self._lock = threading.Lock()

    def __call__(self, progress: ScanProgress) -> None:
        """Show ``progress`` if enough time has passed since the last display (always the final state once shown)."""
        with self._lock:
            now = self._clock()
            finished = progress.done >= progress.total
            if now - self._last < self._interval and not (finished and self._shown):
                return
            self._last = now
            self._shown = True
            try:
                if self._interactive:
                    filled = BAR_WIDTH * progress.done // max(progress.total, 1)
                    bar = "#" * filled + "-" * (BAR_WIDTH - filled)
                    self._stream.write(f"\r{self._label} [{bar}] {describe(progress)}\x1b[K")
                else:
                    self._stream.write(f"{self._label}: {describe(progress)}\n")
                self._stream.flush()
            except (OSError, ValueError):
                # A closed or broken stderr must not stop the scan.
                self._interactive = False

    def close(self) -> None:
        """End the bar's line on a terminal, so what follows starts on a line of its own."""
        with self._lock:
            if self._interactive and self._shown:
                try:
                    self._stream.write("\n")
                    self._stream.flush()
                except (OSError, ValueError):
                    pass
