"""`ghafmemgen render`: the drop-in Nix (and JSON) for a Ghaf build, written as one set."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ghafmemgen import pipeline
from ghafmemgen.cli.options import Common, FleetArg, fleet_command, non_empty_path
from ghafmemgen.lint.reporters import render_findings

OutOpt = Annotated[
    Path,
    typer.Option(
        "--out",
        help="Directory that receives the generated files (created if missing).",
        show_default=False,
        parser=non_empty_path,
        metavar="DIR",
    ),
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
    from ghafmemgen.emit import fileset  # jinja2 and signal handling: only when rendering
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
        found = fileset.diff_set(out, files, notify=_notify)
        for stage in found.interrupted:
            _notify(
                f"{out}: a render was interrupted before it finished ({stage}); "
                "run `ghafmemgen render` to complete it"
            )
        if found.diff or found.interrupted:
            sys.stdout.write(found.diff)
            print(f"ghafmemgen: {out} is out of date; run `ghafmemgen render`", file=sys.stderr)
            raise typer.Exit(1)
        print(f"{out}: up to date ({len(files)} files)")
        return
    result = fileset.write_set(out, files, force=force, notify=_notify)
    for stage in result.finished:
        _notify(f"{out}: first finished the renames of an interrupted render ({stage})")
    print(f"{out}: wrote {len(result.written)}, unchanged {len(result.unchanged)}")


def _notify(message: str) -> None:
    print(f"ghafmemgen: {message}", file=sys.stderr, flush=True)
