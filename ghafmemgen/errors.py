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


class Interrupted(BaseException):
    """SIGINT, SIGTERM or SIGHUP while a file is written (emit.signals): every cleanup runs,
    then the command ends with exit 128 + `signum`. A BaseException, as KeyboardInterrupt
    is, so that no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
