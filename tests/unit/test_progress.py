"""Progress of a long scan: a bar on a terminal, a line now and then in a log, nothing for a short run."""

from __future__ import annotations

import io

from sdl_gate.progress import LOG_INTERVAL_SECONDS, ProgressReport, describe
from sdl_gate.sast.engine import ScanProgress


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_log_gets_a_line_per_interval_and_the_final_state() -> None:
    stream, clock = io.StringIO(), Clock()
    report = ProgressReport(stream, interactive=False, clock=clock)
    report(ScanProgress(done=100, total=1000, cache_hits=100, elapsed=0.1))
    clock.now += LOG_INTERVAL_SECONDS / 2
    report(ScanProgress(done=200, total=1000, cache_hits=100, elapsed=5.0))
    assert stream.getvalue() == ""
    clock.now += LOG_INTERVAL_SECONDS
    report(ScanProgress(done=400, total=1000, cache_hits=100, elapsed=15.0))
    report(ScanProgress(done=500, total=1000, cache_hits=100, elapsed=15.5))  # too soon after the last line
    report(ScanProgress(done=1000, total=1000, cache_hits=100, elapsed=40.0))
    report.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert "400/1000" in lines[0] and "100 from the cache" in lines[0]
    assert "1000/1000" in lines[1]
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()


def test_a_short_run_shows_nothing_in_a_log() -> None:
    stream, clock = io.StringIO(), Clock()
    report = ProgressReport(stream, interactive=False, clock=clock)
    report(ScanProgress(done=3, total=3, cache_hits=0, elapsed=0.5))
    report.close()
    assert stream.getvalue() == ""


def test_a_terminal_gets_a_bar_redrawn_in_place_and_ended_with_a_newline() -> None:
    stream, clock = io.StringIO(), Clock()
    report = ProgressReport(stream, interactive=True, clock=clock)
    for done in (10, 50, 100):
        clock.now += 1
        report(ScanProgress(done=done, total=100, cache_hits=0, elapsed=float(done)))
    report.close()
    text = stream.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and text.count("\n") == 1
    assert "100/100" in text.rsplit("\r", 1)[1]


def test_time_left_follows_the_files_actually_scanned() -> None:
    # 900 hits came at once; 100 scanned in 50 s: 900 left take about 450 s, not the 50 s all 1000 would promise.
    text = describe(ScanProgress(done=1000, total=1900, cache_hits=900, elapsed=50.0))
    assert "7 min 30 s" in text
    assert "left" not in describe(ScanProgress(done=900, total=1900, cache_hits=900, elapsed=0.2))


def test_a_closed_stream_does_not_stop_the_scan() -> None:
    stream, clock = io.StringIO(), Clock()
    report = ProgressReport(stream, interactive=True, clock=clock)
    stream.close()
    clock.now += 1
    report(ScanProgress(done=1, total=2, cache_hits=0, elapsed=1.0))
    report.close()
