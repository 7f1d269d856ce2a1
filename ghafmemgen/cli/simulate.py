"""`ghafmemgen simulate`: does every VM and the host survive resume from S3?"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

import typer

from ghafmemgen import pipeline
from ghafmemgen.cli.options import Common, FleetArg, fleet_command
from ghafmemgen.cli.root import write_output
from ghafmemgen.emit.json import simulate_json
from ghafmemgen.memory.simulate import Simulation
from ghafmemgen.memory.simulate import simulate as run_simulation
from ghafmemgen.report.tables import output_width, simulation_text

# --format -> the simulations in that format (the width the text tables must fit, or None)
SIMULATE_FORMATS: dict[str, Callable[[list[Simulation], int | None], str]] = {
    "text": lambda sims, width: simulation_text(sims, width=width),
    "json": lambda sims, width: json.dumps(simulate_json(sims), indent=2) + "\n",
}


@fleet_command(
    shared=("profile", "output", "max_size", "max_depth"), formats=tuple(SIMULATE_FORMATS)
)
def simulate(fleet: FleetArg, *, opts: Common) -> None:
    """Simulate resume from S3: which layer absorbs each VM's spike, and does the host fit?

    Covers the base fleet and every profile, as check does; --profile simulates only that one.
    Exit 0 when every VM and the host survive in all of them, 1 when any goes out of memory
    (or the fleet cannot be loaded), 2 for usage or I/O problems.
    """
    loaded = pipeline.load(fleet, limits=opts.limits)
    sims = []
    for profile in pipeline.all_variants(loaded, opts.profile):
        variant = pipeline.variant(loaded, profile)
        sims.append(run_simulation(variant.fleet, variant.plan))
    width = output_width(sys.stdout) if opts.output is None else None
    write_output(SIMULATE_FORMATS[opts.format](sims, width), opts.output)
    raise typer.Exit(0 if all(sim.survived for sim in sims) else 1)
