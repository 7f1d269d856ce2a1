"""What `ghafmemgen fit` may change and what it aims at: the lookup tables the CLI offers as
choices, the options of one search, and the patch (field path -> new value)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ghafmemgen.findings import Selection, Severity

KINDS = ("swap", "balloon", "app-mem", "sys-mem")  # in order of preference
DEFAULT_ADJUST = ("swap", "balloon", "app-mem")
# goal -> the severities that still fail it (goal simulate adds the opt-in rule GMG080)
FAILING: dict[str, frozenset[Severity]] = {
    "errors": frozenset({"error"}),
    "warnings": frozenset({"error", "warning"}),
    "simulate": frozenset({"error"}),
}
GOALS = tuple(FAILING)
SIMULATING_GOALS = frozenset({"simulate"})

FieldPath = tuple[str, ...]
Patch = dict[FieldPath, int]
SWAP: FieldPath = ("host", "swap", "size")


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    adjust: tuple[str, ...] = DEFAULT_ADJUST
    goal: str = "errors"
    min_mem_mib: int = 512
    step_mib: int = 256
    selection: Selection = field(default_factory=Selection)


def patch_tree(patch: Mapping[FieldPath, Any]) -> dict[str, Any]:
    """{("host", "swap", "size"): v} -> {"host": {"swap": {"size": v}}}, keys sorted."""
    tree: dict[str, Any] = {}
    for path, value in sorted(patch.items()):
        node = tree
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return tree
