"""`ghafmemgen check`, `ghafmemgen rules` and `ghafmemgen rule`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ghafmemgen import pipeline
from ghafmemgen.cli import progress
from ghafmemgen.cli.options import Common, fleet_command
from ghafmemgen.cli.root import app, use_color, write_output
from ghafmemgen.errors import FleetError, UsageError
from ghafmemgen.findings import Finding
from ghafmemgen.lint import ruledocs
from ghafmemgen.lint.registry import RULES
from ghafmemgen.lint.reporters import REPORTERS, render_findings


@fleet_command(
    shared=("profile", "output", "select", "ignore", "max_size", "max_depth"),
    formats=tuple(REPORTERS),
)
def check(
    fleets: Annotated[list[Path], typer.Argument(help="Fleet YAML files.", metavar="FLEET...")],
    *,
    opts: Common,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    simulate: Annotated[
        bool, typer.Option("--simulate", help="Also run the S3-resume simulation (GMG080).")
    ] = False,
) -> None:
    """Validate fleet files and run the memory rules on the base fleet and every profile.

    Exit 0 when clean, 1 when an error is found (or a warning with --strict), 2 for usage or
    I/O problems.
    """
    fmt = opts.format
    findings: list[Finding] = []
    usage_problems = 0
    profiles_checked = 0
    not_loaded = 0  # files read that failed to load: none of their profiles was checked
    read: list[str] = []  # files that could be opened (bad content still counts as read)
    for path in progress.track(fleets, enabled=fmt == "text", label="checking"):
        try:
            loaded = pipeline.load(path, limits=opts.limits)
        except UsageError as exc:
            print(f"ghafmemgen: {exc}", file=sys.stderr)
            usage_problems += 1
            continue
        except FleetError as exc:
            findings += exc.findings
            not_loaded += 1
        else:
            variants = pipeline.all_variants(loaded, opts.profile)
            try:
                findings += pipeline.check(
                    loaded, profiles=variants, selection=opts.selection, simulate=simulate
                )
            except UsageError as exc:  # --profile names a profile this file lacks
                print(f"ghafmemgen: {exc}", file=sys.stderr)
                usage_problems += 1
                continue
            profiles_checked += len(variants)
        read.append(str(path))
    color = opts.output is None and use_color(sys.stdout)
    if read or fmt != "text":
        report = render_findings(
            findings,
            fmt=fmt,
            files=read,
            profiles_checked=profiles_checked,
            not_loaded=not_loaded,
            note="" if simulate else "S3 resume not simulated: add --simulate",
            color=color,
        )
        write_output(report, opts.output)
    failing = {"error", "warning"} if strict else {"error"}
    code = 2 if usage_problems else int(any(f.severity in failing for f in findings))
    raise typer.Exit(code)


@app.command()
def rules() -> None:
    """List every rule with its id, severity and what it checks (opt-in rules run only when
    --select names them, or GMG080 with check --simulate)."""
    width = max(len(rule.severity) for rule in RULES.values())
    for rule in RULES.values():
        opt_in = " (opt-in)" if rule.opt_in else ""
        print(f"{rule.id}  {rule.severity:<{width}}  {rule.summary}{opt_in}")


@app.command()
def rule(
    rule_id: Annotated[str, typer.Argument(help="A rule id, e.g. GMG031.", metavar="ID")],
) -> None:
    """Print one rule's page: what it checks, why it matters, an example, how to fix it."""
    found = ruledocs.find(rule_id)
    if found is None:
        raise UsageError(f"unknown rule {rule_id!r}; `ghafmemgen rules` lists them")
    print(ruledocs.page(found, absolute_links=True, rendered=False), end="")
