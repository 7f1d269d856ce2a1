"""The S3-resume cascade: pure arithmetic from a Fleet and its Plan to who survives waking up.

On resume every VM's drivers allocate a spike P at once. Each VM starts at its working set
U = workingSet * V of its visible memory V = mem (app VMs sit at their base: ghaf-mem-manager
has inflated their balloons), so it has F = V - U free. The spike is absorbed by the first
layer with room: free memory, then zram (compressing idle pages frees
G = min(zramDisk, idle * U) * (1 - 1/r)), then the balloon (app VMs take back up to
microvm.mem - V from the host), else the VM goes OOM. The host then holds what every VM
holds, and either fits in RAM, spills into swap, or goes OOM.

`zramMiB` and `balloonMiB` are what that layer *contributed* to absorbing the spike (0 when
the spike never reached it, and 0 when the VM went OOM); `marginMiB` is the room left across
all of a VM's layers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from ghafmemgen import GENERATOR
from ghafmemgen.model import Fleet, Vm
from ghafmemgen.plan import HostPlan, Plan, VmPlan
from ghafmemgen.rules import Context, Hit

Layer = Literal["free", "zram", "balloon", "oom"]
HostLayer = Literal["ram", "swap", "oom"]


@dataclass(frozen=True, slots=True, kw_only=True)
class VmOutcome:
    name: str
    kind: str
    visible_mib: int  # V: memMiB
    used_mib: float  # U = workingSet * V
    free_mib: float  # F = V - U
    spike_mib: int  # P
    zram_disk_mib: int  # D: the zram device's uncompressed capacity (from the plan)
    idle_mib: float  # idle * U: the pages zram may compress
    zram_room_mib: float  # G = min(D, idle * U) * (1 - 1/r): what zram can free
    balloon_room_mib: int  # qemuMemMiB - V for app VMs with a balloon, else 0
    absorbed_by: Layer
    zram_mib: float  # what zram contributed
    balloon_mib: float  # N: what the balloon took back from the host
    shortfall_mib: float  # P - (F + G + balloon room) when OOM, else 0
    margin_mib: float  # F + G + balloon room - P, 0 when OOM
    resident_mib: float  # what the host holds for this VM after resume

    @property
    def survived(self) -> bool:
        return self.absorbed_by != "oom"


@dataclass(frozen=True, slots=True, kw_only=True)
class HostOutcome:
    demand_mib: float  # reserved + sum of what the VMs hold
    ram_mib: int
    swap_mib: int
    reserved_mib: int
    pinned_mib: int  # passthrough VMs' microvm.mem: never swapped
    swap_used_mib: float
    outcome: HostLayer
    margin_mib: float  # ram + swap - demand; negative when OOM

    @property
    def survived(self) -> bool:
        return self.outcome != "oom"


@dataclass(frozen=True, slots=True, kw_only=True)
class Simulation:
    profile: str | None
    vms: tuple[VmOutcome, ...]
    host: HostOutcome

    @property
    def survived(self) -> bool:
        return self.host.survived and all(vm.survived for vm in self.vms)


def simulate_vm(vm: Vm, plan: VmPlan, *, compression_ratio: float) -> VmOutcome:
    visible = vm.mem_mib
    used = vm.resume.working_set * visible
    free = visible - used
    spike = vm.resume.spike_mib
    idle = vm.resume.idle * used
    zram_room = min(plan.zram_disk_mib, idle) * (1 - 1 / compression_ratio)
    balloon_room = plan.qemu_mem_mib - visible if plan.balloon else 0
    # Cumulative room after each layer; the first that holds the spike absorbs it. A VM
    # without a balloon has room 0 there, so the zram row already decided for it.
    layers: tuple[tuple[Layer, float], ...] = (
        ("free", free),
        ("zram", free + zram_room),
        ("balloon", free + zram_room + balloon_room),
    )
    absorbed: Layer = next((name for name, room in layers if spike <= room), "oom")
    total_room = free + zram_room + balloon_room
    survived = absorbed != "oom"
    need = max(0.0, spike - free)  # what free memory could not hold
    balloon = max(0.0, need - zram_room) if survived else 0.0  # N
    return VmOutcome(
        name=vm.name,
        kind=vm.kind,
        visible_mib=visible,
        used_mib=used,
        free_mib=free,
        spike_mib=spike,
        zram_disk_mib=plan.zram_disk_mib,
        idle_mib=idle,
        zram_room_mib=zram_room,
        balloon_room_mib=balloon_room,
        absorbed_by=absorbed,
        zram_mib=min(need, zram_room) if survived else 0.0,
        balloon_mib=balloon,
        shortfall_mib=0.0 if survived else spike - total_room,
        margin_mib=total_room - spike if survived else 0.0,
        # An OOM-killed VM is taken to hold all of its visible memory.
        resident_mib=min(used + spike, visible) + balloon if survived else float(visible),
    )


def simulate_host(plan: HostPlan, vms: tuple[VmOutcome, ...]) -> HostOutcome:
    demand = plan.reserved_mib + sum(vm.resident_mib for vm in vms)
    ram, swap = plan.ram_mib, plan.swap_mib
    unswappable = plan.pinned_mib + plan.reserved_mib
    # First place that holds the demand; swap only helps if the unswappable part fits in RAM.
    fits: tuple[tuple[HostLayer, bool], ...] = (
        ("ram", demand <= ram),
        ("swap", demand <= ram + swap and unswappable <= ram),
    )
    outcome: HostLayer = next((name for name, ok in fits if ok), "oom")
    return HostOutcome(
        demand_mib=demand,
        ram_mib=ram,
        swap_mib=swap,
        reserved_mib=plan.reserved_mib,
        pinned_mib=plan.pinned_mib,
        swap_used_mib=min(max(0.0, demand - ram), swap),
        outcome=outcome,
        margin_mib=ram + swap - demand,
    )


def simulate(fleet: Fleet, plan: Plan) -> Simulation:
    """Every VM resumes at once (that is S3); deterministic, no randomness."""
    vms = tuple(
        simulate_vm(vm, p, compression_ratio=fleet.compression_ratio)
        for vm, p in zip(fleet.vms, plan.vms, strict=True)
    )
    return Simulation(profile=fleet.profile, vms=vms, host=simulate_host(plan.host, vms))


def _round(value: float) -> float:
    return round(value, 1) + 0.0  # + 0.0: never print -0.0


def simulate_json(sim: Simulation) -> dict[str, Any]:
    """The `simulate --format json` document: exactly these keys, MiB rounded to 0.1."""
    h = sim.host
    return {
        "generator": GENERATOR,
        "profile": sim.profile,
        "vms": [
            {
                "name": vm.name,
                "spikeMiB": vm.spike_mib,
                "absorbedBy": vm.absorbed_by,
                "zramMiB": _round(vm.zram_mib),
                "balloonMiB": _round(vm.balloon_mib),
                "shortfallMiB": _round(vm.shortfall_mib),
                "marginMiB": _round(vm.margin_mib),
            }
            for vm in sim.vms
        ],
        "host": {
            "demandMiB": _round(h.demand_mib),
            "ramMiB": h.ram_mib,
            "swapUsedMiB": _round(h.swap_used_mib),
            "outcome": h.outcome,
            "marginMiB": _round(h.margin_mib),
        },
    }


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


def resume_rule(ctx: Context) -> Iterator[Hit]:
    """GMG080 for `check --simulate`: each VM that goes OOM, and the host."""
    sim = simulate(ctx.fleet, ctx.plan)
    for vm in sim.vms:
        if not vm.survived:
            yield Hit(rule="GMG080", message=vm_message(vm), path=("vms", vm.name))
    if not sim.host.survived:
        yield Hit(rule="GMG080", message=host_message(sim.host), path=("host",))
