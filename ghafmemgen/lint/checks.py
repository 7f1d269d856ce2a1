"""The checks behind `ghafmemgen check`: does this fleet fit its hardware?

Each check is a function of one fleet variant (base or profile) that yields `Hit`s: a rule id,
a message with the numbers involved and what to change, and the *semantic* path of the key
that causes it. The pipeline turns paths into file positions. Rules never re-walk the
document: they read only the typed model (which also says which fields the file sets, for
pointing at them) and the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ghafmemgen.findings import DataPath
from ghafmemgen.lint.context import Context
from ghafmemgen.memory.model import GHAF_KEY_SPACES, Vm, ghaf_key
from ghafmemgen.memory.plan import VmPlan, has_balloon
from ghafmemgen.units import format_mib, round_up_to_gib

IFNAMSIZ = 15  # Linux interface names hold at most 15 characters
MAX_VMS = 254  # Ghaf: fewer than 255 VMs in all
MAX_APP_VMS = 154  # app VMs get addresses and CIDs from .101 upward


@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    rule: str
    message: str
    path: DataPath
    at_key: bool = True


# A check reads one variant and yields its hits; lint/registry.py says which rules it raises.
Check = Callable[[Context], Iterator[Hit]]


def tap_name_length(ctx: Context) -> Iterator[Hit]:
    for vm, _ in ctx.examined():
        tap = f"tap-{vm.name}"
        if len(tap) > IFNAMSIZ:
            yield Hit(
                rule="GMG010",
                message=f"interface {tap} has {len(tap)} characters, Linux allows {IFNAMSIZ}: "
                f"shorten the VM name to at most {IFNAMSIZ - 4} characters",
                path=("vms", vm.name),
            )


def _ghaf_key(ctx: Context, vm: Vm, p: VmPlan) -> str:
    return f"{GHAF_KEY_SPACES[vm.kind]}.{ghaf_key(vm.name, vm.kind)}"


def ghaf_key_clash(ctx: Context) -> Iterator[Hit]:
    """Two VMs of a kind whose names give one Ghaf key: the later one in the file is
    reported, naming the first."""
    order = ctx.file_order()
    for key, vms in ctx.groups(_ghaf_key, shared=True).items():
        first, *others = sorted((vm.name for vm in vms), key=order.__getitem__)
        for name in others:
            yield Hit(
                rule="GMG011",
                message=f"{first} and {name} both become Ghaf's key {key}, and Ghaf would "
                f"make one VM of the two: rename {name}",
                path=("vms", name),
            )


def unknown_profile_vm(ctx: Context) -> Iterator[Hit]:
    profile = ctx.fleet.profile
    if profile is None:
        return
    unknown = ctx.fleet.unknown_vms
    if not unknown:
        return
    known = ctx.fleet.declared_vms  # the base fleet's: a profile cannot add VMs
    # made once: every unknown name, in every profile, gets the same list
    listed = (ctx.base or ctx).cached("known", lambda: some(sorted(known)))
    for name in unknown:
        yield Hit(
            rule="GMG012",
            message=f"profile {profile} overrides {name}, which the fleet does not define: "
            f"fix the name or add {name} under vms (known: {listed})",
            path=("vms", name),
        )


def some(names: list[str], shown: int = 10) -> str:
    """The first names, and how many more: a message stays short in a 100,000-VM fleet."""
    more = f", ... ({len(names)} in all)" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def system_vm_balloon(ctx: Context) -> Iterator[Hit]:
    for vm, _ in ctx.examined():
        if vm.kind != "system":  # a system VM's balloonRatio/deflateOnOOM are as written
            continue
        if vm.balloon_ratio > 0:
            yield Hit(
                rule="GMG020",
                message=f"{vm.name} is a system VM and Ghaf gives system VMs no balloon: "
                "remove balloonRatio or make it an app VM",
                path=("vms", vm.name, "balloonRatio"),
            )
        if vm.deflate_on_oom:
            yield Hit(
                rule="GMG020",
                message=f"{vm.name} is a system VM without a balloon, so deflateOnOOM has nothing "
                "to deflate: remove it",
                path=("vms", vm.name, "deflateOnOOM"),
            )


def qemu_2048(ctx: Context) -> Iterator[Hit]:
    for vm, p in ctx.examined():
        if vm.hypervisor == "qemu" and p.qemu_mem_mib == 2048:
            yield Hit(
                rule="GMG022",
                message=f"{vm.name} gets microvm.mem = 2048 on qemu, which microvm.nix warns "
                "hangs QEMU: use 2047 or 2049 MiB",
                path=("vms", vm.name, "mem"),
            )


def passthrough_balloon(ctx: Context) -> Iterator[Hit]:
    for vm, _ in ctx.examined():
        if vm.passthrough and has_balloon(vm):
            yield Hit(
                rule="GMG023",
                message=f"{vm.name} has passthrough devices and balloonRatio {vm.balloon_ratio}: "
                "VFIO pins all of microvm.mem, so the balloon cannot give any back; "
                "set balloonRatio: 0",
                path=("vms", vm.name, "passthrough"),
            )


def host_memory(ctx: Context) -> Iterator[Hit]:
    h = ctx.plan.host
    swap_path: DataPath = ("host", "swap", "size")
    room = h.ram_mib + h.swap_mib
    if h.pinned_mib + h.reserved_mib > h.ram_mib:
        yield Hit(
            rule="GMG030",
            message=f"pinned passthrough memory {h.pinned_mib} MiB + reserved {h.reserved_mib} "
            f"MiB exceeds {h.ram_mib} MiB RAM, and pinned pages cannot be swapped: shrink the "
            "passthrough VMs or raise host.ram",
            path=("host", "ram"),
        )
    if h.steady_mib > room:
        yield Hit(
            rule="GMG031",
            message=f"steady state needs {h.steady_mib} MiB, host has {h.ram_mib} MiB RAM + "
            f"{h.swap_mib} MiB swap: raise host.swap.size to at least "
            f"{format_mib(round_up_to_gib(h.steady_mib - h.ram_mib))} or lower VM memory by "
            f"{h.steady_mib - room} MiB",
            path=swap_path,
        )
    if h.steady_mib > h.ram_mib:
        yield Hit(
            rule="GMG032",
            message=f"steady state needs {h.steady_mib} MiB, more than {h.ram_mib} MiB RAM: "
            f"the fleet swaps even at rest; lower VM memory by {h.steady_mib - h.ram_mib} MiB",
            path=("host", "ram"),
        )
    if h.worst_case_mib > room:
        absorb = max(0, room - h.steady_mib)
        yield Hit(
            rule="GMG033",
            message=f"with every balloon deflated at once the fleet needs {h.worst_case_mib} "
            f"MiB, host has {h.ram_mib} MiB RAM + {h.swap_mib} MiB swap, which absorbs {absorb} "
            f"MiB of the {h.worst_case_mib - h.steady_mib} MiB of balloon deflation: raise "
            "host.swap.size to at least "
            f"{format_mib(round_up_to_gib(h.worst_case_mib - h.ram_mib))} or lower balloonRatio",
            path=swap_path,
        )
    if ctx.fleet.host.swap.size_mib is not None and h.swap_mib < h.required_swap_mib:
        yield Hit(
            rule="GMG035",
            message=f"swap is {h.swap_mib} MiB, below the {h.required_swap_mib} MiB required "
            f"(steady state {h.steady_mib} + largest deflation {h.largest_deflation_mib} - RAM "
            f"{h.ram_mib}): raise host.swap.size to {format_mib(h.required_swap_mib)} or use auto",
            path=swap_path,
        )


def _qemu_mem(vm: Vm, p: VmPlan) -> int:
    return p.qemu_mem_mib


def _ram(ctx: Context) -> int | None:
    return ctx.plan.host.ram_mib


def vm_larger_than_host(ctx: Context) -> Iterator[Hit]:
    ram = ctx.plan.host.ram_mib
    for _, p in ctx.over(_qemu_mem, _ram):
        yield Hit(
            rule="GMG034",
            message=f"{p.name} may grow to microvm.mem = {p.qemu_mem_mib} MiB, more than the "
            f"host's {ram} MiB RAM: lower its mem or balloonRatio",
            path=("vms", p.name, "mem"),
        )


def hibernation(ctx: Context) -> Iterator[Hit]:
    host, h = ctx.fleet.host, ctx.plan.host
    if not host.hibernation:
        return
    if h.swap_mib < h.ram_mib:
        yield Hit(
            rule="GMG040",
            message=f"hibernation needs swap of at least RAM ({h.ram_mib} MiB) for the image, "
            f"swap is {h.swap_mib} MiB: raise host.swap.size or turn hibernation off",
            path=("host", "hibernation"),
        )
    if host.swap.random_encryption or not host.swap.resume_device:
        yield Hit(
            rule="GMG041",
            message="hibernation cannot resume from swap with randomEncryption: true or "
            "resumeDevice: false: set randomEncryption: false and resumeDevice: true",
            path=("host", "hibernation"),
        )


def _vcpu(vm: Vm, p: VmPlan) -> int:
    return vm.vcpu


def _cpus(ctx: Context) -> int | None:
    return ctx.fleet.host.cpus


def vcpus(ctx: Context) -> Iterator[Hit]:
    cpus = ctx.fleet.host.cpus
    for vm, _ in ctx.over(_vcpu, _cpus):
        yield Hit(
            rule="GMG050",
            message=f"{vm.name} has {vm.vcpu} vCPUs, the host has {cpus} CPUs: lower vcpu",
            path=("vms", vm.name, "vcpu"),
        )


def _large_zram_origin(ctx: Context, vm: Vm, p: VmPlan) -> DataPath | None:
    if vm.zram.memory_percent > 100:
        return ctx.origin(vm, "zram", "memoryPercent")
    return None


def _no_zram_origin(ctx: Context, vm: Vm, p: VmPlan) -> DataPath | None:
    if not vm.zram.enable and not has_balloon(vm):
        return ctx.origin(vm, "zram", "enable")
    return None


def zram_settings(ctx: Context) -> Iterator[Hit]:
    for path, vms in ctx.groups(_large_zram_origin).items():
        percent = vms[0].zram.memory_percent  # the value written at `path`
        yield Hit(
            rule="GMG060",
            message=f"zram memoryPercent {percent} makes the device larger than the VM's RAM "
            f"({some([vm.name for vm in vms])}): pages it cannot compress still cost RAM; "
            "use 100 or less",
            path=path,
        )
    for path, vms in ctx.groups(_no_zram_origin).items():
        yield Hit(
            rule="GMG061",
            message=f"zram is off and there is no balloon ({some([vm.name for vm in vms])}): "
            "nothing absorbs a spike; enable zram",
            path=path,
        )


def _is_app(vm: Vm, p: VmPlan) -> bool:
    return vm.kind == "app"


def vm_count(ctx: Context) -> Iterator[Hit]:
    total = len(ctx.fleet.vms)
    apps = ctx.count(_is_app)
    if total > MAX_VMS or apps > MAX_APP_VMS:
        yield Hit(
            rule="GMG070",
            message=f"{total} VMs ({apps} app VMs): Ghaf's address and CID plan allows at most "
            f"{MAX_VMS} VMs and {MAX_APP_VMS} app VMs; split the fleet",
            path=("vms",),
        )
