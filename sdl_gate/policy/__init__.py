"""Policies and the waiver register: what the gate requires, and the approved exceptions."""
