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
    host = fleet.host
    steady = host.reserved_mib + sum(vm.mem_mib for vm in vms)
    worst = host.reserved_mib + sum(vm.qemu_mem_mib for vm in vms)
    largest = max((vm.qemu_mem_mib - vm.mem_mib for vm in vms if vm.kind == "app"), default=0)
    required = required_swap_mib(
        steady=steady, largest_deflation=largest, ram=host.ram_mib, hibernation=host.hibernation
    )
    pinned = sum(p.qemu_mem_mib for p, vm in zip(vms, fleet.vms, strict=True) if vm.passthrough)
    return Plan(
        profile=fleet.profile,
        vms=vms,
        host=HostPlan(
            ram_mib=host.ram_mib,
            reserved_mib=host.reserved_mib,
            pinned_mib=pinned,
            steady_mib=steady,
            worst_case_mib=worst,
            largest_deflation_mib=largest,
            required_swap_mib=required,
            swap_mib=required if host.swap.size_mib is None else host.swap.size_mib,
            overcommit_ratio=worst / host.ram_mib if host.ram_mib else math.inf,
        ),
    )
