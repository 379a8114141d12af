"""Shared test helpers: small real projects on disk, and the CLI run as a user runs it."""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

# jsonschema's optional IRI checker builds parser grammars at import (seconds per worker) for formats no test
# uses; the package hides it the same way when it validates SBOMs (sdl_gate/sbom/build.py).
if "jsonschema" not in sys.modules:
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
    import jsonschema  # noqa: F401

    del sys.modules["rfc3987_syntax"]

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_PROJECT = REPO_ROOT / "examples" / "demo-project"
SHARED_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures"
#: SVV-3 parameters under which an offline database of the shared OSV fixtures counts: they are a 2023
#: snapshot of 25 PyPI advisories, far older and smaller than the built-in policies accept.
OSV_SNAPSHOT_PARAMS = "{vulndb_max_age_days: 36500, vulndb_min_records: {PyPI: 25}}"
#: A policy file: the built-in ML2 policy with SVV-3 accepting a database of the shared OSV fixtures.
OSV_SNAPSHOT_POLICY = f"""
version: 1
extends: iec62443-4-1-ml2
requirements:
  SVV-3: {{params: {OSV_SNAPSHOT_PARAMS}}}
"""


def write(path: Path, text: str) -> Path:
    """Write dedented ``text`` to ``path``, creating parent directories."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def current_waiver_window() -> tuple[str, str]:
    """``created`` and ``expires`` of a waiver in force today (UTC) and within the built-in 180-day limit."""
    today = datetime.now(timezone.utc).date()
    return f"{today - timedelta(days=30)}T00:00:00Z", f"{today + timedelta(days=120)}T00:00:00Z"


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def commit_all(root: Path, message: str = "snapshot") -> str:
    """Make ``root`` a git checkout if it is not one, commit everything in it and return the commit.

    Evidence other steps leave in the store (test results, bundles, history) counts only when bound to a
    commit, so tests of those steps assess a git checkout. No user or system git configuration is read.
    """
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("GIT_")},
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    git = ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "-c", "commit.gpgSign=false"]
    steps = [] if (root / ".git").exists() else [["init", "-q"]]
    # The evidence store stays out of the commit, as the .gitignore entry `sdl-gate init` writes keeps it.
    steps += [
        ["add", "-A", "--", ".", ":(exclude).sdl-gate"],
        ["commit", "-q", "--allow-empty", "-m", message],
        ["rev-parse", "HEAD"],
    ]
    done = None
    for step in steps:
        done = subprocess.run([*git, *step], cwd=root, env=env, capture_output=True, text=True, timeout=60, check=True)
    assert done is not None
    return done.stdout.strip()


RECORD_KINDS = (
    "process_document, review, training, pen_test, periodic_review, supplier_attestation, test_report, "
    "release_notes, key_custody, triage, inspection"
)


#: Key pairs made by the real ssh-keygen in this test process, by person: a test names people (alice, bob,
#: mallory...), and two people never share a key, so a pair per person and process is as good as one per test.
_KEY_PAIRS: dict[str, Path] = {}


def ssh_key(directory: Path, name: str) -> Path:
    """An unencrypted ed25519 SSH key pair ``directory/name`` (+ ``.pub``) made with the real ssh-keygen."""
    directory.mkdir(parents=True, exist_ok=True)
    key = directory / name
    made = _KEY_PAIRS.get(name)
    if made is None or not made.is_file():
        import tempfile

        made = Path(tempfile.mkdtemp(prefix="sdl-gate-test-keys-")) / name
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(made)],
            check=True,
            capture_output=True,
        )
        _KEY_PAIRS[name] = made
    # copy2 keeps the private key's 0600 mode, which ssh-keygen insists on when it signs.
    shutil.copy2(made, key)
    shutil.copy2(made.with_suffix(".pub"), key.with_suffix(".pub"))
    return key


def write_register(path: Path, keys: dict[str, Path], extra: str = "") -> Path:
    """Write an approver register: Alice (development, the records' author) and Bob (product security, approves
    every kind of record and exception), each with the key in ``keys``; ``extra`` (indented as list items) is
    appended to people."""
    body = f"""\
        version: 1
        roles:
          product-security:
            approves:
              - kinds: [{RECORD_KINDS}]
              - kinds: [waiver, sast_baseline]
        people:
          - name: Alice Example
            email: alice@example.com
            department: Development
            organisation: Example GmbH
            ssh_keys: ["{keys["alice"].with_suffix(".pub").read_text().strip()}"]
          - name: Bob Example
            email: bob@example.com
            department: Product Security
            organisation: Example GmbH
            ssh_keys: ["{keys["bob"].with_suffix(".pub").read_text().strip()}"]
            roles: [product-security]
        """
    return write(path, textwrap.dedent(body) + extra)


def sign_record(record_file: Path, key: Path, approver: str, approved_on: str) -> Path:
    """Approve ``record_file`` as ``approver`` on ``approved_on`` with the real ssh-keygen; return the sidecar."""
    from datetime import date

    from sdl_gate.approvals.canonical import approval_message
    from sdl_gate.approvals.sidecar import ApprovalsFile, LinkedFile, SignedApproval, load_approvals, write_approvals
    from sdl_gate.approvals.signatures import sign_ssh
    from sdl_gate.collectors.records import load_record

    record, _ = load_record(record_file)
    root = record_file.parent.parent.parent
    linked = [(link.path, sha256_of(root / link.path)) for link in record.links if link.path is not None]
    day = date.fromisoformat(approved_on)
    message = approval_message(record.signed_content(), linked, approver, day)
    approval = SignedApproval(
        approver=approver,
        date=day,
        linked_files=[LinkedFile(path=p, sha256=d) for p, d in linked],
        ssh_signature=sign_ssh(message, key),
    )
    existing = load_approvals(record_file, record.id)
    kept = [a for a in (existing.approvals if existing else []) if a.approver != approver]
    return write_approvals(record_file, ApprovalsFile(version=1, record=record.id, approvals=[*kept, approval]))


@dataclass
class ProjectFactory:
    """Builds a minimal project under a temporary directory, with a trusted approver register beside it.

    The register (``approvers``, outside the project) is named by ``SDL_GATE_APPROVERS``, as an operator would;
    Bob's key (``keys["bob"]``) approves records, Alice (``keys["alice"]``) writes them.
    """

    root: Path
    approvers: Path | None = None
    keys: dict[str, Path] | None = None

    @classmethod
    def signed_by(cls, root: Path, keys_dir: Path) -> ProjectFactory:
        """A factory for ``root`` (not created) with Alice's and Bob's keys and a register in ``keys_dir``."""
        keys = {name: ssh_key(keys_dir, name) for name in ("alice", "bob")}
        return cls(root, approvers=write_register(keys_dir / "approvers.yaml", keys), keys=keys)

    def pyproject(self, tool_section: str = "") -> Path:
        """Write pyproject.toml with an optional ``[tool.sdl-gate]`` body."""
        body = '[project]\nname = "widget"\nversion = "2.0.0"\n'
        if tool_section:
            body += "\n[tool.sdl-gate]\n" + textwrap.dedent(tool_section).lstrip("\n")
        return write(self.root / "pyproject.toml", body)

    def doc(self, relative: str, text: str = "# document\n\ncontent\n") -> Path:
        """Write a document inside the project."""
        return write(self.root / relative, text)

    def record(
        self,
        record_id: str,
        kind: str,
        requirements: list[str],
        *,
        date: str = "2026-01-10",
        approved: str | None = "2026-01-12",
        links: list[str] | None = None,
        valid_until: str | None = None,
        verifies: list[str] | None = None,
        author: str = "Alice Example <alice@example.com>",
    ) -> Path:
        """Write a record file by ``author``; when ``approved`` is a date, Bob signs it that day (with the digests
        of the ``links``, project-relative paths, as they are now)."""
        lines = [
            "version: 1",
            f"id: {record_id}",
            f"kind: {kind}",
            f"title: {record_id} title",
            f"requirements: [{', '.join(requirements)}]",
            f"date: {date}",
            f"author: {author}",
        ]
        if links:
            lines.append("links:")
            for link in links:
                lines += [f"  - path: {link}"]
        if valid_until is not None:
            lines.append(f"valid_until: {valid_until}")
        if verifies is not None:
            lines.append(f"verifies: [{', '.join(verifies)}]")
        path = write(self.root / "security" / "records" / f"{record_id}.yaml", "\n".join(lines) + "\n")
        if approved is not None:
            assert self.keys is not None, "this project has no approver keys"
            sign_record(path, self.keys["bob"], "bob@example.com", approved)
        return path

    def waivers(self, body: str) -> Path:
        """Write security/waivers.yaml."""
        return write(self.root / "security" / "waivers.yaml", body)

    def policy(self, body: str, name: str = "policy.yaml") -> Path:
        """Write a policy file under security/."""
        return write(self.root / "security" / name, body)

    def commit(self, message: str = "snapshot") -> str:
        """Commit everything in the project (a git checkout from the first call on); return the commit."""
        return commit_all(self.root, message)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProjectFactory:
    """An empty project directory with a pyproject.toml, and a trusted approver register named by the environment."""
    factory = ProjectFactory.signed_by(tmp_path / "proj", tmp_path / "keys")
    monkeypatch.setenv("SDL_GATE_APPROVERS", str(factory.approvers))
    monkeypatch.delenv("SDL_GATE_TRUSTED_REF", raising=False)
    factory.root.mkdir()
    factory.pyproject()
    return factory


@dataclass(frozen=True)
class CliResult:
    """What a CLI run printed and returned."""

    code: int
    stdout: str
    stderr: str


RunCli = Callable[..., CliResult]


@pytest.fixture
def run_cli() -> RunCli:
    """Run ``python -m sdl_gate`` in a subprocess, exactly as a user or CI would."""
    return cli_subprocess


def cli_subprocess(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> CliResult:
    """Run ``python -m sdl_gate`` in a subprocess with ``env`` laid over the environment (the ``run_cli`` fixture)."""
    full_env = {**os.environ, **(env or {})}
    completed = subprocess.run(
        [sys.executable, "-m", "sdl_gate", *map(str, args)],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture(autouse=True)
def _own_sast_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own SAST cache (the operator's, outside any checkout), so no test sees another's results
    and no run writes into the user's cache; a test that names one sets the variable itself."""
    monkeypatch.setenv("SDL_GATE_SAST_CACHE_DIR", str(tmp_path_factory.mktemp("sast-cache")))


@pytest.fixture
def run_cli_in_process(monkeypatch: pytest.MonkeyPatch) -> RunCli:
    """Run the CLI's ``main`` in this process: the same exit codes and output as ``run_cli`` without starting
    an interpreter (and importing the gate) each time. The tools the command runs (bandit, pip-audit, git,
    ssh-keygen) are the real ones and see ``env``; what only a subprocess shows (the entry point, the umask,
    a shadowed module of sdl-gate itself on PYTHONPATH) is tested through ``run_cli``."""

    def run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> CliResult:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        return cli_in_process(*args, env=env)

    return run


# --- Parallel runs (pytest-xdist) ----------------------------------------------------------------------

#: Modules whose tests share an expensive module- or session-scoped fixture: the pre-commit hooks'
#: environment, the fault matrix's and the OT example's gated projects, signed bundles, the headless browser,
#: vulnerability databases, a real pip-audit report (tests/unit/test_scheduling.py keeps the list complete). Under
#: pytest-xdist each of them runs whole on one worker, so its fixture is built once; every other test goes to
#: whichever worker is free. (xdist's own ``--dist loadgroup`` no longer groups under pytest 9.2.)
SHARED_FIXTURE_MODULES = frozenset(
    {
        "tests/integration/test_bundle_layout.py",
        "tests/integration/test_dependency_trust.py",
        "tests/integration/test_ecosystem_audit.py",
        "tests/integration/test_fault_matrix.py",
        "tests/integration/test_import_cost.py",
        "tests/integration/test_ot_firmware.py",
        "tests/integration/test_precommit_framework.py",
        "tests/integration/test_render_browser.py",
        "tests/integration/test_report_bundle.py",
        "tests/integration/test_signature_purpose.py",
        "tests/integration/test_vulnerability_audit.py",
        "tests/unit/collectors/test_vulns.py",
        "tests/unit/vulndb/test_audit.py",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the tests marked ``slow`` first (otherwise in collection order): under xdist the long ones then run
    beside the many short ones instead of starting late and ending the run on one busy worker."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """With ``-n`` and the default distribution, schedule by module for the modules above, by test otherwise."""
    if config.getvalue("dist") != "load":
        return None  # an explicit --dist is the caller's choice
    from xdist.scheduler import LoadScopeScheduling

    class ModuleGroupScheduling(LoadScopeScheduling):
        """One work unit per shared-fixture module, one per other test; the modules are handed out first."""

        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in SHARED_FIXTURE_MODULES else nodeid

    # xdist hands out work units largest first, so the long modules start at once instead of ending the run.
    config.option.loadscopereorder = True
    return ModuleGroupScheduling(config, log)


# --- Golden files (report renderers) -------------------------------------------------------------------

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--update-golden`` (the only way golden files are rewritten) and ``--dogfood-since``."""
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/* from the current renderers instead of comparing against them",
    )
    parser.addoption(
        "--dogfood-since",
        metavar="TIMESTAMP",
        default=None,
        help="run sdl-gate's own gate on the test results recorded since TIMESTAMP (ISO 8601; scripts/test "
        "passes the start of its suite run); without it tests/integration/test_dogfood.py skips",
    )


Golden = Callable[[str, str], None]


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    """Compare text with tests/golden/NAME; rewrite it only under ``--update-golden``."""
    update = bool(request.config.getoption("--update-golden"))

    def compare(name: str, actual: str) -> None:
        path = GOLDEN_DIR / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8", newline="")
            return
        if not path.is_file():
            pytest.fail(f"golden file tests/golden/{name} is missing; create it with `pytest --update-golden`")
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, f"output differs from tests/golden/{name}; if intended, run `pytest --update-golden`"

    return compare


# --- Markdown from untrusted text (the GitHub job summary) -----------------------------------------------

#: The Markdown report's own HTML: folding and the legend. Any other HTML came from user text.
_OUR_HTML = re.compile(r"\s*(</?details>|<details><summary>[^<]*</summary>|</?sub>|<sub>.*</sub>)\s*", re.DOTALL)
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)")


def assert_inert_markdown(markdown: str, literal: str | None = None) -> None:
    """Assert no link, image or foreign HTML is active and no bare URL is left for GitHub to autolink.

    ``literal``, when given, must still read as written in the rendered text (backticks aside: a backtick
    pair in a message is a code span by design).
    """
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tokens = []
    pending = parser.parse(markdown)
    while pending:
        token = pending.pop()
        tokens.append(token)
        pending += token.children or []
    active = [t.attrs for t in tokens if t.type in ("image", "link_open")]
    assert not active, f"active link or image: {active}"
    foreign = [
        t.content for t in tokens if t.type in ("html_inline", "html_block") and not _OUR_HTML.fullmatch(t.content)
    ]
    assert not foreign, f"raw HTML from user text: {foreign}"
    # GitHub autolinks bare URLs and addresses outside code; markdown-it without linkify does not, so look.
    lines = markdown.splitlines()
    for fence in (t for t in tokens if t.type in ("fence", "code_block") and t.map):
        start, end = fence.map or (0, 0)
        lines[start:end] = [""] * (end - start)
    outside_code = _CODE_SPAN.sub("", "\n".join(lines))
    assert not re.search(r"(?i)(?<!\\)(:(?=//)|(?<=www)\.)", outside_code), "a bare URL GitHub would autolink"
    assert not re.search(r"(?<!\\)@(?=\w)", outside_code), "an address GitHub would autolink"
    rendered = parser.render(markdown)
    assert "<img" not in rendered and "<a " not in rendered
    if literal is not None:
        wanted = " ".join(literal.split())[:60].replace("`", "").strip()
        text = html.unescape(re.sub(r"<[^>]+>", "", rendered)).replace("`", "")
        assert wanted in " ".join(text.split()), "the text must still read as written"


def approved_waivers(
    waivers: Iterable[Any], source: str | None = "security/waivers.yaml", approved_on: date | None = None
) -> Any:
    """A waiver register whose waivers carry a verified approval, as `with_approvers` leaves them once each
    signature verified (dated ``approved_on``, else the day each was created); for tests of what an approved
    waiver does (verification has its own tests)."""
    from sdl_gate.approvals.state import ExceptionApproval, ExceptionStatus
    from sdl_gate.policy.waivers import WaiverRegister

    listed = tuple(waivers)
    return WaiverRegister(
        waivers=listed,
        source=source if listed else None,
        approvals={
            w.id: ExceptionApproval(
                status=ExceptionStatus.APPROVED,
                detail=f"approved by {w.approver}",
                content_sha256=w.content_sha256,
                approver=w.approver,
                signer="SHA256:test",
                date=approved_on or w.created.date(),
            )
            for w in listed
        },
    )


def approved_baseline_verdicts(*entries: Any, approved_on: date = date(2026, 1, 1)) -> dict[str, Any]:
    """Verified approval verdicts for SAST baseline entries that have an approval written in, as the collector
    records them once each signature verified; for tests of what an approved entry does."""
    from sdl_gate._files import canonical_json, sha256_bytes
    from sdl_gate.approvals.state import ExceptionApproval, ExceptionStatus

    return {
        entry.fingerprint: ExceptionApproval(
            status=ExceptionStatus.APPROVED,
            detail=f"approved by {entry.approval.approver}",
            content_sha256=sha256_bytes(canonical_json(entry.approval_content()).encode("utf-8")),
            approver=entry.approval.approver,
            signer="SHA256:test",
            date=approved_on,
        )
        for entry in entries
        if entry.approval is not None
    }


def approve_exceptions(root: Path, register: Path, keys_dir: Path, *, approved_on: str | None = None) -> None:
    """Sign every waiver of ``root/security/waivers.yaml`` and every approved-in entry of its SAST baseline as the
    approver each names, with the real ssh-keygen, as ``sdl-gate waivers approve`` does; an approver the trusted
    ``register`` does not list is added to it with a new key in ``keys_dir``, entitled to approve exceptions.

    Signed on ``approved_on`` (default: the day each exception was created).
    """
    from datetime import date

    from sdl_gate.approvals.exceptions import ExceptionToApprove, baseline_exception, waiver_exception
    from sdl_gate.approvals.register import load_register_file
    from sdl_gate.approvals.sidecar import ExceptionApprovalsFile, SignedApproval, write_exception_approvals
    from sdl_gate.approvals.signatures import key_fingerprint, parse_public_key, sign_ssh
    from sdl_gate.policy.waivers import load_waivers
    from sdl_gate.sast.findings import load_baseline

    def key_of(email: str) -> Path:
        trusted = load_register_file(register).register
        person = trusted.person_by_email(email)
        for candidate in sorted(keys_dir.glob("*.pub")):
            fingerprint = key_fingerprint(parse_public_key(candidate.read_text(encoding="utf-8")))
            if person is not None and trusted.person_by_key(fingerprint) == person:
                return candidate.with_suffix("")
        assert person is None, f"{email} is in the register without a key in {keys_dir}"
        key = ssh_key(keys_dir, email.split("@", maxsplit=1)[0].replace(".", "-"))
        write(
            register,
            register.read_text(encoding="utf-8")
            + f"  - name: {email}\n    email: {email}\n"
            + f'    ssh_keys: ["{key.with_suffix(".pub").read_text().strip()}"]\n'
            + "    approves:\n      - kinds: [waiver, sast_baseline]\n",
        )
        return key

    def sign(file: Path, items: list[tuple[ExceptionToApprove, date]]) -> None:
        approvals: dict[str, list[SignedApproval]] = {}
        for item, created in items:
            (email,) = sorted(item.approver_emails())
            day = date.fromisoformat(approved_on) if approved_on else created
            signature = sign_ssh(item.message(email, day), key_of(email))
            approvals[item.key] = [SignedApproval(approver=email, date=day, ssh_signature=signature)]
        write_exception_approvals(file, ExceptionApprovalsFile(version=1, file=file.name, approvals=approvals))

    waivers_file = root / "security" / "waivers.yaml"
    if waivers_file.is_file():
        loaded = load_waivers(waivers_file, max_days=100_000)
        sign(waivers_file, [(waiver_exception(w), w.created.date()) for w in loaded.waivers])
    baseline_file = root / "security" / "sast-baseline.json"
    baseline = load_baseline(baseline_file) if baseline_file.is_file() else None
    if baseline is not None:
        entries = [e for e in baseline[0].findings if e.approval is not None]
        sign(baseline_file, [(baseline_exception(e), e.approval.created.date()) for e in entries if e.approval])


def approve_project_exceptions(project: ProjectFactory, *, approved_on: str | None = None) -> None:
    """:func:`approve_exceptions` for a project of the ``project`` fixture (its trusted register and keys)."""
    assert project.approvers is not None and project.keys is not None
    approve_exceptions(project.root, project.approvers, project.approvers.parent, approved_on=approved_on)


def cli_in_process(*args: str | Path, env: dict[str, str] | None = None) -> CliResult:
    """Run the CLI's ``main`` in this process, ``env`` laid over the environment until it returns (see
    ``run_cli_in_process``); for module-scoped set-ups, which cannot use that fixture."""
    from click.testing import CliRunner

    from sdl_gate.cli import main

    with CliRunner().isolation(env=env) as (stdout, stderr, _):
        try:
            main([str(arg) for arg in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        else:
            code = 0
        return CliResult(code, stdout.getvalue().decode(), stderr.getvalue().decode())


@pytest.fixture(autouse=True)
def _own_keyscan_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own private-key scan cache, outside any checkout, as for the SAST cache."""
    monkeypatch.setenv("SDL_GATE_KEYSCAN_CACHE_DIR", str(tmp_path_factory.mktemp("keyscan-cache")))


@pytest.fixture(autouse=True)
def _own_sbom_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own cache of built SBOMs, outside any checkout, as for the SAST cache."""
    monkeypatch.setenv("SDL_GATE_SBOM_CACHE_DIR", str(tmp_path_factory.mktemp("sbom-cache")))


def child_processes() -> set[int]:
    """The ids of this process's children that exist now (zombies included: a child not reaped is left behind)."""
    found: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            found.update(int(word) for word in (task / "children").read_text(encoding="ascii").split())
        except OSError:
            continue  # a thread that ended meanwhile
    return found
