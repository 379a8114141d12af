"""Release history: earlier bundles, verified against the project's signer, as ``history`` evidence.

The indicative maturity reads it: ML3 needs a practice complete across several releases, ML4 also needs its
open exceptions going down over them. Because history is evidence, it is bundled and re-assessed like the rest.
"""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from sdl_gate import __version__
from sdl_gate.attest.manifest import ManifestVerifier
from sdl_gate.bundle import layout
from sdl_gate.bundle.signer import configured_verifier
from sdl_gate.bundle.snapshots import HistoryPayload, PracticeSnapshot, RefusedBundle, ReleaseSnapshot
from sdl_gate.bundle.verify import verify_bundle
from sdl_gate.bundle.zipfmt import UnsafeArchive, inspect_archive, read_entry
from sdl_gate.config import Project
from sdl_gate.errors import ConfigError, InputError
from sdl_gate.evidence import Evidence, EvidenceKind, EvidenceStore, StoredEvidence, Subject, ToolInfo

MAX_HISTORY_BUNDLES = 200
MAX_ASSESSMENT_BYTES = 64 * 1024 * 1024


def manifest_verifier(project: Project) -> ManifestVerifier:
    """Build the verifier for earlier bundles from ``[tool.sdl-gate.signing]``; ConfigError when none is set."""
    verifier = configured_verifier(project, with_ref=False)
    if verifier is None:
        source = project.config_source or (project.root / "pyproject.toml")
        raise ConfigError(
            "--history needs [tool.sdl-gate.signing] (key or identity) to verify earlier bundles", path=source
        )
    return verifier


def _snapshot(path: Path, sha256: str, signer: str, verified: dict[str, str]) -> ReleaseSnapshot:
    from sdl_gate._files import sha256_bytes
    from sdl_gate.assess import Assessment, Verdict
    from sdl_gate.policy.waivers import WaiverState

    with zipfile.ZipFile(path) as archive:
        entries = inspect_archive(archive)
        data = read_entry(archive, entries[layout.ASSESSMENT], MAX_ASSESSMENT_BYTES)
    # Only the bytes the verified manifest lists count, whatever the file holds by now.
    if sha256_bytes(data) != verified.get(layout.ASSESSMENT):
        raise KeyError(layout.ASSESSMENT)
    assessment = Assessment.model_validate_json(data)
    practice_of = {r.id: r.practice for r in assessment.requirements}
    waivers: dict[str, int] = {}
    for waiver in assessment.waivers:
        if waiver.state is WaiverState.ACTIVE and waiver.requirement in practice_of:
            owner = practice_of[waiver.requirement]
            waivers[owner] = waivers.get(owner, 0) + 1
    practices = []
    for practice in assessment.practices:
        applicable = [
            r for r in assessment.requirements if r.practice == practice.id and r.verdict is not Verdict.NOT_APPLICABLE
        ]
        practices.append(
            PracticeSnapshot(
                id=practice.id,
                score=practice.score,
                complete=all(r.verdict is Verdict.SATISFIED for r in applicable),
                waivers=waivers.get(practice.id, 0),
            )
        )
    product = assessment.product
    return ReleaseSnapshot(
        bundle=path.name,
        sha256=sha256,
        signer=signer,
        product=product.name,
        version=product.version,
        commit=product.commit,
        assessed_on=assessment.assessed_on,
        practices=tuple(practices),
    )


def read_history(directory: Path, verifier: ManifestVerifier, product: str) -> HistoryPayload:
    """Verify every ``*.zip`` in ``directory`` (signature and digests) and summarise those of ``product``."""
    from sdl_gate._files import sha256_file

    if not directory.is_dir():
        raise InputError(
            "history directory not found" if not directory.exists() else "is not a directory", path=directory
        )
    bundles = sorted(p for p in directory.iterdir() if p.suffix == ".zip" and p.is_file() and not p.is_symlink())
    if len(bundles) > MAX_HISTORY_BUNDLES:
        raise InputError(f"more than {MAX_HISTORY_BUNDLES} bundles; keep only the releases to compare", path=directory)
    releases: list[ReleaseSnapshot] = []
    refused: list[RefusedBundle] = []
    for path in bundles:
        try:
            report = verify_bundle(path, verifier, reassess=False)
        except InputError as exc:
            refused.append(RefusedBundle(bundle=path.name, reason=exc.message))
            continue
        if not report.verified:
            refused.append(RefusedBundle(bundle=path.name, reason="; ".join(report.failures)))
            continue
        signer = next((line.split(": ", 1)[1] for line in report.summary if line.startswith("manifest signed by")), "")
        try:
            snapshot = _snapshot(path, sha256_file(path), signer, report.digests)
        except (ValidationError, KeyError, zipfile.BadZipFile, UnsafeArchive) as exc:
            refused.append(RefusedBundle(bundle=path.name, reason=f"unreadable assessment ({type(exc).__name__})"))
            continue
        if snapshot.product != product:
            refused.append(RefusedBundle(bundle=path.name, reason=f"a release of {snapshot.product}, not {product}"))
            continue
        releases.append(snapshot)
    releases.sort(key=lambda r: (r.assessed_on, r.bundle))
    return HistoryPayload(releases=tuple(releases), refused=tuple(refused))


def record_history(project: Project, directory: Path, *, commit: str | None, now: datetime) -> StoredEvidence:
    """Read the history directory and store it as the latest ``history`` evidence for ``commit``."""
    payload = read_history(directory, manifest_verifier(project), project.name)
    evidence = Evidence(
        kind=EvidenceKind.HISTORY,
        tool=ToolInfo(name="sdl-gate", version=__version__),
        subject=Subject(commit=commit),
        payload=payload.model_dump(mode="json"),
    )
    return EvidenceStore(project.root).put(evidence, now)
