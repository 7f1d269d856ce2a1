"""The JSON documents: `plan --format json` (also memory-plan.json) and `simulate --format json`.

The memory layer computes; this module only names and rounds its figures for JSON readers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from ghafmemgen import GENERATOR
from ghafmemgen.emit import jsontext
from ghafmemgen.memory.plan import Plan, VmPlan
from ghafmemgen.memory.simulate import Simulation


def _tenth(value: float) -> float:
    return round(value, 1)


def vm_json(vm: VmPlan) -> dict[str, Any]:
    """One VM's record in plan_json."""
    return {
        "name": vm.name,
        "kind": vm.kind,
        "hypervisor": vm.hypervisor,
        "memMiB": vm.mem_mib,
        "qemuMemMiB": vm.qemu_mem_mib,
        "balloon": vm.balloon,
        "deflateOnOOM": vm.deflate_on_oom,
        "zramDiskMiB": vm.zram_disk_mib,
        "zramGainMiB": _tenth(vm.zram_gain_mib),
        "effectiveMinMiB": _tenth(vm.effective_min_mib),
        "effectiveMaxMiB": _tenth(vm.effective_max_mib),
    }


def plan_json(plan: Plan) -> dict[str, Any]:
    """The `plan --format json` document (also memory-plan.json): exactly these keys."""
    h = plan.host
    return {
        "generator": GENERATOR,
        "profile": plan.profile,
        "vms": [vm_json(vm) for vm in plan.vms],
        "host": {
            "ramMiB": h.ram_mib,
            "reservedMiB": h.reserved_mib,
            "pinnedMiB": h.pinned_mib,
            "steadyMiB": h.steady_mib,
            "worstCaseMiB": h.worst_case_mib,
            "largestDeflationMiB": h.largest_deflation_mib,
            "requiredSwapMiB": h.required_swap_mib,
            "swapMiB": h.swap_mib,
            "overcommitRatio": _tenth(h.overcommit_ratio),
        },
    }


def plan_json_text(plan: Plan) -> str:
    """plan_json as `json.dumps(..., indent=2)` text plus a newline: memory-plan.json and
    `plan --format json`."""
    return "".join(plan_json_chunks(plan))


def plan_json_chunks(plan: Plan) -> Iterator[str]:
    """plan_json_text in pieces, built one VM record at a time, so a 100,000-VM plan never
    holds all its records as dicts (~50 MB) nor, written to a file, its whole text."""
    document = plan_json(replace(plan, vms=()))
    document["vms"] = jsontext.LazyArray(plan.vms, vm_json)
    yield from jsontext.iterencode(document)
    yield "\n"


def _tenth_unsigned_zero(value: float) -> float:
    return round(value, 1) + 0.0  # + 0.0: never print -0.0


def simulate_json(sims: Sequence[Simulation]) -> dict[str, Any]:
    """The `simulate --format json` document: every simulated variant (the base fleet and
    every profile, or the one --profile names) and whether all of them survive."""
    return {
        "generator": GENERATOR,
        "survived": all(sim.survived for sim in sims),
        "variants": [variant_json(sim) for sim in sims],
    }


def variant_json(sim: Simulation) -> dict[str, Any]:
    """One variant's simulation: exactly these keys, MiB rounded to 0.1."""
    h = sim.host
    return {
        "profile": sim.profile,
        "survived": sim.survived,
        "vms": [
            {
                "name": vm.name,
                "spikeMiB": vm.spike_mib,
                "absorbedBy": vm.absorbed_by,
                "zramMiB": _tenth_unsigned_zero(vm.zram_mib),
                "balloonMiB": _tenth_unsigned_zero(vm.balloon_mib),
                "shortfallMiB": _tenth_unsigned_zero(vm.shortfall_mib),
                "marginMiB": _tenth_unsigned_zero(vm.margin_mib),
            }
            for vm in sim.vms
        ],
        "host": {
            "demandMiB": _tenth_unsigned_zero(h.demand_mib),
            "ramMiB": h.ram_mib,
            "swapUsedMiB": _tenth_unsigned_zero(h.swap_used_mib),
            "outcome": h.outcome,
            "marginMiB": _tenth_unsigned_zero(h.margin_mib),
        },
    }
