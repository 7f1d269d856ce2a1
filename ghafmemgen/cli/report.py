"""`ghafmemgen report`: the plan, findings and S3 simulation as one self-contained HTML page."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ghafmemgen import pipeline
from ghafmemgen.cli.options import Common, FleetArg, fleet_command
from ghafmemgen.cli.root import write_output
from ghafmemgen.findings import Finding
from ghafmemgen.lint.runner import SIMULATION_RULES
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
        print(f"wrote {opts.output}: {summary(findings, variants=len(variants))}", file=sys.stderr)


def _counted(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(findings: list[Finding], *, variants: int) -> str:
    """The page's findings counted as `check` counts them (each once), with what the page
    adds to check's rules said apart: the S3-resume simulation's GMG080."""
    unique = pipeline.unique(findings)
    simulated = [f for f in unique if f.rule in SIMULATION_RULES]
    rules = [f for f in unique if f.rule not in SIMULATION_RULES]
    errors = sum(1 for f in rules if f.severity == "error")
    text = (
        f"{_counted(variants, 'profile')}, {_counted(errors, 'error')} and "
        f"{_counted(len(rules) - errors, 'warning')} as check reports them"
    )
    if simulated:
        ids = ", ".join(sorted({f.rule for f in simulated}))
        text += (
            f"; the S3-resume simulation adds {_counted(len(simulated), 'error')} ({ids}, "
            "as check --simulate reports them)"
        )
    return text
