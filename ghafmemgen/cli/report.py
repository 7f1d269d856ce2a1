"""`ghafmemgen report`: the plan, findings and S3 simulation as one self-contained HTML page."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ghafmemgen import pipeline
from ghafmemgen.cli.options import Common, FleetArg, fleet_command
from ghafmemgen.cli.root import write_output
from ghafmemgen.report.html import render_report

ProfilesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--profile",
        "-p",
        help="Report this profile (repeat for several); default: the base fleet and every profile.",
    ),
]


@fleet_command(shared=("output", "select", "ignore", "max_size", "max_depth"))
def report(fleet: FleetArg, *, opts: Common, profile: ProfilesOpt = None) -> None:
    """Write an HTML report: memory charts, the per-VM plan, findings and the S3 simulation.

    The page is self-contained (inline CSS and SVG, no script, no network) and is written
    even when rules fire; exit 1 only when the fleet cannot be loaded.
    """
    loaded = pipeline.load(fleet, limits=opts.limits)
    variants = pipeline.variants(loaded, profile or ())
    html, findings = render_report(loaded, profiles=variants, selection=opts.selection)
    write_output(html, opts.output)
    if opts.output is not None:
        errors = sum(1 for f in findings if f.severity == "error")
        counts = (
            (len(variants), "variant"),
            (errors, "error"),
            (len(findings) - errors, "warning"),
        )
        summary = ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts)
        print(f"wrote {opts.output}: {summary}", file=sys.stderr)
