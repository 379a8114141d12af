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
