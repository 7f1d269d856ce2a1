"""Exceptions that end a command with a clean message and a documented exit code."""

from __future__ import annotations

from ghafmemgen.findings import Finding


class GhafmemgenError(Exception):
    exit_code = 1


class UsageError(GhafmemgenError):
    """Bad arguments, missing or unreadable files: exit 2."""

    exit_code = 2


class FleetError(GhafmemgenError):
    """The fleet file could not be loaded (YAML, schema or limit error): exit 1."""

    exit_code = 1

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(findings[0].message if findings else "invalid fleet")
        self.findings = findings
