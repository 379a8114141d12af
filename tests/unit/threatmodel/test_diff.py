"""What changed between two versions of a threat model: element by element, severity lowerings first."""

from __future__ import annotations

import copy
from typing import Any

from sdl_gate.threatmodel.diff import ChangeKind, model_changes
from sdl_gate.threatmodel.model import ThreatModel

BASE: dict[str, Any] = {
    "version": 1,
    "product": {"name": "widget", "intended_environment": "A plant network behind a firewall."},
    "zones": [{"id": "Z-1", "name": "inside", "sl_t": 2}, {"id": "Z-2", "name": "outside", "sl_t": 2}],
    "conduits": [{"id": "CD-1", "between": ["Z-1", "Z-2"]}],
    "components": [{"id": "C-1", "name": "service", "zone": "Z-1"}, {"id": "C-2", "name": "client", "zone": "Z-2"}],
    "flows": [{"id": "F-1", "from": "C-2", "to": "C-1", "conduit": "CD-1"}],
    "threats": [
        {"id": "T-1", "title": "Spoofed client", "stride": "spoofing", "affects": ["F-1"], "severity": "high"},
        {"id": "T-2", "title": "Flooding", "stride": "denial_of_service", "affects": ["C-1"], "severity": "critical"},
    ],
    "mitigations": [
        {"id": "M-1", "description": "Client certificates checked against the site CA"},
        {"id": "M-2", "description": "Allow list of client addresses on the firewall"},
    ],
    "dispositions": [
        {"threat": "T-1", "status": "mitigated", "mitigations": ["M-1", "M-2"]},
        {"threat": "T-2", "status": "mitigated", "mitigations": ["M-1", "M-2"]},
    ],
    "reviews": [{"date": "2026-10-01", "reviewers": ["A <a@example.com>"], "commit": "ab" * 20}],
}


def _model(change: Any = None) -> ThreatModel:
    data = copy.deepcopy(BASE)
    if change is not None:
        change(data)
    return ThreatModel.model_validate(data)


def test_identical_models_and_a_new_review_are_no_change() -> None:
    def reviewed_again(data: dict[str, Any]) -> None:
        data["reviews"].append({"date": "2026-11-01", "reviewers": ["B <b@example.com>"], "commit": "cd" * 20})

    assert model_changes(_model(), _model()) == []
    assert model_changes(_model(), _model(reviewed_again)) == []


def test_a_lowered_severity_is_called_out_first() -> None:
    def downgrade(data: dict[str, Any]) -> None:
        data["mitigations"][0]["description"] = "Client certificates, any CA"
        data["threats"][1]["severity"] = "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"

    changes = model_changes(_model(), _model(downgrade))
    assert [(c.section, c.item, c.kind) for c in changes] == [
        ("threats", "T-2", ChangeKind.SEVERITY_LOWERED),
        ("mitigations", "M-1", ChangeKind.CHANGED),
    ]
    assert changes[0].lowers_severity
    assert changes[0].describe() == "threat T-2: severity lowered critical -> low"
    assert not changes[1].lowers_severity


def test_removing_a_high_threat_or_its_severity_lowers_what_sd2_sees() -> None:
    def remove(data: dict[str, Any]) -> None:
        del data["threats"][1]
        del data["dispositions"][1]
        del data["threats"][0]["severity"]

    changes = model_changes(_model(), _model(remove))
    lowered = {(c.item, c.kind) for c in changes if c.lowers_severity}
    assert lowered == {("T-1", ChangeKind.SEVERITY_LOWERED), ("T-2", ChangeKind.REMOVED)}
    assert changes[0].lowers_severity and changes[1].lowers_severity
    assert ("dispositions", "T-2", ChangeKind.REMOVED) in {(c.section, c.item, c.kind) for c in changes}


def test_raised_severity_added_threat_and_disposition_changes_are_named_but_lower_nothing() -> None:
    def change(data: dict[str, Any]) -> None:
        data["threats"][0]["severity"] = "critical"
        data["threats"].append(
            {"id": "T-3", "title": "Replay", "stride": "tampering", "affects": ["F-1"], "severity": "medium"}
        )
        data["dispositions"][1] = {
            "threat": "T-2",
            "status": "accepted",
            "approver": "A <a@example.com>",
            "date": "2026-10-02",
            "rationale": "Rate limited by the upstream firewall.",
        }
        data["zones"][1]["sl_t"] = 1

    changes = {(c.section, c.item): c for c in model_changes(_model(), _model(change))}
    assert changes["threats", "T-1"].kind is ChangeKind.SEVERITY_RAISED
    assert changes["threats", "T-3"].kind is ChangeKind.ADDED
    assert "medium" in changes["threats", "T-3"].detail
    assert "status mitigated -> accepted" in changes["dispositions", "T-2"].detail
    assert changes["zones", "Z-2"].detail == "sl_t 2 -> 1"
    assert not any(c.lowers_severity for c in changes.values())
