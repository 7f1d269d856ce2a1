"""What a check reads of one fleet variant, and how a profile costs only what it changes.

A profile derived from the base fleet (pipeline.each_variant) differs from it only in the VMs
it sets and in the host. Its findings that repeat the base fleet's are dropped anyway, so the
checks look only at what changed: `examined()` are the rebuilt VMs, `over()` and `groups()`
add the unchanged VMs whose result the change can move, from indexes built once on the base
fleet and kept in its `memo`. Without a base, every method covers the whole fleet. A check
written with these methods costs the base fleet once plus, per profile, what the profile
changes and what it finds.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ghafmemgen.findings import DataPath
from ghafmemgen.memory.model import Fleet, Vm
from ghafmemgen.memory.plan import Plan, VmPlan
from ghafmemgen.memory.simulate import Simulation

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """One variant as the rules see it.

    A profile derived from the base fleet (`base` set) differs from it only in the VMs at
    `rebuilt` and in the host. Its findings that repeat the base fleet's are dropped anyway,
    so rules look only at what changed: `examined()` are the rebuilt VMs, `over()` and
    `groups()` add the unchanged VMs whose result the change can move, from indexes built
    once on the base fleet (`memo`). Without `base`, every method covers the whole fleet.
    """

    fleet: Fleet
    plan: Plan
    simulation: Simulation | None = None  # the S3-resume simulation, when the caller has it
    base: Context | None = None
    rebuilt: tuple[int, ...] = ()
    memo: dict[Any, Any] = field(default_factory=dict)

    def origin(self, vm: Vm, *keys: str) -> DataPath:
        """Where a VM's effective value is written: on the VM, in defaults, or nowhere."""
        if vm.writes(*keys):
            return ("vms", vm.name, *keys)
        if keys in self.fleet.defaults_written:
            return ("defaults", *keys)
        return ("vms", vm.name)

    def _pair(self, at: int) -> tuple[Vm, VmPlan]:
        return self.fleet.vms[at], self.plan.vms[at]

    def cached(self, key: Any, make: Callable[[], Any]) -> Any:
        """make(), once per variant: indexes of the base fleet that derived profiles share."""
        found = self.memo.get(key)
        return found if found is not None else self.memo.setdefault(key, make())

    def examined(self) -> Iterator[tuple[Vm, VmPlan]]:
        """The VMs whose own findings may differ from the base fleet's: all of them, or
        the rebuilt ones."""
        if self.base is None:
            return zip(self.fleet.vms, self.plan.vms, strict=True)
        return map(self._pair, self.rebuilt)

    def over(
        self, value: VmFigure, limit: Callable[[Context], int | None]
    ) -> list[tuple[Vm, VmPlan]]:
        """The VMs whose `value` exceeds `limit` (a host figure; None: no limit), in fleet
        order. A derived profile with another limit finds the unchanged VMs over it in the
        base fleet's sorted values, so it costs the VMs found, not the fleet."""
        bound = limit(self)
        if bound is None:
            return []
        base = self.base
        if base is None or limit(base) == bound:
            return [(vm, p) for vm, p in self.examined() if value(vm, p) > bound]
        ordered: list[tuple[int, int]] = base.cached(
            ("sorted", value),
            lambda: sorted((value(vm, p), at) for at, (vm, p) in enumerate(base.examined())),
        )
        rebuilt = set(self.rebuilt)
        cut = bisect.bisect_right(ordered, (bound, len(ordered)))
        found = [at for _, at in ordered[cut:] if at not in rebuilt]
        found += [at for at in self.rebuilt if value(*self._pair(at)) > bound]
        return [self._pair(at) for at in sorted(found)]

    def groups(
        self, key: Callable[[Context, Vm, VmPlan], K | None], *, shared: bool = False
    ) -> dict[K, list[Vm]]:
        """VMs by `key` (None: in no group), each group in fleet order; `shared`: only the
        groups of two VMs or more. A derived profile gets only the groups a rebuilt VM
        leaves or joins; the others, and so their findings, are the base fleet's."""
        least = 2 if shared else 1
        base = self.base
        if base is None:
            found = _Groups(self, key, range(len(self.fleet.vms)))
            positions = {name: found.members(name) for name in found.names(least)}
        else:
            before: _Groups[K] = base.cached(
                ("groups", key), lambda: _Groups(base, key, range(len(base.fleet.vms)))
            )
            left = _Groups(base, key, self.rebuilt)
            joined = _Groups(self, key, self.rebuilt)
            rebuilt = set(self.rebuilt)
            positions = {
                name: sorted(
                    [at for at in before.members(name) if at not in rebuilt] + joined.members(name)
                )
                for name in {*left.names(1), *joined.names(1)}
            }
        return {
            name: [self.fleet.vms[at] for at in ats]
            for name, ats in positions.items()
            if len(ats) >= least
        }

    def count(self, test: VmTest) -> int:
        """How many VMs pass `test`: the base fleet's count, corrected for the rebuilt ones."""
        base = self.base
        if base is None:
            return sum(1 for vm, p in self.examined() if test(vm, p))
        total: int = base.cached(("count", test), lambda: base.count(test))
        for at in self.rebuilt:
            total += test(*self._pair(at)) - test(*base._pair(at))
        return total

    def values(self, value: Callable[[Vm, VmPlan], float]) -> list[float]:
        """`value` of every VM in fleet order; a derived profile copies the base fleet's
        list and recomputes the rebuilt ones (sums then add the same numbers in the same
        order as for the whole fleet, to the last bit)."""
        base = self.base
        if base is None:
            return [value(vm, p) for vm, p in self.examined()]
        found: list[float] = list(base.cached(("values", value), lambda: base.values(value)))
        for at in self.rebuilt:
            found[at] = value(*self._pair(at))
        return found

    def file_order(self) -> Mapping[str, int]:
        """VM name -> its place in the file, for every VM the file defines, enabled or not
        (the fleet itself is ordered by name)."""
        root = self.base or self
        order: Mapping[str, int] = root.cached(
            "file order", lambda: {name: at for at, name in enumerate(root.fleet.declared_vms)}
        )
        return order


VmFigure = Callable[[Vm, VmPlan], int]
VmTest = Callable[[Vm, VmPlan], bool]


class _Groups(Generic[K]):
    """Positions of VMs by key. Most keys name one VM (Ghaf keys: every VM its own), so the
    first position of each key is an int in one dict and only the rest go into lists: a
    100,000-VM fleet would otherwise hold 100,000 one-item lists."""

    __slots__ = ("_first", "_more")

    def __init__(
        self, ctx: Context, key: Callable[[Context, Vm, VmPlan], K | None], at: Iterable[int]
    ) -> None:
        self._first: dict[K, int] = {}
        self._more: dict[K, list[int]] = {}
        for position in at:
            name = key(ctx, ctx.fleet.vms[position], ctx.plan.vms[position])
            if name is not None and self._first.setdefault(name, position) != position:
                self._more.setdefault(name, []).append(position)

    def names(self, least: int) -> Iterable[K]:
        return self._first if least < 2 else self._more

    def members(self, name: K) -> list[int]:
        first = self._first.get(name)
        return [] if first is None else [first, *self._more.get(name, ())]
