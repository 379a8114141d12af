"""Test results traced to security requirements, threats and mitigations (SVV-1, SVV-2).

Tests run outside the gate, so this evidence is written by the steps that run them: the pytest plugin
(:mod:`sdl_gate.pytest_plugin`, also under ``check --run-tests``) and ``sdl-gate test-results import`` for
JUnit XML. It is not in the collector registry; ``check`` reads the latest stored evidence for the assessed
commit. Several runs on one commit merge: a later result for the same test replaces the earlier one, except
that an imported result never replaces one a run observed (a claim does not overwrite an observation).
Every result carries its provenance, so the criteria can tell an observed run from an imported file.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from sdl_gate._files import MAX_INPUT_BYTES, read_bytes_limited
from sdl_gate._model import FrozenModel
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


class ProvenanceKind(str, enum.Enum):
    """Who observed a test result: only the first three are observations; ``imported`` is a claim."""

    OBSERVED_BY_PLUGIN = "observed_by_plugin"
    OBSERVED_BY_GATE = "observed_by_gate"
    CI_RUN = "ci_run"
    IMPORTED = "imported"


_OBSERVED_TEXT = {
    ProvenanceKind.OBSERVED_BY_GATE: "observed by sdl-gate check --run-tests",
    ProvenanceKind.OBSERVED_BY_PLUGIN: "observed by the sdl-gate pytest plugin",
}
#: Set by ``check --run-tests`` for the test command it starts, so the plugin records ``observed_by_gate``.
RUN_TESTS_ENV = "SDL_GATE_RUN_TESTS"


class Provenance(FrozenModel):
    """Where a test result comes from: the run that observed it, or the imported file and its statement."""

    kind: ProvenanceKind
    #: ``imported``: the operator's statement of what ran the tests and where.
    statement: str | None = None
    #: ``imported``: the JUnit file as imported (its name and sha256), which a test_report record links.
    file: str | None = None
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    #: ``ci_run``: the GitHub Actions run, taken from the standard ``GITHUB_*`` variables.
    run_id: str | None = None
    run_url: str | None = None
    runner: str | None = None
    commit: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> Provenance:
        if self.kind is ProvenanceKind.IMPORTED and not (
            self.statement and self.statement.strip() and self.sha256 and self.file
        ):
            raise ValueError("imported test results need a provenance statement, the file and its sha256")
        if self.kind is ProvenanceKind.CI_RUN and not (self.run_id and self.run_url):
            raise ValueError("a CI run needs its run id and run URL")
        return self

    @property
    def observed(self) -> bool:
        """Whether a run sdl-gate took part in observed the result (as opposed to an imported claim)."""
        return self.kind is not ProvenanceKind.IMPORTED

    def describe(self) -> str:
        """A short text for reports: how the result was obtained."""
        if self.kind is ProvenanceKind.IMPORTED:
            return f"imported from {self.file} (sha256 {self.sha256}): {self.statement}"
        if self.kind is ProvenanceKind.CI_RUN:
            return f"CI run {self.run_id} ({self.run_url}) on {self.runner or 'an unnamed runner'} at {self.commit}"
        return _OBSERVED_TEXT[self.kind]


PLUGIN_PROVENANCE = Provenance(kind=ProvenanceKind.OBSERVED_BY_PLUGIN)


def run_provenance(environ: Mapping[str, str]) -> Provenance:
    """The provenance of a run the plugin observes: under check --run-tests, in a named GitHub run, or itself.

    A GitHub Actions run is named from the standard ``GITHUB_*``/``RUNNER_*`` variables (run id and URL, runner,
    commit); under ``check --run-tests`` the gate observed the run, and the CI run, if any, is named with it.
    """
    run_id = environ.get("GITHUB_RUN_ID", "").strip()
    server = environ.get("GITHUB_SERVER_URL", "").strip()
    repository = environ.get("GITHUB_REPOSITORY", "").strip()
    ci: dict[str, str | None] = {}
    if environ.get("GITHUB_ACTIONS") == "true" and run_id and server and repository:
        ci = {
            "run_id": run_id,
            "run_url": f"{server}/{repository}/actions/runs/{run_id}",
            "runner": " ".join(x for x in (environ.get("RUNNER_NAME"), environ.get("RUNNER_OS")) if x) or None,
            "commit": environ.get("GITHUB_SHA") or None,
        }
    if environ.get(RUN_TESTS_ENV) == "1":
        return Provenance(kind=ProvenanceKind.OBSERVED_BY_GATE, **ci)
    if ci:
        return Provenance(kind=ProvenanceKind.CI_RUN, **ci)
    return PLUGIN_PROVENANCE


class TestResult(FrozenModel):
    """One test: its id, its outcome, the ids it is traced to and its provenance."""

    __test__ = False
    node_id: str
    outcome: TestOutcome
    requirements: tuple[str, ...] = ()
    threats: tuple[str, ...] = ()
    mitigations: tuple[str, ...] = ()
    provenance: Provenance = PLUGIN_PROVENANCE

    @property
    def ran(self) -> bool:
        """Whether the test ran (a skipped test examined nothing)."""
        return self.outcome is not TestOutcome.SKIPPED

    @property
    def traced(self) -> bool:
        """Whether the test is a security test: traced to a requirement, threat or mitigation."""
        return bool(self.requirements or self.threats or self.mitigations)


def payload_results(stored: StoredEvidence) -> tuple[TestResult, ...] | None:
    """The results of stored ``test_results`` evidence, validated; None when its payload is not in that form."""
    # payloads.py imports this module for TestResult.
    from sdl_gate.payloads import TestResultsPayload, Typed, typed_stored

    found = typed_stored(stored, TestResultsPayload)
    return found.payload.tests if isinstance(found, Typed) else None


def result_json(result: TestResult) -> dict[str, Any]:
    """A result as stored in the payload; provenance fields that do not apply are left out."""
    data = result.model_dump(mode="json")
    data["provenance"] = result.provenance.model_dump(mode="json", exclude_none=True)
    return data


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
        payload={"tests": [result_json(r) for r in ordered]},
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
        # Earlier results not in their form are not merged: this run's results replace them.
        for result in payload_results(previous) or ():
            merged[result.node_id] = result
        earlier_files = list(previous.evidence.subject.files)
    for result in results:
        earlier = merged.get(result.node_id)
        # An imported claim never overwrites what a run observed at this commit; an observation replaces a claim.
        if earlier is not None and earlier.provenance.observed and not result.provenance.observed:
            continue
        merged[result.node_id] = result
    evidence = results_evidence(merged.values(), commit=commit, tool=tool, files=[*earlier_files, *files])
    return store.put(evidence, now)


#: More report files than any test run writes: a glob matching more is refused rather than read.
MAX_REPORTS = 1000


def configured_reports(root: Path, patterns: Iterable[str], source: Path | None) -> list[Path]:
    """The regular files inside ``root`` the ``test-results`` globs match, sorted; a glob matching none is an error.

    The globs come from the repository, so they are confined to it: absolute or ``..`` patterns are refused and
    links are not followed out of the project.
    """

    def refused(message: str) -> InputError:
        return InputError(message, path=source, location="tool.sdl-gate.test-results")

    patterns = list(patterns)
    if not patterns:
        raise InputError("no JUnit report given and no [tool.sdl-gate] test-results globs configured")
    resolved_root = root.resolve()
    found: set[Path] = set()
    for pattern in patterns:
        if Path(pattern).is_absolute() or pattern.startswith(("/", "\\")) or ".." in Path(pattern).parts:
            raise refused(f"test-results glob {pattern!r} must stay inside the project")
        matched = 0
        for path in root.glob(pattern):
            if path.is_symlink() or not path.is_file() or resolved_root not in path.resolve().parents:
                continue
            matched += 1
            found.add(path)
            if len(found) > MAX_REPORTS:
                raise refused(f"the test-results globs match more than {MAX_REPORTS} files; refused")
        if not matched:
            # A configured report that is not there means the tests did not run (or wrote elsewhere): say so.
            raise refused(f"test-results glob {pattern!r} matches no file")
    return sorted(found)


def split_ids(value: str) -> tuple[str, ...]:
    """Split a property value ("SR-1, SR-2" or "SR-1 SR-2") into ids."""
    return tuple(part for part in value.replace(",", " ").split() if part)


def _is_file(path: Path) -> bool:
    """``Path.is_file`` for names taken from a report: too long or otherwise impossible names are no file."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _report_file(file_attr: str | None) -> str | None:
    """A report's ``file`` attribute as a project path; an absolute or escaping one (GoogleTest's __FILE__) is none."""
    if not file_attr or file_attr.startswith(("/", "\\")) or ":" in file_attr[:3]:
        return None
    parts = file_attr.replace("\\", "/").split("/")
    return None if ".." in parts else "/".join(p for p in parts if p not in ("", "."))


def _node_id(classname: str, name: str, file_attr: str | None, root: Path) -> str:
    """A test's id: pytest's node id where the class name names a module, else ``classname::name`` as written.

    CTest and jest-junit (by default) repeat the test name as its class name; such a test is known by its name.
    """
    parts = [p for p in classname.split(".") if p]
    for end in range(len(parts), 0, -1):
        candidate = "/".join(parts[:end]) + ".py"
        if _is_file(root / candidate):
            return "::".join([candidate, *parts[end:], name])
    file_attr = _report_file(file_attr)
    if file_attr and file_attr.endswith(".py"):
        return f"{file_attr}::{name}"
    if classname == name:
        return name
    # Java, Go and C++ class names keep their dots and slashes: com.example.LoginTest::rejects, pkg/path::TestX.
    # Another runner's file attribute is left out: GoogleTest writes the path the build compiled, which changes
    # with the build directory, and a test map needs ids that do not.
    return f"{classname}::{name}" if classname else name


#: ``status``/``result`` attribute values that mean the test did not run: CTest writes ``status="notrun"`` and
#: ``status="disabled"`` (the latter with no child element), GoogleTest ``status="notrun" result="suppressed"``
#: for a DISABLED_ test and ``result="skipped"`` for GTEST_SKIP (before 1.11 without a <skipped> child).
_NOT_RUN = {("status", "notrun"), ("status", "disabled"), ("result", "suppressed"), ("result", "skipped")}
#: ``status`` values that say the test failed although a runner wrote no <failure> child.
_FAILED = {("status", "fail"), ("status", "failed")}


def _uncounted(document: Any) -> set[int]:
    """The cases a suite lists but does not count, as far as they can be told: not run, whatever they claim.

    jest-junit writes an ``it.todo`` test as a <testcase> with no child and time 0 and leaves it out of the
    suite's ``tests`` count. Where a suite lists more cases than it counts, every such case (no outcome element,
    no status, zero time) is read as not run, so a todo never passes (a real 0 ms pass is read as not run too).
    """
    suspects: set[int] = set()
    for suite in document.iter("testsuite"):
        cases = suite.findall("testcase")
        declared = (suite.get("tests") or "").strip()
        if not declared.isdigit() or int(declared) >= len(cases):
            continue
        for case in cases:
            marked = any(child.tag in ("failure", "error", "skipped") for child in case)
            try:
                zero = float(case.get("time") or "0") == 0
            except ValueError:
                zero = False
            if not marked and case.get("status") is None and case.get("result") is None and zero:
                suspects.add(id(case))
    return suspects


def _outcome(case: Any) -> TestOutcome:
    """A test case's outcome from its children and the status attributes the runners write.

    <failure>/<error> win over <skipped> (pytest writes both for a failing xfail); Surefire's
    <flakyFailure>/<rerunFailure> beside a passing run are not failures of the test. A case that says it did not
    run is skipped even without a <skipped> child, so a disabled test never reads as a pass.
    """
    tags = {child.tag for child in case}
    if "failure" in tags:
        return TestOutcome.FAILED
    if "error" in tags:
        return TestOutcome.ERROR
    attributes = {(key, (case.get(key) or "").strip().lower()) for key in ("status", "result")}
    if attributes & _FAILED:
        return TestOutcome.FAILED
    if "skipped" in tags or attributes & _NOT_RUN:
        return TestOutcome.SKIPPED
    return TestOutcome.PASSED


def _links(case: Any) -> dict[str, tuple[str, ...]]:
    """The ``security.*`` links of a test case: <property> children (pytest, GoogleTest >= 1.10) or attributes.

    GoogleTest's ``RecordProperty("security.requirements", "SR-1")`` writes a <property> since 1.10 and an
    attribute of <testcase> before; a name given both ways is read once.
    """
    links: dict[str, tuple[str, ...]] = dict.fromkeys(LINK_FIELDS, ())
    for field in LINK_FIELDS:
        values = [
            prop.get("value") or "" for prop in case.iter("property") if prop.get("name") == PROPERTY_PREFIX + field
        ]
        attribute = case.get(PROPERTY_PREFIX + field)
        if attribute is not None and attribute not in values:
            values.append(attribute)
        links[field] = tuple(dict.fromkeys(i for value in values for i in split_ids(value)))
    return links


def parse_junit(path: Path, root: Path, provenance: Provenance = PLUGIN_PROVENANCE) -> list[TestResult]:
    """Read a JUnit XML report (pytest, CTest, GoogleTest, Jest, Go, Surefire) safely, with ``security.*`` links."""
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
    uncounted = _uncounted(document)
    results: list[TestResult] = []
    for index, case in enumerate(document.iter("testcase")):
        name = case.get("name")
        if not name:
            raise InputError("a <testcase> has no name", path=path, location=f"testcase[{index}]")
        results.append(
            TestResult(
                node_id=_node_id(case.get("classname") or "", name, case.get("file"), root),
                outcome=TestOutcome.SKIPPED if id(case) in uncounted else _outcome(case),
                provenance=provenance,
                **_links(case),
            )
        )
    return results
