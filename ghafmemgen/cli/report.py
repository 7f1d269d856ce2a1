"""`ghafmemgen report`: the plan, findings and S3 simulation as one self-contained HTML page."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ghafmemgen import pipeline
from ghafmemgen.cli._app import (
    DEFAULT_LIMITS,
    FleetArg,
    IgnoreOpt,
    MaxDepthOpt,
    MaxSizeOpt,
    OutputOpt,
    SelectOpt,
    app,
    limits,
    selection,
    write_output,
)

ProfilesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--profile",
        "-p",
        help="Report this profile (repeat for several); default: the base fleet and every profile.",
    ),
]


@app.command()
def report(
    fleet: FleetArg,
    output: OutputOpt = None,
    profile: ProfilesOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    max_size: MaxSizeOpt = DEFAULT_LIMITS.max_bytes,
    max_depth: MaxDepthOpt = DEFAULT_LIMITS.max_depth,
) -> None:
    """Write an HTML report: memory charts, the per-VM plan, findings and the S3 simulation.

    The page is self-contained (inline CSS and SVG, no script, no network) and is written
    even when rules fire; exit 1 only when the fleet cannot be loaded.
    """
    from ghafmemgen.htmlreport import render_report

    wanted = selection(select, ignore)
    loaded = pipeline.load(fleet, limits=limits(max_size, max_depth))
    variants: list[str | None] = [*dict.fromkeys(profile)] if profile else [None, *loaded.profiles]
    html, findings = render_report(loaded, profiles=variants, selection=wanted)
    write_output(html, output)
    if output is not None:
        errors = sum(1 for f in findings if f.severity == "error")
        counts = (
            (len(variants), "variant"),
            (errors, "error"),
            (len(findings) - errors, "warning"),
        )
        summary = ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts)
        print(f"wrote {output}: {summary}", file=sys.stderr)
