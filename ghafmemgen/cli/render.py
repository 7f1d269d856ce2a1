"""`ghafmemgen render`: the drop-in Nix (and JSON) for a Ghaf build, written as one set."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ghafmemgen import pipeline
from ghafmemgen.cli.options import Common, FleetArg, fleet_command
from ghafmemgen.lint.reporters import render_findings

OutOpt = Annotated[
    Path,
    typer.Option("--out", help="Directory that receives the generated files.", show_default=False),
]


@fleet_command(shared=("profile", "select", "ignore", "max_size", "max_depth"))
def render(
    fleet: FleetArg,
    out: OutOpt,
    *,
    opts: Common,
    force: Annotated[
        bool,
        typer.Option("--force", help="Overwrite files in --out that ghafmemgen did not write."),
    ] = False,
    check: Annotated[
        bool,
        typer.Option("--check", help="Write nothing; exit 1 with a diff if --out is out of date."),
    ] = False,
) -> None:
    """Render vm-swap.nix, appvm-base.nix, vm-config.nix, host-swap.nix, host-swap.json and
    memory-plan.json for the base fleet or one profile.

    The checks run first: any error (after --select/--ignore) prints the findings to stderr,
    writes nothing and exits 1; warnings are printed and do not block. Exit 2 for usage or
    I/O problems, including a file in --out that ghafmemgen did not write (see --force).
    """
    from ghafmemgen.emit import files as output  # jinja2 and tempfile: only when rendering
    from ghafmemgen.emit.nix import render_variant

    loaded = pipeline.load(fleet, limits=opts.limits)
    variant = pipeline.variant(loaded, opts.profile)
    findings = pipeline.check_variant(variant, opts.selection)
    if findings:
        sys.stderr.write(render_findings(findings, fmt="text", files=[str(fleet)]))
    if any(f.severity == "error" for f in findings):
        print(f"ghafmemgen: errors in {fleet}; nothing was written to {out}", file=sys.stderr)
        raise typer.Exit(1)
    files = render_variant(variant)
    if check:
        diff = output.diff_set(out, files)
        if diff:
            sys.stdout.write(diff)
            print(f"ghafmemgen: {out} is out of date; run `ghafmemgen render`", file=sys.stderr)
            raise typer.Exit(1)
        print(f"{out}: up to date ({len(files)} files)")
        return
    result = output.write_set(out, files, force=force)
    print(f"{out}: wrote {len(result.written)}, unchanged {len(result.unchanged)}")
