"""Offline OSV vulnerability database (SQLite) and an OSV-compatible API on loopback for pip-audit."""
