"""Findings, the rule catalogue and rule selection.

Every problem ghafmemgen reports, from a YAML syntax error to a host that runs out of
memory, is a `Finding` with a stable rule id and a source location.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    id: str
    severity: Severity
    summary: str


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


def _rules(*rows: tuple[str, Severity, str]) -> dict[str, Rule]:
    return {rid: Rule(id=rid, severity=sev, summary=text) for rid, sev, text in rows}


RULES: dict[str, Rule] = _rules(
    ("GMG001", "error", "the file is not valid YAML or does not match the fleet schema"),
    ("GMG010", "error", "tap-<name> is longer than 15 characters (Linux IFNAMSIZ)"),
    ("GMG012", "error", "a profile names a VM that does not exist"),
    ("GMG020", "error", "a system VM sets balloonRatio > 0 or deflateOnOOM (no balloon there)"),
    ("GMG021", "warning", "deflateOnOOM: true reaches a crosvm app VM, where it has no effect"),
    ("GMG022", "warning", "a qemu VM's microvm.mem is exactly 2048 MiB (QEMU hangs)"),
    ("GMG023", "warning", "an app VM has both passthrough and a balloon (VFIO pins its RAM)"),
    ("GMG030", "error", "pinned (passthrough) memory plus the host reserve exceeds RAM"),
    ("GMG031", "error", "the steady state exceeds RAM + swap"),
    ("GMG032", "warning", "the steady state exceeds RAM (swap is used even at rest)"),
    ("GMG033", "warning", "the worst case (every balloon deflated) exceeds RAM + swap"),
    ("GMG034", "warning", "a single VM's microvm.mem exceeds the host's RAM"),
    ("GMG035", "warning", "an explicit swap size is below the required swap"),
    ("GMG040", "error", "hibernation with swap smaller than RAM"),
    ("GMG041", "error", "hibernation with randomEncryption or without resumeDevice"),
    ("GMG050", "warning", "a VM has more vCPUs than the host has CPUs"),
    ("GMG060", "warning", "zram memoryPercent above 100"),
    ("GMG061", "warning", "zram disabled on a VM without a balloon (no safety net left)"),
    ("GMG070", "error", "255 VMs or more, or more than 154 app VMs (Ghaf's address plan)"),
    ("GMG080", "error", "a VM or the host runs out of memory in the S3-resume simulation"),
)

UNIGNORABLE = frozenset({"GMG001"})


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

    def merged(self, *, ignore: tuple[str, ...]) -> Selection:
        return Selection(select=self.select, ignore=self.ignore + ignore)


def parse_rule_list(text: str | None) -> tuple[str, ...]:
    """`"GMG033, GMG07"` -> ("GMG033", "GMG07"); unknown prefixes raise ValueError."""
    if not text:
        return ()
    items = tuple(part.strip().upper() for part in text.split(",") if part.strip())
    unknown = [item for item in items if not any(rid.startswith(item) for rid in RULES)]
    if unknown:
        raise ValueError(
            f"unknown rule id or prefix: {', '.join(unknown)} (see `ghafmemgen rules`)"
        )
    return items
