"""GMG080: the S3-resume simulation as a rule (`check --simulate`, fit's goal simulate, the report).

The simulation itself is arithmetic in memory/simulate.py; this module turns who goes out of
memory into hits with a message that says what to change.
"""

from __future__ import annotations

from collections.abc import Iterator

from ghafmemgen.lint.checks import Context, Hit
from ghafmemgen.memory.simulate import HostOutcome, VmOutcome, simulate


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


def resume_survival(ctx: Context) -> Iterator[Hit]:
    """GMG080 for `check --simulate`: each VM that goes OOM, and the host."""
    sim = ctx.simulation or simulate(ctx.fleet, ctx.plan)
    for vm in sim.vms:
        if not vm.survived:
            yield Hit(rule="GMG080", message=vm_message(vm), path=("vms", vm.name))
    if not sim.host.survived:
        yield Hit(rule="GMG080", message=host_message(sim.host), path=("host",))
