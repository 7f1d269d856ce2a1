"""The sentences of `ghafmemgen fit`: why each changed field is needed, and why a fleet cannot
fit. Each reason is read off a real evaluation: the patch with that one field stepped back
(swap one GiB lower, anything else reverted), or the fleet with every allowed adjustment at
its limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ghafmemgen.plan import Plan
from ghafmemgen.rules import Hit
from ghafmemgen.units import format_mib

if TYPE_CHECKING:
    from ghafmemgen.fit import FieldPath, Patch, Search


def _vm_qemu(hit: Hit, plan: Plan) -> str:
    vm = next(p for p in plan.vms if p.name == hit.path[1])
    return (
        f"{vm.name} could grow to microvm.mem = {vm.qemu_mem_mib} MiB, more than "
        f"{plan.host.ram_mib} MiB RAM"
    )


# rule -> what the stepped-back fleet would break, in its own numbers
REASONS: dict[str, Callable[[Hit, Plan], str]] = {
    "GMG030": lambda hit, p: (
        f"pinned passthrough memory {p.host.pinned_mib} MiB + reserved "
        f"{p.host.reserved_mib} MiB would exceed {p.host.ram_mib} MiB RAM"
    ),
    "GMG031": lambda hit, p: (
        f"the steady state of {p.host.steady_mib} MiB would need RAM + swap "
        f">= {p.host.steady_mib} MiB, the host has {p.host.ram_mib + p.host.swap_mib} MiB"
    ),
    "GMG032": lambda hit, p: (
        f"the steady state of {p.host.steady_mib} MiB would exceed {p.host.ram_mib} MiB RAM"
    ),
    "GMG033": lambda hit, p: (
        "with every balloon deflated the fleet would need RAM + swap >= "
        f"{p.host.worst_case_mib} MiB, the host has {p.host.ram_mib + p.host.swap_mib} MiB"
    ),
    "GMG034": _vm_qemu,
    "GMG035": lambda hit, p: (
        f"swap {p.host.swap_mib} MiB would be below the required "
        f"{p.host.required_swap_mib} MiB (steady state {p.host.steady_mib} + largest deflation "
        f"{p.host.largest_deflation_mib} - RAM {p.host.ram_mib})"
    ),
    "GMG040": lambda hit, p: (
        f"hibernation would need swap >= RAM = {p.host.ram_mib} MiB, swap is {p.host.swap_mib} MiB"
    ),
}

# rule -> (the adjustments that can move it, what it demands)
LEVERS: dict[str, tuple[tuple[str, ...], str]] = {
    "GMG022": (("app-mem", "sys-mem"), "microvm.mem must not be exactly 2048 MiB on qemu"),
    "GMG030": (
        ("app-mem",),
        "pinned pages stay in RAM: swap cannot hold them and fit never "
        "resizes passthrough system VMs (they are sized for their devices)",
    ),
    "GMG031": (("swap", "app-mem", "sys-mem"), "the steady state must fit in RAM + swap"),
    "GMG032": (
        ("app-mem", "sys-mem"),
        "swap does not change the steady state, only smaller VMs do",
    ),
    "GMG033": (("swap", "balloon", "app-mem", "sys-mem"), "the worst case must fit in RAM + swap"),
    "GMG034": (
        ("balloon", "app-mem"),
        "an app VM's microvm.mem must fit in RAM, and swap does not change it",
    ),
    "GMG035": (("swap", "balloon", "app-mem", "sys-mem"), "swap must reach the required swap"),
    "GMG040": (("swap",), "hibernation needs swap of at least RAM"),
    "GMG080": (
        ("swap", "balloon", "app-mem", "sys-mem"),
        "the host must hold every VM after resume from S3",
    ),
}
_VM_OOM = (
    (),
    "a VM that runs out of memory on resume needs more memory, and fit only takes memory away",
)


def _show(path: FieldPath, value: int) -> str:
    return str(value) if path[-1] == "balloonRatio" else format_mib(value)


# One step back along a ladder: swap one GiB lower, balloonRatio one higher. A scaled mem
# has no single-field step (the factor is shared), so it is explained by its old value.
_STEP_BACK: dict[str, Callable[[int], int]] = {
    "size": lambda new: new - 1024,
    "balloonRatio": lambda new: new + 1,
}


def change_reason(s: Search, patch: Patch, path: FieldPath) -> str:
    """Why `path` must change as far as it does: what breaks one step back (or, when that
    step alone still meets the goal, at the old value)."""
    old, new = s.old(path), patch[path]
    step = _STEP_BACK.get(path[-1])
    backs = [step(new)] if step is not None and step(new) != old else []
    for back in [b for b in backs if min(old, new) < b < max(old, new)] + [old]:
        trial = (
            {**patch, path: back} if back != old else {k: v for k, v in patch.items() if k != path}
        )
        hits = s.hits(trial)
        if hits:
            plan = s.variant(trial).plan
            reasons = dict.fromkeys(
                f"{REASONS[hit.rule](hit, plan)} ({hit.rule})"
                if hit.rule in REASONS
                else f"{hit.rule}: {hit.message}"
                for hit in hits
            )
            return f"at {_show(path, back)}, " + "; ".join(reasons)
    return "the smallest step the search found"  # a bisected ladder where the goal is not monotone


def _limits(s: Search, top: Patch) -> list[str]:
    opts = s.options
    described = {
        "swap": f"host.swap.size {format_mib(top.get(('host', 'swap', 'size'), 0))}",
        "balloon": "every app VM's balloonRatio 0",
        "app-mem": f"app VMs down to --min-mem {format_mib(opts.min_mem_mib)}",
        "sys-mem": f"system VMs without passthrough down to {format_mib(opts.min_mem_mib)}",
    }
    from ghafmemgen.fit import kind_of

    used = {kind_of(s, path) for path in top}
    return [text for kind, text in described.items() if kind in used]


def _levers(s: Search, hit: Hit) -> tuple[tuple[str, ...], str]:
    if hit.rule == "GMG080" and hit.path[:1] == ("vms",):
        return _VM_OOM
    if hit.rule == "GMG034":
        vm = next((vm for vm in s.fleet.vms if vm.name == hit.path[1]), None)
        if vm is not None and vm.kind == "system":
            kinds = () if vm.passthrough else ("sys-mem",)
            return kinds, "a system VM's memory must fit in RAM, and swap does not change it"
    return LEVERS.get(hit.rule, ((), "fit does not adjust what this rule checks"))


def cannot_fit_lines(s: Search, *, label: str, top: Patch) -> list[str]:
    opts = s.options
    adjust = ",".join(opts.adjust)
    lines = [f"cannot fit {label} (goal {opts.goal}) with --adjust {adjust}"]
    limits = _limits(s, top)
    if limits:
        lines.append(f"even at the limits of those adjustments ({'; '.join(limits)}):")
    plan = s.variant(top).plan
    if plan.host.pinned_mib > plan.host.ram_mib:
        lines.append(
            f"pinned memory alone ({plan.host.pinned_mib} MiB of passthrough VMs) "
            f"exceeds RAM ({plan.host.ram_mib} MiB)"
        )
    if "swap" in opts.adjust and s.fleet.host.swap.size_mib is None:
        lines.append("host.swap.size is auto (the required swap): fit does not replace it")
    # An auto swap size is not adjusted, so it is no lever here.
    allowed = [k for k in opts.adjust if k != "swap" or s.fleet.host.swap.size_mib is not None]
    before = {(hit.rule, hit.path) for hit in s.hits({})}
    for hit in s.hits(top):
        kinds, demand = _levers(s, hit)
        usable = [kind for kind in kinds if kind in allowed]
        if not kinds:
            verdict = "no adjustment of fit changes that"
        elif not usable:
            verdict = f"--adjust {adjust} cannot change that; it needs {' or '.join(kinds)}"
        else:
            missing = [kind for kind in kinds if kind not in allowed]
            verdict = f"not even {', '.join(usable)} at the limit clears it" + (
                f" (--adjust could add {' or '.join(missing)})" if missing else ""
            )
        caused = "" if (hit.rule, hit.path) in before else " (the adjustment itself causes this)"
        lines.append(f"{hit.rule} {hit.message}")
        lines.append(f"  {demand}: {verdict}{caused}")
    return lines
