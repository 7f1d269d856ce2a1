"""Findings and rule selection (the rules themselves are in lint/registry.py).

Every problem ghafmemgen reports, from a YAML syntax error to a host that runs out of
memory, is a `Finding` with a stable rule id and a source location.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]

# Where a value sits in the fleet data: ("vms", "chrome-vm", "mem"), ("lint", "ignore", 0).
DataPath = tuple[str | int, ...]


def variant_name(profile: str | None) -> str:
    """How every message, title and header names a variant: `base fleet` or `profile low`."""
    return "base fleet" if profile is None else f"profile {profile}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    file: str
    line: int
    column: int
    path: str  # JSON path of what the finding is about, e.g. "$.vms.chrome-vm.mem"
    profile: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        return (self.file, self.line, self.column, self.rule, self.profile or "", self.message)


UNIGNORABLE = frozenset({"GMG001", "GMG099"})  # unusable input is never ignored


@dataclass(frozen=True, slots=True, kw_only=True)
class Selection:
    """ruff-style rule selection: ids or prefixes (`GMG03`)."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def enabled(self, rule: str) -> bool:
        if rule in UNIGNORABLE:
            return True
        if self.select and not rule.startswith(self.select):
            return False
        return not rule.startswith(self.ignore) if self.ignore else True
