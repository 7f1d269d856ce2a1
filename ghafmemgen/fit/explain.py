"""The sentences of `ghafmemgen fit`: why each changed field is needed, and why a fleet cannot
fit. Each reason is read off a real evaluation: the patch with that one field stepped back
(swap one GiB lower, anything else reverted), or the fleet with every allowed adjustment at
its limit."""

from __future__ import annotations

from collections.abc import Callable

from ghafmemgen.fit.options import FieldPath, Patch
from ghafmemgen.fit.trial import Search
from ghafmemgen.lint.checks import Hit
from ghafmemgen.lint.registry import RULES
from ghafmemgen.memory.plan import Plan
from ghafmemgen.units import format_mib


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
            reasons = dict.fromkeys(_reason(hit, plan) for hit in hits)
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
    used = {s.kind_of(path) for path in top}
    return [text for kind, text in described.items() if kind in used]


def _reason(hit: Hit, plan: Plan) -> str:
    reason = RULES[hit.rule].fit_reason
    if reason is None or hit.path[:1] == ("profiles",):  # another profile's: its own words
        return f"{hit.rule}: {hit.message}"
    return f"{reason(hit, plan)} ({hit.rule})"


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
        kinds, demand = RULES[hit.rule].levers(hit, s.fleet)
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
