"""The kinds of human process record: shared by the records collector and the approver register."""

from __future__ import annotations

import enum


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


class GrantKind(str, enum.Enum):
    """What a grant of the approver register names: a kind of record, or of exception."""

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
    WAIVER = "waiver"
    SAST_BASELINE = "sast_baseline"
