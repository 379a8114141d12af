"""The collector registry: every collector sdl-gate runs, by name (explicit, no import-time discovery)."""

from __future__ import annotations

from sdl_gate.collectors.base import Collector
from sdl_gate.collectors.records import RecordsCollector
from sdl_gate.collectors.repository import RepositoryCollector
from sdl_gate.collectors.sast import SastCollector
from sdl_gate.collectors.waivers import WaiversCollector

COLLECTORS: dict[str, Collector] = {
    "records": RecordsCollector(),
    "repository": RepositoryCollector(),
    "sast": SastCollector(),
    "waivers": WaiversCollector(),
}
