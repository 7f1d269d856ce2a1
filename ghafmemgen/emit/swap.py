"""The host swap in the output set: host-swap.nix's template context (the swap spec for the
fleet's layout: Ghaf's disko option, or a disko LV or GPT partition) and host-swap.json."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ghafmemgen import GENERATOR
from ghafmemgen.memory import ghaf
from ghafmemgen.memory.model import Fleet, Swap
from ghafmemgen.memory.plan import Plan

# GPT type code of a Linux swap partition (sgdisk's 8200), so the partition says what it holds.
_GPT_SWAP_TYPE = "8200"


def _swap_content(swap: Swap) -> dict[str, Any]:
    return {
        "randomEncryption": swap.random_encryption,
        "resumeDevice": swap.resume_device,
        "type": "swap",
    }


# layout -> (attribute path, value) of the swap spec for a size in MiB
_SWAP_SPECS: dict[str, Callable[[Swap, int], tuple[list[str], Any]]] = {
    "ghaf": lambda swap, size: (["ghaf", "partitioning", "disko", "swapSize"], size),
    "lvm": lambda swap, size: (
        ["disko", "devices", "lvm_vg", swap.volume_group, "lvs", "swap"],
        {"content": _swap_content(swap), "size": f"{size}M"},
    ),
    "gpt": lambda swap, size: (
        ["disko", "devices", "disk", swap.disk, "content", "partitions", "swap"],
        {"content": _swap_content(swap), "size": f"{size}M", "type": _GPT_SWAP_TYPE},
    ),
}
# layout -> the extra key host-swap.json carries
_SWAP_JSON_EXTRA: dict[str, Callable[[Swap], dict[str, Any]]] = {
    "ghaf": lambda swap: {},
    "lvm": lambda swap: {"volumeGroup": swap.volume_group},
    "gpt": lambda swap: {"disk": swap.disk},
}


def host_swap_context(fleet: Fleet, plan: Plan) -> dict[str, Any]:
    """host-swap.nix's template context: the layout's disko (or Ghaf) option and its value."""
    swap = fleet.host.swap
    attr_path, value = _SWAP_SPECS[swap.layout](swap, plan.host.swap_mib)
    return {
        "layout": swap.layout,
        "size": plan.host.swap_mib,
        "required": plan.host.required_swap_mib,
        "explicit": swap.size_mib is not None,
        "attr_path": attr_path,
        "value": value,
    }


def swap_rationale(fleet: Fleet, plan: Plan) -> str:
    """Why the host swap has its size, in words, for host-swap.json."""
    h = plan.host
    chosen = (
        "host.swap.size is auto: the required swap"
        if fleet.host.swap.size_mib is None
        else f"host.swap.size is {h.swap_mib} MiB"
    )
    required = (
        f"the memory plan requires {h.required_swap_mib} MiB: max(0, steady state "
        f"{h.steady_mib} + largest balloon deflation {h.largest_deflation_mib} - RAM "
        f"{h.ram_mib}) rounded up to a whole GiB"
    )
    if fleet.host.hibernation:
        required += f", and at least RAM ({h.ram_mib} MiB) for hibernation"
    return f"{chosen}; {required}."


# layout -> what the build's swap volume will have: the fleet's own values, except on Ghaf's
# disko layout, which decides them itself (randomEncryption from the build's encryption).
_SWAP_CONTENT_STATED: dict[str, Callable[[Swap], dict[str, Any]]] = {
    "ghaf": lambda swap: {
        "resumeDevice": ghaf.SWAP_RESUME_DEVICE,
        "randomEncryption": ghaf.SWAP_RANDOM_ENCRYPTION,
    },
    "lvm": lambda swap: {
        "resumeDevice": swap.resume_device,
        "randomEncryption": swap.random_encryption,
    },
}
_SWAP_CONTENT_STATED["gpt"] = _SWAP_CONTENT_STATED["lvm"]


def host_swap_json(fleet: Fleet, plan: Plan) -> dict[str, Any]:
    """host-swap.json: the size, what the volume will have and why, for tools and people."""
    swap = fleet.host.swap
    return {
        "generator": GENERATOR,
        "layout": swap.layout,
        "sizeMiB": plan.host.swap_mib,
        **_SWAP_CONTENT_STATED[swap.layout](swap),
        "requiredSwapMiB": plan.host.required_swap_mib,
        "rationale": swap_rationale(fleet, plan),
        **_SWAP_JSON_EXTRA[swap.layout](swap),
    }
