"""The data static analysis produces: per-file scan results (cached), findings, suppressions and the report."""

from __future__ import annotations

import enum
from typing import Any

from pydantic import AwareDatetime, Field, model_validator

from sdl_gate._model import FrozenModel
from sdl_gate.approvals.state import ExceptionApproval, not_verified


class Level(str, enum.Enum):
    """Bandit's severity and confidence ranks, lowest first."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """Position in the order low < medium < high."""
        match self:
            case Level.LOW:
                return 1
            case Level.MEDIUM:
                return 2
            case Level.HIGH:
                return 3

    @classmethod
    def from_bandit(cls, value: str) -> Level:
        """Map bandit's ``LOW``/``MEDIUM``/``HIGH`` (``UNDEFINED`` counts as low) to a level."""
        upper = value.upper()
        if upper == "HIGH":
            return cls.HIGH
        if upper == "MEDIUM":
            return cls.MEDIUM
        return cls.LOW


class ScanStatus(str, enum.Enum):
    """Whether bandit analysed a file."""

    ANALYSED = "analysed"
    NOT_ANALYSED = "not_analysed"


class Scope(str, enum.Enum):
    """Which files a scan covered."""

    GIT_TRACKED = "git_tracked"
    DIRECTORY = "directory"
    FILES = "files"


class BanditIssue(FrozenModel):
    """One issue as bandit reports it for one file (path-independent, so it can be cached by content)."""

    test_id: str
    test_name: str
    severity: str
    confidence: str
    cwe: int | None
    text: str
    line: int
    line_range: tuple[int, ...]
    col_offset: int
    end_col_offset: int
    code: str = Field(description="bandit's code excerpt (the `code` field of its JSON report).")
    flagged: str = Field(description="The flagged lines with whitespace collapsed: what the fingerprint hashes.")
    column: int = Field(description="1-based column in characters (bandit's col_offset counts UTF-8 bytes).")


class NosecComment(FrozenModel):
    """A comment bandit treats as ``# nosec``: what bandit silences, what it names before ``--`` and why."""

    line: int
    tests: tuple[str, ...] = Field(
        description="The test ids bandit silences on this line, by bandit's own parsing; empty means every test."
    )
    named: tuple[str, ...] = Field(description="The test ids the comment names before `--`.")
    unknown: tuple[str, ...] = Field(default=(), description="Words before `--` that name no bandit test.")
    justification: str | None


class FileScan(FrozenModel):
    """What scanning one file's content gave; cached under the content's digest."""

    status: ScanStatus
    reason: str | None = None
    issues: tuple[BanditIssue, ...] = ()
    silenced: tuple[BanditIssue, ...] = Field(
        default=(), description="Issues bandit found but left out of its report because of a # nosec comment."
    )
    nosec: tuple[NosecComment, ...] = ()
    metrics: dict[str, int] = Field(default_factory=dict)


class NosecStatus(str, enum.Enum):
    """Whether a ``# nosec`` comment kept a finding out of bandit's report, and whether that comment holds."""

    NONE = "none"
    JUSTIFIED = "justified"
    UNJUSTIFIED = "unjustified"


class SastFinding(FrozenModel):
    """A normalised static-analysis finding with its stable fingerprint."""

    fingerprint: str
    path: str
    line: int
    end_line: int
    column: int
    test_id: str
    test_name: str
    severity: Level
    confidence: Level
    cwe: int | None
    text: str
    more_info: str
    nosec: NosecStatus = Field(
        description="none: bandit reports it; justified: a # nosec that names its test and says why silences it; "
        "unjustified: a # nosec silences it without naming its test and saying why, so it counts as open."
    )
    nosec_line: int | None = Field(description="The line of the # nosec comment that silences it.")
    baselined: bool = Field(description="A baseline entry names its fingerprint (accepted only while approved).")
    tool: str = Field(default="bandit", description="The analyser that reported it (bandit, cppcheck, a SARIF tool).")
    security_severity: float | None = Field(
        default=None,
        description="The SARIF `security-severity` score (0-10) the analyser gave, which the policy's bands per "
        "tool turn into a severity; null for bandit and for results without one.",
    )


class SuppressionProblem(str, enum.Enum):
    """Why a ``# nosec`` comment is not an acceptable suppression."""

    NO_TEST_IDS = "no_test_ids"
    NO_JUSTIFICATION = "no_justification"
    UNKNOWN_TEST = "unknown_test"
    SILENCES_UNNAMED_TESTS = "silences_unnamed_tests"


class Suppression(FrozenModel):
    """A ``# nosec`` comment in an analysed file, with what is wrong with it (if anything)."""

    path: str
    line: int
    tests: tuple[str, ...] = Field(description="What bandit silences on the line; empty means every test.")
    named: tuple[str, ...] = Field(description="The test ids named before `--`.")
    justification: str | None
    problems: tuple[SuppressionProblem, ...]
    tool: str = Field(
        default="bandit", description="bandit for a # nosec; else the analyser whose SARIF suppression it is."
    )


class NotAnalysed(FrozenModel):
    """A file in scope that bandit did not analyse, and why."""

    path: str
    reason: str


class SkipReason(str, enum.Enum):
    """How the configuration keeps a bandit test from looking at the code as bandit would by default."""

    SKIPPED = "skipped"
    NOT_SELECTED = "not_selected"
    RECONFIGURED = "reconfigured"


class SkippedTest(FrozenModel):
    """A bandit test the configuration skips, leaves out of its ``tests`` list, or runs with changed settings."""

    test_id: str
    name: str
    severity: Level | None = Field(
        description="The highest severity bandit's metadata declares for the test (its blacklist level); null "
        "when bandit declares none, as for plugins, which may report any severity."
    )
    reason: SkipReason
    source: str = Field(description="The file and setting that say so, e.g. `pyproject.toml [tool.bandit] skips`.")


class Exclusion(FrozenModel):
    """A Python file in scope that the configuration (or bandit's defaults) keeps from being analysed."""

    path: str
    pattern: str = Field(description="The exclude pattern that matched, or the include globs it did not match.")
    source: str = Field(description="The file and setting the pattern comes from, or bandit's default.")


class BanditConfigInfo(FrozenModel):
    """The analyser configuration in force, and what it keeps bandit from looking at."""

    source: str | None = Field(description="Where the bandit configuration came from, or null for defaults.")
    digest: str
    tests: tuple[str, ...] = Field(description="The `tests` allow-list as configured (empty: every test runs).")
    skips: tuple[str, ...]
    excludes: tuple[str, ...]
    skipped: tuple[SkippedTest, ...] = Field(
        description="Every bandit test that does not run with its default settings, and why."
    )


class BaselineApproval(FrozenModel):
    """Who accepted a baseline entry, why, and for how long (what a waiver carries); it counts once signed."""

    approver: str = Field(min_length=1, description='Who accepts the finding, "Name <email>"; not the requester.')
    requester: str | None = Field(
        default=None,
        min_length=1,
        description='Who asks for the exception, "Name <email>"; without it the entry cannot be approved.',
    )
    justification: str = Field(min_length=10, description="Why the finding is acceptable, for a reviewer.")
    created: AwareDatetime
    expires: AwareDatetime

    @model_validator(mode="after")
    def _bounded(self) -> BaselineApproval:
        if self.expires <= self.created:
            raise ValueError("expires must be after created")
        return self


class BaselineEntry(FrozenModel):
    """One finding in the baseline file; it accepts the finding only while approved and unexpired."""

    fingerprint: str = Field(pattern=r"^[0-9a-f]{32}$")
    path: str
    test_id: str
    line: int
    approval: BaselineApproval | None = Field(
        description="null as `sdl-gate sast --write-baseline` writes it: an unapproved entry accepts nothing."
    )

    def approval_content(self) -> dict[str, Any]:
        """The entry as an approver signs it: everything but its line, which moves as the code around it does."""
        return self.model_dump(mode="json", exclude_none=True, exclude={"line"})


class BaselineState(str, enum.Enum):
    """Whether a baseline entry accepts its finding on the assessment date."""

    ACTIVE = "active"
    UNAPPROVED = "unapproved"
    NOT_SIGNED = "not_signed"  # an approval is written in, but no valid signature by an entitled approver
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


class BaselineInfo(FrozenModel):
    """The baseline file the findings were compared with, and every entry in it."""

    path: str
    sha256: str
    entries: tuple[BaselineEntry, ...]
    approvals: dict[str, ExceptionApproval] = Field(
        default_factory=dict,
        description="Each entry's verified approval verdict by fingerprint; an entry without one accepts nothing.",
    )

    def entry(self, fingerprint: str) -> BaselineEntry | None:
        """Return the entry for a finding fingerprint, if the baseline has one."""
        return next((e for e in self.entries if e.fingerprint == fingerprint), None)

    def approval(self, entry: BaselineEntry) -> ExceptionApproval:
        """The approval verdict of ``entry`` as it is now (none, or for other content: not verified)."""
        from sdl_gate._files import canonical_json, sha256_bytes

        digest = sha256_bytes(canonical_json(entry.approval_content()).encode("utf-8"))
        verdict = self.approvals.get(entry.fingerprint)
        if verdict is None or verdict.content_sha256 != digest:
            return not_verified(digest)
        return verdict


class AutomationHook(FrozenModel):
    """A place that runs the analyser automatically (pre-commit configuration or CI workflow)."""

    path: str
    detail: str


class LanguageCount(FrozenModel):
    """How many of the product's source files are in one language, and which analysers' results cover it."""

    language: str
    files: int = Field(ge=1)
    examples: tuple[str, ...] = Field(description="The first few of those files, in path order.")
    analysers: tuple[str, ...] = Field(
        description="The analysers whose results cover the language (bandit covers Python); empty: none does."
    )
    uncovered: int = Field(
        default=0, ge=0, description="How many of its files no analyser's results cover (0: all are covered)."
    )
    uncovered_examples: tuple[str, ...] = Field(default=(), description="The first few of those files.")


class SuppressionState(str, enum.Enum):
    """What an analyser's own suppression (a SARIF ``suppressions`` entry) says about a result."""

    NONE = "none"
    JUSTIFIED = "justified"
    UNJUSTIFIED = "unjustified"


class AnalyserIssue(FrozenModel):
    """One result of an analyser other than bandit (a SARIF result, or cppcheck's), repository-relative."""

    rule_id: str = Field(min_length=1)
    rule_name: str
    help_uri: str
    severity: Level = Field(description="From `security-severity` (built-in bands) or else the SARIF `level`.")
    security_severity: float | None
    confidence: Level = Field(description="From the rule's `precision` property; high when it gives none.")
    cwe: int | None
    text: str
    path: str
    line: int = Field(ge=1)
    end_line: int = Field(ge=1)
    column: int = Field(ge=1)
    partial_fingerprints: tuple[tuple[str, str], ...] = Field(
        description="The analyser's `partialFingerprints`, sorted; empty: sdl-gate computes one like bandit's."
    )
    flagged: str = Field(description="The flagged lines, whitespace collapsed (what a computed fingerprint hashes).")
    suppression: SuppressionState
    justification: str | None


class AnalyserSource(str, enum.Enum):
    """How an analyser's results reached the evidence."""

    BUILT_IN = "built_in"
    CONFIGURED = "configured"
    IMPORTED = "imported"


class RefusedResult(FrozenModel):
    """A result that names a file outside the repository (or no file): not the product's, so not counted."""

    rule_id: str
    uri: str
    reason: str


class AnalyserRun(FrozenModel):
    """One analyser run besides bandit: which tool, from where, and which repository files its results cover."""

    tool: str = Field(min_length=1)
    version: str | None
    source: AnalyserSource
    file: str | None = Field(description="The SARIF file (repository path, or the imported file's name).")
    sha256: str | None = Field(description="The SARIF file's digest (null for a built-in analyser).")
    run_index: int | None = Field(default=None, description="The run's index in the SARIF file.")
    files: tuple[str, ...] = Field(description="The repository files it analysed (its `artifacts` and results).")
    results: int = Field(ge=0, description="How many of its results became findings.")
    execution_successful: bool = Field(
        description="False when the analyser says it failed (SARIF `executionSuccessful`): it then covers no file."
    )
    not_analysed: tuple[NotAnalysed, ...] = ()
    refused: tuple[RefusedResult, ...] = ()
    problem: str | None = Field(default=None, description="Why the analyser could not run at all (fail closed).")


class SastReport(FrozenModel):
    """Everything one static-analysis run observed: the SAST evidence payload."""

    scanner: str
    scanner_version: str
    config: BanditConfigInfo
    scope: Scope
    analysed: int
    excluded: tuple[str, ...]
    exclusions: tuple[Exclusion, ...] = Field(description="Each excluded file, the pattern and where it is set.")
    not_analysed: tuple[NotAnalysed, ...]
    modified_since_commit: tuple[str, ...] = ()
    findings: tuple[SastFinding, ...]
    suppressions: tuple[Suppression, ...]
    baseline: BaselineInfo | None = None
    automation: tuple[AutomationHook, ...] = ()
    sarif: str | None = Field(default=None, description="Reference of the SARIF 2.1.0 report kept beside it.")
    languages: tuple[LanguageCount, ...] | None = Field(
        default=None,
        description="The census of the product's source files by language (the scan's file list, by name); "
        "null in evidence taken before sdl-gate counted languages, which then cannot show coverage.",
    )
    source_exclusions: tuple[Exclusion, ...] = Field(
        default=(), description="Each source file `source-exclude` keeps out of the census, and the pattern."
    )
    analysers: tuple[AnalyserRun, ...] = Field(
        default=(), description="The analysers besides bandit (cppcheck, imported SARIF) whose results are merged in."
    )
