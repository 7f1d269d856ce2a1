"""`ghafmemgen simulate`: does every VM and the host survive resume from S3?"""

from __future__ import annotations

import json
from collections.abc import Callable

import typer

from ghafmemgen import pipeline
from ghafmemgen.cli.options import Common, FleetArg, fleet_command
from ghafmemgen.cli.root import write_output
from ghafmemgen.emit.json import simulate_json
from ghafmemgen.memory.simulate import Simulation
from ghafmemgen.memory.simulate import simulate as run_simulation
from ghafmemgen.report.tables import simulation_table

# --format -> the simulation in that format
SIMULATE_FORMATS: dict[str, Callable[[Simulation], str]] = {
    "text": simulation_table,
    "json": lambda sim: json.dumps(simulate_json(sim), indent=2) + "\n",
}


@fleet_command(
    shared=("profile", "output", "max_size", "max_depth"), formats=tuple(SIMULATE_FORMATS)
)
def simulate(fleet: FleetArg, *, opts: Common) -> None:
    """Simulate resume from S3: which layer absorbs each VM's spike, and does the host fit?

    Exit 0 when every VM and the host survive, 1 when any of them goes out of memory (or the
    fleet cannot be loaded), 2 for usage or I/O problems.
    """
    loaded = pipeline.load(fleet, limits=opts.limits)
    variant = pipeline.variant(loaded, opts.profile)
    sim = run_simulation(variant.fleet, variant.plan)
    write_output(SIMULATE_FORMATS[opts.format](sim), opts.output)
    raise typer.Exit(0 if sim.survived else 1)
