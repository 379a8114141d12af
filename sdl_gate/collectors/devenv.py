"""The development environment as evidence (SM-7): how the project's GitHub Actions workflows are locked down.

It records facts only: which actions each workflow uses and how they are referenced, which permissions the
workflow token gets, where untrusted event data is expanded into shell scripts, and whether checkouts keep
the token. The SM-7 criterion decides what those facts mean.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sdl_gate._files import sha256_file
from sdl_gate._model import FrozenModel
from sdl_gate._yaml import LineMap, load_yaml
from sdl_gate.collectors.base import SDL_GATE_TOOL, CollectContext
from sdl_gate.errors import InputError
from sdl_gate.evidence import Evidence, EvidenceKind, FileDigest, Subject, ToolInfo

WORKFLOW_DIR = Path(".github") / "workflows"
MAX_WORKFLOWS = 500

_SHA_PIN = re.compile(r"@[0-9a-f]{40}$")
_DOCKER_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
# Contexts an outsider can set through a pull request, an issue, a comment or a dispatch input.
_UNTRUSTED = re.compile(r"\b(github\.event\.|github\.head_ref\b|inputs\.)")


class ActionUse(FrozenModel):
    """One ``uses:`` reference."""

    job: str
    line: int | None
    uses: str
    kind: str  # "local", "pinned", "unpinned"


class WorkflowFinding(FrozenModel):
    """Something in a workflow that weakens the build environment."""

    job: str | None
    line: int | None
    problem: str


class WorkflowFacts(FrozenModel):
    """What one workflow file shows."""

    path: str
    sha256: str
    top_level_permissions: str  # "missing", "write-all", "read-all", "declared"
    uses: tuple[ActionUse, ...]
    findings: tuple[WorkflowFinding, ...]


class DevEnvPayload(FrozenModel):
    """The payload of ``development_environment`` evidence."""

    ci: str  # "github-actions" or "none"
    workflows: tuple[WorkflowFacts, ...]
    unreadable: tuple[str, ...]


def classify_uses(uses: str) -> str:
    """Return ``local``, ``pinned`` (full commit SHA or image digest) or ``unpinned``."""
    if uses.startswith("./"):
        return "local"
    if uses.startswith("docker://"):
        return "pinned" if _DOCKER_DIGEST.search(uses) else "unpinned"
    return "pinned" if _SHA_PIN.search(uses) else "unpinned"


def _permissions_kind(value: Any) -> str:
    if value is None:
        return "missing"
    if value == "write-all":
        return "write-all"
    if value == "read-all":
        return "read-all"
    return "declared"


def _untrusted_expressions(script: str) -> list[str]:
    return [m.group(1).strip() for m in _EXPRESSION.finditer(script) if _UNTRUSTED.search(m.group(1))]


def _step_findings(job: str, index: int, step: dict[str, Any], lines: LineMap) -> list[WorkflowFinding]:
    findings: list[WorkflowFinding] = []
    where = ("jobs", job, "steps", index)
    script = step.get("run")
    if isinstance(script, str):
        for expression in _untrusted_expressions(script):
            findings.append(
                WorkflowFinding(
                    job=job,
                    line=lines.line_for((*where, "run")),
                    problem=f"`${{{{ {expression} }}}}` is expanded into a shell script; pass it through env:",
                )
            )
    uses = step.get("uses")
    if isinstance(uses, str) and uses.split("@", 1)[0] == "actions/checkout":
        with_block = step.get("with")
        persist = with_block.get("persist-credentials") if isinstance(with_block, dict) else None
        if persist is not False:
            findings.append(
                WorkflowFinding(
                    job=job,
                    line=lines.line_for((*where, "uses")),
                    problem="actions/checkout keeps the token in .git/config; set persist-credentials: false",
                )
            )
    return findings


def workflow_facts(path: Path, relative: str, *, root: Path | None = None) -> WorkflowFacts:
    """Read one workflow file; raise ``InputError`` when it is not a YAML mapping (or not inside ``root``)."""
    data, lines = load_yaml(path, root=root)
    if not isinstance(data, dict):
        raise InputError("a workflow must be a YAML mapping", path=path, line=1)
    top = _permissions_kind(data.get("permissions"))
    uses_list: list[ActionUse] = []
    findings: list[WorkflowFinding] = []
    if top == "write-all":
        findings.append(
            WorkflowFinding(job=None, line=lines.line_for(("permissions",)), problem="permissions: write-all")
        )
    jobs = data.get("jobs")
    for job, body in sorted(jobs.items()) if isinstance(jobs, dict) else []:
        if not isinstance(body, dict):
            continue
        job_permissions = _permissions_kind(body.get("permissions"))
        if job_permissions == "write-all":
            findings.append(
                WorkflowFinding(
                    job=job, line=lines.line_for(("jobs", job, "permissions")), problem="permissions: write-all"
                )
            )
        if top == "missing" and job_permissions == "missing":
            findings.append(
                WorkflowFinding(
                    job=job,
                    line=lines.line_for(("jobs", job)),
                    problem="no permissions: block for the workflow or this job; the token gets the defaults",
                )
            )
        if isinstance(body.get("uses"), str):  # a reusable workflow call
            uses_list.append(
                ActionUse(
                    job=job,
                    line=lines.line_for(("jobs", job, "uses")),
                    uses=body["uses"],
                    kind=classify_uses(body["uses"]),
                )
            )
        steps = body.get("steps")
        for index, step in enumerate(steps if isinstance(steps, list) else []):
            if not isinstance(step, dict):
                continue
            if isinstance(step.get("uses"), str):
                uses_list.append(
                    ActionUse(
                        job=job,
                        line=lines.line_for(("jobs", job, "steps", index, "uses")),
                        uses=step["uses"],
                        kind=classify_uses(step["uses"]),
                    )
                )
            findings += _step_findings(job, index, step, lines)
    for use in uses_list:
        if use.kind == "unpinned":
            findings.append(
                WorkflowFinding(job=use.job, line=use.line, problem=f"{use.uses} is not pinned to a full commit SHA")
            )
    return WorkflowFacts(
        path=relative,
        sha256=sha256_file(path),
        top_level_permissions=top,
        uses=tuple(uses_list),
        findings=tuple(findings),
    )


class DevelopmentEnvironmentCollector:
    """Reads ``.github/workflows/*.yml``; other CI systems are not assessed (SM-7 then cannot be told)."""

    kind = EvidenceKind.DEVELOPMENT_ENVIRONMENT

    def collect(self, context: CollectContext) -> Evidence:
        """Observe every workflow file."""
        directory = context.root / WORKFLOW_DIR
        paths = (
            sorted(p for p in directory.glob("*") if p.suffix in (".yml", ".yaml") and p.is_file())
            if directory.is_dir()
            else []
        )
        workflows: list[WorkflowFacts] = []
        unreadable: list[str] = []
        for path in paths[:MAX_WORKFLOWS]:
            relative = context.relative(path)
            try:
                workflows.append(workflow_facts(path, relative, root=context.root))
            except InputError as exc:
                # A broken workflow is a finding about the project, not bad input to sdl-gate.
                where = f"{relative}:{exc.line}" if exc.line else relative
                unreadable.append(f"{where}: {exc.message}")
        payload = DevEnvPayload(
            ci="github-actions" if paths else "none", workflows=tuple(workflows), unreadable=tuple(unreadable)
        )
        return Evidence(
            kind=self.kind,
            tool=ToolInfo(name=SDL_GATE_TOOL[0], version=SDL_GATE_TOOL[1]),
            subject=Subject(
                commit=context.commit,
                files=tuple(FileDigest(path=w.path, sha256=w.sha256) for w in workflows),
            ),
            payload=payload.model_dump(mode="json"),
        )
