"""The memory model: pure arithmetic from a Fleet to per-VM and host figures (MiB).

zram: memoryPercent sizes the device's *uncompressed* capacity D from the guest's MemTotal
(zram-generator: zram-size = percent/100 * ram). Holding D at compression ratio r costs D/r of
RAM, so the memory gained is D * (1 - 1/r). A ballooned VM with deflate-on-OOM keeps the
inflated balloon in MemTotal, so D is taken from its whole microvm.mem.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ghafmemgen.memory.model import Fleet, Vm
from ghafmemgen.units import round_up_to_gib


@dataclass(frozen=True, slots=True, kw_only=True)
class VmPlan:
    name: str
    kind: str
    hypervisor: str
    mem_mib: int
    qemu_mem_mib: int
    balloon: bool
    deflate_on_oom: bool
    zram_disk_mib: int
    zram_gain_mib: float
    effective_min_mib: float
    effective_max_mib: float


@dataclass(frozen=True, slots=True, kw_only=True)
class HostPlan:
    ram_mib: int
    reserved_mib: int
    pinned_mib: int
    steady_mib: int
    worst_case_mib: int
    largest_deflation_mib: int
    required_swap_mib: int
    swap_mib: int
    overcommit_ratio: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    profile: str | None
    vms: tuple[VmPlan, ...]
    host: HostPlan


def qemu_mem_mib(vm: Vm) -> int:
    """What Ghaf gives microvm.mem: app VMs mem * (balloonRatio + 1), system VMs mem."""
    return vm.mem_mib * (vm.balloon_ratio + 1) if vm.kind == "app" else vm.mem_mib


def has_balloon(vm: Vm) -> bool:
    return vm.kind == "app" and vm.balloon_ratio > 0


def deflate_effective(vm: Vm) -> bool:
    """Whether deflate-on-OOM is in effect. crosvm, as microvm.nix and Ghaf run it (never
    --strict-balloon), offers the guest VIRTIO_BALLOON_F_DEFLATE_ON_OOM whatever
    microvm.deflateOnOOM says; qemu adds deflate-on-oom=on only when it is true."""
    return has_balloon(vm) and (vm.hypervisor == "crosvm" or vm.deflate_on_oom)


def zram_disk_mib(vm: Vm) -> int:
    return vm.zram.memory_percent * qemu_mem_mib(vm) // 100 if vm.zram.enable else 0


def zram_gain_mib(disk_mib: int, compression_ratio: float) -> float:
    return disk_mib * (1 - 1 / compression_ratio)


def plan_vm(vm: Vm, *, compression_ratio: float) -> VmPlan:
    qemu = qemu_mem_mib(vm)
    disk = zram_disk_mib(vm)
    gain = zram_gain_mib(disk, compression_ratio)
    return VmPlan(
        name=vm.name,
        kind=vm.kind,
        hypervisor=vm.hypervisor,
        mem_mib=vm.mem_mib,
        qemu_mem_mib=qemu,
        balloon=has_balloon(vm),
        deflate_on_oom=deflate_effective(vm),
        zram_disk_mib=disk,
        zram_gain_mib=gain,
        effective_min_mib=vm.mem_mib + gain,
        effective_max_mib=qemu + gain,
    )


def required_swap_mib(*, steady: int, largest_deflation: int, ram: int, hibernation: bool) -> int:
    need = max(0, steady + largest_deflation - ram)
    if hibernation:
        need = max(need, ram)
    return round_up_to_gib(need)


def plan_fleet(fleet: Fleet) -> Plan:
    vms = tuple(plan_vm(vm, compression_ratio=fleet.compression_ratio) for vm in fleet.vms)
    return Plan(
        profile=fleet.profile,
        vms=vms,
        host=_host_plan(
            fleet,
            mem=sum(vm.mem_mib for vm in vms),
            qemu_mem=sum(vm.qemu_mem_mib for vm in vms),
            largest_deflation=max((_deflation(vm) for vm in vms), default=0),
            pinned=sum(
                p.qemu_mem_mib for p, vm in zip(vms, fleet.vms, strict=True) if vm.passthrough
            ),
        ),
    )


def _deflation(vm: VmPlan) -> int:
    return vm.qemu_mem_mib - vm.mem_mib if vm.kind == "app" else 0


def _pinned(vm: Vm, p: VmPlan) -> int:
    return p.qemu_mem_mib if vm.passthrough else 0


def replan(base: Plan, base_fleet: Fleet, fleet: Fleet, rebuilt: tuple[int, ...]) -> Plan:
    """The plan of `fleet`, which is `base_fleet` with the VMs at `rebuilt` replaced (and
    maybe another host): those VMs are planned again, every sum is the base's plus the
    difference, so a profile costs what it changes, not the whole fleet."""
    vms = list(base.vms)
    mem = base.host.steady_mib - base.host.reserved_mib
    qemu_mem = base.host.worst_case_mib - base.host.reserved_mib
    pinned = base.host.pinned_mib
    largest, shrunk = base.host.largest_deflation_mib, False
    for at in rebuilt:
        old, new = vms[at], plan_vm(fleet.vms[at], compression_ratio=fleet.compression_ratio)
        vms[at] = new
        mem += new.mem_mib - old.mem_mib
        qemu_mem += new.qemu_mem_mib - old.qemu_mem_mib
        pinned += _pinned(fleet.vms[at], new) - _pinned(base_fleet.vms[at], old)
        shrunk = shrunk or _deflation(old) == base.host.largest_deflation_mib
        largest = max(largest, _deflation(new))
    if shrunk:  # the largest deflation may be gone: the only sum that needs the whole fleet
        largest = max((_deflation(vm) for vm in vms), default=0)
    host = _host_plan(fleet, mem=mem, qemu_mem=qemu_mem, largest_deflation=largest, pinned=pinned)
    return Plan(profile=fleet.profile, vms=tuple(vms), host=host)


def _host_plan(
    fleet: Fleet, *, mem: int, qemu_mem: int, largest_deflation: int, pinned: int
) -> HostPlan:
    host = fleet.host
    steady = host.reserved_mib + mem
    worst = host.reserved_mib + qemu_mem
    required = required_swap_mib(
        steady=steady,
        largest_deflation=largest_deflation,
        ram=host.ram_mib,
        hibernation=host.hibernation,
    )
    return HostPlan(
        ram_mib=host.ram_mib,
        reserved_mib=host.reserved_mib,
        pinned_mib=pinned,
        steady_mib=steady,
        worst_case_mib=worst,
        largest_deflation_mib=largest_deflation,
        required_swap_mib=required,
        swap_mib=required if host.swap.size_mib is None else host.swap.size_mib,
        overcommit_ratio=worst / host.ram_mib if host.ram_mib else math.inf,
    )
