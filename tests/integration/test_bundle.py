"""Release-evidence bundles: determinism, offline verification by re-assessment, tampering and hostile archives."""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from sdl_gate._files import canonical_json, sha256_bytes
from sdl_gate.attest.files import sign_file_with_key
from sdl_gate.attest.keys import KeyAlgorithm, keygen, load_private_key, load_public_key
from sdl_gate.attest.manifest import KeyManifestSigner, ManifestVerifier
from sdl_gate.attest.statement import BUNDLE_MANIFEST_PREDICATE, statement
from sdl_gate.bundle import zipfmt
from sdl_gate.bundle.build import create_bundle
from sdl_gate.bundle.verify import BundleReport, verify_bundle
from sdl_gate.errors import InputError, PolicyError
from sdl_gate.evidence import Evidence, EvidenceKind, EvidenceStore, Subject, ToolInfo
from sdl_gate.policy.loader import builtin_policy_names, load_resolved_policy, resolve_policy, resolved_policy_document
from tests.conftest import ProjectFactory, RunCli, approve_project_exceptions, sha256_of

TODAY = date(2026, 3, 1)
EPOCH = {"SOURCE_DATE_EPOCH": "1772323200"}  # 2026-03-01T00:00:00Z
PASSPHRASE = {"SDL_GATE_KEY_PASSPHRASE": "bundle tests"}
SBOM = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": []}


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


class Release:
    """A small key-signed project and the key pair that signs its release and bundles."""

    def __init__(self, project: ProjectFactory) -> None:
        self.project = project
        pair = keygen(
            project.root.parent / "release", KeyAlgorithm.ED25519, PASSPHRASE["SDL_GATE_KEY_PASSPHRASE"].encode()
        )
        self.private = pair.private
        self.public = pair.public
        self.key = load_private_key(pair.private, PASSPHRASE["SDL_GATE_KEY_PASSPHRASE"].encode())
        shutil.copyfile(pair.public, project.root / "release.pub.pem")
        artifact = project.doc("dist/gateway-1.0.tar.gz", "release archive\n")
        artifact.with_name(artifact.name + ".dsse.json").write_text(sign_file_with_key(artifact, self.key))
        project.pyproject(
            'policy = "security/policy.yaml"\nartifacts = ["dist/*"]\nsigning = { key = "release.pub.pem" }\n'
        )
        # The operator's policy lets SVV-4 be waived (the built-in policies let no requirement waiver count).
        project.policy(
            "version: 1\nname: gateway-release\nextends: iec62443-4-1-ml2\nrequirements:\n  SVV-4: {waivable: true}\n"
        )
        project.doc("docs/review.md", "# Release review\n\nEvery release step ran.\n")
        project.record("release-review", "review", ["SM-12"], links=["docs/review.md"])
        project.record("custody", "key_custody", ["SM-8"], links=["docs/review.md"])
        project.waivers(
            """
            version: 1
            waivers:
              - id: W-001
                scope: {requirement: SVV-4}
                justification: External pen test booked; interim mitigations are in place.
                requester: Alice Example <alice@example.com>
                approver: Bob Example <bob@example.com>
                created: 2026-01-01T00:00:00Z
                expires: 2026-06-29T00:00:00Z
            """
        )
        approve_project_exceptions(project)
        # Evidence another step (the pytest plugin, say) left in the store, with its raw output: bundled generically.
        # It counts only when bound to the assessed commit, so the project is a git checkout.
        self.commit = project.commit()
        store = EvidenceStore(project.root)
        raw = store.put_raw(json.dumps(SBOM).encode(), "json")
        store.put(
            Evidence(
                kind=EvidenceKind.TEST_RESULTS,  # a kind no collector of this run overwrites
                tool=ToolInfo(name="cyclonedx-py", version="7.0"),
                subject=Subject(commit=self.commit),
                payload={"components": 0},
                raw=raw,
            ),
            datetime(2026, 2, 28, tzinfo=timezone.utc),
        )

    def create(self, output: Path, monkeypatch: pytest.MonkeyPatch, *, signed: bool = True) -> Path:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH["SOURCE_DATE_EPOCH"])
        signer = KeyManifestSigner(self.key) if signed else None
        create_bundle(self.project.root, output, today=TODAY, signer=signer)
        return output

    def verify(self, bundle: Path) -> BundleReport:
        return verify_bundle(bundle, ManifestVerifier(public_key=load_public_key(self.public)))


@pytest.fixture
def release(project: ProjectFactory) -> Release:
    return Release(project)


@pytest.fixture
def bundle(release: Release, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return release.create(tmp_path / "out" / "release-1.0.zip", monkeypatch)


def _entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _write_zip(path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return path


def _resign(entries: dict[str, bytes], release: Release) -> dict[str, bytes]:
    """Rebuild and re-sign the manifest over ``entries``: what an insider holding the key could do."""
    body = {n: d for n, d in entries.items() if not n.startswith("manifest.json")}
    manifest = statement(
        [(n, sha256_bytes(d)) for n, d in body.items()], BUNDLE_MANIFEST_PREDICATE, {"format": 1}
    ).to_bytes()
    signer = KeyManifestSigner(release.key)
    return {**body, "manifest.json": manifest, "manifest.json.dsse.json": signer.sign(manifest)}


@pytest.mark.slow
def test_bundle_is_deterministic_and_verifies(
    release: Release, bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    again = release.create(tmp_path / "again" / "release-1.0.zip", monkeypatch)
    assert again.read_bytes() == bundle.read_bytes()
    with zipfile.ZipFile(bundle) as archive:
        infos = archive.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {zipfmt.FIXED_DATE_TIME}
    assert {i.external_attr >> 16 for i in infos} == {zipfmt.FILE_MODE}
    for expected in (
        "assessment.json",
        "attestation.cdx.json",
        "policy.json",
        "inputs.json",
        "report.html",
        "manifest.json",
        "manifest.json.dsse.json",
        "trust/key.pub.pem",
        "files/dist/gateway-1.0.tar.gz",
        "files/dist/gateway-1.0.tar.gz.dsse.json",
        "files/security/waivers.yaml",
        "files/security/records/release-review.yaml",
        "sbom.intoto.json",
        "assessment.intoto.json",
    ):
        assert expected in names, expected
    # Every original tool output the evidence references is bundled, the injected SBOM among them.
    raw = [n for n in names if n.startswith("evidence/raw/")]
    entries = _entries(bundle)
    assert json.dumps(SBOM).encode() in {entries[n] for n in raw}
    report = release.verify(bundle)
    assert report.verified, report.failures
    text = report.text()
    assert "re-assessment: identical to the recorded assessment.json" in text
    assert "policy: gateway-release" in text


@pytest.mark.slow
def test_bundle_contents_describe_the_assessment(bundle: Path) -> None:
    entries = _entries(bundle)
    manifest = json.loads(entries["manifest.json"])
    listed = {s["name"]: s["digest"]["sha256"] for s in manifest["subject"]}
    assert set(listed) == set(entries) - {"manifest.json", "manifest.json.dsse.json"}
    assert all(sha256_bytes(entries[n]) == d for n, d in listed.items())
    attestation = entries["attestation.cdx.json"].decode()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(attestation) is None
    document = json.loads(attestation)
    mapping = {m["requirement"]: m for m in document["declarations"]["attestations"][0]["map"]}
    assert len(mapping) == 47
    assert mapping["iec62443-4-1:SM-6"]["conformance"]["score"] == 1.0
    assessment = json.loads(entries["assessment.json"])
    verdicts = {r["id"]: r["verdict"] for r in assessment["requirements"]}
    assert verdicts["SM-6"] == "satisfied"  # the release file, and this bundle signed by the configured key
    sm6 = next(r for r in assessment["requirements"] if r["id"] == "SM-6")
    assert {f["criterion"]: f["outcome"] for f in sm6["findings"]}["release_bundle"] == "pass"
    # The review record and the signed bundle do not verify the process: most enforced requirements are not met.
    sm12 = next(r for r in assessment["requirements"] if r["id"] == "SM-12")
    assert verdicts["SM-12"] == "partially_satisfied"
    assert {f["criterion"]: f["outcome"] for f in sm12["findings"]}["process_verification"] == "fail"
    assert verdicts["SVV-4"] == "waived"
    sbom = json.loads(entries["sbom.intoto.json"])
    assert sbom["predicateType"] == "https://cyclonedx.org/bom"
    assert sbom["subject"][0]["name"] == "dist/gateway-1.0.tar.gz"


@pytest.mark.slow
def test_tampering_with_any_single_entry_fails_and_names_it(release: Release, bundle: Path, tmp_path: Path) -> None:
    original = _entries(bundle)
    for index, name in enumerate(original):
        changed = dict(original)
        changed[name] = original[name] + b" "
        target = _write_zip(tmp_path / f"tampered-{index}.zip", list(changed.items()))
        report = release.verify(target)
        assert not report.verified, name
        failure = " ".join(report.failures)
        if name.startswith("manifest.json"):
            assert "manifest signature" in failure, (name, failure)
        else:
            assert name in failure, (name, failure)


@pytest.mark.slow
def test_resigned_bundle_with_an_edited_verdict_fails_reassessment(
    release: Release, bundle: Path, tmp_path: Path
) -> None:
    entries = _entries(bundle)
    assessment = json.loads(entries["assessment.json"])
    for requirement in assessment["requirements"]:
        if requirement["id"] == "SM-4":
            requirement["verdict"] = "satisfied"
    entries["assessment.json"] = (json.dumps(assessment, indent=2, sort_keys=True) + "\n").encode()
    forged = _write_zip(tmp_path / "forged.zip", list(_resign(entries, release).items()))
    report = release.verify(forged)
    assert not report.verified
    assert "re-assessment differs from assessment.json: SM-4" in " ".join(report.failures)


@pytest.mark.slow
def test_resigned_bundle_with_edited_evidence_fails(release: Release, bundle: Path, tmp_path: Path) -> None:
    entries = _entries(bundle)
    name = next(n for n in entries if n.startswith("evidence/objects/"))
    stored = json.loads(entries[name])
    stored["evidence"]["tool"]["version"] = "9.9"
    entries[name] = json.dumps(stored).encode()
    report = release.verify(_write_zip(tmp_path / "forged.zip", list(_resign(entries, release).items())))
    assert "does not match its id" in " ".join(report.failures)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda e: e.pop("manifest.json.dsse.json"), "manifest is not signed"),
        (lambda e: e.update({"extra.txt": b"smuggled"}), "entries not covered by the signed manifest: extra.txt"),
        (lambda e: e.pop("policy.json"), "manifest lists entries the bundle lacks: policy.json"),
    ],
)
def test_incomplete_or_padded_bundles_fail(
    release: Release, bundle: Path, tmp_path: Path, mutate: Callable[[dict[str, bytes]], object], message: str
) -> None:
    entries = _entries(bundle)
    mutate(entries)
    report = release.verify(_write_zip(tmp_path / "changed.zip", list(entries.items())))
    assert message in " ".join(report.failures)


@pytest.mark.slow
def test_valid_signature_over_a_different_manifest_fails(
    release: Release, bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release.project.doc("docs/review.md", "# Release review, revised\n\nEvery release step ran again.\n")
    release.project.record("release-review", "review", ["SM-12"], links=["docs/review.md"])
    other = _entries(release.create(tmp_path / "other.zip", monkeypatch))
    entries = _entries(bundle)
    entries["manifest.json.dsse.json"] = other["manifest.json.dsse.json"]
    report = release.verify(_write_zip(tmp_path / "swapped.zip", list(entries.items())))
    assert "covers a different manifest" in " ".join(report.failures)


def test_wrong_key_fails(release: Release, bundle: Path, tmp_path: Path) -> None:
    stranger = keygen(tmp_path / "stranger", KeyAlgorithm.ED25519, b"x")
    report = verify_bundle(bundle, ManifestVerifier(public_key=load_public_key(stranger.public)))
    assert "manifest signature: no signature in the envelope verifies" in " ".join(report.failures)


@pytest.mark.slow
def test_verification_carries_the_signer_and_the_bundle_digest_as_fields(
    release: Release, bundle: Path, tmp_path: Path
) -> None:
    # Reports and history read these fields; nothing parses them back out of the summary text.
    report = release.verify(bundle)
    assert report.verified, report.failures
    assert report.bundle_sha256 == sha256_of(bundle)
    assert report.signer and f"manifest signed by: {report.signer}" in report.summary
    stranger = keygen(tmp_path / "stranger", KeyAlgorithm.ED25519, b"x")
    refused = verify_bundle(bundle, ManifestVerifier(public_key=load_public_key(stranger.public)))
    assert not refused.verified
    assert refused.signer == ""
    assert refused.bundle_sha256 == sha256_of(bundle)


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = 0o120777 << 16
    return info


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([("../escape.txt", b"x")], "'..' or '.' path segment"),
        ([("/etc/evil", b"x")], "absolute path"),
        ([("files\\..\\evil", b"x")], "backslash"),
        ([(_symlink("files/link"), b"/etc/passwd")], "is a symbolic link"),
        ([("a.json", b"1"), ("a.json", b"2")], "appears more than once"),
        ([("bomb.bin", b"\0" * (20 * 1024 * 1024))], "zip bomb"),
    ],
)
def test_hostile_archives_are_refused_before_extraction(
    release: Release, tmp_path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]], message: str
) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()
    with pytest.warns(UserWarning) if message == "appears more than once" else _nothing():
        hostile = _write_zip(workdir / "hostile.zip", [*entries, ("manifest.json", b"{}")])
    # Compress the bomb so its ratio is hostile (writestr stores by default).
    if message == "zip bomb":
        with zipfile.ZipFile(hostile, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("bomb.bin", b"\0" * (20 * 1024 * 1024))
    report = release.verify(hostile)
    assert not report.verified
    assert message in " ".join(report.failures)
    assert sorted(p.name for p in workdir.iterdir()) == ["hostile.zip"]
    assert not (tmp_path / "escape.txt").exists()


def test_entry_count_and_total_size_limits(release: Release, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    many = _write_zip(tmp_path / "many.zip", [(f"e{i}", b"x") for i in range(12)])
    monkeypatch.setattr(zipfmt, "MAX_ENTRIES", 10)
    assert "12 entries, more than the 10 allowed" in " ".join(release.verify(many).failures)
    monkeypatch.setattr(zipfmt, "MAX_TOTAL_BYTES", 5)
    big = _write_zip(tmp_path / "big.zip", [("a", b"1234"), ("b", b"5678")])
    assert "expand to more than 5 bytes" in " ".join(release.verify(big).failures)


@pytest.mark.slow
def test_bundle_verify_command(run_cli: RunCli, release: Release, bundle: Path, tmp_path: Path) -> None:
    ok = run_cli("bundle", "verify", bundle, "--key", release.public)
    assert ok.code == 0, ok.stderr
    assert "sdl-gate bundle verification: VERIFIED" in ok.stdout
    entries = _entries(bundle)
    entries["files/security/waivers.yaml"] += b"\n# edited\n"
    tampered = _write_zip(tmp_path / "tampered.zip", list(entries.items()))
    failed = run_cli("bundle", "verify", tampered, "--key", release.public)
    assert failed.code == 1
    assert "FAILED: files/security/waivers.yaml: sha256" in failed.stdout
    not_zip = tmp_path / "not.zip"
    not_zip.write_text("hello")
    bad = run_cli("bundle", "verify", not_zip, "--key", release.public)
    assert bad.code == 2
    assert "not a zip archive" in bad.stderr
    assert run_cli("bundle", "verify", bundle).code == 2


def _release_bundle(assessment: dict[str, Any]) -> tuple[str, str]:
    sm6 = next(r for r in assessment["requirements"] if r["id"] == "SM-6")
    finding = next(f for f in sm6["findings"] if f["criterion"] == "release_bundle")
    return finding["outcome"], finding["message"]


@pytest.mark.slow
def test_bundle_create_command_and_sm6(run_cli: RunCli, release: Release, tmp_path: Path) -> None:
    root = release.project.root
    env = {**EPOCH, **PASSPHRASE}
    unsigned = run_cli("bundle", "create", root, "--output", tmp_path / "u.zip", "--as-of", "2026-03-01", env=env)
    assert unsigned.code in (0, 1), unsigned.stderr
    assert "manifest NOT signed" in unsigned.stdout
    outcome, message = _release_bundle(json.loads(_entries(tmp_path / "u.zip")["assessment.json"]))
    assert outcome == "fail"
    assert "u.zip is not signed" in message
    # The declaration lives only in the run that makes the bundle: `check` makes none and reads none.
    checked = run_cli("check", root, "--format", "json", "--as-of", "2026-03-01", env=env)
    assert _release_bundle(json.loads(checked.stdout))[0] == "not_applicable"
    assert not EvidenceStore(root).pointer_path(EvidenceKind.BUNDLE).exists()
    signed = run_cli(
        "bundle",
        "create",
        root,
        "--output",
        tmp_path / "s.zip",
        "--sign",
        "key",
        "--key",
        release.private,
        "--as-of",
        "2026-03-01",
        env=env,
    )
    assert "manifest signed by: key" in signed.stdout, signed.stderr
    outcome, message = _release_bundle(json.loads(_entries(tmp_path / "s.zip")["assessment.json"]))
    assert outcome == "pass", message
    assert run_cli("bundle", "verify", tmp_path / "s.zip", "--key", release.public).code == 0
    (tmp_path / "dir.zip").mkdir()
    refused = run_cli(
        "bundle", "create", root, "--output", tmp_path / "dir.zip", "--sign", "key", "--key", release.private, env=env
    )
    assert refused.code == 2
    assert not EvidenceStore(root).pointer_path(EvidenceKind.BUNDLE).exists()


def test_changed_raw_output_is_refused_when_bundling(
    release: Release, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = next((release.project.root / ".sdl-gate" / "evidence" / "raw").iterdir())
    raw.write_bytes(b'{"edited": true}')
    output = tmp_path / "b.zip"
    with pytest.raises(InputError, match="changed since it was assessed"):
        release.create(output, monkeypatch)
    assert not output.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".b.zip")] == []


@pytest.mark.parametrize("name", builtin_policy_names())
def test_resolved_policy_round_trips_through_json(name: str) -> None:
    policy = resolve_policy(name)
    loaded = load_resolved_policy(canonical_json(resolved_policy_document(policy)).encode(), path="policy.json")
    assert loaded == policy
    assert loaded.digest == policy.digest


def test_resolved_policy_with_a_wrong_digest_is_refused() -> None:
    document = resolved_policy_document(resolve_policy("iec62443-4-1-ml2"))
    document["settings"] = {"not_assessed_blocks": False, "evidence_max_age_days": 30, "waiver_max_days": 180}
    with pytest.raises(PolicyError, match="does not match its content"):
        load_resolved_policy(json.dumps(document).encode(), path="policy.json")


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


@pytest.mark.slow
def test_file_removed_since_collection_is_bad_input(release: Release, tmp_path: Path) -> None:
    store = EvidenceStore(release.project.root)
    doc = release.project.doc("docs/sbom-notes.md", "notes\n")
    store.put(
        Evidence(
            kind=EvidenceKind.TEST_RESULTS,  # a kind no collector of this run overwrites
            tool=ToolInfo(name="cyclonedx-py", version="7.0"),
            subject=Subject(
                commit=release.commit, files=({"path": "docs/sbom-notes.md", "sha256": sha256_bytes(b"notes\n")},)
            ),
            payload={"components": 0},
        ),
        datetime(2026, 2, 28, tzinfo=timezone.utc),
    )
    doc.unlink()
    with pytest.raises(InputError, match="no longer there"):
        create_bundle(release.project.root, tmp_path / "b.zip", today=TODAY)


@pytest.mark.slow
def test_sigstore_signing_without_an_ambient_identity_is_bad_input(run_cli: RunCli, tmp_path: Path) -> None:
    artifact = tmp_path / "f.txt"
    artifact.write_text("x")
    env = {"ACTIONS_ID_TOKEN_REQUEST_URL": "", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "", "GITHUB_ACTIONS": ""}
    result = run_cli("sign", artifact, env=env)
    assert result.code == 2
    assert "no ambient OIDC identity" in result.stderr
    assert not (tmp_path / "f.txt.sigstore.json").exists()


@pytest.mark.slow
def test_large_compressible_evidence_still_passes_the_bomb_check(
    release: Release, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EvidenceStore(release.project.root)
    raw = store.put_raw(b"[" + b'{"finding": "same"},' * 200_000 + b"{}]", "json")
    store.put(
        Evidence(
            kind=EvidenceKind.TEST_RESULTS,  # a kind no collector of this run overwrites
            tool=ToolInfo(name="pytest", version="9.0"),
            subject=Subject(commit=release.commit),
            payload={"findings": 200_000},
            raw=raw,
        ),
        datetime(2026, 2, 28, tzinfo=timezone.utc),
    )
    bundle = release.create(tmp_path / "big.zip", monkeypatch)
    report = release.verify(bundle)
    assert report.verified, report.failures
    assert f"evidence/{raw}" in _entries(bundle)


def test_security_directory_outside_the_project_is_bad_input(project: ProjectFactory, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "waivers.yaml").write_text("version: 1\nwaivers: []\n")
    project.pyproject('security-dir = "../elsewhere"\n')
    with pytest.raises(InputError, match="outside the project"):
        create_bundle(project.root, tmp_path / "b.zip", today=TODAY)
    assert not (tmp_path / "b.zip").exists()
