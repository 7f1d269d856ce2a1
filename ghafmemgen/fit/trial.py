"""One fit search's evaluations: the variant with a patch applied, and what still fails its goal.

Every verdict re-runs the pipeline (model, plan, the rule registry and, for goal simulate,
GMG080) on the patched, already-normalized data: no arithmetic shortcut can disagree with
`check`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ghafmemgen import pipeline
from ghafmemgen.findings import Selection
from ghafmemgen.fit.options import (
    FAILING,
    SIMULATING_GOALS,
    SWAP,
    FieldPath,
    Options,
    Patch,
    patch_tree,
)
from ghafmemgen.lint.checks import Hit
from ghafmemgen.lint.registry import RULES
from ghafmemgen.memory.model import Fleet, Vm, deep_merge
from ghafmemgen.pipeline import Loaded, Variant


@dataclass(frozen=True, slots=True, kw_only=True)
class Rung:
    patch: Patch
    note: str  # what this rung does, for the explanation


def goal_hits(var: Variant, *, goal: str, selection: Selection) -> list[Hit]:
    """The hits that stop `var` from meeting `goal` (rule selection and lint config applied):
    the pipeline's own runner, filtered by the severities the goal cannot accept."""
    hits = pipeline.variant_hits(var, selection, simulate=goal in SIMULATING_GOALS)
    failing = FAILING[goal]
    return [hit for hit in hits if RULES[hit.rule].severity in failing]


def patched_data(data: Mapping[str, Any], profile: str | None, patch: Patch) -> dict[str, Any]:
    tree = patch_tree(patch)
    return deep_merge(data, {"profiles": {profile: tree}} if profile is not None else tree)


@dataclass(frozen=True, slots=True, kw_only=True)
class Search:
    """One variant, one goal; remembers every patch it has evaluated.

    A patch of the base fleet reaches every profile too (they inherit what they do not set),
    so it meets the goal only if it also adds no goal-level finding to any profile: the
    profiles' own findings before the patch are allowed, new ones are not."""

    loaded: Loaded
    profile: str | None
    options: Options
    fleet: Fleet
    vms: Mapping[str, Vm]
    memo: dict[tuple[tuple[FieldPath, int], ...], tuple[Hit, ...]] = field(default_factory=dict)
    ladders: dict[tuple[Any, ...], list[Rung]] = field(default_factory=dict)
    before: dict[str, frozenset[tuple[str, tuple[Any, ...]]]] = field(default_factory=dict)

    @property
    def inheriting(self) -> tuple[str, ...]:
        """The profiles a patch also reaches: all of them for a base-fleet patch."""
        return self.loaded.profiles if self.profile is None else ()

    def variant(self, patch: Patch) -> Variant:
        data = patched_data(self.loaded.data, self.profile, patch)
        return pipeline.variant(replace(self.loaded, data=data), self.profile)

    def hits(self, patch: Patch) -> tuple[Hit, ...]:
        key = tuple(sorted(patch.items()))
        if key not in self.memo:
            var = self.variant(patch)
            opts = self.options
            found = tuple(goal_hits(var, goal=opts.goal, selection=opts.selection))
            self.memo[key] = found or (tuple(self._added_to_profiles(patch)) if patch else ())
        return self.memo[key]

    def _added_to_profiles(self, patch: Patch) -> list[Hit]:
        """Goal-level findings the (base-fleet) patch adds to a profile, each marked with the
        profile: its path starts with ("profiles", NAME) and its message names it."""
        opts = self.options
        patched = replace(self.loaded, data=patched_data(self.loaded.data, None, patch))
        added = []
        for name in self.inheriting:
            if name not in self.before:
                var = pipeline.variant(self.loaded, name)
                hits = goal_hits(var, goal=opts.goal, selection=opts.selection)
                self.before[name] = frozenset((hit.rule, hit.path) for hit in hits)
            var = pipeline.variant(patched, name)
            for hit in goal_hits(var, goal=opts.goal, selection=opts.selection):
                if (hit.rule, hit.path) not in self.before[name]:
                    message = f"in profile {name}, {hit.message}"
                    path = ("profiles", name, *hit.path)
                    added.append(replace(hit, message=message, path=path))
        return added

    def meets(self, patch: Patch) -> bool:
        return not self.hits(patch)

    def old(self, path: FieldPath) -> int:
        if path == SWAP:
            return self.fleet.host.swap.size_mib or 0
        vm = self.vms[path[1]]
        return vm.mem_mib if path[-1] == "mem" else vm.balloon_ratio

    def cost(self, path: FieldPath, new: int) -> tuple[int, int]:
        """(base mem, microvm.mem) this one field takes from the VMs."""
        if path == SWAP:
            return (0, 0)
        vm = self.vms[path[1]]
        if path[-1] == "balloonRatio":
            return (0, vm.mem_mib * (vm.balloon_ratio - new))
        times = vm.balloon_ratio + 1 if vm.kind == "app" else 1
        return (vm.mem_mib - new, (vm.mem_mib - new) * times)

    def kind_of(self, path: FieldPath) -> str:
        """The adjustment kind (fit's KINDS) a patched field belongs to."""
        if path == SWAP:
            return "swap"
        if path[-1] == "balloonRatio":
            return "balloon"
        vm = self.vms[path[1]]
        return "app-mem" if vm.kind == "app" else "sys-mem"
