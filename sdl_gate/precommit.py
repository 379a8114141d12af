"""What the pre-commit hooks and plain git hooks check, as pure functions returning one screen of text.

Every hook answers: what is wrong, where, and how to fix or waive it. The CLI prints :class:`HookReport` and
exits with its code; nothing here prints or exits.
"""

from __future__ import annotations

import enum
import shlex
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sdl_gate._text import first_and_more
from sdl_gate.config import PrePushMode
from sdl_gate.errors import InputError, ToolError

if TYPE_CHECKING:
    from sdl_gate.approvals.register import RegisterChoice
    from sdl_gate.assess import Assessment
    from sdl_gate.collectors.dependencies import InstalledEnvironment
    from sdl_gate.collectors.vulns import AuditPayload
    from sdl_gate.policy.waivers import WaiverRegister

#: One screen: hooks list at most this many problems, then say how many more there are.
MAX_LISTED = 15
#: A line of a hook report stays readable in an 80-to-120-column terminal.
MAX_PROBLEM = 90
HOOK_MARKER = "# sdl-gate managed hook"
HOOK_NAMES = ("pre-commit", "pre-push")
#: The example pre-commit configuration ``sdl-gate init`` writes, beside the plain hooks.
EXAMPLE_PRE_COMMIT_CONFIG = "pre-commit-config.yaml"
#: The line of a plain git hook that ``install-hooks`` rewrites to name the interpreter it was installed from.
RUNNER_LINE_PREFIX = "sdl_gate() {"


class HookStatus(enum.IntEnum):
    """A hook's exit status: the CLI's exit codes."""

    PASSED = 0
    FAILED = 1


@dataclass(frozen=True)
class HookReport:
    """What a hook found: lines for the terminal and whether the commit or push may go ahead."""

    lines: tuple[str, ...]
    status: HookStatus

    def text(self) -> str:
        """Return the report as one block of text."""
        return "\n".join(self.lines) + "\n" if self.lines else ""


def _capped(lines: list[str], listed: int | None) -> list[str]:
    # One line each; the last shown says how many more there are (the CLI's -v lists them all).
    return first_and_more(lines, listed, "\n").split("\n") if lines else []


def _relative_names(root: Path, files: list[Path]) -> list[str]:
    """Return ``files`` relative to ``root``; a file outside it is an input error."""
    names: list[str] = []
    base = root.resolve()
    for file in files:
        try:
            names.append(file.resolve().relative_to(base).as_posix())
        except ValueError:
            raise InputError("is outside the project", path=file, hint=f"the project root is {root}") from None
    return names


# --- sdl-private-keys ---------------------------------------------------------------------------------


#: What the private-key hook decides on: SM-8's committed-key criterion, so that a key waived by its fingerprint
#: (a test fixture) passes here exactly when it passes `check`.
PRIVATE_KEY_SCOPE = {"SM-8": frozenset({"no_committed_private_key"})}


def private_keys(
    root: Path, files: list[Path] | None, *, today: date | None = None, listed: int | None = MAX_LISTED
) -> HookReport:
    """Scan ``files`` (default: the tracked files of ``root``) for private keys and judge the scan as SM-8 does.

    The scan becomes signatures evidence in memory (no release file verified, nothing stored) and the gate's
    ``no_committed_private_key`` criterion decides under the project's policy and approved waivers. A scan that
    could not read every file is a tool error, as before.
    """
    from sdl_gate._clock import file_timestamp
    from sdl_gate._git import git_commit
    from sdl_gate.collectors.base import CollectContext
    from sdl_gate.collectors.keyscan import scan_files, scan_private_keys
    from sdl_gate.collectors.signatures import PrivateKeyFound, key_scan_evidence
    from sdl_gate.inputs import load_inputs
    from sdl_gate.render.console import slice_lines
    from sdl_gate.run import Scope, assess_slice

    names = None if files is None else _relative_names(root, files)
    # Waivers count only when signed by an approver of the register the environment names.
    inputs = load_inputs(root).with_approvers()
    scan = scan_private_keys(root, tracked=True) if names is None else scan_files(root, names)
    if not scan.complete:
        raise ToolError(f"the private-key scan is incomplete: {scan.problem}")
    if names is not None and scan.files_scanned == 0:
        # Only links, directories or files deleted since: nothing of this change holds a key.
        return HookReport((f"no regular file to scan among the {len(names)} given",), HookStatus.PASSED)
    now = file_timestamp()
    context = CollectContext(
        project=inputs.project,
        commit=git_commit(root),
        now=now,
        waivers=inputs.waivers,
        approvers=inputs.approvers,
    )
    result = assess_slice(
        inputs, Scope(PRIVATE_KEY_SCOPE), today=today, now=now, declared=(key_scan_evidence(context, scan),)
    )
    lines = [
        f"{len(scan.hits)} private key(s) found (SM-8 private key protection):"
        if scan.hits
        else f"no private key in {scan.files_scanned} file(s)"
    ]
    for hit in scan.hits:
        protection = {True: "encrypted", False: "NOT encrypted", None: "protection unknown"}[hit.encrypted]
        fingerprint = PrivateKeyFound(path=hit.path, key_type=hit.key_type, encrypted=hit.encrypted).fingerprint
        waiver = inputs.waivers.for_finding(fingerprint, result.assessed_on)
        waived = f", waived by {waiver.id}" if waiver is not None else ""
        lines.append(f"  {hit.path}: {hit.key_type} ({protection}{waived})")
    lines = _capped(lines, listed)
    lines += slice_lines(result.requirements)
    if result.passed:
        return HookReport(tuple(lines), HookStatus.PASSED)
    if scan.hits:
        lines += [
            "fix: do not commit private keys. Unstage the file (`git restore --staged FILE`), keep the key in a",
            "     key store or CI secret, and rotate it if it was ever pushed.",
            '     A deliberate test key: waive it by its fingerprint (scope: {finding: "private-key:PATH"} in',
            "     security/waivers.yaml, approved like every waiver); this hook and `sdl-gate check` then accept it.",
        ]
    return HookReport(tuple(lines), HookStatus.FAILED)


# --- sdl-deps -----------------------------------------------------------------------------------------


def _vulnerability_lines(payload: AuditPayload, waivers: WaiverRegister, today: date) -> tuple[list[str], list[str]]:
    """The open vulnerabilities (with their fix) and the waived ones (with their waiver), one line each."""
    from sdl_gate.vex import not_a_disposition, open_statement, unapproved_waivers, vulnerability_waivers

    open_lines: list[str] = []
    waived_lines: list[str] = []
    for vuln in payload.vulnerabilities:
        active, expired = vulnerability_waivers(waivers, vuln, today)
        fix = f"upgrade to {' or '.join(vuln.fix_versions)}" if vuln.fix_versions else "no fixed version yet"
        label = f"  {vuln.package} {vuln.version}: {vuln.id}"
        if active is not None:
            state = active.vex.state.value if active.vex else "waived"
            waived_lines.append(f"{label} waived by {active.id} ({state}, until {active.expires.date()})")
        elif (statement := open_statement(waivers, vuln, today)) is not None:
            open_lines.append(f"{label}: {not_a_disposition(statement)}; {fix}")
        elif unapproved := unapproved_waivers(waivers, vuln, today):
            open_lines.append(f"{label}: {'; '.join(unapproved)}; {fix}")
        elif expired is not None:
            open_lines.append(f"{label}: its waiver {expired.id} expired on {expired.expires.date()}; {fix}")
        else:
            open_lines.append(f"{label}: {fix}")
    return open_lines, waived_lines


#: What the dependency hook decides on: the gate's own known-vulnerability criterion, nothing of its own.
DEPENDENCY_SCOPE = {
    "SVV-3": frozenset({"known_vulnerabilities"}),
    "SM-9": frozenset({"known_vulnerabilities"}),
}


def dependency_audit(
    root: Path,
    files: list[Path] | None,
    *,
    offline: bool,
    skip_online: bool,
    today: date,
    now: datetime,
    vulndb_dir: Path | None = None,
    osv_url: str | None = None,
    listed: int | None = MAX_LISTED,
    environment: InstalledEnvironment | None = None,
) -> HookReport:
    """Audit the dependency files ``files`` (default: the project's) with pip-audit and judge it as the gate does.

    ``environment`` audits what is installed there instead of any file: every distribution, transitive ones too.

    With ``skip_online``, a project that does not audit offline is not audited at all, and the report says so.
    Whether the hook passes is the gate's SVV-3 ``known_vulnerabilities`` criterion on this audit under the
    project's policy and waivers: open vulnerabilities, an incomplete audit and a database too old or too small
    fail here exactly when they fail there.
    """
    from sdl_gate.collectors.vulns import AuditPayload, VulnerabilityCollector
    from sdl_gate.inputs import load_inputs
    from sdl_gate.payloads import Typed, typed
    from sdl_gate.render.console import slice_lines
    from sdl_gate.run import Scope, assess_slice
    from sdl_gate.sbom.sources import lock_kind

    # Waivers count only when signed by an approver of the register the environment names.
    inputs = load_inputs(root, offline=offline, vulndb_dir=vulndb_dir, osv_url=osv_url).with_approvers()
    project = inputs.project
    if skip_online and not project.config.offline:
        return HookReport(
            (
                "dependency audit skipped: the project does not audit offline and this hook does not go online;",
                "  audit now with `sdl-gate deps`, or set offline = true in [tool.sdl-gate] after",
                "  `sdl-gate vulndb import SRC` to audit every change offline.",
            ),
            HookStatus.PASSED,
        )
    given: list[Path] | None = None
    if files is not None:
        names = _relative_names(root, files)
        for file in files:
            lock_kind(file)  # an unknown file kind is an input error naming it
        if not names:
            return HookReport(("no dependency file to audit",), HookStatus.PASSED)
        given = [root / name for name in names]
    result = assess_slice(
        inputs, Scope(DEPENDENCY_SCOPE), today=today, now=now, collectors=[VulnerabilityCollector(given, environment)]
    )
    lines: list[str] = []
    audit = typed(result.evidence, AuditPayload)
    if isinstance(audit, Typed):
        lines += _audit_lines(audit.payload, inputs.waivers, today, listed)
    lines += slice_lines(result.requirements)
    return HookReport(tuple(lines), HookStatus.PASSED if result.passed else HookStatus.FAILED)


def _audit_lines(payload: AuditPayload, waivers: WaiverRegister, today: date, listed: int | None) -> list[str]:
    """What the audit covered and found, for people; the decision is the gate's, printed after."""
    from sdl_gate.collectors.dependencies import WHOLE_TREE_KINDS
    from sdl_gate.collectors.vulns import AuditStatus, DependencyStatus

    sources = ", ".join(source.path for source in payload.sources) or "no dependency source"
    where = f"{payload.service} ({'offline database' if payload.offline else payload.url})"
    if payload.status is not AuditStatus.COMPLETED:
        return [f"the dependency audit of {sources} could not be completed, so it is not a pass:"]
    not_audited = [d for d in payload.dependencies if d.status is not DependencyStatus.AUDITED]
    open_lines, waived_lines = _vulnerability_lines(payload, waivers, today)
    audited = len(payload.dependencies) - len(not_audited)
    lines = [f"audited {audited} pinned dependencies of {sources} against {where}"]
    lines += _capped([f"  {d.status.value.replace('_', ' ')} {d.name}: {d.reason}" for d in not_audited], listed)
    if payload.sources and not any(s.kind in WHOLE_TREE_KINDS for s in payload.sources):
        # A requirements file or [project].dependencies lists what it lists; pip-audit runs with --no-deps.
        lines += [
            f"  not audited: what these depend on, unless {sources} pin it too (a uv.lock or pylock.toml",
            "  pins the whole tree); lock it, or audit what is installed: `sdl-gate deps --environment`",
        ]
    if open_lines:
        lines.append(f"{len(open_lines)} open known vulnerabilit{'y' if len(open_lines) == 1 else 'ies'}:")
        lines += _capped(open_lines, listed)
    if waived_lines:
        lines.append("waived (shown, not hidden):")
        lines += _capped(waived_lines, listed)
    if not_audited:
        lines.append("skipped dependencies must be pinned (NAME==VERSION) to be audited")
    return lines


# --- sdl-sbom -----------------------------------------------------------------------------------------


#: What the SBOM hook decides on: SM-9's currency criterion alone. The NTIA elements (SM-9 ``sbom``) are
#: `check`'s business: a missing supplier or author is not what a change to a lock file needs to be stopped for.
SBOM_SCOPE = {"SM-9": frozenset({"sbom_current"})}


def sbom_current(root: Path, *, today: date | None = None, listed: int | None = MAX_LISTED) -> HookReport:
    """Check that the committed SBOM (``sbom`` in [tool.sdl-gate]) lists what the dependency sources pin.

    The SBOM collector reads it and the sources (in memory, nothing stored) and SM-9's ``sbom_current``
    criterion decides under the project's policy, so the hook fails exactly when `check` fails that criterion.
    """
    from sdl_gate.collectors.sbom import SbomCollector, SbomPayload
    from sdl_gate.evidence import EvidenceKind
    from sdl_gate.inputs import load_inputs
    from sdl_gate.render.console import slice_lines
    from sdl_gate.run import Scope, assess_slice

    inputs = load_inputs(root).with_approvers()
    project = inputs.project
    if project.config.sbom is None:
        raise InputError(
            "no committed SBOM is configured, so there is nothing to keep current",
            path=project.config_source or root / "pyproject.toml",
            location="tool.sdl-gate.sbom",
            hint='write one with `sdl-gate sbom --output sbom.cdx.json` and set sbom = "sbom.cdx.json"',
        )
    result = assess_slice(inputs, Scope(SBOM_SCOPE), today=today, collectors=[SbomCollector()])
    lines: list[str] = []
    for evidence in result.evidence.of(EvidenceKind.SBOM):
        payload = SbomPayload.model_validate(evidence.payload)
        if not payload.cross_checked_against:
            raise InputError("no dependency source found (uv.lock, pylock.toml, requirements*.txt)", path=root)
        sources = ", ".join(payload.cross_checked_against)
        if not payload.mismatches:
            lines.append(f"{project.config.sbom} is current with {sources} ({payload.components} components)")
            continue
        lines.append(f"{project.config.sbom} is out of date with {sources}:")
        lines += _capped(
            [
                f"  {m.name}: {m.kind.value.replace('_', ' ')} (SBOM {m.sbom_version or '-'}, "
                f"source {m.source_version or '-'})"
                for m in payload.mismatches
            ],
            listed,
        )
    lines += slice_lines(result.requirements)
    if result.passed:
        return HookReport(tuple(lines), HookStatus.PASSED)
    lines.append(f"fix: regenerate it with `sdl-gate sbom --output {shlex.quote(project.config.sbom)}` and stage it")
    return HookReport(tuple(lines), HookStatus.FAILED)


# --- sdl-check (pre-push) -----------------------------------------------------------------------------


def pre_push_report(
    root: Path,
    *,
    policy_spec: str | None,
    register: RegisterChoice,
    blocking: bool,
    listed: int | None = MAX_LISTED,
) -> HookReport:
    """Run the full gate on ``root`` for the pre-push hook; ``blocking`` (the operator's) overrides pre-push."""
    from sdl_gate.run import assess_project

    result = assess_project(root, policy_spec=policy_spec, register=register)
    mode = PrePushMode.BLOCKING if blocking else result.inputs.project.config.pre_push
    return gate_report(result.assessment, mode, listed=listed)


def gate_report(assessment: Assessment, mode: PrePushMode, *, listed: int | None = MAX_LISTED) -> HookReport:
    """Summarise an assessment in one screen: the decision and each blocking requirement with its fix."""
    decision = assessment.decision
    lines = [f"sdl-gate ({assessment.policy.name}, assessed {assessment.assessed_on.isoformat()}): {decision.summary}"]
    if decision.passed:
        return HookReport(tuple(lines), HookStatus.PASSED)
    blocking = [r for r in assessment.requirements if r.blocking]
    entries: list[str] = []
    for result in blocking:
        problem = next(
            (f.message for f in result.findings if f.outcome.value in ("fail", "error", "not_available")),
            result.rationale,
        )
        first = problem.split(" | ")[0]
        if len(first) > MAX_PROBLEM:
            first = first[: MAX_PROBLEM - 3] + "..."
        entries.append(f"  {result.id:<6} {result.verdict.value}: {first}")
    lines += _capped(entries, listed)
    lines.append("fix: `sdl-gate explain ID` says how to meet each; `sdl-gate check` shows the full report.")
    if mode is PrePushMode.ADVISORY:
        lines.append('advisory: the push goes ahead (set pre-push = "blocking" in [tool.sdl-gate] to block it)')
        return HookReport(tuple(lines), HookStatus.PASSED)
    return HookReport(tuple(lines), HookStatus.FAILED)


# --- plain git hooks ----------------------------------------------------------------------------------


def hook_templates_dir() -> Path:
    """Return the directory of the plain git hooks (inside the wheel, or ``hooks/`` in a checkout)."""
    package_dir = Path(__file__).resolve().parent
    installed = package_dir / "hooks"
    return installed if installed.is_dir() else package_dir.parent / "hooks"


def _git_hooks_dir(root: Path) -> Path:
    from sdl_gate._git import find_repository
    from sdl_gate._tool import ToolUnavailable

    repository = find_repository(root)
    if repository is None:
        raise InputError("is not inside a git work tree", path=root, hint="run `git init` first")
    try:
        # The operator's own configuration decides where git looks for hooks (a global core.hooksPath).
        run = repository.run("rev-parse", "--git-path", "hooks", cwd=root, timeout=10, operator_config=True)
    except ToolUnavailable as exc:
        raise ToolError(exc.reason) from None
    if run.returncode != 0:
        raise InputError("is not inside a git work tree", path=root, hint="run `git init` first")
    hooks = Path(run.stdout.strip())
    return hooks if hooks.is_absolute() else root / hooks


def _with_runner(template: str, command: list[str]) -> str:
    """Point the hook's ``sdl_gate`` shell function at ``command`` (quoted, so no path is split or expanded)."""
    runner = f'{RUNNER_LINE_PREFIX} {shlex.join(command)} "$@"; }}'
    lines = [runner if line.startswith(RUNNER_LINE_PREFIX) else line for line in template.splitlines()]
    return "\n".join(lines) + "\n"


def install_git_hooks(root: Path, *, force: bool, command: list[str] | None = None) -> list[str]:
    """Install the plain pre-commit and pre-push hooks into the repository at ``root``; return what was done.

    A hook that sdl-gate did not write is kept unless ``force``; ours are updated in place.
    """
    from sdl_gate._files import read_text_limited, write_atomic
    from sdl_gate._tool import python_module

    runner = command or python_module("sdl_gate")
    target_dir = _git_hooks_dir(root)
    target_dir.mkdir(parents=True, exist_ok=True)
    done: list[str] = []
    for name in HOOK_NAMES:
        template = (hook_templates_dir() / name).read_text(encoding="utf-8")
        target = target_dir / name
        if target.exists() and not force and HOOK_MARKER not in read_text_limited(target):
            done.append(f"kept     {target} (not written by sdl-gate; --force replaces it)")
            continue
        existed = target.exists()
        write_atomic(target, _with_runner(template, runner))
        mode = target.stat().st_mode
        # Executable for whoever may read it: git skips hooks without the execute bit.
        target.chmod(mode | ((mode & 0o444) >> 2))
        done.append(f"{'updated' if existed else 'created':<8} {target}")
    return done
