"""`ghafmemgen extractor`, `ghafmemgen import` and `ghafmemgen verify`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ghafmemgen import pipeline
from ghafmemgen.cli.options import Common, FleetArg, OutputOpt, fleet_command
from ghafmemgen.cli.root import app, use_color, write_output
from ghafmemgen.errors import FleetError, UsageError
from ghafmemgen.findings import Finding
from ghafmemgen.lint.reporters import REPORTERS, render_findings
from ghafmemgen.resources import extractor_path
from ghafmemgen.source import target
from ghafmemgen.units import UnitError, parse_size

TargetArg = Annotated[
    Path, typer.Argument(help="The extractor's JSON of a Ghaf build.", metavar="TARGET.json")
]


@app.command()
def extractor() -> None:
    """Print the path of the Nix extractor to apply to a Ghaf host's evaluated config."""
    print(extractor_path())


def _ram(text: str | None) -> str | int:
    if text is None:
        raise UsageError(
            "--ram is required: a Nix configuration does not say how much RAM the hardware "
            "has (for example --ram 32GiB)"
        )
    value: str | int = int(text) if text.isdigit() else text
    try:
        parse_size(value)
    except UnitError as exc:
        raise UsageError(f"--ram: {exc}") from None
    return value


@app.command("import")
def import_(
    target_file: Annotated[
        Path | None,
        typer.Argument(
            help="The extractor's JSON of a Ghaf build (or use --flake).", metavar="TARGET.json"
        ),
    ] = None,
    ram: Annotated[
        str | None, typer.Option("--ram", help="Host RAM (32GiB): Nix does not know it.")
    ] = None,
    output: OutputOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing -o file.")] = False,
    flake: Annotated[
        str | None,
        typer.Option("--flake", help="Extract with nix eval: REF#TARGET, e.g. .#lenovo-x1."),
    ] = None,
) -> None:
    """Write a commented fleet from what an evaluated Ghaf build runs.

    Exit 0 when written, 1 when the JSON is not usable (located GMG099 errors), 2 for usage
    or I/O problems (no --ram, an existing -o file without --force, nix missing).
    """
    from ghafmemgen.cli.progress import spinner
    from ghafmemgen.emit.fleet import import_target
    from ghafmemgen.source.flake import extract_flake

    if (target_file is None) == (flake is None):
        raise UsageError("name exactly one source: a TARGET.json file or --flake REF#TARGET")
    ram_value = _ram(ram)
    if output is not None and (output.exists() or output.is_symlink()) and not force:
        raise UsageError(f"{output}: already exists; pass --force to replace it")
    host_name = None
    if flake is not None:
        with spinner(f"nix eval {flake}: evaluating the Ghaf host"):
            text, source, host_name = extract_flake(flake)
        built = target.parse(text, file=source)
    else:
        assert target_file is not None
        built = target.load(target_file)
        source = Path(built.document.file).name
    fleet = import_target(built, ram=str(ram_value), source=source, host_name=host_name)
    write_output(fleet, output)
    if output is not None:
        print(f"wrote {output}; compare it with the build: ghafmemgen verify {output} TARGET.json")


@fleet_command(
    shared=("profile", "output", "select", "ignore", "max_size", "max_depth"),
    formats=tuple(REPORTERS),
)
def verify(fleet: FleetArg, target_file: TargetArg, *, opts: Common) -> None:
    """Compare the fleet's plan with what an evaluated Ghaf build runs (GMG090-GMG099).

    Exit 0 when they match, 1 on any difference or unusable input, 2 for usage or I/O
    problems.
    """
    findings: list[Finding] = []
    loaded = built = None
    try:
        loaded = pipeline.load(fleet, limits=opts.limits)
    except FleetError as exc:
        findings += exc.findings
    try:
        built = target.load(target_file, limits=opts.limits)
    except FleetError as exc:
        findings += exc.findings
    if loaded is not None and built is not None:
        var = pipeline.variant(loaded, opts.profile)
        findings += pipeline.verify_variant(var, built, opts.selection)
    findings.sort(key=Finding.sort_key)
    color = opts.output is None and use_color(sys.stdout)
    files = [str(fleet), str(target_file)]
    report = render_findings(
        findings, fmt=opts.format, files=files, profiles_checked=1, color=color
    )
    write_output(report, opts.output)
    raise typer.Exit(int(bool(findings)))
