"""Test results traced to security requirements, threats and mitigations (SVV-1, SVV-2).

Tests run outside the gate, so this evidence is written by the steps that run them: the pytest plugin
(:mod:`sdl_gate.pytest_plugin`) and ``sdl-gate test-results import`` for JUnit XML. It is not in the
collector registry; ``check`` reads the latest stored evidence for the assessed commit. Several runs on
one commit merge: a later result for the same test replaces the earlier one.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from sdl_gate._files import MAX_INPUT_BYTES, read_bytes_limited
from sdl_gate.errors import InputError
from sdl_gate.evidence import Evidence, EvidenceKind, EvidenceStore, FileDigest, StoredEvidence, Subject, ToolInfo

KIND = EvidenceKind.TEST_RESULTS
#: JUnit ``<property>`` names carrying the links (the plugin writes them too, for pytest --junitxml).
PROPERTY_PREFIX = "security."
LINK_FIELDS = ("requirements", "threats", "mitigations")
MAX_JUNIT_BYTES = 8 * MAX_INPUT_BYTES


class TestOutcome(str, enum.Enum):
    """A test's overall result; only ``passed`` verifies anything."""

    __test__ = False  # not a pytest test class

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


class TestResult(BaseModel):
    """One test: its id, its outcome and the ids it is traced to."""

    __test__ = False
    model_config = ConfigDict(extra="forbid", frozen=True)

    node_id: str
    outcome: TestOutcome
    requirements: tuple[str, ...] = ()
    threats: tuple[str, ...] = ()
    mitigations: tuple[str, ...] = ()

    @property
    def ran(self) -> bool:
        """Whether the test ran (a skipped test examined nothing)."""
        return self.outcome is not TestOutcome.SKIPPED

    @property
    def traced(self) -> bool:
        """Whether the test is a security test: traced to a requirement, threat or mitigation."""
        return bool(self.requirements or self.threats or self.mitigations)


def payload_results(payload: Mapping[str, Any]) -> list[TestResult]:
    """The results of a ``test_results`` evidence payload, validated."""
    return [TestResult.model_validate(entry) for entry in payload["tests"]]


def results_evidence(
    results: Iterable[TestResult], *, commit: str | None, tool: tuple[str, str], files: Iterable[FileDigest] = ()
) -> Evidence:
    """Build test-results evidence; results are sorted by node id so the id is stable."""
    ordered = sorted({r.node_id: r for r in results}.values(), key=lambda r: r.node_id)
    unique_files = sorted({(f.path, f.sha256) for f in files})
    return Evidence(
        kind=KIND,
        tool=ToolInfo(name=tool[0], version=tool[1]),
        subject=Subject(commit=commit, files=tuple(FileDigest(path=p, sha256=d) for p, d in unique_files)),
        payload={"tests": [r.model_dump(mode="json") for r in ordered]},
    )


def record_results(
    root: Path,
    results: list[TestResult],
    *,
    commit: str | None,
    now: datetime,
    tool: tuple[str, str],
    files: Iterable[FileDigest] = (),
) -> StoredEvidence:
    """Store test results as the latest evidence, merged with earlier results for the same commit."""
    store = EvidenceStore(root)
    merged: dict[str, TestResult] = {}
    earlier_files: list[FileDigest] = []
    previous = store.latest(KIND)
    if isinstance(previous, StoredEvidence) and previous.evidence.subject.commit == commit:
        for entry in previous.evidence.payload.get("tests", []):
            result = TestResult.model_validate(entry)
            merged[result.node_id] = result
        earlier_files = list(previous.evidence.subject.files)
    for result in results:
        merged[result.node_id] = result
    evidence = results_evidence(merged.values(), commit=commit, tool=tool, files=[*earlier_files, *files])
    return store.put(evidence, now)


def split_ids(value: str) -> tuple[str, ...]:
    """Split a property value ("SR-1, SR-2" or "SR-1 SR-2") into ids."""
    return tuple(part for part in value.replace(",", " ").split() if part)


def _is_file(path: Path) -> bool:
    """``Path.is_file`` for names taken from a report: too long or otherwise impossible names are no file."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _node_id(classname: str, name: str, file_attr: str | None, root: Path) -> str:
    """Rebuild a pytest node id from JUnit's dotted class name (the module is the longest prefix that exists)."""
    parts = [p for p in classname.split(".") if p]
    for end in range(len(parts), 0, -1):
        candidate = "/".join(parts[:end]) + ".py"
        if _is_file(root / candidate):
            return "::".join([candidate, *parts[end:], name])
    if file_attr:
        return "::".join([file_attr, *parts[-1:], name]) if not file_attr.endswith(".py") else f"{file_attr}::{name}"
    return "::".join([*parts, name]) if parts else name


def parse_junit(path: Path, root: Path) -> list[TestResult]:
    """Read a JUnit XML report (pytest's or another runner's) safely, with the ``security.*`` properties."""
    import defusedxml.ElementTree as SafeTree
    from defusedxml import DefusedXmlException

    data = read_bytes_limited(path, MAX_JUNIT_BYTES)
    try:
        document = SafeTree.fromstring(data)
    except DefusedXmlException as exc:
        raise InputError(
            f"refused JUnit XML: {type(exc).__name__} (entities or DTDs are not allowed)", path=path
        ) from None
    except SafeTree.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise InputError(f"malformed JUnit XML: {exc}", path=path, line=line) from None
    except (LookupError, ValueError) as exc:  # an unknown encoding in the XML declaration
        raise InputError(f"malformed JUnit XML: {exc}", path=path, line=1) from None
    if document.tag not in ("testsuites", "testsuite"):
        raise InputError(f"not a JUnit XML report: the root element is <{document.tag}>", path=path, line=1)
    results: list[TestResult] = []
    for case in document.iter("testcase"):
        name = case.get("name")
        if not name:
            raise InputError("a <testcase> has no name", path=path)
        outcome = TestOutcome.PASSED
        for child in case:
            match child.tag:
                case "failure":
                    outcome = TestOutcome.FAILED
                case "error":
                    outcome = TestOutcome.ERROR
                case "skipped" if outcome is TestOutcome.PASSED:
                    outcome = TestOutcome.SKIPPED
                case _:
                    pass
        links: dict[str, tuple[str, ...]] = dict.fromkeys(LINK_FIELDS, ())
        for prop in case.iter("property"):
            key = (prop.get("name") or "").removeprefix(PROPERTY_PREFIX)
            if (prop.get("name") or "").startswith(PROPERTY_PREFIX) and key in links:
                links[key] += split_ids(prop.get("value") or "")
        results.append(
            TestResult(
                node_id=_node_id(case.get("classname") or "", name, case.get("file"), root),
                outcome=outcome,
                **links,
            )
        )
    return results
