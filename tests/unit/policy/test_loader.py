"""Policy files, built-in policies, ``extends:`` resolution, defaults, effective dates and digests."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sdl_gate.catalogue import load_catalogue
from sdl_gate.errors import InputError, PolicyError
from sdl_gate.policy.loader import (
    DEFAULT_POLICY,
    MAX_EXTENDS_DEPTH,
    builtin_policy_names,
    load_policy_file,
    load_resolved_policy,
    resolve_policy,
    resolved_policy_document,
)
from sdl_gate.policy.models import ImportedResults, MaturityRules, Mode, ResolvedRequirement
from tests.conftest import ProjectFactory, write

ML2 = "iec62443-4-1-ml2"
ML3 = "iec62443-4-1-ml3"
ML4 = "iec62443-4-1-ml4"
BUILTINS = (ML2, ML3, ML4)


def _policy_error(path: Path) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        resolve_policy(str(path))
    return info.value


# --- Built-in policies -------------------------------------------------------------------------


def test_builtin_names_are_the_three_maturity_levels() -> None:
    assert builtin_policy_names() == BUILTINS
    assert DEFAULT_POLICY == ML2


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_resolves_with_all_47_requirements(name: str) -> None:
    policy = resolve_policy(name)
    assert len(policy.requirements) == 47
    assert set(policy.requirements) == set(load_catalogue().ids)
    assert policy.name == name
    assert policy.source == f"builtin:{name}"


def test_builtin_chains() -> None:
    assert resolve_policy(ML2).chain == ()
    assert resolve_policy(ML3).chain == (f"builtin:{ML2}",)
    assert resolve_policy(ML4).chain == (f"builtin:{ML2}", f"builtin:{ML3}")


def test_sm13_advisory_in_ml2_enforced_in_ml3_and_ml4() -> None:
    assert resolve_policy(ML2).requirements["SM-13"].mode is Mode.ADVISORY
    assert resolve_policy(ML3).requirements["SM-13"].mode is Mode.ENFORCED
    assert resolve_policy(ML4).requirements["SM-13"].mode is Mode.ENFORCED


def test_ml3_overrides_sm4_training_interval() -> None:
    assert resolve_policy(ML2).requirements["SM-4"].max_age_days == 730
    assert resolve_policy(ML3).requirements["SM-4"].max_age_days == 365


def test_ml3_inherits_what_it_does_not_name() -> None:
    ml2 = resolve_policy(ML2).requirements
    ml3 = resolve_policy(ML3).requirements
    # SR-2 and DM-6 are set only by ML2.
    assert ml3["SR-2"] == ml2["SR-2"]
    assert ml3["SR-2"].max_age_days == 365
    assert ml3["DM-6"].max_age_days == 365
    # SM-13's interval comes from ML2 while ML3 changes only its mode.
    assert ml3["SM-13"].max_age_days == 365


def test_ml4_overrides_ml3_intervals() -> None:
    ml4 = resolve_policy(ML4).requirements
    assert ml4["SM-13"].max_age_days == 180
    assert ml4["SVV-4"].max_age_days == 365
    assert resolve_policy(ML3).requirements["SVV-4"].max_age_days == 730


def test_evidence_max_age_tightens_per_level() -> None:
    assert resolve_policy(ML2).evidence_max_age_days == 30
    assert resolve_policy(ML3).evidence_max_age_days == 14
    assert resolve_policy(ML4).evidence_max_age_days == 7


@pytest.mark.parametrize("name", BUILTINS)
def test_builtins_block_on_not_assessed(name: str) -> None:
    assert resolve_policy(name).not_assessed_blocks is True


def test_ml2_enforces_everything_but_sm13() -> None:
    requirements = resolve_policy(ML2).requirements
    advisory = {rid for rid, entry in requirements.items() if entry.mode is not Mode.ENFORCED}
    assert advisory == {"SM-13"}


def test_unknown_builtin_lists_available_ones() -> None:
    with pytest.raises(PolicyError) as info:
        resolve_policy("iec62443-4-1-ml9")
    assert "iec62443-4-1-ml9" in info.value.message
    assert info.value.hint is not None
    for name in BUILTINS:
        assert name in info.value.hint


# --- User policy files and extends: -----------------------------------------------------------


def test_extends_overrides_only_named_fields(project: ProjectFactory) -> None:
    path = project.policy(
        """
        version: 1
        extends: iec62443-4-1-ml2
        requirements:
          SM-13:
            params: {max_age_days: 90}
        """
    )
    policy = resolve_policy(str(path))
    assert policy.requirements["SM-13"].mode is Mode.ADVISORY  # kept from ML2
    assert policy.requirements["SM-13"].max_age_days == 90
    assert policy.requirements["SM-4"].max_age_days == 730
    assert policy.chain == (f"builtin:{ML2}",)
    assert policy.source == str(path)


def test_extends_mode_only_keeps_params(project: ProjectFactory) -> None:
    path = project.policy(
        """
        version: 1
        extends: iec62443-4-1-ml2
        requirements:
          SM-4:
            mode: advisory
        """
    )
    entry = resolve_policy(str(path)).requirements["SM-4"]
    assert entry.mode is Mode.ADVISORY
    assert entry.max_age_days == 730


def test_extends_user_file_relative_to_the_extending_file(project: ProjectFactory) -> None:
    project.policy(
        """
        version: 1
        extends: iec62443-4-1-ml3
        settings: {evidence_max_age_days: 3}
        """,
        name="base.yaml",
    )
    path = project.policy(
        """
        version: 1
        name: product
        extends: base.yaml
        requirements:
          SM-1: {mode: advisory}
        """
    )
    policy = resolve_policy("security/policy.yaml", relative_to=project.root)
    assert policy.name == "product"
    assert policy.evidence_max_age_days == 3
    assert policy.requirements["SM-1"].mode is Mode.ADVISORY
    assert policy.requirements["SM-1"].max_age_days == 730  # from ML3
    assert policy.chain == (f"builtin:{ML2}", f"builtin:{ML3}", "base.yaml")
    assert path.is_file()


def test_settings_override_keeps_other_setting(project: ProjectFactory) -> None:
    path = project.policy(
        """
        version: 1
        extends: iec62443-4-1-ml4
        settings: {not_assessed_blocks: false}
        """
    )
    policy = resolve_policy(str(path))
    assert policy.not_assessed_blocks is False
    assert policy.evidence_max_age_days == 7


def test_policy_without_extends_starts_from_enforced(project: ProjectFactory) -> None:
    path = project.policy("version: 1\n")
    policy = resolve_policy(str(path))
    assert len(policy.requirements) == 47
    assert all(entry.mode is Mode.ENFORCED for entry in policy.requirements.values())
    assert all(entry.max_age_days is None for entry in policy.requirements.values())
    assert policy.evidence_max_age_days == 30
    assert policy.not_assessed_blocks is True
    assert policy.name == "policy"  # the file stem when the file names none


def test_defaults_apply_to_unnamed_requirements_only(project: ProjectFactory) -> None:
    path = project.policy(
        """
        version: 1
        extends: iec62443-4-1-ml2
        defaults:
          mode: advisory
        requirements:
          SM-1:
            params: {max_age_days: 10}
        """
    )
    requirements = resolve_policy(str(path)).requirements
    assert requirements["SM-1"].mode is Mode.ENFORCED
    assert requirements["SM-1"].max_age_days == 10
    assert requirements["SM-2"].mode is Mode.ADVISORY
    assert requirements["SM-4"].mode is Mode.ADVISORY
    assert requirements["SM-4"].max_age_days == 730  # defaults name no params, so ML2's interval stays


def test_not_applicable_with_justification_accepted(project: ProjectFactory) -> None:
    path = project.policy(
        """
        version: 1
        requirements:
          SUM-5:
            mode: not_applicable
            justification: The product has no field-update channel.
        """
    )
    entry = resolve_policy(str(path)).requirements["SUM-5"]
    assert entry.mode is Mode.NOT_APPLICABLE
    assert entry.justification == "The product has no field-update channel."


def test_not_applicable_without_justification_rejected_with_line(project: ProjectFactory) -> None:
    path = project.policy(
        """
        version: 1
        requirements:
          SM-2: {mode: advisory}
          SM-1:
            mode: not_applicable
        """
    )
    error = _policy_error(path)
    assert "justification" in error.message
    assert error.path == str(path)
    assert error.line == 4
    assert error.location == "requirements.SM-1"


def test_not_applicable_with_blank_justification_rejected(project: ProjectFactory) -> None:
    path = project.policy(
        """
        version: 1
        requirements:
          SM-1:
            mode: not_applicable
            justification: "   "
        """
    )
    assert "justification" in _policy_error(path).message


@pytest.mark.parametrize("justification", ["TBD", "n/a", "Not applicable.", "nope", "TODO: explain the scoping"])
def test_not_applicable_with_placeholder_justification_rejected(project: ProjectFactory, justification: str) -> None:
    path = project.policy(
        f"""
        version: 1
        requirements:
          SM-10:
            mode: not_applicable
            justification: "{justification}"
        """
    )
    error = _policy_error(path)
    assert "SM-10 is not_applicable" in error.message
    assert "real content" in error.message
    assert error.path == str(path)
    assert error.location == "requirements.SM-10.justification"


@pytest.mark.parametrize("name", [ML2, ML3, ML4])
def test_builtin_policies_make_nothing_waivable_and_bound_waivers_to_180_days(name: str) -> None:
    policy = resolve_policy(name)
    assert policy.waiver_max_days == 180
    assert not any(entry.waivable for entry in policy.requirements.values())


def test_waivable_and_waiver_limit_are_set_and_inherited(project: ProjectFactory) -> None:
    parent = project.policy(
        "version: 1\nextends: iec62443-4-1-ml2\nsettings: {waiver_max_days: 90}\n"
        "requirements:\n  SVV-4: {waivable: true}\n",
        name="parent.yaml",
    )
    child = project.policy(f"version: 1\nextends: {parent.name}\nrequirements:\n  SM-1: {{mode: advisory}}\n")
    policy = resolve_policy(str(child))
    assert policy.waiver_max_days == 90
    assert [rid for rid, entry in policy.requirements.items() if entry.waivable] == ["SVV-4"]


@pytest.mark.parametrize("days", [0, 367, 36500])
def test_waiver_limit_outside_a_year_is_refused(project: ProjectFactory, days: int) -> None:
    path = project.policy(f"version: 1\nsettings: {{waiver_max_days: {days}}}\n")
    error = _policy_error(path)
    assert error.path == str(path)
    assert error.location == "settings.waiver_max_days"


def test_digest_changes_with_the_waiver_limit(tmp_path: Path) -> None:
    base = write(tmp_path / "base.yaml", "version: 1\nname: p\n")
    changed = write(tmp_path / "changed.yaml", "version: 1\nname: p\nsettings: {waiver_max_days: 30}\n")
    assert resolve_policy(str(base)).digest != resolve_policy(str(changed)).digest


def test_defaults_not_applicable_rejected(project: ProjectFactory) -> None:
    path = project.policy(
        """
        version: 1
        defaults:
          mode: not_applicable
          justification: nothing applies
        """
    )
    error = _policy_error(path)
    assert "defaults cannot be not_applicable" in error.message
    assert error.path == str(path)


def test_unknown_key_rejected_with_file_and_line(project: ProjectFactory) -> None:
    path = project.policy(
        """
        version: 1
        name: mine
        enforce_everything: true
        """
    )
    error = _policy_error(path)
    assert error.message == "invalid policy: unknown key 'enforce_everything'"
    assert error.path == str(path)
    assert error.line == 3


def test_unknown_key_inside_requirement_rejected(project: ProjectFactory) -> None:
    path = project.policy(
        """
        version: 1
        requirements:
          SM-1:
            mode: advisory
            severity: high
        """
    )
    error = _policy_error(path)
    assert "unknown key 'severity'" in error.message
    assert error.line == 5
    assert error.location == "requirements.SM-1.severity"


def test_unknown_requirement_id_rejected_naming_it(project: ProjectFactory) -> None:
    path = project.policy(
        """
        version: 1
        requirements:
          SM-1: {mode: advisory}
          XX-9:
            mode: advisory
        """
    )
    error = _policy_error(path)
    assert "'XX-9'" in error.message
    assert error.line == 4
    assert error.location == "requirements.XX-9"


def test_extends_cycle_rejected(project: ProjectFactory) -> None:
    a = project.policy("version: 1\nextends: b.yaml\n", name="a.yaml")
    project.policy("version: 1\nextends: a.yaml\n", name="b.yaml")
    error = _policy_error(a)
    assert "cycle" in error.message


def test_self_extension_rejected(project: ProjectFactory) -> None:
    path = project.policy("version: 1\nextends: policy.yaml\n")
    assert "cycle" in _policy_error(path).message


def test_extends_chain_longer_than_limit_rejected(project: ProjectFactory) -> None:
    for index in range(MAX_EXTENDS_DEPTH + 1):
        project.policy(f"version: 1\nextends: p{index + 1}.yaml\n", name=f"p{index}.yaml")
    project.policy("version: 1\n", name=f"p{MAX_EXTENDS_DEPTH + 1}.yaml")
    error = _policy_error(project.root / "security" / "p0.yaml")
    assert f"longer than {MAX_EXTENDS_DEPTH}" in error.message


def test_extends_missing_file_rejected(project: ProjectFactory) -> None:
    path = project.policy("version: 1\nextends: nowhere.yaml\n")
    with pytest.raises(InputError) as info:
        resolve_policy(str(path))
    assert info.value.message == "file not found"
    assert info.value.path == str(project.root / "security" / "nowhere.yaml")


def test_version_2_rejected(project: ProjectFactory) -> None:
    path = project.policy("version: 2\n")
    error = _policy_error(path)
    assert error.location == "version"
    assert error.line == 1


def test_missing_version_rejected(project: ProjectFactory) -> None:
    path = project.policy("name: x\n")
    assert "missing required key 'version'" in _policy_error(path).message


def test_integer_mode_rejected(project: ProjectFactory) -> None:
    path = project.policy(
        """
        version: 1
        requirements:
          SM-1:
            mode: 5
        """
    )
    error = _policy_error(path)
    assert error.message.startswith("invalid policy")
    assert error.line == 4
    assert error.location == "requirements.SM-1.mode"


def test_unparseable_enforced_from_rejected(project: ProjectFactory) -> None:
    path = project.policy(
        """
        version: 1
        requirements:
          SM-1:
            enforced_from: not-a-date
        """
    )
    error = _policy_error(path)
    assert "date" in error.message
    assert error.line == 4
    assert error.location == "requirements.SM-1.enforced_from"


def test_zero_max_age_rejected(project: ProjectFactory) -> None:
    path = project.policy(
        """
        version: 1
        requirements:
          SM-1:
            params: {max_age_days: 0}
        """
    )
    error = _policy_error(path)
    assert error.location == "requirements.SM-1.params.max_age_days"


def test_load_policy_file_raises_policy_error_subclass(project: ProjectFactory) -> None:
    path = project.policy("version: 1\nbogus: 1\n")
    with pytest.raises(PolicyError) as info:
        load_policy_file(path)
    assert isinstance(info.value, InputError)
    assert info.value.diagnostics().startswith(f"{path}:2 at bogus: invalid policy: unknown key 'bogus'")


def test_lowercase_ids_accepted_and_canonicalised(project: ProjectFactory) -> None:
    path = project.policy(
        """
        version: 1
        requirements:
          sm-1: {mode: advisory}
          svv-3: {mode: disabled}
        """
    )
    file = load_policy_file(path)
    assert set(file.requirements) == {"SM-1", "SVV-3"}
    requirements = resolve_policy(str(path)).requirements
    assert requirements["SM-1"].mode is Mode.ADVISORY
    assert requirements["SVV-3"].mode is Mode.DISABLED
    assert "sm-1" not in requirements
    assert len(requirements) == 47


def test_same_requirement_in_two_cases_rejected(project: ProjectFactory) -> None:
    path = project.policy(
        """
        version: 1
        requirements:
          SM-1: {mode: disabled}
          sm-1: {mode: advisory}
        """
    )
    with pytest.raises(PolicyError):
        resolve_policy(str(path))


# --- Effective dates ---------------------------------------------------------------------------


def test_enforced_from_is_advisory_before_and_enforced_from_that_day(project: ProjectFactory) -> None:
    path = project.policy(
        """
        version: 1
        requirements:
          SM-1:
            enforced_from: 2026-07-01
        """
    )
    entry = resolve_policy(str(path)).requirements["SM-1"]
    assert entry.enforced_from == date(2026, 7, 1)
    assert entry.effective_mode(date(2026, 6, 30)) is Mode.ADVISORY
    assert entry.effective_mode(date(2026, 7, 1)) is Mode.ENFORCED
    assert entry.effective_mode(date(2027, 1, 1)) is Mode.ENFORCED


def test_enforced_from_does_not_touch_other_modes() -> None:
    disabled = ResolvedRequirement(
        mode=Mode.DISABLED, justification=None, enforced_from=date(2026, 7, 1), max_age_days=None
    )
    assert disabled.effective_mode(date(2026, 1, 1)) is Mode.DISABLED


def test_enforced_without_date_is_always_enforced() -> None:
    entry = ResolvedRequirement(mode=Mode.ENFORCED, justification=None, enforced_from=None, max_age_days=None)
    assert entry.effective_mode(date(1970, 1, 1)) is Mode.ENFORCED


# --- Digest ------------------------------------------------------------------------------------


def test_digest_stable_across_resolutions() -> None:
    first = resolve_policy(ML3).digest
    assert first == resolve_policy(ML3).digest
    assert first.startswith("sha256:")
    assert len(first) == len("sha256:") + 64


def test_builtins_have_distinct_digests() -> None:
    assert len({resolve_policy(name).digest for name in BUILTINS}) == 3


def test_digest_changes_when_any_requirement_mode_changes(tmp_path: Path) -> None:
    base = write(tmp_path / "base.yaml", "version: 1\nname: p\n")
    base_digest = resolve_policy(str(base)).digest
    digests = {base_digest}
    for rid in load_catalogue().ids:
        path = write(tmp_path / "changed.yaml", f"version: 1\nname: p\nrequirements:\n  {rid}: {{mode: advisory}}\n")
        digests.add(resolve_policy(str(path)).digest)
    assert len(digests) == 47 + 1


@pytest.mark.parametrize(
    "entry",
    [
        "{mode: disabled}",
        "{enforced_from: 2027-01-01}",
        "{params: {max_age_days: 99}}",
        "{mode: not_applicable, justification: out of scope}",
        "{waivable: true}",
    ],
)
def test_digest_changes_with_each_field(tmp_path: Path, entry: str) -> None:
    base = write(tmp_path / "base.yaml", "version: 1\nname: p\n")
    changed = write(tmp_path / "changed.yaml", f"version: 1\nname: p\nrequirements:\n  SD-1: {entry}\n")
    assert resolve_policy(str(base)).digest != resolve_policy(str(changed)).digest


def test_digest_changes_with_settings(tmp_path: Path) -> None:
    base = write(tmp_path / "base.yaml", "version: 1\nname: p\n")
    changed = write(tmp_path / "changed.yaml", "version: 1\nname: p\nsettings: {evidence_max_age_days: 29}\n")
    assert resolve_policy(str(base)).digest != resolve_policy(str(changed)).digest


def test_to_json_lists_every_requirement_and_the_chain() -> None:
    document = resolve_policy(ML3).to_json()
    assert document["extends"] == [f"builtin:{ML2}"]
    assert document["settings"] == {"not_assessed_blocks": True, "evidence_max_age_days": 14, "waiver_max_days": 180}
    requirements = document["requirements"]
    assert isinstance(requirements, dict)
    assert len(requirements) == 47
    assert requirements["SM-4"] == {
        "mode": "enforced",
        "justification": None,
        "enforced_from": None,
        "params": {"max_age_days": 365},
        "waivable": False,
    }


# --- The resolved policy a bundle carries --------------------------------------------------------


def _resolved(name: str = ML2) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(resolved_policy_document(resolve_policy(name))))
    return document


@pytest.mark.parametrize("name", BUILTINS)
def test_resolved_policy_round_trips_with_its_digest(name: str) -> None:
    policy = resolve_policy(name)
    loaded = load_resolved_policy(json.dumps(_resolved(name)).encode(), path="policy.json")
    assert loaded == policy
    assert loaded.digest == policy.digest


def test_resolved_policy_whose_content_was_edited_is_refused() -> None:
    document = _resolved()
    document["requirements"]["SM-1"]["mode"] = "disabled"
    with pytest.raises(PolicyError) as info:
        load_resolved_policy(json.dumps(document).encode(), path="bundle/policy.json")
    assert info.value.path == "bundle/policy.json"
    assert "digest" in info.value.message


def test_resolved_policy_that_leaves_out_a_requirement_is_refused() -> None:
    document = _resolved()
    del document["requirements"]["SVV-3"]
    with pytest.raises(PolicyError) as info:
        load_resolved_policy(json.dumps(document).encode(), path="policy.json")
    assert "SVV-3" in info.value.message


@pytest.mark.parametrize(
    ("change", "location"),
    [
        (lambda d: d.pop("digest"), "digest"),
        (lambda d: d["settings"].update(evidence_max_age_days="soon"), "settings.evidence_max_age_days"),
        (lambda d: d["requirements"]["SM-1"].update(mode="maybe"), "requirements.SM-1.mode"),
        (lambda d: d.update(extra=1), "extra"),
    ],
)
def test_resolved_policy_of_the_wrong_shape_names_the_place(
    change: Callable[[dict[str, Any]], object], location: str
) -> None:
    document = _resolved()
    change(document)
    with pytest.raises(PolicyError) as info:
        load_resolved_policy(json.dumps(document).encode(), path="policy.json")
    assert info.value.path == "policy.json"
    assert info.value.location == location


@pytest.mark.parametrize("data", [b"", b"{", b"[]", b'"policy"'])
def test_resolved_policy_that_is_not_a_json_object_is_refused(data: bytes) -> None:
    with pytest.raises(PolicyError) as info:
        load_resolved_policy(data, path="policy.json")
    assert info.value.path == "policy.json"


# --- Maturity settings ---------------------------------------------------------------------------


def test_builtins_ask_three_releases_over_ninety_days_for_ml3() -> None:
    for name in BUILTINS:
        assert resolve_policy(name).maturity == MaturityRules(min_releases=3, min_span_days=90)


def test_maturity_settings_override_field_by_field(project: ProjectFactory) -> None:
    project.policy("version: 1\nextends: iec62443-4-1-ml4\nsettings: {maturity: {min_releases: 5}}\n", name="base.yaml")
    path = project.policy("version: 1\nextends: base.yaml\nsettings: {maturity: {min_span_days: 365}}\n")
    policy = resolve_policy(str(path))
    assert policy.maturity == MaturityRules(min_releases=5, min_span_days=365)
    assert policy.to_json()["settings"] == {
        "not_assessed_blocks": True,
        "evidence_max_age_days": 7,
        "waiver_max_days": 180,
        "maturity": {"min_releases": 5, "min_span_days": 365},
    }


def test_maturity_settings_are_covered_by_the_digest(tmp_path: Path) -> None:
    base = write(tmp_path / "base.yaml", "version: 1\nname: p\n")
    same = write(tmp_path / "same.yaml", "version: 1\nname: p\nsettings: {maturity: {min_releases: 3}}\n")
    changed = write(tmp_path / "changed.yaml", "version: 1\nname: p\nsettings: {maturity: {min_span_days: 30}}\n")
    assert resolve_policy(str(base)).digest == resolve_policy(str(same)).digest
    assert resolve_policy(str(base)).digest != resolve_policy(str(changed)).digest


@pytest.mark.parametrize(
    ("settings", "location"),
    [
        ("{maturity: {min_releases: 1}}", "settings.maturity.min_releases"),
        ("{maturity: {min_span_days: 0}}", "settings.maturity.min_span_days"),
        ("{maturity: {min_releases: many}}", "settings.maturity.min_releases"),
        ("{maturity: {releases: 3}}", "settings.maturity.releases"),
    ],
)
def test_bad_maturity_settings_are_refused_naming_the_place(
    project: ProjectFactory, settings: str, location: str
) -> None:
    path = project.policy(f"version: 1\nsettings: {settings}\n")
    error = _policy_error(path)
    assert error.path == str(path)
    assert error.line == 2
    assert error.location == location


def test_a_resolved_policy_with_maturity_settings_round_trips_with_its_digest(project: ProjectFactory) -> None:
    path = project.policy("version: 1\nextends: iec62443-4-1-ml3\nsettings: {maturity: {min_releases: 4}}\n")
    policy = resolve_policy(str(path))
    document = json.dumps(resolved_policy_document(policy)).encode()
    assert load_resolved_policy(document, path="policy.json") == policy
    edited = json.loads(document)
    edited["settings"]["maturity"]["min_releases"] = 2
    with pytest.raises(PolicyError, match="does not match its content"):
        load_resolved_policy(json.dumps(edited).encode(), path="policy.json")


# --- Imported test results -----------------------------------------------------------------------


def test_imported_test_results_is_a_requirement_parameter_with_the_built_in_default_unset(
    project: ProjectFactory,
) -> None:
    path = project.policy(
        """
        version: 1
        extends: iec62443-4-1-ml2
        defaults: {params: {imported_test_results: never}}
        requirements:
          SUM-1: {params: {imported_test_results: always}}
        """
    )
    policy = resolve_policy(str(path))
    assert policy.requirements["SVV-1"].imported_test_results is ImportedResults.NEVER
    assert policy.requirements["SUM-1"].imported_test_results is ImportedResults.ALWAYS
    params = policy.requirements["SUM-1"].to_json()["params"]
    assert isinstance(params, dict) and params["imported_test_results"] == "always"
    # Unset in the built-in policies: the criteria apply with_approved_record, and their digests stay as they were.
    builtin = resolve_policy(ML2)
    assert builtin.requirements["SVV-1"].imported_test_results is None
    builtin_params = builtin.requirements["SVV-1"].to_json()["params"]
    assert isinstance(builtin_params, dict) and "imported_test_results" not in builtin_params


def test_an_unknown_imported_test_results_value_is_refused_with_its_place(project: ProjectFactory) -> None:
    path = project.policy(
        """
        version: 1
        requirements:
          SVV-1: {params: {imported_test_results: sometimes}}
        """
    )
    error = _policy_error(path)
    assert error.path == str(path)
    assert error.line == 3
