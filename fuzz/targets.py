"""Coverage-guided fuzz targets (atheris) for every parser sdl-gate points at untrusted input.

Each target takes the fuzzer's bytes, hands them to the real parser the way the CLI does (usually as a
file in a scratch directory) and accepts only the documented outcome: a value, or an
:class:`~sdl_gate.errors.SdlGateError` (bad input). Any other exception is a crash for libFuzzer.

Run one target directly::

    python fuzz/targets.py TARGET CORPUS_DIR [SEED_DIR ...] -max_total_time=600

``fuzz/run.py`` runs every target in turn and writes a summary.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import atheris

with atheris.instrument_imports(include=["sdl_gate"]):
    from sdl_gate.approvals.register import load_register_file
    from sdl_gate.approvals.sidecar import load_approvals
    from sdl_gate.approvals.signatures import verify_ssh
    from sdl_gate.attest.keys import SignatureInvalid
    from sdl_gate.attest.manifest import ManifestVerifier
    from sdl_gate.bundle.verify import verify_bundle
    from sdl_gate.collectors.records import load_record
    from sdl_gate.collectors.test_results import parse_junit
    from sdl_gate.collectors.vulns import parse_report
    from sdl_gate.config import load_project
    from sdl_gate.errors import SdlGateError
    from sdl_gate.evidence import EvidenceKind, EvidenceStore
    from sdl_gate.policy.loader import load_policy_file, load_resolved_policy, resolve_policy
    from sdl_gate.policy.waivers import load_waivers
    from sdl_gate.render.source import parse_assessment
    from sdl_gate.sast.findings import load_baseline
    from sdl_gate.sast.settings import load_settings
    from sdl_gate.sbom.quality import assess_sbom, cross_check, load_sbom
    from sdl_gate.sbom.sources import Inventory, SourceKind, from_pylock, from_requirements, from_uv_lock
    from sdl_gate.threatmodel.loader import load_threat_model
    from sdl_gate.threatmodel.model import ModelFormat
    from sdl_gate.threatmodel.requirements import load_requirements
    from sdl_gate.vulndb.importer import parse_record
    from sdl_gate.vulndb.matching import is_affected, parse_record_affected

SCRATCH = Path(tempfile.mkdtemp(prefix="sdl-gate-fuzz-"))
#: Advisory look-ups in the pip-audit parser go here: a closed loopback port, refused at once.
UNREACHABLE = "http://127.0.0.1:9"


def _file(name: str, data: bytes) -> Path:
    path = SCRATCH / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _split(data: bytes) -> tuple[int, bytes]:
    """The first byte chooses a variant; the rest is the document."""
    return (data[0] if data else 0), data[1:]


def user_files(data: bytes) -> None:
    """Policies (with ``extends:``), waivers, records and their approvals, the approver register, security
    requirements and ``[tool.sdl-gate]``."""
    choice, body = _split(data)
    try:
        match choice % 9:
            case 0:
                load_policy_file(_file("policy.yaml", body))
            case 1:
                resolve_policy(str(_file("policy.yaml", body)))
            case 2:
                load_waivers(_file("security/waivers.yaml", body))
            case 3:
                load_record(_file("security/records/r.yaml", body))
            case 4:
                load_requirements(_file("security/requirements.yaml", body))
            case 5:
                load_register_file(_file("security/approvers.yaml", body))
            case 6:
                _file("security/records/r.yaml.approvals.json", body)
                load_approvals(SCRATCH / "security" / "records" / "r.yaml", "r")
            case 7:
                with contextlib.suppress(SignatureInvalid):
                    verify_ssh(b"approval", body.decode("utf-8", errors="replace"))
            case _:
                _file("pyproject.toml", body)
                load_project(SCRATCH)
    except SdlGateError:
        pass


_FORMATS: list[ModelFormat | None] = [None, *ModelFormat]


def threat_model(data: bytes) -> None:
    """Native threat models and the Threat Dragon, pytm and OTM importers, YAML or JSON, detected or named."""
    choice, body = _split(data)
    fmt = _FORMATS[choice % len(_FORMATS)]
    suffix = ".json" if choice & 0x80 else ".yaml"
    with contextlib.suppress(SdlGateError):
        load_threat_model(_file(f"security/threat-model{suffix}", body), fmt)


def advisories(data: bytes) -> None:
    """Tool output and settings: OSV records, pip-audit's report, JUnit XML, SAST baseline, bandit config."""
    choice, body = _split(data)
    try:
        match choice % 6:
            case 0 | 1:
                name = "record.json" if choice % 6 == 0 else "record.yaml"
                record = parse_record(body, name, name)
                for affected in parse_record_affected(record):
                    for version in ("0", "1.0", "2.31.0", "1!0.1.post2.dev3"):
                        is_affected(version, affected)
            case 2:
                try:
                    report: Any = json.loads(body)
                except (ValueError, RecursionError):
                    return
                empty = Inventory(kind=SourceKind.REQUIREMENTS, path=None, components=(), graph=False)
                parse_report(report, empty.components, UNREACHABLE)
            case 3:
                parse_junit(_file("report.xml", body), SCRATCH)
            case 4:
                load_baseline(_file("security/sast-baseline.json", body))
            case _:
                root = SCRATCH / "bandit"
                name = "pyproject.toml" if choice & 0x80 else ".bandit"
                for stale in ("pyproject.toml", ".bandit"):
                    (root / stale).unlink(missing_ok=True)
                _file(f"bandit/{name}", body)
                load_settings(root)
    except SdlGateError:
        pass


def dependencies(data: bytes) -> None:
    """CycloneDX SBOMs (schema check, NTIA gaps, cross check) and requirements, uv.lock and pylock.toml."""
    choice, body = _split(data)
    try:
        match choice % 4:
            case 0:
                document = load_sbom(_file("bom.cdx.json", body))
                report = assess_sbom(document)
                cross_check(report, Inventory(kind=SourceKind.REQUIREMENTS, path=None, components=(), graph=False))
            case 1:
                from_requirements(_file("requirements.txt", body))
            case 2:
                from_uv_lock(_file("uv.lock", body))
            case _:
                from_pylock(_file("pylock.toml", body))
    except SdlGateError:
        pass


class _AnySignature(ManifestVerifier):
    """Accepts the signature entry as it is, so mutated bundles reach the digest and re-assessment checks."""

    def verify(self, suffix: str, signature: bytes, manifest: bytes) -> str:
        if not signature:
            raise SignatureInvalid("empty signature")
        return "fuzz"


_SEED_BUNDLE: dict[str, bytes] = {}


def _reseal(entries: dict[str, bytes]) -> bytes:
    """Rewrite the manifest's digests for ``entries`` and zip them, as a signer with a stolen key would."""
    import hashlib

    manifest = json.loads(entries["manifest.json"])
    for subject in manifest.get("subject", []):
        if subject.get("name") in entries:
            subject["digest"] = {"sha256": hashlib.sha256(entries[subject["name"]]).hexdigest()}
    entries = {**entries, "manifest.json": json.dumps(manifest).encode()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in sorted(entries.items()):
            archive.writestr(name, content)
    return buffer.getvalue()


def reports(data: bytes) -> None:
    """Assessment JSON, resolved policies, stored evidence, and bundles (raw zips and re-sealed ones)."""
    choice, body = _split(data)
    try:
        match choice % 5:
            case 0:
                parse_assessment(body, Path("assessment.json"))
            case 1:
                load_resolved_policy(body, path="policy.json")
            case 2:
                store = EvidenceStore(SCRATCH / "store")
                pointer = store.pointer_path(EvidenceKind.RECORDS)
                pointer.parent.mkdir(parents=True, exist_ok=True)
                pointer.write_text(json.dumps({"id": "sha256:" + "0" * 64, "kind": "records"}))
                _file("store/.sdl-gate/evidence/objects/" + "0" * 64 + ".json", body)
                store.latest(EvidenceKind.RECORDS)
            case 3:
                verify_bundle(_file("bundle.zip", body), _AnySignature())
            case _:
                if not _SEED_BUNDLE:
                    return
                names = sorted(n for n in _SEED_BUNDLE if n != "manifest.json" and not n.endswith(".dsse.json"))
                name = names[(choice // 5) % len(names)]
                verify_bundle(_file("bundle.zip", _reseal({**_SEED_BUNDLE, name: body})), _AnySignature())
    except SdlGateError:
        pass


TARGETS: dict[str, Callable[[bytes], None]] = {
    "user_files": user_files,
    "threat_model": threat_model,
    "advisories": advisories,
    "dependencies": dependencies,
    "reports": reports,
}


def main() -> None:
    """``targets.py NAME [libFuzzer arguments]``; ``SDL_GATE_FUZZ_BUNDLE`` names a seed bundle to re-seal."""
    import os

    name = sys.argv.pop(1)
    seed = os.environ.get("SDL_GATE_FUZZ_BUNDLE")
    if seed:
        with zipfile.ZipFile(seed) as archive:
            _SEED_BUNDLE.update({n: archive.read(n) for n in archive.namelist()})
    atheris.Setup(sys.argv, TARGETS[name])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
