"""`ghafmemgen plan`: the memory plan of the base fleet or one profile."""

from __future__ import annotations

import sys
from collections.abc import Callable

from ghafmemgen import pipeline
from ghafmemgen.cli.options import Common, FleetArg, fleet_command
from ghafmemgen.cli.root import write_output
from ghafmemgen.emit.json import plan_json_text
from ghafmemgen.lint.reporters import render_findings
from ghafmemgen.pipeline import Variant
from ghafmemgen.report.html import render_plan_svg
from ghafmemgen.report.tables import output_width, plan_table

# --format -> the plan in that format (the width the text table must fit, or None)
PLAN_FORMATS: dict[str, Callable[[Variant, int | None], str]] = {
    "text": lambda variant, width: plan_table(variant.plan, width=width),
    "json": lambda variant, width: plan_json_text(variant.plan),
    "svg": lambda variant, width: render_plan_svg(variant),
}


@fleet_command(
    shared=("profile", "output", "select", "ignore", "max_size", "max_depth"),
    formats=tuple(PLAN_FORMATS),
    format_note=" (the host memory bar)",
)
def plan(fleet: FleetArg, *, opts: Common) -> None:
    """Print the memory plan: per-VM allocations and zram, host totals and required swap.

    Findings go to stderr; the plan is printed even when rules fire. Exit 1 only when the fleet
    cannot be loaded.
    """
    loaded = pipeline.load(fleet, limits=opts.limits)
    variant = pipeline.variant(loaded, opts.profile)
    findings = pipeline.check_variant(variant, opts.selection)
    if findings:
        sys.stderr.write(render_findings(findings, fmt="text", files=[str(fleet)]))
    width = output_width(sys.stdout) if opts.output is None else None
    write_output(PLAN_FORMATS[opts.format](variant, width), opts.output)
