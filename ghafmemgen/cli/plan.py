"""`ghafmemgen plan`: the memory plan of the base fleet or one profile."""

from __future__ import annotations

import sys
from collections.abc import Callable

from ghafmemgen import pipeline
from ghafmemgen.cli.options import Common, FleetArg, fleet_command
from ghafmemgen.cli.root import is_terminal, write_output
from ghafmemgen.emit.json import plan_json_text
from ghafmemgen.lint.reporters import render_findings
from ghafmemgen.pipeline import Variant
from ghafmemgen.report.html import render_plan_svg
from ghafmemgen.report.tables import plan_table

# --format -> the plan in that format (the flag: a rich table, for a terminal)
PLAN_FORMATS: dict[str, Callable[[Variant, bool], str]] = {
    "text": lambda variant, rich: plan_table(variant.plan, rich=rich),
    "json": lambda variant, rich: plan_json_text(variant.plan),
    "svg": lambda variant, rich: render_plan_svg(variant),
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
    rich = opts.output is None and is_terminal(sys.stdout)
    write_output(PLAN_FORMATS[opts.format](variant, rich), opts.output)
