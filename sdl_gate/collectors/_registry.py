"""Every collector sdl-gate runs, by name: importing this loads every collector module."""

from __future__ import annotations

from sdl_gate.collectors.base import Collector
from sdl_gate.collectors.devenv import DevelopmentEnvironmentCollector
from sdl_gate.collectors.records import RecordsCollector
from sdl_gate.collectors.repository import RepositoryCollector
from sdl_gate.collectors.sast import SastCollector
from sdl_gate.collectors.sbom import SbomCollector
from sdl_gate.collectors.security_requirements import SecurityRequirementsCollector
from sdl_gate.collectors.signatures import SignaturesCollector
from sdl_gate.collectors.threat_model import ThreatModelCollector
from sdl_gate.collectors.vulns import VulnerabilityCollector
from sdl_gate.collectors.waivers import WaiversCollector

COLLECTORS: dict[str, Collector] = {
    "development_environment": DevelopmentEnvironmentCollector(),
    "records": RecordsCollector(),
    "repository": RepositoryCollector(),
    "security_requirements": SecurityRequirementsCollector(),
    "threat_model": ThreatModelCollector(),
    "sast": SastCollector(),
    "waivers": WaiversCollector(),
    "signatures": SignaturesCollector(),
    "sbom": SbomCollector(),
    "vulnerabilities": VulnerabilityCollector(),
}
