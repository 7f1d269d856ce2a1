"""`ghafmemgen simulate`: does every VM and the host survive resume from S3?"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ghafmemgen import pipeline
from ghafmemgen.cli._app import (
    DEFAULT_LIMITS,
    FleetArg,
    MaxDepthOpt,
    MaxSizeOpt,
    OutputOpt,
    ProfileOpt,
    app,
    limits,
    write_output,
)
from ghafmemgen.errors import UsageError
from ghafmemgen.simulate import Simulation, simulate_json
from ghafmemgen.simulate import simulate as run_simulation
from ghafmemgen.tables import plain_table

SIMULATE_FORMATS = ("text", "json")
VM_COLUMNS = (
    "VM",
    "spike",
    "free",
    "zram room",
    "balloon room",
    "absorbed by",
    "zram",
    "balloon",
    "shortfall",
    "margin",
)


def simulation_table(sim: Simulation) -> str:
    title = f"S3-resume simulation ({'profile ' + sim.profile if sim.profile else 'base fleet'})"
    vms = [
        (
            vm.name,
            str(vm.spike_mib),
            f"{vm.free_mib:.1f}",
            f"{vm.zram_room_mib:.1f}",
            str(vm.balloon_room_mib),
            vm.absorbed_by.upper() if vm.absorbed_by == "oom" else vm.absorbed_by,
            f"{vm.zram_mib:.1f}",
            f"{vm.balloon_mib:.1f}",
            f"{vm.shortfall_mib:.1f}",
            f"{vm.margin_mib:.1f}",
        )
        for vm in sim.vms
    ]
    h = sim.host
    host = [
        ("demand (reserved + what the VMs hold)", f"{h.demand_mib:.1f} MiB"),
        ("RAM", f"{h.ram_mib} MiB"),
        ("swap", f"{h.swap_mib} MiB"),
        ("swap used", f"{h.swap_used_mib:.1f} MiB"),
        ("outcome", h.outcome.upper() if h.outcome == "oom" else h.outcome),
        ("margin (RAM + swap - demand)", f"{h.margin_mib:.1f} MiB"),
    ]
    failed = [vm.name for vm in sim.vms if not vm.survived] + ([] if h.survived else ["host"])
    verdict = (
        f"Out of memory on resume: {', '.join(failed)}."
        if failed
        else "Every VM and the host survive resume."
    )
    return (
        f"{title}, MiB\n\n{plain_table(VM_COLUMNS, vms)}\n"
        f"{plain_table(('host', 'value'), host)}\n{verdict}\n"
    )


@app.command()
def simulate(
    fleet: FleetArg,
    profile: ProfileOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    output: OutputOpt = None,
    max_size: MaxSizeOpt = DEFAULT_LIMITS.max_bytes,
    max_depth: MaxDepthOpt = DEFAULT_LIMITS.max_depth,
) -> None:
    """Simulate resume from S3: which layer absorbs each VM's spike, and does the host fit?

    Exit 0 when every VM and the host survive, 1 when any of them goes out of memory (or the
    fleet cannot be loaded), 2 for usage or I/O problems.
    """
    if fmt not in SIMULATE_FORMATS:
        raise UsageError(f"unknown --format {fmt!r}; choose one of {', '.join(SIMULATE_FORMATS)}")
    loaded = pipeline.load(fleet, limits=limits(max_size, max_depth))
    variant = pipeline.variant(loaded, profile)
    sim = run_simulation(variant.fleet, variant.plan)
    if fmt == "json":
        text = json.dumps(simulate_json(sim), indent=2) + "\n"
    else:
        text = simulation_table(sim)
    write_output(text, output)
    raise typer.Exit(0 if sim.survived else 1)
