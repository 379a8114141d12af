"""The kinds of human process record: shared by the records collector and the approver register."""

from __future__ import annotations

import enum
from typing import Annotated

from pydantic import BeforeValidator


class RecordKind(str, enum.Enum):
    """The kinds of human evidence a record can be."""

    PROCESS_DOCUMENT = "process_document"
    REVIEW = "review"
    TRAINING = "training"
    PEN_TEST = "pen_test"
    PERIODIC_REVIEW = "periodic_review"
    SUPPLIER_ATTESTATION = "supplier_attestation"
    TEST_REPORT = "test_report"
    RELEASE_NOTES = "release_notes"
    KEY_CUSTODY = "key_custody"
    TRIAGE = "triage"
    INSPECTION = "inspection"


class ExceptionKind(str, enum.Enum):
    """The exceptions an approver register can entitle someone to approve, beside records."""

    WAIVER = "waiver"
    SAST_BASELINE = "sast_baseline"


def _grant_kind(value: object) -> RecordKind | ExceptionKind:
    """Read a grant's kind as the record or exception kind it names, with one error listing every choice."""
    if isinstance(value, (RecordKind, ExceptionKind)):
        return value
    for kinds in (RecordKind, ExceptionKind):
        if value in {kind.value for kind in kinds}:
            return kinds(value)
    choices = ", ".join(repr(kind.value) for kind in (*RecordKind, *ExceptionKind))
    raise ValueError(f"should be a record kind or an exception kind: one of {choices}")


#: What a grant of the approver register names: a kind of record, or of exception.
GrantKind = Annotated[RecordKind | ExceptionKind, BeforeValidator(_grant_kind)]
