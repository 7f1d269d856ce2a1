"""`ghafmemgen fit`: the smallest change that makes a fleet (or one profile) fit its host."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ghafmemgen import GENERATOR, pipeline
from ghafmemgen.cli._app import (
    DEFAULT_LIMITS,
    FleetArg,
    IgnoreOpt,
    MaxDepthOpt,
    MaxSizeOpt,
    ProfileOpt,
    SelectOpt,
    app,
    limits,
    selection,
)
from ghafmemgen.errors import UsageError
from ghafmemgen.units import UnitError, format_mib, parse_size

if TYPE_CHECKING:
    from ghafmemgen.fit import Result

# The search is imported when the command runs (start-up stays fast); these mirror fit.py.
KINDS = ("swap", "balloon", "app-mem", "sys-mem")
GOALS = ("errors", "warnings", "simulate")

FIT_FORMATS = ("yaml", "json")
EXIT = {"fits": 0, "patched": 0, "impossible": 1}


def _adjust(text: str) -> tuple[str, ...]:
    kinds = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds:
        raise UsageError(
            f"--adjust {text!r}: choose one or more of {', '.join(KINDS)}, comma-separated"
        )
    return kinds


def _size(option: str, text: str) -> int:
    try:
        mib = parse_size(int(text) if text.isdigit() else text)
    except UnitError as exc:
        raise UsageError(f"{option} {text!r}: {exc}") from None
    if mib <= 0:
        raise UsageError(f"{option} must be more than 0")
    return mib


def _yaml(tree: dict[str, Any], indent: int = 0) -> str:
    """The patch as block YAML: keys are VM and field names, values ints or `16GiB`."""
    out = []
    for key, value in tree.items():
        if isinstance(value, dict):
            out.append(f"{' ' * indent}{key}:\n{_yaml(value, indent + 2)}")
        else:
            shown = value if key == "balloonRatio" else format_mib(value)
            out.append(f"{' ' * indent}{key}: {shown}\n")
    return "".join(out)


def _where(profile: str | None) -> str:
    if profile is None:
        return "# merge into the top level of the fleet (the base fleet's own fields):\n"
    return f"# paste under profiles.{profile}:\n"


def _document(result: Result, *, fleet: str, written: bool) -> dict[str, Any]:
    from ghafmemgen.fit import patch_tree

    return {
        "generator": GENERATOR,
        "file": fleet,
        "profile": result.profile,
        "goal": result.options.goal,
        "adjust": list(result.options.adjust),
        "status": result.status,
        "patch": patch_tree({c.path: c.new for c in result.changes}),
        "changes": [
            {"path": ".".join(c.path), "from": c.old, "to": c.new, "reason": c.reason}
            for c in result.changes
        ],
        "explanation": list(result.lines),
        "written": written,
    }


@app.command()
def fit(
    fleet: FleetArg,
    profile: ProfileOpt = None,
    adjust: Annotated[
        str,
        typer.Option(
            "--adjust", help=f"What may change, in order of preference: {','.join(KINDS)}."
        ),
    ] = "swap,balloon,app-mem",
    goal: Annotated[
        str, typer.Option("--goal", help="errors (no error), warnings (no finding) or simulate.")
    ] = "errors",
    min_mem: Annotated[
        str, typer.Option("--min-mem", help="Never scale a VM's mem below this.")
    ] = "512MiB",
    step: Annotated[
        str, typer.Option("--step", help="Scaled mem is rounded down to this.")
    ] = "256MiB",
    fmt: Annotated[str, typer.Option("--format", "-f", help="yaml or json.")] = "yaml",
    write: Annotated[
        bool, typer.Option("--write", help="Apply the patch to FLEET in place (comments kept).")
    ] = False,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    max_size: MaxSizeOpt = DEFAULT_LIMITS.max_bytes,
    max_depth: MaxDepthOpt = DEFAULT_LIMITS.max_depth,
) -> None:
    """Find the smallest change to FLEET (or one --profile) that meets --goal.

    Prints the patch (only the changed fields, explained line by line) as YAML to paste under
    profiles.NAME, or as JSON. Exit 0 when a patch is found or nothing needs changing, 1 when
    no allowed adjustment can meet the goal (the reason is printed), 2 for usage problems.
    """
    from ghafmemgen.fit import Options, patch_tree
    from ghafmemgen.fit import fit as run_fit

    if fmt not in FIT_FORMATS:
        raise UsageError(f"unknown --format {fmt!r}; choose one of {', '.join(FIT_FORMATS)}")
    if goal not in GOALS:
        raise UsageError(f"unknown --goal {goal!r}; choose one of {', '.join(GOALS)}")
    options = Options(
        adjust=_adjust(adjust),
        goal=goal,
        min_mem_mib=_size("--min-mem", min_mem),
        step_mib=_size("--step", step),
        selection=selection(select, ignore),
    )
    read_limits = limits(max_size, max_depth)
    loaded = pipeline.load(fleet, limits=read_limits)
    result = run_fit(loaded, profile=profile, options=options)
    refused: str | None = None
    if write and result.status == "patched":
        from ghafmemgen.fit_write import WriteError, write_fleet

        patch = {c.path: c.new for c in result.changes}
        try:
            write_fleet(fleet, profile=profile, patch=patch, options=options, limits=read_limits)
        except WriteError as exc:  # the patch is still printed, to paste by hand
            refused = str(exc)
    written = write and result.status == "patched" and refused is None
    if fmt == "json":
        doc = _document(result, fleet=str(fleet), written=written)
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    elif result.status == "impossible":
        sys.stderr.write("".join(f"ghafmemgen: {line}\n" for line in result.lines))
    else:
        tree = patch_tree({c.path: c.new for c in result.changes})
        comments = "".join(f"# {line}\n" for line in result.lines)
        body = f"{_where(profile)}{_yaml(tree)}" if tree else "{}\n"
        sys.stdout.write(comments + body)
    if refused is not None:
        print(f"ghafmemgen: {refused}", file=sys.stderr)
    elif written:
        print(f"ghafmemgen: wrote the patch into {fleet}", file=sys.stderr)
    raise typer.Exit(1 if refused else EXIT[result.status])
