"""`ghafmemgen fit`: the smallest change to one fleet variant that meets a goal.

A patch maps a field path inside the variant's section (the profile, or the base fleet) to a
new value. Each adjustment kind is a *ladder* of patches, from "unchanged" to "as far as it
goes". For every combination of the allowed kinds, the least preferred kind is fixed first at
the lowest rung that meets the goal with the more preferred kinds at their top rung, then the
next one, up to the most preferred: less preferred adjustments are used only as far as the
preferred ones cannot cover. Every candidate is then pruned until no single field can be
reverted, and the winner has the fewest fields, then removes the least memory from VMs.
Everything is decided by re-running model, plan and rules (and the S3 simulation) on the
patched, already-normalized data: no arithmetic shortcut can disagree with `check`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Literal

from ghafmemgen import pipeline
from ghafmemgen.findings import variant_name
from ghafmemgen.fit.explain import cannot_fit_lines, change_reason
from ghafmemgen.fit.options import KINDS, SWAP, FieldPath, Options, Patch
from ghafmemgen.fit.trial import Rung, Search
from ghafmemgen.pipeline import Loaded
from ghafmemgen.units import format_mib, round_up_to_gib

SCAN_LIMIT = 256  # ladders up to this long are scanned rung by rung; longer ones are bisected
FACTOR_STEPS = 1000  # the common scale factor moves in thousandths

Status = Literal["fits", "patched", "impossible"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    path: FieldPath
    old: int
    new: int
    reason: str

    @property
    def is_size(self) -> bool:
        return self.path[-1] != "balloonRatio"

    def show(self, value: int) -> str:
        return format_mib(value) if self.is_size else str(value)

    @property
    def line(self) -> str:
        return (
            f"{'.'.join(self.path)} {self.show(self.old)} -> {self.show(self.new)}: {self.reason}"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Result:
    profile: str | None
    options: Options
    status: Status
    changes: tuple[Change, ...]
    lines: tuple[str, ...]  # the explanation, one sentence per line


def _swap_ladder(s: Search, fixed: Patch) -> list[Rung]:
    size = s.fleet.host.swap.size_mib
    if size is None:  # auto already is the required swap
        return [Rung(patch={}, note="")]
    h = pipeline.variant(s.loaded, s.profile).plan.host
    hibernation = h.ram_mib if s.fleet.host.hibernation else 0
    need = max(h.worst_case_mib - h.ram_mib, h.required_swap_mib, hibernation)
    first, last = size // 1024 + 1, round_up_to_gib(need) // 1024
    rungs = [Rung(patch={SWAP: gib * 1024}, note="") for gib in range(first, last + 1)]
    return [Rung(patch={}, note=""), *rungs]


def _balloon_ladder(s: Search, fixed: Patch) -> list[Rung]:
    apps = [vm for vm in s.fleet.vms if vm.kind == "app"]
    mems = {vm.name: fixed.get(("vms", vm.name, "mem"), vm.mem_mib) for vm in apps}
    ratios = {vm.name: vm.balloon_ratio for vm in apps if vm.balloon_ratio > 0}
    rungs, patch = [Rung(patch={}, note="")], Patch()
    while any(ratios.values()):
        # Largest allocation (microvm.mem) first, one step at a time; ties by name.
        name = min(
            (n for n, r in ratios.items() if r), key=lambda n: (-mems[n] * (ratios[n] + 1), n)
        )
        ratios[name] -= 1
        key: FieldPath = ("vms", name, "balloonRatio")
        patch = {**patch, key: ratios[name]}
        rungs.append(Rung(patch=patch, note=balloon_note(len(rungs))))
    return rungs


def balloon_note(steps: int) -> str:
    return f"balloonRatio lowered {steps} step{'s' * (steps != 1)}, largest allocation first"


def _scale_ladder(s: Search, *, kind: str) -> list[Rung]:
    step, floor = s.options.step_mib, s.options.min_mem_mib
    vms = [
        (vm.name, vm.mem_mib)
        for vm in s.fleet.vms
        if vm.kind == kind and not (kind == "system" and vm.passthrough) and vm.mem_mib > floor
    ]
    rungs, last = [Rung(patch={}, note="")], Patch()
    for n in range(FACTOR_STEPS - 1, -1, -1):
        patch: Patch = {
            ("vms", name, "mem"): max(floor, mem * n // FACTOR_STEPS // step * step)
            for name, mem in vms
        }
        if patch != last:
            note = (
                f"{kind} VMs' mem x {n / FACTOR_STEPS:.3f}, rounded down to {step} MiB, "
                f"at least {floor} MiB"
            )
            rungs.append(Rung(patch=patch, note=note))
            last = patch
    return rungs


LADDERS: dict[str, Callable[[Search, Patch], list[Rung]]] = {
    "swap": _swap_ladder,
    "balloon": _balloon_ladder,
    "app-mem": lambda s, fixed: _scale_ladder(s, kind="app"),
    "sys-mem": lambda s, fixed: _scale_ladder(s, kind="system"),
}


def ladder_of(s: Search, kind: str, fixed: Patch) -> list[Rung]:
    """The ladder of one kind, built once per search. Only the balloon ladder depends on what
    is fixed: its order follows the VMs' mem."""
    mems = tuple(sorted((p, v) for p, v in fixed.items() if p[-1] == "mem"))
    key = (kind, mems) if kind == "balloon" else (kind,)
    if key not in s.ladders:
        s.ladders[key] = LADDERS[kind](s, fixed)
    return s.ladders[key]


def _first(count: int, meets: Callable[[int], bool]) -> int | None:
    """The lowest rung that meets the goal: scanned, or bisected on a long ladder (there it
    assumes that going further never hurts, which holds for goal errors)."""
    if count <= SCAN_LIMIT:
        return next((i for i in range(count) if meets(i)), None)
    if meets(0):
        return 0
    if not meets(count - 1):
        return None
    low, high = 0, count - 1
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if meets(mid) else (mid, high)
    return high


def _meets_on(s: Search, base: Patch, ladder: list[Rung]) -> Callable[[int], bool]:
    return lambda i: s.meets({**base, **ladder[i].patch})


def _solve(s: Search, kinds: tuple[str, ...]) -> tuple[Patch, dict[str, str]] | None:
    fixed, notes = Patch(), dict[str, str]()
    for pos in range(len(kinds) - 1, -1, -1):
        ladder = ladder_of(s, kinds[pos], fixed)
        top = Patch()
        for kind in kinds[:pos]:
            top.update(ladder_of(s, kind, fixed)[-1].patch)
        rung = _first(len(ladder), _meets_on(s, {**top, **fixed}, ladder))
        if rung is None:
            return None
        fixed.update(ladder[rung].patch)
        notes[kinds[pos]] = ladder[rung].note
    return fixed, notes


def _prune(s: Search, patch: Patch) -> Patch:
    """Revert single fields, giving back the most memory first, while the goal holds; a
    whole pass without a revert proves that no single field can go."""
    while True:
        reverted = False
        for path in sorted(patch, key=lambda p: (*(-c for c in s.cost(p, patch[p])), p)):
            trial = {k: v for k, v in patch.items() if k != path}
            if s.meets(trial):
                patch, reverted = trial, True
        if not reverted:
            return patch


def _score(s: Search, patch: Patch) -> tuple[Any, ...]:
    removed = [sum(c) for c in zip(*(s.cost(p, v) for p, v in patch.items()), strict=True)]
    ranks = sorted(KINDS.index(s.kind_of(p)) for p in patch)
    return (len(patch), *(removed or [0, 0]), ranks, sorted(patch.items()))


def _combinations(s: Search) -> Iterator[tuple[str, ...]]:
    allowed = tuple(k for k in KINDS if k in s.options.adjust)
    useful = tuple(k for k in allowed if len(ladder_of(s, k, {})) > 1)
    for size in range(1, len(useful) + 1):
        yield from combinations(useful, size)


def fit(loaded: Loaded, *, profile: str | None, options: Options) -> Result:
    """Search for the patch; never raises for a fleet that cannot fit (status tells)."""
    fleet = pipeline.variant(loaded, profile).fleet
    s = Search(
        loaded=loaded,
        profile=profile,
        options=options,
        fleet=fleet,
        vms={vm.name: vm for vm in fleet.vms},
    )
    label = variant_name(profile) if profile is not None else f"the {variant_name(None)}"
    if s.meets({}):
        line = f"{label} already meets goal {options.goal}: nothing to change"
        return Result(profile=profile, options=options, status="fits", changes=(), lines=(line,))
    found: dict[tuple[tuple[FieldPath, int], ...], tuple[Patch, dict[str, str]]] = {}
    for kinds in _combinations(s):
        solved = _solve(s, kinds)
        if solved is not None:
            patch = _prune(s, solved[0])
            notes = {k: n for k, n in solved[1].items() if any(s.kind_of(p) == k for p in patch)}
            found[tuple(sorted(patch.items()))] = (patch, notes)
    if not found:
        top = Patch()
        for kind in (k for k in KINDS if k in options.adjust):
            top.update(ladder_of(s, kind, top)[-1].patch)
        return Result(
            profile=profile,
            options=options,
            status="impossible",
            changes=(),
            lines=tuple(cannot_fit_lines(s, label=label, top=top)),
        )
    patch, notes = min(found.values(), key=lambda item: _score(s, item[0]))
    # Pruning may have reverted some of the ladder's steps: count the ones the patch keeps.
    steps = sum(s.old(p) - v for p, v in patch.items() if s.kind_of(p) == "balloon")
    if steps:
        notes = {**notes, "balloon": balloon_note(steps)}
    changes = tuple(
        Change(path=path, old=s.old(path), new=new, reason=change_reason(s, patch, path))
        for path, new in sorted(patch.items())
    )
    lines: tuple[str, ...] = (
        f"{label}: goal {options.goal} met by changing {len(changes)} field"
        f"{'s' * (len(changes) > 1)}",
        *(
            [f"the profiles inherit it and gain no finding: {', '.join(s.inheriting)}"]
            if s.inheriting
            else []
        ),
        *(n for n in notes.values() if n),
        *(c.line for c in changes),
    )
    return Result(profile=profile, options=options, status="patched", changes=changes, lines=lines)
