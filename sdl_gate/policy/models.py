"""The policy file format (version 1) and the resolved policy an assessment applies."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, PositiveInt, field_validator, model_validator

from sdl_gate._ids import RequirementId, reject_case_duplicates
from sdl_gate._model import FrozenModel
from sdl_gate.policy.waivers import DEFAULT_MAX_WAIVER_DAYS

#: No policy may let a waiver run longer than a year: past that an exception is no longer bounded.
MAX_WAIVER_DAYS_CEILING = 366

#: A century: any age or grace period beyond it is a mistake, and date arithmetic past year 1 overflows.
MAX_DAYS = 36_500
Days = Annotated[int, Field(gt=0, le=MAX_DAYS)]


class Mode(str, enum.Enum):
    """How the gate treats one requirement."""

    ENFORCED = "enforced"
    ADVISORY = "advisory"
    DISABLED = "disabled"
    NOT_APPLICABLE = "not_applicable"


class Threshold(str, enum.Enum):
    """A minimum severity or confidence for static-analysis findings to count."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ImportedResults(str, enum.Enum):
    """When imported test results (``test-results import``) may satisfy SVV-1, SVV-2 and SUM-1."""

    NEVER = "never"
    WITH_APPROVED_RECORD = "with_approved_record"
    ALWAYS = "always"


class SeverityBands(FrozenModel):
    """The ``security-severity`` scores (0-10) at or above which an analyser's result is high, and medium."""

    high: float = Field(ge=0, le=10, description="Scores at or above this are high severity (built in: 7.0).")
    medium: float = Field(ge=0, le=10, description="Scores at or above this are medium severity (built in: 4.0).")

    @model_validator(mode="after")
    def _ordered(self) -> SeverityBands:
        if self.medium > self.high:
            raise ValueError("medium must not be above high")
        return self


class Params(FrozenModel):
    """Parameters a requirement's checks read; every field is optional and inherited when absent."""

    max_age_days: Days | None = Field(
        default=None, description="Records and reviews older than this many days no longer count."
    )
    max_patch_days: Days | None = Field(
        default=None,
        description="SUM-5: days a published vulnerability with an available fix may stay unpatched (default 30).",
    )
    vulndb_max_age_days: Days | None = Field(
        default=None,
        description="SVV-3: an offline vulnerability database whose newest advisory of the audited ecosystem was "
        "modified longer ago than this is too old to trust, whenever it was imported (default 30).",
    )
    vulndb_min_records: dict[str, PositiveInt] | None = Field(
        default=None,
        description="SVV-3: the fewest advisories (not withdrawn) an offline vulnerability database must hold for "
        "an ecosystem to have covered an audit of it, by OSV ecosystem name (default {PyPI: 1000}).",
    )
    severity_threshold: Threshold | None = Field(
        default=None, description="Static-analysis findings of this severity or higher block (default low)."
    )
    confidence_threshold: Threshold | None = Field(
        default=None, description="Static-analysis findings of this confidence or higher block (default low)."
    )
    sast_allowed_skips: tuple[Annotated[str, Field(pattern=r"^B\d+$")], ...] | None = Field(
        default=None,
        description="SI-1: bandit test ids the project's bandit configuration may skip, leave out of a `tests` "
        "list or reconfigure. Any other test may be switched off only if bandit's metadata declares it below high "
        "severity (default: none listed).",
    )
    sast_allowed_excludes: tuple[Annotated[str, Field(min_length=1)], ...] | None = Field(
        default=None,
        description="SI-1: globs (fnmatch, `*` also matches `/`) of the repository paths that the bandit "
        "configuration or bandit's defaults may keep from being analysed, e.g. `tests/*` (default: none).",
    )
    imported_test_results: ImportedResults | None = Field(
        default=None,
        description="SVV-1, SVV-2, SUM-1: whether test results imported from a JUnit file (rather than observed "
        "by the pytest plugin, check --run-tests or a named CI run) count: never, always, or "
        "with_approved_record (default): only when an approved, current test_report record links the "
        "imported file's sha256.",
    )
    sast_unanalysed_languages_allowed: tuple[Annotated[str, Field(min_length=1)], ...] | None = Field(
        default=None,
        description="SI-1 and SVV-3: source languages of the product (as the census names them, e.g. `C`) that may "
        "have no analyser result; the scoping decision is shown in every finding (default: none).",
    )
    sast_security_severity: dict[Annotated[str, Field(min_length=1, max_length=128)], SeverityBands] | None = Field(
        default=None,
        description="SI-1: per analyser (the SARIF tool name, e.g. `CodeQL`, or `*` for any), the bands that turn a "
        "result's `security-severity` score into high and medium (default: >= 7.0 high, >= 4.0 medium).",
    )


class RequirementPolicy(FrozenModel):
    """One requirement's entry in a policy file."""

    mode: Mode | None = Field(default=None, description="enforced, advisory, disabled or not_applicable.")
    justification: str | None = Field(
        default=None,
        min_length=1,
        description="Why the requirement does not apply; required for not_applicable.",
    )
    enforced_from: date | None = Field(
        default=None, description="Before this date an enforced requirement is only advisory."
    )
    params: Params | None = None
    waivable: bool | None = Field(
        default=None,
        description="Whether an active requirement waiver may lift this requirement from blocking the gate "
        "(default false: a waived requirement still blocks).",
    )

    @model_validator(mode="after")
    def _justified(self) -> RequirementPolicy:
        if self.mode is Mode.NOT_APPLICABLE and not (self.justification and self.justification.strip()):
            raise ValueError("mode not_applicable needs a justification (this is how SM-5 scoping is recorded)")
        return self


class MaturitySettings(FrozenModel):
    """What the indicative maturity ML3 and ML4 ask of the release history; absent fields are inherited."""

    min_releases: Annotated[int, Field(ge=2)] | None = Field(
        default=None,
        description="ML3: how many distinct released versions (verified earlier bundles) in a row must have had "
        "the practice complete (default 3).",
    )
    min_span_days: PositiveInt | None = Field(
        default=None,
        description="ML3: how many days those releases must span, first to last (default 90).",
    )


class Settings(FrozenModel):
    """Policy-wide settings."""

    not_assessed_blocks: bool | None = Field(
        default=None, description="Whether an enforced requirement that could not be assessed fails the gate."
    )
    evidence_max_age_days: Days | None = Field(
        default=None, description="Stored evidence collected longer ago than this is not used."
    )
    maturity: MaturitySettings | None = None
    waiver_max_days: int | None = Field(
        default=None,
        ge=1,
        le=MAX_WAIVER_DAYS_CEILING,
        description="The longest a waiver may run from created to expires (default 180, at most 366); a longer "
        "one is refused.",
    )


class PolicyFile(FrozenModel):
    """A policy file as written (``version: 1``)."""

    model_config = ConfigDict(title="sdl-gate policy")

    version: Literal[1]
    name: str | None = Field(default=None, min_length=1)
    description: str | None = None
    extends: str | None = Field(
        default=None,
        min_length=1,
        description="A built-in policy name, or a policy file relative to this one.",
    )
    settings: Settings | None = None
    defaults: RequirementPolicy | None = Field(
        default=None, description="Applied to every requirement the file does not name."
    )
    requirements: dict[RequirementId, RequirementPolicy] = Field(default_factory=dict)

    _no_case_duplicates = field_validator("requirements", mode="before")(reject_case_duplicates)


@dataclass(frozen=True)
class ResolvedRequirement:
    """One requirement's policy after inheritance, with every default filled in."""

    mode: Mode
    justification: str | None
    enforced_from: date | None
    max_age_days: int | None
    max_patch_days: int | None = None
    vulndb_max_age_days: int | None = None
    vulndb_min_records: dict[str, int] | None = None
    severity_threshold: Threshold | None = None
    confidence_threshold: Threshold | None = None
    sast_allowed_skips: tuple[str, ...] | None = None
    sast_allowed_excludes: tuple[str, ...] | None = None
    imported_test_results: ImportedResults | None = None
    sast_unanalysed_languages_allowed: tuple[str, ...] | None = None
    sast_security_severity: dict[str, SeverityBands] | None = None
    waivable: bool = False

    def effective_mode(self, today: date) -> Mode:
        """Return the mode in force on ``today`` (enforced requirements are advisory before their date)."""
        if self.mode is Mode.ENFORCED and self.enforced_from is not None and today < self.enforced_from:
            return Mode.ADVISORY
        return self.mode

    def to_json(self) -> dict[str, object]:
        """Return the JSON form used in digests and ``policy show``."""
        return {
            "mode": self.mode.value,
            "justification": self.justification,
            "enforced_from": self.enforced_from.isoformat() if self.enforced_from else None,
            "params": self._params_json(),
            "waivable": self.waivable,
        }

    def _params_json(self) -> dict[str, object]:
        params: dict[str, object] = {"max_age_days": self.max_age_days}
        # Optional parameters appear only when set, so policies that do not use them keep their digests.
        if self.max_patch_days is not None:
            params["max_patch_days"] = self.max_patch_days
        if self.vulndb_max_age_days is not None:
            params["vulndb_max_age_days"] = self.vulndb_max_age_days
        if self.vulndb_min_records is not None:
            params["vulndb_min_records"] = dict(sorted(self.vulndb_min_records.items()))
        if self.severity_threshold is not None:
            params["severity_threshold"] = self.severity_threshold.value
        if self.confidence_threshold is not None:
            params["confidence_threshold"] = self.confidence_threshold.value
        if self.sast_allowed_skips is not None:
            params["sast_allowed_skips"] = list(self.sast_allowed_skips)
        if self.sast_allowed_excludes is not None:
            params["sast_allowed_excludes"] = list(self.sast_allowed_excludes)
        if self.imported_test_results is not None:
            params["imported_test_results"] = self.imported_test_results.value
        if self.sast_unanalysed_languages_allowed is not None:
            params["sast_unanalysed_languages_allowed"] = list(self.sast_unanalysed_languages_allowed)
        if self.sast_security_severity is not None:
            params["sast_security_severity"] = {
                tool: bands.model_dump(mode="json") for tool, bands in sorted(self.sast_security_severity.items())
            }
        return params


@dataclass(frozen=True)
class MaturityRules:
    """The resolved maturity settings: ML3 needs ``min_releases`` released versions over ``min_span_days``."""

    min_releases: int = 3
    min_span_days: int = 90

    def to_json(self) -> dict[str, int]:
        """Return the JSON form used in digests and ``policy show``."""
        return {"min_releases": self.min_releases, "min_span_days": self.min_span_days}


@dataclass(frozen=True)
class Policy:
    """A fully resolved policy: every one of the 47 requirements has an entry."""

    name: str
    description: str
    source: str
    chain: tuple[str, ...]
    not_assessed_blocks: bool
    evidence_max_age_days: int
    requirements: dict[str, ResolvedRequirement]
    maturity: MaturityRules = field(default_factory=MaturityRules)
    waiver_max_days: int = DEFAULT_MAX_WAIVER_DAYS

    def to_json(self) -> dict[str, object]:
        """Return the resolved policy as JSON (what the digest covers)."""
        settings: dict[str, object] = {
            "not_assessed_blocks": self.not_assessed_blocks,
            "evidence_max_age_days": self.evidence_max_age_days,
            "waiver_max_days": self.waiver_max_days,
        }
        # Like optional parameters, maturity settings appear only when they differ from the built-in defaults,
        # so policies that keep the defaults keep their digests.
        if self.maturity != MaturityRules():
            settings["maturity"] = self.maturity.to_json()
        return {
            "name": self.name,
            "description": self.description,
            "extends": list(self.chain),
            "settings": settings,
            "requirements": {rid: entry.to_json() for rid, entry in self.requirements.items()},
        }

    @property
    def digest(self) -> str:
        """``sha256:`` digest of the resolved policy's canonical JSON."""
        from sdl_gate._files import canonical_json, sha256_bytes

        return "sha256:" + sha256_bytes(canonical_json(self.to_json()).encode("utf-8"))
