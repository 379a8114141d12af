"""Approvals of human process records: the approver register, signed approvals and their verification."""
