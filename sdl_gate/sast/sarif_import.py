"""Reads SARIF 2.1.0 from any analyser (CodeQL, Semgrep, cppcheck, clang, GCC, commercial tools) into findings.

A SARIF file is untrusted input, from the checkout or handed to ``sdl-gate sast import``: it is read with a size
limit, its shape is validated, and every result must name a file inside the repository (one that does not is
refused and listed, never counted). It can only add findings and coverage: bandit's results, cppcheck's and the
census of the product's languages are taken by sdl-gate itself and are never replaced by a SARIF file.

Severity: a ``security-severity`` score (on the result, else on its rule) is banded by the policy per tool
(built in: >= 7.0 high, >= 4.0 medium, else low, as GitHub code scanning bands it); without one the SARIF
``level`` decides: ``error`` high, ``warning`` (SARIF's default) medium, ``note`` and ``none`` low. Confidence
comes from the rule's ``precision`` property (CodeQL's very-high/high, medium, low); without one it is high, so a
result counts unless the tool itself says it is imprecise.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from sdl_gate._files import read_bytes_limited, read_text_limited, sha256_bytes
from sdl_gate.errors import InputError
from sdl_gate.sast.models import (
    AnalyserIssue,
    AnalyserRun,
    AnalyserSource,
    Level,
    NosecStatus,
    RefusedResult,
    SastFinding,
    Suppression,
    SuppressionProblem,
    SuppressionState,
)

#: A SARIF file larger than this is refused (CodeQL's largest real-world outputs are a few tens of MB).
MAX_SARIF_BYTES = 64 * 1024 * 1024
#: A source file read to compute a fingerprint: larger ones are hashed by the result's message instead.
MAX_SOURCE_BYTES = 8 * 1024 * 1024
FINGERPRINT_VERSION = "sdl-gate/sarif/v1"
#: The built-in bands of ``security-severity``: the score at or above which a result is high, and medium.
DEFAULT_HIGH = 7.0
DEFAULT_MEDIUM = 4.0
#: SARIF result kinds that are not a problem found (a passed check, an informational note).
NOT_A_PROBLEM = frozenset({"pass", "notApplicable", "informational"})
#: The analysers sdl-gate runs itself, whose names no SARIF file may take.
BUILT_IN_NAMES = frozenset({"bandit", "cppcheck"})
_CWE_TAG = re.compile(r"(?:^|/)cwe[-/](\d+)$", re.IGNORECASE)


class _Sarif(BaseModel):
    # SARIF objects carry many more properties than sdl-gate reads; the ones read are validated.
    model_config = ConfigDict(
        extra="allow", frozen=True, alias_generator=to_camel, populate_by_name=True, defer_build=True
    )


class Message(_Sarif):
    """A SARIF message (only its plain text is read)."""

    text: str | None = None


class ArtifactContent(_Sarif):
    """A snippet of an artifact."""

    text: str | None = None


class ArtifactLocation(_Sarif):
    """Where an artifact is: a URI, possibly relative to a named base."""

    uri: str | None = None
    uri_base_id: str | None = None
    index: int | None = Field(default=None, ge=-1)


class Region(_Sarif):
    """Lines and columns in an artifact."""

    start_line: int | None = Field(default=None, ge=1)
    start_column: int | None = Field(default=None, ge=1)
    end_line: int | None = Field(default=None, ge=1)
    snippet: ArtifactContent | None = None


class PhysicalLocation(_Sarif):
    """A file and region."""

    artifact_location: ArtifactLocation | None = None
    region: Region | None = None


class Location(_Sarif):
    """A result's location."""

    physical_location: PhysicalLocation | None = None


class ReportingConfiguration(_Sarif):
    """A rule's default configuration."""

    level: Literal["none", "note", "warning", "error"] | None = None


class ReportingDescriptor(_Sarif):
    """A rule."""

    id: str = Field(min_length=1)
    name: str | None = None
    short_description: Message | None = None
    help_uri: str | None = None
    default_configuration: ReportingConfiguration | None = None
    properties: dict[str, Any] | None = None


class ReportingDescriptorReference(_Sarif):
    """A result's reference to its rule."""

    id: str | None = None
    index: int | None = Field(default=None, ge=-1)


class SarifSuppression(_Sarif):
    """A suppression of a result, in the source or outside it."""

    kind: Literal["inSource", "external"]
    status: Literal["accepted", "underReview", "rejected"] | None = None
    justification: str | None = None


class Result(_Sarif):
    """One result."""

    rule_id: str | None = None
    rule_index: int | None = Field(default=None, ge=-1)
    rule: ReportingDescriptorReference | None = None
    kind: Literal["pass", "open", "informational", "notApplicable", "review", "fail"] | None = None
    level: Literal["none", "note", "warning", "error"] | None = None
    message: Message
    locations: list[Location] = Field(default_factory=list)
    partial_fingerprints: dict[str, str] = Field(default_factory=dict)
    suppressions: list[SarifSuppression] | None = None
    baseline_state: Literal["new", "unchanged", "updated", "absent"] | None = None
    properties: dict[str, Any] | None = None


class ToolComponent(_Sarif):
    """The analyser (driver) or an extension of it."""

    name: str = Field(min_length=1)
    version: str | None = None
    semantic_version: str | None = None
    rules: list[ReportingDescriptor] = Field(default_factory=list)


class Tool(_Sarif):
    """The analyser that produced a run."""

    driver: ToolComponent
    extensions: list[ToolComponent] = Field(default_factory=list)


class Artifact(_Sarif):
    """A file the run looked at."""

    location: ArtifactLocation | None = None
    roles: list[str] = Field(default_factory=list)


class Invocation(_Sarif):
    """One execution of the analyser."""

    execution_successful: bool


class Run(_Sarif):
    """One analyser's run."""

    tool: Tool
    results: list[Result] | None = None
    artifacts: list[Artifact] = Field(default_factory=list)
    invocations: list[Invocation] = Field(default_factory=list)
    original_uri_base_ids: dict[str, ArtifactLocation] = Field(default_factory=dict)


class SarifLog(_Sarif):
    """A SARIF 2.1.0 log."""

    version: Literal["2.1.0"]
    runs: list[Run]


@dataclass(frozen=True)
class AnalyserResults:
    """One analyser run and the issues it reported, before fingerprints and the baseline are applied."""

    run: AnalyserRun
    issues: tuple[AnalyserIssue, ...]


def _place(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_sarif(data: bytes, path: Path | str) -> SarifLog:
    """Validate a SARIF 2.1.0 document; InputError names the file and the first place that is wrong."""
    try:
        document = json.loads(data)
    except UnicodeDecodeError:
        raise InputError("not valid UTF-8 text", path=path) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", path=path, line=exc.lineno) from None
    except RecursionError:
        raise InputError("nested too deeply to be a SARIF log", path=path) from None
    if not isinstance(document, dict):
        raise InputError("a SARIF log must be a JSON object", path=path)
    if document.get("version") != "2.1.0":
        raise InputError(
            f"not SARIF 2.1.0 (version {document.get('version')!r})",
            path=path,
            location="version",
            hint="sdl-gate reads SARIF 2.1.0, what CodeQL, Semgrep, cppcheck, clang and GCC write",
        )
    try:
        return SarifLog.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(
            f"not a valid SARIF 2.1.0 log ({exc.error_count()} problem(s)): {first['msg']}",
            path=path,
            location=_place(tuple(first["loc"])) or None,
        ) from None


def load_sarif(path: Path, *, root: Path | None = None) -> tuple[SarifLog, str]:
    """Read a SARIF file with a size limit (confined to ``root`` when given); return it and its SHA-256."""
    data = read_bytes_limited(path, MAX_SARIF_BYTES, root=root)
    return parse_sarif(data, path), sha256_bytes(data)


def _score(properties: dict[str, Any] | None) -> float | None:
    value = (properties or {}).get("security-severity")
    try:
        score = float(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else None
    except ValueError:
        return None
    # Not a number in the 0-10 range of CVSS-like scores: no score (the level then decides).
    return score if score is not None and 0.0 <= score <= 10.0 else None


def band(score: float, high: float = DEFAULT_HIGH, medium: float = DEFAULT_MEDIUM) -> Level:
    """Turn a ``security-severity`` score into a level with the given bands."""
    if score >= high:
        return Level.HIGH
    if score >= medium:
        return Level.MEDIUM
    return Level.LOW


def level_severity(level: str | None) -> Level:
    """SARIF ``level`` to a severity: error high, warning (the default) medium, note and none low."""
    match level:
        case "error":
            return Level.HIGH
        case "note" | "none":
            return Level.LOW
        case _:
            return Level.MEDIUM


def _confidence(properties: dict[str, Any] | None) -> Level:
    precision = str((properties or {}).get("precision", "")).lower()
    if precision == "medium":
        return Level.MEDIUM
    if precision == "low":
        return Level.LOW
    return Level.HIGH


def _cwe(properties: dict[str, Any] | None) -> int | None:
    tags = (properties or {}).get("tags")
    for tag in tags if isinstance(tags, list) else []:
        match = _CWE_TAG.search(str(tag))
        if match:
            return int(match.group(1))
    return None


def suppression_state(suppressions: list[SarifSuppression] | None) -> tuple[SuppressionState, str | None]:
    """An accepted suppression (status accepted or absent) with a justification holds, like a justified nosec.

    One without a justification silences the result unjustified (it counts as open); one under review or
    rejected silences nothing.
    """
    accepted = [s for s in suppressions or () if s.status in (None, "accepted")]
    if not accepted:
        return SuppressionState.NONE, None
    for suppression in accepted:
        text = (suppression.justification or "").strip()
        if text:
            return SuppressionState.JUSTIFIED, text
    return SuppressionState.UNJUSTIFIED, None


class _Resolver:
    """Turns SARIF artifact URIs into repository paths, refusing any outside the repository."""

    def __init__(self, root: Path, bases: dict[str, ArtifactLocation]) -> None:
        # Both spellings of the root: a SARIF file written through a symlinked path names the real one, or not.
        self.roots = tuple(dict.fromkeys((Path(root).absolute().as_posix(), Path(root).resolve().as_posix())))
        self.bases = bases

    def _absolute(self, uri: str) -> str | None:
        parts = urlsplit(uri)
        if parts.scheme == "file":
            return unquote(parts.path)
        if parts.scheme or parts.netloc:
            return None
        return unquote(uri)

    def resolve(self, location: ArtifactLocation | None, artifacts: list[Artifact]) -> tuple[str | None, str]:
        """Return (repository path, the URI as given), or (None, why the URI names no repository file)."""
        # A location may name its artifact by index into the run's artifacts instead of by URI.
        index = location.index if location is not None and location.uri is None else None
        if index is not None and 0 <= index < len(artifacts) and artifacts[index].location is not None:
            location = artifacts[index].location
        if location is None or not location.uri:
            return None, "names no file"
        uri = location.uri
        path = self._absolute(uri)
        if path is None:
            return None, f"{uri} is not a file URI"
        base = self.bases.get(location.uri_base_id or "") if location.uri_base_id else None
        if not posixpath.isabs(path) and base is not None and base.uri:
            prefix = self._absolute(base.uri)
            if prefix is not None and posixpath.isabs(prefix):
                path = posixpath.join(prefix, path)
        if posixpath.isabs(path):
            normal = posixpath.normpath(path)
            inside = [root for root in self.roots if normal == root or normal.startswith(root.rstrip("/") + "/")]
            if not inside:
                return None, f"{uri} is outside the repository"
            relative = posixpath.relpath(normal, inside[0])
        else:
            relative = posixpath.normpath(path)
        if relative in (".", "") or relative == ".." or relative.startswith("../"):
            return None, f"{uri} is outside the repository"
        return relative, uri


class _Sources:
    """The repository files results point into, each read once per run (a SARIF file may hold many results)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lines: dict[str, list[str] | None] = {}

    def of(self, relative: str) -> list[str] | None:
        """The file's lines, or None when it cannot be read (missing, too large, outside the repository)."""
        if relative not in self.lines:
            try:
                text: str | None = read_text_limited(self.root / relative, MAX_SOURCE_BYTES, root=self.root)
            except (InputError, OSError):
                text = None
            self.lines[relative] = text.splitlines() if text is not None else None
        return self.lines[relative]

    def flagged(self, relative: str, start: int, end: int, snippet: str | None, message: str) -> str:
        """The flagged lines of the repository file, whitespace collapsed; else the snippet, else the message."""
        lines = self.of(relative)
        if lines is not None:
            picked = [" ".join(lines[n - 1].split()) for n in range(start, end + 1) if 0 < n <= len(lines)]
            if any(picked):
                return " ".join(picked).strip()
        if snippet and snippet.strip():
            return " ".join(snippet.split())
        return " ".join(message.split())


def _rules(run: Run) -> tuple[dict[str, ReportingDescriptor], list[ReportingDescriptor]]:
    listed = [*run.tool.driver.rules, *(rule for extension in run.tool.extensions for rule in extension.rules)]
    return {rule.id: rule for rule in listed}, run.tool.driver.rules


def read_run(
    run: Run,
    index: int,
    root: Path,
    *,
    source: AnalyserSource,
    file: str | None,
    sha256: str | None,
    path: Path | str,
) -> AnalyserResults:
    """One SARIF run as issues with repository paths; results outside the repository are refused and listed."""
    by_id, by_index = _rules(run)
    resolver = _Resolver(root, run.original_uri_base_ids)
    sources = _Sources(root)
    issues: list[AnalyserIssue] = []
    refused: list[RefusedResult] = []
    files: set[str] = set()
    for artifact in run.artifacts:
        if artifact.roles and "analysisTarget" not in artifact.roles:
            continue
        relative, _ = resolver.resolve(artifact.location, run.artifacts)
        if relative is not None:
            files.add(relative)
    for number, result in enumerate(run.results or ()):
        if result.kind in NOT_A_PROBLEM or result.baseline_state == "absent":
            continue
        rule_index = (
            result.rule_index if result.rule_index is not None else (result.rule.index if result.rule else None)
        )
        rule = by_index[rule_index] if rule_index is not None and 0 <= rule_index < len(by_index) else None
        rule_id = result.rule_id or (result.rule.id if result.rule else None) or (rule.id if rule else None)
        if not rule_id:
            raise InputError(
                "the result names no rule (ruleId, rule or ruleIndex)",
                path=path,
                location=f"runs[{index}].results[{number}]",
            )
        rule = rule or by_id.get(rule_id) or by_id.get(rule_id.split("/", 1)[0])
        physical = result.locations[0].physical_location if result.locations else None
        relative, why = resolver.resolve(physical.artifact_location if physical else None, run.artifacts)
        if relative is None:
            given = physical.artifact_location.uri if physical and physical.artifact_location else None
            refused.append(RefusedResult(rule_id=rule_id, uri=given or "", reason=why))
            continue
        files.add(relative)
        region = physical.region if physical is not None and physical.region is not None else Region()
        start = region.start_line or 1
        end = max(region.end_line or start, start)
        score = _score(result.properties)
        if score is None:
            score = _score(rule.properties if rule else None)
        level = result.level or (rule.default_configuration.level if rule and rule.default_configuration else None)
        state, justification = suppression_state(result.suppressions)
        text = result.message.text or (rule.short_description.text if rule and rule.short_description else "") or ""
        issues.append(
            AnalyserIssue(
                rule_id=rule_id,
                rule_name=(rule.name if rule and rule.name else rule_id),
                help_uri=(rule.help_uri if rule and rule.help_uri else ""),
                severity=band(score) if score is not None else level_severity(level),
                security_severity=score,
                confidence=_confidence({**(rule.properties or {} if rule else {}), **(result.properties or {})}),
                cwe=_cwe(result.properties) or _cwe(rule.properties if rule else None),
                text=text,
                path=relative,
                line=start,
                end_line=end,
                column=region.start_column or 1,
                partial_fingerprints=tuple(sorted(result.partial_fingerprints.items())),
                flagged=sources.flagged(relative, start, end, region.snippet.text if region.snippet else None, text),
                suppression=state,
                justification=justification,
            )
        )
    driver = run.tool.driver
    tool = driver.name
    if source is not AnalyserSource.BUILT_IN and tool.lower() in BUILT_IN_NAMES:
        # A SARIF file never speaks as the analysers sdl-gate runs itself.
        tool = f"{tool} (SARIF)"
    successful = all(invocation.execution_successful for invocation in run.invocations)
    analyser = AnalyserRun(
        tool=tool,
        version=driver.version or driver.semantic_version,
        source=source,
        file=file,
        sha256=sha256,
        run_index=index,
        files=tuple(sorted(files)),
        results=len(issues),
        execution_successful=successful,
        refused=tuple(refused),
    )
    return AnalyserResults(run=analyser, issues=tuple(issues))


def read_sarif_file(
    path: Path, root: Path, *, source: AnalyserSource, shown: str, confine: bool
) -> tuple[AnalyserResults, ...]:
    """Every run of one SARIF file (``confine``: the file itself must be inside ``root``, as a checkout's is)."""
    log, digest = load_sarif(path, root=root if confine else None)
    return tuple(
        read_run(run, index, root, source=source, file=shown, sha256=digest, path=path)
        for index, run in enumerate(log.runs)
    )


def computed_fingerprint(tool: str, path: str, rule_id: str, flagged: str, occurrence: int) -> str:
    """Hash tool, path, rule and flagged code like bandit's fingerprint: stable when lines shift."""
    material = "\0".join((FINGERPRINT_VERSION, tool, path, rule_id, flagged, str(occurrence)))
    return sha256_bytes(material.encode("utf-8"))[:32]


def issue_findings(
    tool: str, issues: Iterable[AnalyserIssue], listed: set[str]
) -> tuple[list[SastFinding], list[Suppression]]:
    """Fingerprint an analyser's issues into findings, and its suppressions into the suppressions judged by SI-2.

    With ``partialFingerprints`` the fingerprint hashes them (with tool, path and rule); without, the flagged
    code as bandit's does. A repeated fingerprint gets an occurrence number, so no two findings share one.
    """
    findings: list[SastFinding] = []
    suppressions: list[Suppression] = []
    seen: dict[tuple[str, ...], int] = defaultdict(int)
    for issue in sorted(issues, key=lambda i: (i.path, i.line, i.column, i.rule_id, i.flagged, i.text)):
        key = (
            issue.path,
            issue.rule_id,
            json.dumps(issue.partial_fingerprints) if issue.partial_fingerprints else issue.flagged,
        )
        occurrence = seen[key]
        seen[key] += 1
        if issue.partial_fingerprints:
            material = json.dumps([list(pair) for pair in issue.partial_fingerprints])
            print_ = computed_fingerprint(tool, issue.path, issue.rule_id, "partial:" + material, occurrence)
        else:
            print_ = computed_fingerprint(tool, issue.path, issue.rule_id, issue.flagged, occurrence)
        nosec = {
            SuppressionState.NONE: NosecStatus.NONE,
            SuppressionState.JUSTIFIED: NosecStatus.JUSTIFIED,
            SuppressionState.UNJUSTIFIED: NosecStatus.UNJUSTIFIED,
        }[issue.suppression]
        if issue.suppression is not SuppressionState.NONE:
            suppressions.append(
                Suppression(
                    path=issue.path,
                    line=issue.line,
                    tests=(issue.rule_id,),
                    named=(issue.rule_id,),
                    justification=issue.justification,
                    problems=() if issue.justification else (SuppressionProblem.NO_JUSTIFICATION,),
                    tool=tool,
                )
            )
        findings.append(
            SastFinding(
                fingerprint=print_,
                path=issue.path,
                line=issue.line,
                end_line=issue.end_line,
                column=issue.column,
                test_id=issue.rule_id,
                test_name=issue.rule_name,
                severity=issue.severity,
                confidence=issue.confidence,
                cwe=issue.cwe,
                text=issue.text,
                more_info=issue.help_uri,
                nosec=nosec,
                nosec_line=issue.line if nosec is not NosecStatus.NONE else None,
                baselined=print_ in listed,
                tool=tool,
                security_severity=issue.security_severity,
            )
        )
    return findings, suppressions
