"""Checks of fleet settings that cannot reach Ghaf as written: what Ghaf (or the VMM it runs)
decides itself, and VMs it has no place for. The facts are in ghafmemgen.memory.ghaf."""

from __future__ import annotations

from collections.abc import Iterator

from ghafmemgen.findings import DataPath
from ghafmemgen.lint.checks import Hit, some
from ghafmemgen.lint.context import Context
from ghafmemgen.memory import ghaf
from ghafmemgen.memory.model import Vm
from ghafmemgen.memory.plan import VmPlan, has_balloon


def _crosvm_no_deflate_origin(ctx: Context, vm: Vm, p: VmPlan) -> DataPath | None:
    if vm.hypervisor == "crosvm" and has_balloon(vm) and not vm.deflate_on_oom:
        return ctx.origin(vm, "deflateOnOOM")
    return None


def crosvm_deflate(ctx: Context) -> Iterator[Hit]:
    """GMG021: deflateOnOOM: false on a ballooned crosvm app VM cannot be honoured, located
    where it is written: the VM's key, or defaults.deflateOnOOM when the VM inherits it."""
    for path, vms in ctx.groups(_crosvm_no_deflate_origin).items():
        names = [vm.name for vm in vms]
        yield Hit(
            rule="GMG021",
            message=f"deflateOnOOM: false cannot be honoured on crosvm ({some(names)}): "
            "crosvm runs the balloon in relaxed mode, so the guest always deflates it on OOM; "
            "remove it, or use qemu for a balloon that does not deflate on OOM",
            path=path,
        )


def unknown_system_vm(ctx: Context) -> Iterator[Hit]:
    """GMG024: a system VM Ghaf has no base for gets vmConfig.sysvms.<key>, which nothing reads."""
    for vm, _ in ctx.examined():
        key = vm.short_name
        if vm.kind != "system" or key in ghaf.LAPTOP_SYSTEM_VMS:
            continue
        if key in ghaf.ORIN_ONLY_SYSTEM_VMS:
            why = (
                f"Ghaf has {vm.name} only on Orin (modules/profiles/orin.nix); on an x86 "
                f"laptop vmConfig.sysvms.{key} does nothing: remove it unless the fleet is for Orin"
            )
        else:
            known = ", ".join(sorted(ghaf.LAPTOP_SYSTEM_VMS))
            why = (
                f"Ghaf has no system VM base for {vm.name} (x86 laptops have {known}), so "
                f"vmConfig.sysvms.{key} does nothing; make it an app VM or remove it"
            )
        yield Hit(rule="GMG024", message=why, path=("vms", vm.name))


def ghaf_swap_content(ctx: Context) -> Iterator[Hit]:
    """GMG042/GMG043: on Ghaf's disko layout the swap LV's content is Ghaf's."""
    swap = ctx.fleet.host.swap
    if swap.layout != "ghaf":
        return
    if "resumeDevice" in swap.written and not swap.resume_device:
        yield Hit(
            rule="GMG042",
            message="with layout ghaf, Ghaf's disko layout always sets resumeDevice = true: "
            "remove resumeDevice, or use layout lvm or gpt with a disko layout of your own",
            path=("host", "swap", "resumeDevice"),
        )
    if "randomEncryption" in swap.written:
        yield Hit(
            rule="GMG043",
            message="with layout ghaf, Ghaf sets randomEncryption = "
            f"{ghaf.SWAP_RANDOM_ENCRYPTION} (true unless the build encrypts its storage), so "
            "this value does not reach the build: remove it, or use layout lvm or gpt",
            path=("host", "swap", "randomEncryption"),
        )
