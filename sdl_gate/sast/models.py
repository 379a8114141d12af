"""The data static analysis produces: per-file scan results (cached), findings, suppressions and the report."""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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


class BanditIssue(_Frozen):
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


class NosecComment(_Frozen):
    """A ``# nosec`` comment: the tests it names and the justification after ``--``."""

    line: int
    tests: tuple[str, ...]
    unknown: tuple[str, ...] = ()
    justification: str | None


class FileScan(_Frozen):
    """What scanning one file's content gave; cached under the content's digest."""

    status: ScanStatus
    reason: str | None = None
    issues: tuple[BanditIssue, ...] = ()
    nosec: tuple[NosecComment, ...] = ()
    metrics: dict[str, int] = Field(default_factory=dict)


class Finding(_Frozen):
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
    baselined: bool


class SuppressionProblem(str, enum.Enum):
    """Why a ``# nosec`` comment is not an acceptable suppression."""

    NO_TEST_IDS = "no_test_ids"
    NO_JUSTIFICATION = "no_justification"
    UNKNOWN_TEST = "unknown_test"


class Suppression(_Frozen):
    """A ``# nosec`` comment in an analysed file, with what is wrong with it (if anything)."""

    path: str
    line: int
    tests: tuple[str, ...]
    justification: str | None
    problems: tuple[SuppressionProblem, ...]


class NotAnalysed(_Frozen):
    """A file in scope that bandit did not analyse, and why."""

    path: str
    reason: str


class BanditConfigInfo(_Frozen):
    """The analyser configuration in force."""

    source: str | None = Field(description="Where the bandit configuration came from, or null for defaults.")
    digest: str
    tests: tuple[str, ...]
    skips: tuple[str, ...]
    excludes: tuple[str, ...]


class BaselineInfo(_Frozen):
    """The baseline file the findings were compared with."""

    path: str
    sha256: str
    entries: int


class AutomationHook(_Frozen):
    """A place that runs the analyser automatically (pre-commit configuration or CI workflow)."""

    path: str
    detail: str


class SastReport(_Frozen):
    """Everything one static-analysis run observed: the SAST evidence payload."""

    scanner: str
    scanner_version: str
    config: BanditConfigInfo
    scope: Scope
    analysed: int
    excluded: tuple[str, ...]
    not_analysed: tuple[NotAnalysed, ...]
    modified_since_commit: tuple[str, ...] = ()
    findings: tuple[Finding, ...]
    suppressions: tuple[Suppression, ...]
    baseline: BaselineInfo | None = None
    automation: tuple[AutomationHook, ...] = ()
    sarif: str | None = Field(default=None, description="Reference of the SARIF 2.1.0 report kept beside it.")
