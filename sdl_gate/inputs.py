"""The user-written inputs of a run (configuration, policy, waivers, approver register), loaded and validated.

Kept apart from the gate's flow (``sdl_gate.run``) so that commands which only read them (``records check``,
``sast``, ``vex``, the hooks) do not import every collector and check.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from sdl_gate.approvals.register import RegisterChoice, TrustedRegister
from sdl_gate.config import Project, load_project, operator_settings
from sdl_gate.policy.loader import resolve_policy
from sdl_gate.policy.models import Policy
from sdl_gate.policy.waivers import WaiverRegister, load_waivers


@dataclass(frozen=True)
class Inputs:
    """The user-written inputs of one run, loaded and validated."""

    project: Project
    policy: Policy
    waivers: WaiverRegister
    approvers: TrustedRegister | None = None

    def with_approvers(self, choice: RegisterChoice | None = None) -> Inputs:
        """Load the trusted approver register the operator named (options, else environment), if any, and verify
        the waivers' approvals against it."""
        from sdl_gate.approvals.exceptions import verify_waivers

        chosen = choice if choice is not None else RegisterChoice.from_operator(None, None)
        approvers = chosen.load(self.project.root)
        # A waiver counts only when signed by an approver this register entitles; verified once, here.
        waivers = verify_waivers(self.waivers, approvers, root=self.project.root)
        return replace(self, approvers=approvers, waivers=waivers)


def load_inputs(
    root: Path,
    policy_spec: str | None = None,
    *,
    offline: bool = False,
    vulndb_dir: Path | None = None,
    osv_url: str | None = None,
) -> Inputs:
    """Load the project configuration, resolve the policy and load the waiver register.

    ``offline``, ``vulndb_dir`` and ``osv_url`` are the operator's command-line choices; they win over the
    environment, which wins over the repository's settings.
    """
    project = load_project(root)
    if offline and not project.config.offline:
        project = replace(project, config=project.config.model_copy(update={"offline": True}))
    if vulndb_dir is not None or osv_url is not None:
        project = replace(project, operator=operator_settings(vulndb_dir=vulndb_dir, osv_url=osv_url))
    spec = policy_spec or project.config.policy
    # A policy named on the command line is the operator's; one named by the project is a project file.
    if policy_spec is None:
        policy = resolve_policy(spec, relative_to=root, root=root)
    else:
        policy = resolve_policy(spec, relative_to=Path.cwd())
    waivers = load_waivers(project.security_dir / "waivers.yaml", root=root, max_days=policy.waiver_max_days)
    return Inputs(project=project, policy=policy, waivers=waivers)
