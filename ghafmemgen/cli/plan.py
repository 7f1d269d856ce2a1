"""`ghafmemgen plan`: the memory plan of the base fleet or one profile."""

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
    ProfileOpt,
    SelectOpt,
    app,
    limits,
    selection,
    write_output,
)
from ghafmemgen.errors import UsageError
from ghafmemgen.plan import plan_json_text
from ghafmemgen.report import render_findings
from ghafmemgen.tables import plan_table

PLAN_FORMATS = ("text", "json", "svg")


@app.command()
def plan(
    fleet: FleetArg,
    profile: ProfileOpt = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="text, json or svg (the host memory bar).")
    ] = "text",
    output: OutputOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    max_size: MaxSizeOpt = DEFAULT_LIMITS.max_bytes,
    max_depth: MaxDepthOpt = DEFAULT_LIMITS.max_depth,
) -> None:
    """Print the memory plan: per-VM allocations and zram, host totals and required swap.

    Findings go to stderr; the plan is printed even when rules fire. Exit 1 only when the fleet
    cannot be loaded.
    """
    if fmt not in PLAN_FORMATS:
        raise UsageError(f"unknown --format {fmt!r}; choose one of {', '.join(PLAN_FORMATS)}")
    loaded = pipeline.load(fleet, limits=limits(max_size, max_depth))
    variant = pipeline.variant(loaded, profile)
    findings = pipeline.check_variant(variant, selection(select, ignore))
    if findings:
        sys.stderr.write(render_findings(findings, fmt="text", files=[str(fleet)]))
    if fmt == "json":
        text = plan_json_text(variant.plan)
    elif fmt == "svg":
        from ghafmemgen.htmlreport import render_plan_svg

        text = render_plan_svg(variant)
    else:
        text = plan_table(variant.plan, rich=output is None and sys.stdout.isatty())
    write_output(text, output)
