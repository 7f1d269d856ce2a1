"""GMG080: the S3-resume simulation as a rule (`check --simulate`, fit's goal simulate, the report).

The simulation itself is arithmetic in memory/simulate.py; this module turns who goes out of
memory into hits with a message that says what to change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import cache

from ghafmemgen.lint.checks import Hit
from ghafmemgen.lint.context import Context
from ghafmemgen.memory.model import Vm
from ghafmemgen.memory.plan import VmPlan
from ghafmemgen.memory.simulate import (
    HostOutcome,
    VmOutcome,
    simulate,
    simulate_host,
    simulate_vm,
)


def _vm_advice(vm: VmOutcome) -> str:
    raise_ = ["its mem"]
    if 0 < vm.zram_disk_mib < vm.idle_mib:  # a bigger device helps only while it is the limit
        raise_.append("zram.memoryPercent")
    if vm.kind == "app":
        raise_.append("balloonRatio")
    enable = ", set zram.enable: true" if vm.zram_disk_mib == 0 else ""
    return f"raise {' or '.join(raise_)}{enable}, or lower resume.spike"


def vm_message(vm: VmOutcome) -> str:
    return (
        f"{vm.name} runs out of memory on resume: its {vm.spike_mib} MiB spike exceeds "
        f"{vm.free_mib:.1f} MiB free + {vm.zram_room_mib:.1f} MiB zram + "
        f"{vm.balloon_room_mib} MiB balloon by {vm.shortfall_mib:.1f} MiB: {_vm_advice(vm)}"
    )


def host_message(host: HostOutcome) -> str:
    over_room = host.demand_mib - host.ram_mib - host.swap_mib
    if over_room > 0:
        return (
            f"the host runs out of memory on resume: the VMs and the reserve hold "
            f"{host.demand_mib:.1f} MiB, RAM {host.ram_mib} + swap {host.swap_mib} MiB is "
            f"{over_room:.1f} MiB short: raise host.swap.size or lower VM memory"
        )
    return (
        f"the host runs out of memory on resume: the VMs and the reserve hold "
        f"{host.demand_mib:.1f} MiB, more than {host.ram_mib} MiB RAM, and pinned passthrough "
        f"memory {host.pinned_mib} + reserved {host.reserved_mib} MiB cannot be swapped: shrink "
        "the passthrough VMs or raise host.ram"
    )


@cache
def _resident(compression_ratio: float) -> Callable[[Vm, VmPlan], float]:
    """What a VM holds after resume, as a function of (Vm, VmPlan): one function object per
    ratio, so that Context.values caches it across profiles."""

    def resident(vm: Vm, plan: VmPlan) -> float:
        return simulate_vm(vm, plan, compression_ratio=compression_ratio).resident_mib

    return resident


def resume_outcome(ctx: Context) -> tuple[list[str], HostOutcome]:
    """Who runs out of memory on resume (VM names in fleet order) and how the host fares.
    A derived profile (Context.base) costs its rebuilt VMs: the base fleet's outcomes,
    simulated once, tell about the others, and the host adds up Context.values."""
    ratio = ctx.fleet.compression_ratio
    base = ctx.base
    if base is None:
        sim = simulate(ctx.fleet, ctx.plan)
        return [vm.name for vm in sim.vms if not vm.survived], sim.host
    failing: list[int] = base.cached(
        "resume failing", lambda: _failing(base, range(len(base.fleet.vms)))
    )
    rebuilt = set(ctx.rebuilt)
    out = [at for at in failing if at not in rebuilt] + _failing(ctx, ctx.rebuilt)
    host = simulate_host(ctx.plan.host, ctx.values(_resident(ratio)))
    return [ctx.fleet.vms[at].name for at in sorted(out)], host


def _failing(ctx: Context, positions: Iterable[int]) -> list[int]:
    ratio = ctx.fleet.compression_ratio
    return [
        at
        for at in positions
        if not simulate_vm(ctx.fleet.vms[at], ctx.plan.vms[at], compression_ratio=ratio).survived
    ]


def resume_survival(ctx: Context) -> Iterator[Hit]:
    """GMG080 for `check --simulate`: each VM that goes OOM, and the host. A derived profile
    simulates only its rebuilt VMs; the host adds up every VM (Context.values)."""
    if ctx.base is None:
        sim = ctx.simulation or simulate(ctx.fleet, ctx.plan)
        for outcome in sim.vms:
            if not outcome.survived:
                yield Hit(rule="GMG080", message=vm_message(outcome), path=("vms", outcome.name))
        if not sim.host.survived:
            yield Hit(rule="GMG080", message=host_message(sim.host), path=("host",))
        return
    ratio = ctx.fleet.compression_ratio
    for vm, plan in ctx.examined():
        outcome = simulate_vm(vm, plan, compression_ratio=ratio)
        if not outcome.survived:
            yield Hit(rule="GMG080", message=vm_message(outcome), path=("vms", vm.name))
    host = simulate_host(ctx.plan.host, ctx.values(_resident(ratio)))
    if not host.survived:
        yield Hit(rule="GMG080", message=host_message(host), path=("host",))
