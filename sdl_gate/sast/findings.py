"""From a scan run to findings with stable fingerprints, suppressions, the bandit JSON report and a baseline."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field

from sdl_gate._files import pretty_json, read_bytes_limited, read_text_limited, sha256_bytes, write_atomic
from sdl_gate._model import FrozenModel
from sdl_gate._yaml import parse_yaml_text, validate
from sdl_gate.approvals.state import ExceptionApproval
from sdl_gate.errors import InputError
from sdl_gate.policy.waivers import WaiverRegister
from sdl_gate.sast.engine import ScanRun
from sdl_gate.sast.languages import BANDIT_LANGUAGE, count_languages, language_map
from sdl_gate.sast.models import (
    AutomationHook,
    BanditConfigInfo,
    BanditIssue,
    BaselineEntry,
    BaselineInfo,
    Level,
    NosecComment,
    NosecStatus,
    NotAnalysed,
    SastFinding,
    SastReport,
    ScanStatus,
    Suppression,
    SuppressionProblem,
)
from sdl_gate.sast.sarif_import import AnalyserResults, issue_findings

FINGERPRINT_VERSION = "sdl-gate/sast/v1"
MAX_BASELINE_BYTES = 32 * 1024 * 1024


def fingerprint(path: str, test_id: str, flagged: str, occurrence: int) -> str:
    """Hash the normalised path, test id, flagged code and occurrence index: stable under line shifts."""
    material = "\0".join((FINGERPRINT_VERSION, path, test_id, flagged, str(occurrence)))
    return sha256_bytes(material.encode("utf-8"))[:32]


def more_info(test_id: str) -> str:
    """Return bandit's documentation link for a test id (as its JSON report gives it)."""
    from bandit.core import docs_utils

    return str(docs_utils.get_url(test_id))


BASELINE_VERSION = 2


class BaselineFile(FrozenModel):
    """``sdl-gate sast --write-baseline`` output: findings accepted, each by an approver until an expiry."""

    model_config = ConfigDict(title="sdl-gate SAST baseline")

    version: Literal[2]
    tool: Literal["bandit"]
    findings: list[BaselineEntry] = Field(default_factory=list)


def load_baseline(path: Path, *, root: Path | None = None) -> tuple[BaselineFile, str] | None:
    """Load a baseline file and its SHA-256; None when it does not exist (with ``root``: inside the project)."""
    if not path.exists():
        return None
    text = read_text_limited(path, MAX_BASELINE_BYTES, root=root)
    data, lines = parse_yaml_text(text, path)
    if isinstance(data, dict) and data.get("version") == 1:
        raise InputError(
            "a version 1 SAST baseline accepts findings without an approver or expiry, which no longer counts",
            path=path,
            line=lines.line_for(("version",)),
            location="version",
            hint="run `sdl-gate sast --write-baseline` to rewrite it as version 2, then fill in each entry's "
            "approval (approver, justification, created, expires)",
        )
    baseline = validate(BaselineFile, data, path, lines, "SAST baseline")
    seen: dict[str, int] = {}
    for index, entry in enumerate(baseline.findings):
        if entry.fingerprint in seen:
            raise InputError(
                f"duplicate fingerprint {entry.fingerprint} (first at findings[{seen[entry.fingerprint]}])",
                path=path,
                line=lines.line_for(("findings", index, "fingerprint")),
                location=f"findings[{index}].fingerprint",
            )
        seen[entry.fingerprint] = index
    return baseline, sha256_bytes(text.encode("utf-8"))


def read_existing_baseline(path: Path) -> dict[str, BaselineEntry]:
    """The entries of the baseline being rewritten, by fingerprint; a version 1 file has none worth keeping."""
    if not path.is_file():
        return {}
    data, _ = parse_yaml_text(read_text_limited(path, MAX_BASELINE_BYTES), path)
    if isinstance(data, dict) and data.get("version") == 1:
        return {}
    loaded = load_baseline(path)
    return {entry.fingerprint: entry for entry in loaded[0].findings} if loaded else {}


def write_baseline(path: Path, findings: tuple[SastFinding, ...]) -> tuple[int, int]:
    """Write every finding bandit reports or an unjustified nosec silences (atomically).

    An entry already approved for the same fingerprint keeps its approval; every other entry is written
    unapproved and accepts nothing until someone fills in its approval. Returns (entries, unapproved).
    """
    if path.is_dir():
        raise InputError("is a directory; the baseline needs a file path", path=path)
    existing = read_existing_baseline(path)
    entries: dict[str, BaselineEntry] = {}
    for finding in sorted(findings, key=lambda f: (f.path, f.line, f.test_id, f.fingerprint)):
        if finding.nosec is NosecStatus.JUSTIFIED:
            continue
        previous = existing.get(finding.fingerprint)
        entries[finding.fingerprint] = BaselineEntry(
            fingerprint=finding.fingerprint,
            path=finding.path,
            test_id=finding.test_id,
            line=finding.line,
            approval=previous.approval if previous is not None else None,
        )
    document = {
        "version": BASELINE_VERSION,
        "tool": "bandit",
        "findings": [entry.model_dump(mode="json") for entry in entries.values()],
    }
    try:
        write_atomic(path, pretty_json(document))
    except OSError as exc:
        raise InputError(f"cannot write the baseline: {exc.strerror}", path=path) from None
    return len(entries), sum(1 for entry in entries.values() if entry.approval is None)


_RUNS_ANALYSER = (re.compile(r"\bsdl-gate\s+(?:sast|check)\b"), re.compile(r"\bbandit\s+-\S+"))
#: Hook ids that run the analyser whatever their entry says: sdl-gate's own (which `init` installs) and bandit's.
_ANALYSER_HOOK_IDS = frozenset({"sdl-sast", "bandit"})
_ANALYSER_ENTRY = re.compile(r"^\s*(?:\S*/)?(?:sdl-gate\s+(?:sast|check)|bandit)\b")
MAX_AUTOMATION_BYTES = 1024 * 1024


def _analyser_hooks(text: str, path: Path) -> list[str]:
    """The ids of the pre-commit hooks that run the analyser at a stage other than ``manual``."""
    try:
        data, _ = parse_yaml_text(text, path)
    except InputError:
        return []  # pre-commit cannot read it either, so it runs nothing
    repos = data.get("repos") if isinstance(data, dict) else None
    ids: set[str] = set()
    for repo in repos if isinstance(repos, list) else []:
        hooks = repo.get("hooks") if isinstance(repo, dict) else None
        for hook in hooks if isinstance(hooks, list) else []:
            if not isinstance(hook, dict) or not isinstance(hook.get("id"), str):
                continue
            entry = hook.get("entry")
            runs = hook["id"] in _ANALYSER_HOOK_IDS or (isinstance(entry, str) and _ANALYSER_ENTRY.match(entry))
            stages = hook.get("stages")
            # A hook only on the manual stage runs when someone asks, not automatically.
            manual_only = isinstance(stages, list) and bool(stages) and all(s == "manual" for s in stages)
            if runs and not manual_only:
                ids.add(hook["id"])
    return sorted(ids)


def find_automation(root: Path) -> tuple[AutomationHook, ...]:
    """Find where the analyser runs automatically: pre-commit hooks and CI workflows that call it."""
    found: list[AutomationHook] = []

    def text_of(path: Path) -> str | None:
        if not path.is_file():
            return None
        try:
            data = read_bytes_limited(path, MAX_AUTOMATION_BYTES, root=root)
        except InputError:
            return None  # too large, or not a regular file inside the project: it runs nothing we can tell
        return data.decode("utf-8", errors="replace")

    pre_commit = text_of(root / ".pre-commit-config.yaml")
    if pre_commit is not None:
        ids = _analyser_hooks(pre_commit, root / ".pre-commit-config.yaml")
        if ids:
            found.append(AutomationHook(path=".pre-commit-config.yaml", detail="pre-commit hook " + ", ".join(ids)))
    candidates = sorted((root / ".github" / "workflows").glob("*.y*ml")) if (root / ".github").is_dir() else []
    candidates += [root / ".gitlab-ci.yml"]
    for path in candidates:
        text = text_of(path)
        if text is None:
            continue
        match = _RUNS_ANALYSER[0].search(text) or _RUNS_ANALYSER[1].search(text)
        if match:
            relative = path.relative_to(root).as_posix()
            found.append(AutomationHook(path=relative, detail=f"CI runs `{match.group(0)}`"))
    return tuple(found)


def suppression_problems(comment: NosecComment) -> tuple[SuppressionProblem, ...]:
    """What keeps a ``# nosec`` from being an acceptable suppression: judged on what bandit silences."""
    problems: list[SuppressionProblem] = []
    if not comment.tests:
        # bandit silences every test on the line: a bare nosec, or any spelling it cannot resolve to a test.
        problems.append(SuppressionProblem.NO_TEST_IDS)
        if comment.unknown:
            problems.append(SuppressionProblem.UNKNOWN_TEST)
    elif set(comment.tests) - set(comment.named):
        # bandit reads test names anywhere up to the next '#', the justification included.
        problems.append(SuppressionProblem.SILENCES_UNNAMED_TESTS)
    if not comment.justification:
        problems.append(SuppressionProblem.NO_JUSTIFICATION)
    return tuple(problems)


def _suppressions(path: str, comments: tuple[NosecComment, ...]) -> list[Suppression]:
    return [
        Suppression(
            path=path,
            line=comment.line,
            tests=comment.tests,
            named=comment.named,
            justification=comment.justification,
            problems=suppression_problems(comment),
        )
        for comment in comments
    ]


def _silenced_by(issue: BanditIssue, suppressions: list[Suppression]) -> tuple[NosecStatus, int | None]:
    """Whether the nosec that silenced ``issue`` holds: one on its lines, without problems, naming its test.

    bandit applies a comment on the issue's line or on any line of the statement it sits in; an issue no
    acceptable comment accounts for counts as silenced without justification (failing closed).
    """
    lines = {issue.line, *range(min(issue.line_range or (issue.line,)), max(issue.line_range or (issue.line,)) + 1)}
    covering = [s for s in suppressions if s.line in lines]
    for suppression in covering:
        if not suppression.problems and issue.test_id in suppression.tests:
            return NosecStatus.JUSTIFIED, suppression.line
    return NosecStatus.UNJUSTIFIED, covering[0].line if covering else None


def build_report(
    run: ScanRun,
    *,
    baseline: tuple[BaselineFile, str] | None = None,
    baseline_path: str | None = None,
    baseline_approvals: Mapping[str, ExceptionApproval] | None = None,
    automation: tuple[AutomationHook, ...] = (),
    languages: Mapping[str, tuple[str, ...]] | None = None,
    source_exclude: tuple[str, ...] = (),
    analysers: tuple[AnalyserResults, ...] = (),
) -> SastReport:
    """Normalise a run into the SAST report: fingerprinted findings, suppressions, coverage, configuration.

    ``languages`` (language -> file name globs, default the built-in map) sets how the census counts the
    scope's files by language, and ``source_exclude`` which source files it leaves out (each one listed).
    ``analysers`` (cppcheck, SARIF from other tools) add their findings, suppressions and the files they cover.
    """
    listed = {entry.fingerprint for entry in baseline[0].findings} if baseline else set()
    findings: list[SastFinding] = []
    suppressions: list[Suppression] = []
    not_analysed: list[NotAnalysed] = []
    analysed = 0
    for result in run.results:
        relative = result.target.relative
        scan = result.scan
        if scan.status is ScanStatus.NOT_ANALYSED:
            not_analysed.append(NotAnalysed(path=relative, reason=scan.reason or "not analysed"))
            continue
        analysed += 1
        in_file = _suppressions(relative, scan.nosec)
        suppressions += in_file
        seen: dict[tuple[str, str], int] = defaultdict(int)
        everything = [(issue, False) for issue in scan.issues] + [(issue, True) for issue in scan.silenced]
        for issue, silenced in sorted(
            everything, key=lambda i: (i[0].line, i[0].col_offset, i[0].test_id, i[0].flagged)
        ):
            occurrence = seen[(issue.test_id, issue.flagged)]
            seen[(issue.test_id, issue.flagged)] += 1
            print_ = fingerprint(relative, issue.test_id, issue.flagged, occurrence)
            nosec, nosec_line = _silenced_by(issue, in_file) if silenced else (NosecStatus.NONE, None)
            findings.append(
                SastFinding(
                    fingerprint=print_,
                    path=relative,
                    line=issue.line,
                    end_line=max(issue.line_range) if issue.line_range else issue.line,
                    column=issue.column,
                    test_id=issue.test_id,
                    test_name=issue.test_name,
                    severity=Level.from_bandit(issue.severity),
                    confidence=Level.from_bandit(issue.confidence),
                    cwe=issue.cwe,
                    text=issue.text,
                    more_info=more_info(issue.test_id),
                    nosec=nosec,
                    nosec_line=nosec_line,
                    baselined=print_ in listed,
                )
            )
    settings = run.settings
    baseline_info = (
        BaselineInfo(
            path=baseline_path or "",
            sha256=baseline[1],
            entries=tuple(baseline[0].findings),
            approvals=dict(baseline_approvals or {}),
        )
        if baseline
        else None
    )
    covered_files: dict[str, set[str]] = {}
    for extra in analysers:
        more, noted = issue_findings(extra.run.tool, extra.issues, listed)
        findings += more
        suppressions += noted
        if extra.run.execution_successful and extra.run.problem is None:
            # A file the analyser could not analyse is not covered, whatever else it says.
            failed = {item.path for item in extra.run.not_analysed}
            # Named with its file, so coverage a SARIF file claims is always shown with where it came from.
            label = extra.run.tool if extra.run.file is None else f"{extra.run.tool} ({extra.run.file})"
            covered_files.setdefault(label, set()).update(set(extra.run.files) - failed)
    # bandit's results cover Python only when it analysed some of it; its exclusions are judged on their own.
    covered = {BANDIT_LANGUAGE: ("bandit",)} if analysed else {}
    census, source_exclusions = count_languages(
        run.selection.files,
        language_map({}) if languages is None else languages,
        covered,
        source_exclude,
        analysed=covered_files,
    )
    return SastReport(
        scanner="bandit",
        scanner_version=settings.version,
        config=BanditConfigInfo(
            source=settings.source,
            digest=settings.digest,
            tests=settings.tests,
            skips=settings.skips,
            excludes=settings.excludes,
            skipped=settings.skipped,
        ),
        scope=run.selection.scope,
        analysed=analysed,
        excluded=run.selection.excluded,
        exclusions=run.selection.exclusions,
        not_analysed=tuple(not_analysed),
        modified_since_commit=run.selection.modified,
        findings=tuple(sorted(findings, key=lambda f: (f.path, f.line, f.column, f.test_id, f.fingerprint))),
        suppressions=tuple(sorted(suppressions, key=lambda s: (s.path, s.line))),
        baseline=baseline_info,
        automation=automation,
        languages=census,
        source_exclusions=source_exclusions,
        analysers=tuple(extra.run for extra in analysers),
    )


def bandit_json(run: ScanRun) -> dict[str, Any]:
    """The run as ``bandit -f json`` reports it (paths repo-relative, no timestamp, so it is reproducible)."""
    results: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    metrics: dict[str, dict[str, int]] = {}
    totals: dict[str, int] = defaultdict(int)
    for result in run.results:
        relative = result.target.relative
        scan = result.scan
        if scan.status is ScanStatus.NOT_ANALYSED:
            errors.append({"filename": relative, "reason": scan.reason or "not analysed"})
            continue
        metrics[relative] = dict(scan.metrics)
        for name, value in scan.metrics.items():
            totals[name] += value
        for issue in scan.issues:
            results.append(
                {
                    "code": issue.code,
                    "col_offset": issue.col_offset,
                    "end_col_offset": issue.end_col_offset,
                    "filename": relative,
                    "issue_confidence": issue.confidence,
                    "issue_cwe": (
                        {"id": issue.cwe, "link": f"https://cwe.mitre.org/data/definitions/{issue.cwe}.html"}
                        if issue.cwe
                        else {}
                    ),
                    "issue_severity": issue.severity,
                    "issue_text": issue.text,
                    "line_number": issue.line,
                    "line_range": list(issue.line_range),
                    "more_info": more_info(issue.test_id),
                    "test_id": issue.test_id,
                    "test_name": issue.test_name,
                }
            )
    metrics["_totals"] = dict(sorted(totals.items()))
    results.sort(key=lambda r: (r["filename"], r["line_number"], r["col_offset"], r["test_id"]))
    return {"errors": errors, "metrics": metrics, "results": results}


def waived(finding: SastFinding, waivers: WaiverRegister, today: date) -> str | None:
    """Return the id of the active waiver covering ``finding``, if any."""
    waiver = waivers.for_finding(finding.fingerprint, today)
    return waiver.id if waiver is not None else None
