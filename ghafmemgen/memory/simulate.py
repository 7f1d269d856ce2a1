"""The S3-resume cascade: pure arithmetic from a Fleet and its Plan to who survives waking up.

On resume every VM's drivers allocate a spike P at once. Each VM starts at its working set
U = workingSet * V of its visible memory V = mem (app VMs sit at their base: ghaf-mem-manager
has inflated their balloons), so it has F = V - U free. The spike is absorbed by the first
layer with room: free memory, then zram (compressing idle pages frees
G = min(zramDisk, idle * U) * (1 - 1/r)), then the balloon (app VMs with deflate-on-OOM in
effect take back up to microvm.mem - V from the host; without it, ghaf-mem-manager deflates
the balloon only seconds later, after the OOM killer), else the VM goes OOM. The host then
holds what every VM holds, and either fits in RAM, spills into swap, or goes OOM.

`zramMiB` and `balloonMiB` are what that layer *contributed* to absorbing the spike (0 when
the spike never reached it, and 0 when the VM went OOM); `marginMiB` is the room left across
all of a VM's layers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ghafmemgen.memory.model import Fleet, Vm
from ghafmemgen.memory.plan import HostPlan, Plan, VmPlan

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
    balloon_room_mib: int  # qemuMemMiB - V for app VMs with deflate-on-OOM in effect, else 0
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
    # Only deflate-on-OOM gives a balloon back in time (the plan's deflateOnOOM: always on a
    # ballooned crosvm VM, the configured value on qemu).
    balloon_room = plan.qemu_mem_mib - visible if plan.deflate_on_oom else 0
    # Cumulative room after each layer; the first that holds the spike absorbs it. A VM
    # without a balloon (or without deflate-on-OOM) has room 0 there, so the zram row already
    # decided for it.
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


def simulate_host(plan: HostPlan, resident: Iterable[float]) -> HostOutcome:
    """The host after resume, from what each VM holds (VmOutcome.resident_mib)."""
    demand = plan.reserved_mib + sum(resident)
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
    host = simulate_host(plan.host, (vm.resident_mib for vm in vms))
    return Simulation(profile=fleet.profile, vms=vms, host=host)
