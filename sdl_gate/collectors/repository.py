"""Repository facts: the security policy and its contact (DM-1), CODEOWNERS (SM-2), user guidelines (SG-1..6)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sdl_gate._files import read_bytes_limited, resolve_inside, sha256_bytes
from sdl_gate.collectors.base import CollectContext, own_evidence
from sdl_gate.errors import ConfigError, InputError
from sdl_gate.evidence import Evidence, EvidenceKind, FileDigest
from sdl_gate.placeholders import SHOWN_PLACEHOLDERS, document_placeholders

SECURITY_POLICY_PATHS = (
    "SECURITY.md",
    ".github/SECURITY.md",
    "docs/SECURITY.md",
    ".well-known/security.txt",
    "security.txt",
)
CODEOWNERS_PATHS = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_REPORTING_URL = re.compile(r"https://\S*(?:security|vulnerab|advisor|disclos)\S*", re.IGNORECASE)
_SECURITY_TXT_CONTACT = re.compile(r"^\s*Contact:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


def _read(path: Path, root: Path) -> bytes | None:
    """The document's bytes; None when absent or not a regular file inside the project (it does not count)."""
    if not path.is_file():
        return None
    try:
        return read_bytes_limited(path, MAX_DOCUMENT_BYTES, root=root)
    except InputError:
        return None


def security_contacts(text: str, is_security_txt: bool) -> list[str]:
    """Return the reporting contacts a security policy names (addresses and reporting URLs)."""
    if is_security_txt:
        found = [value.removeprefix("mailto:") for value in _SECURITY_TXT_CONTACT.findall(text)]
    else:
        found = _EMAIL.findall(text) + [url.rstrip(").,>]") for url in _REPORTING_URL.findall(text)]
    return sorted(set(found))


def codeowners_rules(text: str) -> tuple[int, list[str]]:
    """Return the number of ownership rules and the distinct owners of a CODEOWNERS file."""
    rules = 0
    owners: set[str] = set()
    for line in text.splitlines():
        stripped = line.split("#", 1)[0].strip()
        parts = stripped.split()
        rule_owners = [p for p in parts[1:] if p.startswith("@") or "@" in p]
        if len(parts) >= 2 and rule_owners:
            rules += 1
            owners.update(rule_owners)
    return rules, sorted(owners)


class RepositoryCollector:
    """Looks for the files people put in a repository to show responsibility and contact points."""

    kind = EvidenceKind.REPOSITORY

    def collect(self, context: CollectContext) -> Evidence:
        """Observe the security policy, CODEOWNERS and configured guideline documents."""
        root = context.root
        files: list[FileDigest] = []
        payload: dict[str, Any] = {"security_policy": None, "codeowners": None, "guidelines": {}}

        for relative in SECURITY_POLICY_PATHS:
            data = _read(root / relative, root)
            if data is None:
                continue
            files.append(FileDigest(path=relative, sha256=sha256_bytes(data)))
            text = data.decode("utf-8", errors="replace")
            payload["security_policy"] = {
                "path": relative,
                "contacts": security_contacts(text, relative.endswith("security.txt")),
            }
            break

        for relative in CODEOWNERS_PATHS:
            data = _read(root / relative, root)
            if data is None:
                continue
            files.append(FileDigest(path=relative, sha256=sha256_bytes(data)))
            rules, owners = codeowners_rules(data.decode("utf-8", errors="replace"))
            payload["codeowners"] = {"path": relative, "rules": rules, "owners": owners}
            break

        source = context.project.config_source or (root / "pyproject.toml")
        for requirement_id, relative in sorted(context.project.config.guidelines.items()):
            try:
                target = resolve_inside(
                    root,
                    relative,
                    source=source,
                    line=None,
                    location=f"tool.sdl-gate.guidelines.{requirement_id}",
                )
            except InputError as exc:
                raise ConfigError(exc.message, path=exc.path, location=exc.location) from None
            data = _read(target, root)
            if data is None:
                entry: dict[str, Any] = {"path": relative, "status": "missing", "sha256": None}
            elif not data.strip():
                entry = {"path": relative, "status": "empty", "sha256": sha256_bytes(data)}
            else:
                digest = sha256_bytes(data)
                found = document_placeholders(data.decode("utf-8", errors="replace"), target.suffix)
                entry = {
                    "path": relative,
                    "status": "present",
                    "sha256": digest,
                    "placeholders": [f.describe(relative) for f in found[:SHOWN_PLACEHOLDERS]],
                    "placeholder_count": len(found),
                }
                files.append(FileDigest(path=context.relative(target), sha256=digest))
            payload["guidelines"][requirement_id] = entry

        return own_evidence(self.kind, context, files, payload)
