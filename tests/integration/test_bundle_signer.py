"""SM-6 counts a release-evidence bundle only when the project's configured signer signed it."""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from sdl_gate.attest.keys import KeyAlgorithm, keygen, load_private_key
from sdl_gate.attest.manifest import KeyManifestSigner, ManifestVerifier
from sdl_gate.bundle.build import create_bundle
from sdl_gate.bundle.history import manifest_verifier, read_history, record_history
from sdl_gate.bundle_payload import BundleRecord
from sdl_gate.config import load_project
from sdl_gate.errors import InputError
from sdl_gate.evidence import Evidence, EvidenceKind, EvidenceStore, Subject, ToolInfo
from sdl_gate.run import assess_project
from tests import zipforge
from tests.conftest import CliResult, ProjectFactory, RunCli

UNLOCK = {"SDL_GATE_KEY_PASSPHRASE": "signer tests"}
AS_OF = "2026-03-01"
TODAY = date(2026, 3, 1)


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


@dataclass(frozen=True)
class Pair:
    """A key pair on disk and its key id."""

    private: Path
    public: Path
    key_id: str


@dataclass(frozen=True)
class Keys:
    """The project's release key and a stranger's key."""

    release: Pair
    stranger: Pair


def _pair(prefix: Path) -> Pair:
    made = keygen(prefix, KeyAlgorithm.ED25519, UNLOCK["SDL_GATE_KEY_PASSPHRASE"].encode())
    return Pair(private=made.private, public=made.public, key_id=made.key_id)


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return Keys(release=_pair(tmp_path / "release"), stranger=_pair(tmp_path / "stranger"))


def _configure_key(project: ProjectFactory, keys: Keys) -> None:
    shutil.copyfile(keys.release.public, project.root / "release.pub.pem")
    project.pyproject('signing = { key = "release.pub.pem" }\n')


def _bundle_create(
    run_cli: RunCli, project: ProjectFactory, output: Path, private: Path, env: dict[str, str] | None = None
) -> CliResult:
    # A bundle is evidence for the commit it was made at: outside a git checkout it would never count.
    project.commit("release")
    result = run_cli(
        "bundle",
        "create",
        project.root,
        "--output",
        output,
        "--sign",
        "key",
        "--key",
        private,
        "--as-of",
        AS_OF,
        env={**UNLOCK, **(env or {})},
    )
    assert result.code in (0, 1), result.stderr
    return result


def _release_bundle_finding(assessment: dict[str, object]) -> tuple[str, str]:
    requirements = assessment["requirements"]
    assert isinstance(requirements, list)
    sm6 = next(r for r in requirements if r["id"] == "SM-6")
    finding = next(f for f in sm6["findings"] if f["criterion"] == "release_bundle")
    return finding["outcome"], finding["message"]


def _bundled_assessment(bundle: Path) -> dict[str, object]:
    with zipfile.ZipFile(bundle) as archive:
        loaded: dict[str, object] = json.loads(archive.read("assessment.json"))
    return loaded


def _checked(run_cli: RunCli, project: ProjectFactory, env: dict[str, str] | None = None) -> dict[str, object]:
    result = run_cli("check", project.root, "--format", "json", "--as-of", AS_OF, env=env)
    assert result.code in (0, 1), result.stderr
    loaded: dict[str, object] = json.loads(result.stdout)
    return loaded


@pytest.mark.slow
def test_a_bundle_signed_by_an_unrelated_key_fails_sm6_naming_both_signers(
    run_cli: RunCli, project: ProjectFactory, keys: Keys, tmp_path: Path
) -> None:
    _configure_key(project, keys)
    foreign = tmp_path / "foreign.zip"
    _bundle_create(run_cli, project, foreign, keys.stranger.private)
    outcome, message = _release_bundle_finding(_bundled_assessment(foreign))
    assert outcome == "fail"
    assert f"signed by key {keys.stranger.key_id}" in message
    assert f"not by the configured signer key {keys.release.key_id}" in message
    # Only the run that makes a bundle declares it; a later `check` neither counts nor blames it.
    assert _release_bundle_finding(_checked(run_cli, project))[0] == "not_applicable"
    # The bundle itself is sound: it verifies against the key that signed it. It just is not the project's.
    assert run_cli("bundle", "verify", foreign, "--key", keys.stranger.public).code == 0
    # Signed by the configured key, the same project's bundle counts.
    own = tmp_path / "own.zip"
    _bundle_create(run_cli, project, own, keys.release.private)
    outcome, message = _release_bundle_finding(_bundled_assessment(own))
    assert outcome == "pass", message
    assert f"key {keys.release.key_id}, the configured signer" in message


@pytest.mark.slow
def test_without_a_configured_signer_sm6_cannot_tell(
    run_cli: RunCli, project: ProjectFactory, keys: Keys, tmp_path: Path
) -> None:
    bundle = tmp_path / "release.zip"
    _bundle_create(run_cli, project, bundle, keys.stranger.private)
    outcome, message = _release_bundle_finding(_bundled_assessment(bundle))
    assert outcome == "not_available"
    assert f"signed by key {keys.stranger.key_id}" in message
    assert "no signer is configured" in message


@pytest.mark.slow
def test_a_key_signed_bundle_is_not_the_sigstore_identity_the_operator_configured(
    run_cli: RunCli, project: ProjectFactory, keys: Keys, tmp_path: Path
) -> None:
    operator = {
        "SDL_GATE_SIGNING_IDENTITY": "https://github.com/acme/gateway/.github/workflows/release.yml@refs/tags/v2.0.0",
        "SDL_GATE_SIGNING_ISSUER": "https://token.actions.githubusercontent.com",
    }
    bundle = tmp_path / "release.zip"
    _bundle_create(run_cli, project, bundle, keys.stranger.private, env=operator)
    outcome, message = _release_bundle_finding(_bundled_assessment(bundle))
    assert outcome == "fail"
    assert f"signed by key {keys.stranger.key_id}" in message
    assert "not by the configured signer Sigstore https://github.com/acme/gateway/" in message


class _Impostor(KeyManifestSigner):
    """A signer that, like a Sigstore signer, can only be confirmed once it has signed (and here is not)."""

    def verifies_with(self, verifier: ManifestVerifier) -> bool:
        return True


def test_a_signer_refuted_after_signing_leaves_no_bundle_and_no_declaration(
    project: ProjectFactory, keys: Keys, tmp_path: Path
) -> None:
    _configure_key(project, keys)
    output = tmp_path / "release.zip"
    stranger = load_private_key(keys.stranger.private, UNLOCK["SDL_GATE_KEY_PASSPHRASE"].encode())
    with pytest.raises(InputError) as refused:
        create_bundle(project.root, output, today=TODAY, signer=_Impostor(stranger))
    assert f"by key {keys.stranger.key_id} does not verify against the configured signer" in refused.value.message
    assert f"key {keys.release.key_id}" in refused.value.message
    assert not output.exists()
    assert list(tmp_path.glob(".release.zip.*")) == []
    assert not EvidenceStore(project.root).pointer_path(EvidenceKind.BUNDLE).exists()


def test_history_counts_only_sound_bundles_by_the_configured_signer(
    project: ProjectFactory, keys: Keys, tmp_path: Path
) -> None:
    _configure_key(project, keys)
    release = load_private_key(keys.release.private, UNLOCK["SDL_GATE_KEY_PASSPHRASE"].encode())
    stranger = load_private_key(keys.stranger.private, UNLOCK["SDL_GATE_KEY_PASSPHRASE"].encode())
    history = tmp_path / "releases"
    history.mkdir()
    create_bundle(project.root, history / "v1.0.zip", today=date(2026, 1, 10), signer=KeyManifestSigner(release))
    create_bundle(project.root, history / "v1.1.zip", today=date(2026, 1, 20), signer=KeyManifestSigner(stranger))
    genuine = (history / "v1.0.zip").read_bytes()
    (history / "v1.2.zip").write_bytes(zipforge.hidden_local_entry(genuine, "assessment.json", b'{"forged": true}'))
    with zipfile.ZipFile(history / "v1.0.zip") as archive:
        entries = {info.filename: archive.read(info) for info in archive.infolist()}
    entries["assessment.json"] = entries["assessment.json"].replace(b'"ML1"', b'"ML2"')
    with zipfile.ZipFile(history / "v1.3.zip", "w") as archive:
        for name in sorted(entries):
            archive.writestr(name, entries[name])
    project_config = load_project(project.root)
    payload = read_history(history, manifest_verifier(project_config), project_config.name)
    assert [r.bundle for r in payload.releases] == ["v1.0.zip"]
    refused = {r.bundle: r.reason for r in payload.refused}
    assert sorted(refused) == ["v1.1.zip", "v1.2.zip", "v1.3.zip"]
    assert "no signature in the envelope verifies" in refused["v1.1.zip"]
    assert "not a well-formed bundle zip" in refused["v1.2.zip"]
    assert "assessment.json: sha256" in refused["v1.3.zip"]
    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    # History is evidence for the commit it was recorded at, so the product is a git checkout.
    commit = project.commit("release")
    record_history(project_config, history, commit=commit, now=now)
    sm12 = next(
        r for r in assess_project(project.root, today=TODAY, now=now).assessment.requirements if r.id == "SM-12"
    )
    finding = next(f for f in sm12.findings if f.criterion == "release_history")
    assert finding.outcome.value == "fail"
    assert all(name in finding.message for name in ("v1.1.zip", "v1.2.zip", "v1.3.zip"))


def test_a_bundle_declaration_left_in_the_store_is_not_read_by_check(project: ProjectFactory) -> None:
    # Earlier versions kept the declaration in the evidence store; one left at another commit must neither
    # count for this commit nor make SM-6 unassessable.
    declared = BundleRecord(format=1, file="old.zip", signature=None, signer=None)
    EvidenceStore(project.root).put(
        Evidence(
            kind=EvidenceKind.BUNDLE,
            tool=ToolInfo(name="sdl-gate", version="0.1.0"),
            subject=Subject(commit="0" * 40),
            payload=declared.model_dump(mode="json"),
        ),
        datetime(2026, 2, 28, tzinfo=timezone.utc),
    )
    result = assess_project(project.root, today=TODAY, now=datetime(2026, 3, 1, tzinfo=timezone.utc))
    sm6 = next(r for r in result.assessment.requirements if r.id == "SM-6")
    assert {f.criterion: f.outcome.value for f in sm6.findings}["release_bundle"] == "not_applicable"
    assert result.evidence is not None
    assert not result.evidence.rejected(EvidenceKind.BUNDLE)
