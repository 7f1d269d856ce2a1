"""The checks behind `ghafmemgen check`: does this fleet fit its hardware?

Each check is a function of one fleet variant (base or profile) that yields `Hit`s: a rule id,
a message with the numbers involved and what to change, and the *semantic* path of the key
that causes it. The pipeline turns paths into file positions. Rules never re-walk the
document: they read the model, the plan and the profile's merged view.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ghafmemgen.findings import DataPath
from ghafmemgen.memory.model import Fleet
from ghafmemgen.memory.plan import Plan, has_balloon
from ghafmemgen.memory.simulate import Simulation
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


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    fleet: Fleet
    plan: Plan
    view: Mapping[str, Any]  # the merged raw data of this variant (normalized units)
    data: Mapping[str, Any]  # the whole normalized document
    simulation: Simulation | None = None  # the S3-resume simulation, when the caller has it

    def vm_raw(self, name: str) -> Mapping[str, Any]:
        vms: Mapping[str, Mapping[str, Any]] = self.view.get("vms", {})
        return vms.get(name, {})

    def origin(self, name: str, *keys: str) -> DataPath:
        """Where a VM's effective value is written: on the VM, in defaults, or nowhere."""
        if _dig(self.vm_raw(name), keys) is not None:
            return ("vms", name, *keys)
        if _dig(self.view.get("defaults", {}), keys) is not None:
            return ("defaults", *keys)
        return ("vms", name)


def _dig(node: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


# A check reads one variant and yields its hits; lint/registry.py says which rules it raises.
Check = Callable[[Context], Iterator[Hit]]


def tap_name_length(ctx: Context) -> Iterator[Hit]:
    for vm in ctx.fleet.vms:
        tap = f"tap-{vm.name}"
        if len(tap) > IFNAMSIZ:
            yield Hit(
                rule="GMG010",
                message=f"interface {tap} has {len(tap)} characters, Linux allows {IFNAMSIZ}: "
                f"shorten the VM name to at most {IFNAMSIZ - 4} characters",
                path=("vms", vm.name),
            )


def unknown_profile_vm(ctx: Context) -> Iterator[Hit]:
    profile = ctx.fleet.profile
    if profile is None:
        return
    known = ctx.data.get("vms", {})
    listed: str | None = None  # made once: every unknown name gets the same list
    for name in ctx.data.get("profiles", {}).get(profile, {}).get("vms", {}):
        if name not in known:
            listed = listed if listed is not None else some(sorted(known))
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
    for vm in ctx.fleet.vms:
        raw = ctx.vm_raw(vm.name)
        if vm.kind != "system":
            continue
        if raw.get("balloonRatio", 0) > 0:
            yield Hit(
                rule="GMG020",
                message=f"{vm.name} is a system VM and Ghaf gives system VMs no balloon: "
                "remove balloonRatio or make it an app VM",
                path=("vms", vm.name, "balloonRatio"),
            )
        if raw.get("deflateOnOOM") is True:
            yield Hit(
                rule="GMG020",
                message=f"{vm.name} is a system VM without a balloon, so deflateOnOOM has nothing "
                "to deflate: remove it",
                path=("vms", vm.name, "deflateOnOOM"),
            )


def qemu_2048(ctx: Context) -> Iterator[Hit]:
    for vm, p in zip(ctx.fleet.vms, ctx.plan.vms, strict=True):
        if vm.hypervisor == "qemu" and p.qemu_mem_mib == 2048:
            yield Hit(
                rule="GMG022",
                message=f"{vm.name} gets microvm.mem = 2048 on qemu, which microvm.nix warns "
                "hangs QEMU: use 2047 or 2049 MiB",
                path=("vms", vm.name, "mem"),
            )


def passthrough_balloon(ctx: Context) -> Iterator[Hit]:
    for vm in ctx.fleet.vms:
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


def vm_larger_than_host(ctx: Context) -> Iterator[Hit]:
    ram = ctx.plan.host.ram_mib
    for p in ctx.plan.vms:
        if p.qemu_mem_mib > ram:
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


def vcpus(ctx: Context) -> Iterator[Hit]:
    cpus = ctx.fleet.host.cpus
    for vm in ctx.fleet.vms:
        if cpus is not None and vm.vcpu > cpus:
            yield Hit(
                rule="GMG050",
                message=f"{vm.name} has {vm.vcpu} vCPUs, the host has {cpus} CPUs: lower vcpu",
                path=("vms", vm.name, "vcpu"),
            )


def zram_settings(ctx: Context) -> Iterator[Hit]:
    large: dict[DataPath, list[str]] = defaultdict(list)
    percents: dict[DataPath, int] = {}  # the value written at each path
    disabled: dict[DataPath, list[str]] = defaultdict(list)
    for vm in ctx.fleet.vms:
        if vm.zram.memory_percent > 100:
            origin = ctx.origin(vm.name, "zram", "memoryPercent")
            large[origin].append(vm.name)
            percents.setdefault(origin, vm.zram.memory_percent)
        if not vm.zram.enable and not has_balloon(vm):
            disabled[ctx.origin(vm.name, "zram", "enable")].append(vm.name)
    for path, names in large.items():
        percent = percents[path]
        yield Hit(
            rule="GMG060",
            message=f"zram memoryPercent {percent} makes the device larger than the VM's RAM "
            f"({', '.join(names)}): pages it cannot compress still cost RAM; use 100 or less",
            path=path,
        )
    for path, names in disabled.items():
        yield Hit(
            rule="GMG061",
            message=f"zram is off and there is no balloon ({', '.join(names)}): nothing absorbs a "
            "spike; enable zram",
            path=path,
        )


def vm_count(ctx: Context) -> Iterator[Hit]:
    total = len(ctx.fleet.vms)
    apps = sum(vm.kind == "app" for vm in ctx.fleet.vms)
    if total > MAX_VMS or apps > MAX_APP_VMS:
        yield Hit(
            rule="GMG070",
            message=f"{total} VMs ({apps} app VMs): Ghaf's address and CID plan allows at most "
            f"{MAX_VMS} VMs and {MAX_APP_VMS} app VMs; split the fleet",
            path=("vms",),
        )
