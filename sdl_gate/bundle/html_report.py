"""The human-readable report a bundle carries: HTML rendered from the bundle's own assessment and evidence.

``bundle create`` writes it and ``bundle verify`` renders it again from the re-derived assessment, so the
report a lab opens is exactly what the verified evidence says.
"""

from __future__ import annotations

from collections.abc import Sequence

from sdl_gate.assess import Assessment
from sdl_gate.bundle import layout
from sdl_gate.evidence import StoredEvidence
from sdl_gate.render.view import ReportInput, SourceKind
from sdl_gate.render.zones import diagram_from_evidence


def bundle_paths(items: Sequence[StoredEvidence]) -> dict[str, str]:
    """Map each evidence id to the entry that holds its normalised evidence."""
    return {item.id: layout.object_entry(item.id) for item in items}


def bundled_report(assessment: Assessment, items: Sequence[StoredEvidence]) -> bytes:
    """Render the bundle's HTML report; ValueError when its threat model evidence cannot be drawn."""
    from sdl_gate.render.html import render_html

    product = assessment.product
    # No bundle file name: a renamed bundle must still reproduce its report byte for byte.
    origin = " ".join(part for part in (product.name, product.version) if part)
    origin += f" at commit {product.commit[:12]}" if product.commit else " (not a git checkout)"
    report = ReportInput(
        assessment=assessment,
        source=SourceKind.BUNDLED,
        origin=origin,
        bundle_paths=bundle_paths(items),
        diagram=diagram_from_evidence(item.evidence for item in items),
    )
    return render_html(report).encode("utf-8")
