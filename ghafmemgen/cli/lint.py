"""`ghafmemgen check` and `ghafmemgen rules`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ghafmemgen import pipeline, progress
from ghafmemgen.cli._app import (
    DEFAULT_LIMITS,
    IgnoreOpt,
    MaxDepthOpt,
    MaxSizeOpt,
    OutputOpt,
    ProfileOpt,
    SelectOpt,
    app,
    limits,
    selection,
    use_color,
    write_output,
)
from ghafmemgen.errors import FleetError, UsageError
from ghafmemgen.findings import RULES, Finding
from ghafmemgen.report import REPORTERS, render_findings
from ghafmemgen.rules import Rule


@app.command()
def check(
    fleets: Annotated[list[Path], typer.Argument(help="Fleet YAML files.", metavar="FLEET...")],
    profile: ProfileOpt = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="text, json, github or sarif.")
    ] = "text",
    output: OutputOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    simulate: Annotated[
        bool, typer.Option("--simulate", help="Also run the S3-resume simulation (GMG080).")
    ] = False,
    max_size: MaxSizeOpt = DEFAULT_LIMITS.max_bytes,
    max_depth: MaxDepthOpt = DEFAULT_LIMITS.max_depth,
) -> None:
    """Validate fleet files and run the memory rules on the base fleet and every profile.

    Exit 0 when clean, 1 when an error is found (or a warning with --strict), 2 for usage or
    I/O problems.
    """
    if fmt not in REPORTERS:
        raise UsageError(f"unknown --format {fmt!r}; choose one of {', '.join(REPORTERS)}")
    wanted = selection(select, ignore)
    extra_rules: tuple[Rule, ...] = ()
    if simulate:  # imported only when asked for: check's start-up is a hook's latency
        from ghafmemgen.simulate import resume_rule

        extra_rules = (resume_rule,)
    findings: list[Finding] = []
    usage_problems = 0
    profiles_checked = 0
    read: list[str] = []  # files that could be opened (bad content still counts as read)
    for path in progress.track(fleets, enabled=fmt == "text", label="checking"):
        try:
            loaded = pipeline.load(path, limits=limits(max_size, max_depth))
        except UsageError as exc:
            print(f"ghafmemgen: {exc}", file=sys.stderr)
            usage_problems += 1
            continue
        except FleetError as exc:
            findings += exc.findings
            profiles_checked += 1
        else:
            variants = pipeline.all_variants(loaded, profile)
            try:
                findings += pipeline.check(
                    loaded, profiles=variants, selection=wanted, extra_rules=extra_rules
                )
            except UsageError as exc:  # --profile names a profile this file lacks
                print(f"ghafmemgen: {exc}", file=sys.stderr)
                usage_problems += 1
                continue
            profiles_checked += len(variants)
        read.append(str(path))
    color = output is None and use_color(sys.stdout)
    if read or fmt != "text":
        report = render_findings(
            findings, fmt=fmt, files=read, profiles_checked=profiles_checked, color=color
        )
        write_output(report, output)
    failing = {"error", "warning"} if strict else {"error"}
    code = 2 if usage_problems else int(any(f.severity in failing for f in findings))
    raise typer.Exit(code)


@app.command()
def rules() -> None:
    """List every rule with its id, severity and what it checks."""
    width = max(len(rule.severity) for rule in RULES.values())
    for rule in RULES.values():
        print(f"{rule.id}  {rule.severity:<{width}}  {rule.summary}")
