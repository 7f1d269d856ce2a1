"""What an unmodified Ghaf already does, read from tiiuae/ghaf 9a37dc8 and the microvm.nix it
pins (../shared/upstream): the values the rendered files compare the fleet with, so that they
override only where the fleet differs, and the VMs Ghaf can configure at all."""

from __future__ import annotations

from ghafmemgen.memory.model import Vm, Zram

# modules/microvm/common/vm-swap.nix sets zramSwap lzo-rle, 25 % and vm.swappiness 10 as plain
# definitions; priority is NixOS's zramSwap default (Ghaf does not set it). Every VM base sets
# ghaf.virtualization.microvm.swap.enable = true.
ZRAM = Zram(enable=True, algorithm="lzo-rle", memory_percent=25, swappiness=10, priority=5)

# modules/microvm/sysvms/appvm-base.nix: microvm.deflateOnOOM = true, a plain definition.
APP_VM_DEFLATE_ON_OOM = True

# System VMs whose evaluated configuration includes lib.ghaf.vm.applyVmConfig, so that
# ghaf.virtualization.vmConfig.sysvms.<key> reaches them, by vmConfig key.
# modules/profiles/laptop-x86.nix (the x86 laptop, which the `ghaf` swap layout is):
LAPTOP_SYSTEM_VMS = frozenset({"adminvm", "audiovm", "guivm", "idsvm", "netvm"})
# modules/profiles/orin.nix has netvm, adminvm, guivm and these two, which x86 has not:
ORIN_ONLY_SYSTEM_VMS = frozenset({"dispvm", "gpuvm"})

# modules/partitioning/disko-debug-partition.nix: the swap LV's content.
SWAP_RESUME_DEVICE = True
SWAP_RANDOM_ENCRYPTION = "!ghaf.storage.encryption.enable"


def microvm_deflate_on_oom(vm: Vm) -> bool:
    """The microvm.deflateOnOOM an app VM gets: Ghaf's true, unless the fleet turns it off on
    qemu. On crosvm the option is never passed to the VMM (lib/runners/crosvm.nix), so the
    fleet's false is not rendered there; rule GMG021 reports it instead."""
    return vm.hypervisor != "qemu" or vm.deflate_on_oom
