"""`verify`: does an evaluated Ghaf build still run what the fleet plans?

Compares one fleet variant (base or profile) with a target (the extractor's JSON) and yields
one Hit per difference, at the fleet key that sets the planned value: the VM's own key, the
profile's override, or `defaults` when the value is inherited. Where one setting moves several
build values (balloonRatio moves microvm.mem and microvm.balloon), only the setting is
reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ghafmemgen.lint.checks import Hit
from ghafmemgen.lint.context import Context
from ghafmemgen.memory.model import Swap, Vm
from ghafmemgen.memory.plan import VmPlan
from ghafmemgen.source.target import SwapVolume, Target, TargetVm
from ghafmemgen.units import UnitError, parse_size

_PLAIN = re.compile(r"[A-Za-z0-9._+-]{1,80}").fullmatch


def _said(value: Any) -> str:
    """A name or value from the build, as a message shows it: plain words as they are, any
    other text quoted with escapes (a hand-edited target cannot break a finding's line)."""
    if isinstance(value, str) and not _PLAIN(value):
        return json.dumps(value[:80])
    return str(value)


KERNEL_SWAPPINESS = 60  # what a VM has when nothing sets vm.swappiness

# fleet zram key -> the target's zramSwap key
_ZRAM_KEYS = {"algorithm": "algorithm", "memoryPercent": "memoryPercent", "priority": "priority"}
_SWAP_VOLUME: dict[str, Callable[[Swap], str]] = {
    "ghaf": lambda _swap: "disko.devices.lvm_vg.pool.lvs.swap",
    "lvm": lambda swap: f"disko.devices.lvm_vg.{swap.volume_group}.lvs.swap",
    "gpt": lambda swap: f"disko.devices.disk.{swap.disk}.content.partitions.swap",
}


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def differences(ctx: Context, target: Target) -> Iterator[Hit]:
    """Every difference between the variant's plan and the build, VMs by name, then the host."""
    planned = {vm.name: (vm, row) for vm, row in zip(ctx.fleet.vms, ctx.plan.vms, strict=True)}
    built = {vm.name: vm for vm in target.vms}
    for name in sorted(planned.keys() | built.keys()):
        if name not in built:
            yield Hit(
                rule="GMG094",
                message=f"{name}: the fleet plans this VM, the build has no microvm.vms.{name}",
                path=("vms", name),
            )
        elif name not in planned:
            yield _unplanned(ctx, name)
        else:
            vm, row = planned[name]
            yield from _vm_differences(ctx, vm, row, built[name])
    yield from _swap_differences(ctx, target)


def _unplanned(ctx: Context, name: str) -> Hit:
    if name in ctx.file_order():  # defined, but `enable: false` here
        return Hit(
            rule="GMG094",
            message=f"{name}: the fleet disables this VM, the build runs it",
            path=("vms", name, "enable"),
        )
    return Hit(
        rule="GMG094",
        message=f"{_said(name)}: the build runs this VM, the fleet does not plan it: add it "
        "under vms (`ghafmemgen import` writes what the build has)",
        path=("vms",),
    )


def _vm_differences(ctx: Context, vm: Vm, row: VmPlan, got: TargetVm) -> Iterator[Hit]:
    name = vm.name
    if vm.kind != got.kind:
        yield Hit(
            rule="GMG094",
            message=f"{name}: the fleet plans a {vm.kind} VM, the build has an {got.kind} VM"
            if got.kind == "app"
            else f"{name}: the fleet plans an {vm.kind} VM, the build has a {got.kind} VM",
            path=ctx.origin(vm, "kind"),
        )
        return  # memory is expressed differently for the two kinds: nothing more to compare
    yield from (_app_memory if vm.kind == "app" else _system_memory)(ctx, vm, row, got)
    for key, wanted, have in (
        ("hypervisor", vm.hypervisor, got.hypervisor),
        ("vcpu", vm.vcpu, got.vcpu),
    ):
        if wanted != have:
            yield Hit(
                rule="GMG091",
                message=f"{name}: the fleet plans microvm.{key} {wanted}, the build has "
                f"{_said(have)}",
                path=ctx.origin(vm, key),
            )
    yield from _zram_differences(ctx, vm, got)
    if vm.passthrough != got.passthrough:
        yield Hit(
            rule="GMG095",
            message=f"{name}: the fleet plans passthrough {_yes(vm.passthrough)}, the build has "
            f"{'' if got.passthrough else 'no '}microvm.devices",
            path=ctx.origin(vm, "passthrough"),
        )


def _system_memory(ctx: Context, vm: Vm, row: VmPlan, got: TargetVm) -> Iterator[Hit]:
    if got.mem != row.qemu_mem_mib:
        yield Hit(
            rule="GMG090",
            message=f"{vm.name}: the fleet plans microvm.mem {row.qemu_mem_mib} MiB, "
            f"the build has {got.mem} MiB",
            path=ctx.origin(vm, "mem"),
        )
    if got.balloon:
        yield Hit(
            rule="GMG090",
            message=f"{vm.name}: the fleet plans no balloon for this system VM, the build has "
            "microvm.balloon = true",
            path=("vms", vm.name),
        )


def _app_memory(ctx: Context, vm: Vm, row: VmPlan, got: TargetVm) -> Iterator[Hit]:
    name, floor, ratio = vm.name, got.vmdef_mem, got.balloon_ratio
    mem_differs, ratio_differs = floor != vm.mem_mib, ratio != vm.balloon_ratio
    if mem_differs:
        yield Hit(
            rule="GMG090",
            message=f"{name}: the fleet plans mem {vm.mem_mib} MiB (microvm.mem "
            f"{row.qemu_mem_mib} MiB), the build has vmDef mem {floor} MiB (microvm.mem "
            f"{got.mem} MiB)",
            path=ctx.origin(vm, "mem"),
        )
    if ratio_differs:
        yield Hit(
            rule="GMG090",
            message=f"{name}: the fleet plans balloonRatio {vm.balloon_ratio} (microvm.mem "
            f"{row.qemu_mem_mib} MiB), the build has balloonRatio {ratio} (microvm.mem "
            f"{got.mem} MiB)",
            path=ctx.origin(vm, "balloonRatio"),
        )
    if not (mem_differs or ratio_differs) and got.mem != row.qemu_mem_mib:
        yield Hit(  # microvm.mem set past vmConfig, e.g. by an extraModules lib.mkForce
            rule="GMG090",
            message=f"{name}: the fleet plans microvm.mem {row.qemu_mem_mib} MiB, the build has "
            f"{got.mem} MiB",
            path=ctx.origin(vm, "mem"),
        )
    if not ratio_differs and got.balloon != row.balloon:
        yield Hit(
            rule="GMG090",
            message=f"{name}: the fleet plans balloon {_yes(row.balloon)}, the build has "
            f"microvm.balloon = {str(got.balloon).lower()}",
            path=ctx.origin(vm, "balloonRatio"),
        )
    # qemu honours microvm.deflateOnOOM; crosvm always deflates on OOM, whatever it says.
    if (
        row.balloon
        and got.balloon
        and vm.hypervisor == got.hypervisor == "qemu"
        and got.deflate_on_oom != vm.deflate_on_oom
    ):
        yield Hit(
            rule="GMG090",
            message=f"{name}: the fleet plans deflateOnOOM {str(vm.deflate_on_oom).lower()}, "
            f"the build has {str(got.deflate_on_oom).lower()}",
            path=ctx.origin(vm, "deflateOnOOM"),
        )


def _zram_differences(ctx: Context, vm: Vm, got: TargetVm) -> Iterator[Hit]:
    name, zram = vm.name, got.zram or {}
    enabled = bool(zram.get("enable"))
    if enabled != vm.zram.enable:
        yield Hit(
            rule="GMG092",
            message=f"{name}: the fleet plans zram {'on' if vm.zram.enable else 'off'}, the "
            f"build has zramSwap.enable = {str(enabled).lower()}",
            path=ctx.origin(vm, "zram", "enable"),
        )
        return
    if not enabled:
        return
    planned: Mapping[str, Any] = {
        "algorithm": vm.zram.algorithm,
        "memoryPercent": vm.zram.memory_percent,
        "priority": vm.zram.priority,
    }
    for key, target_key in _ZRAM_KEYS.items():
        if zram.get(target_key) != planned[key]:
            yield Hit(
                rule="GMG092",
                message=f"{name}: the fleet plans zramSwap.{target_key} {planned[key]}, the "
                f"build has {_said(zram.get(target_key))}",
                path=ctx.origin(vm, "zram", key),
            )
    swappiness = KERNEL_SWAPPINESS if got.swappiness is None else got.swappiness
    if swappiness != vm.zram.swappiness:
        yield Hit(
            rule="GMG092",
            message=f"{name}: the fleet plans vm.swappiness {vm.zram.swappiness}, the build has "
            f"{swappiness}{' (nothing sets it)' if got.swappiness is None else ''}",
            path=ctx.origin(vm, "zram", "swappiness"),
        )


def _volume_mib(volume: SwapVolume) -> int | None:
    """disko's size ("12288M", "12G", 12288) in MiB, or None when it is not a fixed size."""
    size = volume.size
    try:
        return parse_size(size) if isinstance(size, int | str) else None
    except UnitError:
        return None


def _swap_differences(ctx: Context, target: Target) -> Iterator[Hit]:
    swap, planned = ctx.fleet.host.swap, ctx.plan.host.swap_mib
    path = _SWAP_VOLUME[swap.layout](swap)
    volume = next((v for v in target.swap_volumes if v.path == path), None)
    if swap.layout == "ghaf":
        have = target.swap_size
        if have != planned:
            shown = "no ghaf.partitioning.disko.swapSize" if have is None else f"{have} MiB"
            yield Hit(
                rule="GMG093",
                message=f"host: the fleet plans swap {planned} MiB, the build has {shown}",
                path=("host", "swap", "size"),
            )
    elif volume is None:
        if planned:
            yield Hit(
                rule="GMG093",
                message=f"host: the fleet plans swap {planned} MiB, the build has no {path}",
                path=("host", "swap", "size"),
            )
    elif _volume_mib(volume) != planned:
        yield Hit(
            rule="GMG093",
            message=f"host: the fleet plans swap {planned} MiB, the build's {path} has size "
            f"{_said(volume.size)}",
            path=("host", "swap", "size"),
        )
    if volume is None:
        return
    for key, wanted, have in (
        ("resumeDevice", swap.resume_device, volume.resume_device),
        ("randomEncryption", swap.random_encryption, volume.random_encryption),
    ):
        if have is not None and have != wanted:
            yield Hit(
                rule="GMG093",
                message=f"host: the fleet plans swap {key} {str(wanted).lower()}, the build's "
                f"{path} has {str(have).lower()}",
                path=("host", "swap", key),
            )
