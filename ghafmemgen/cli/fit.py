"""`ghafmemgen fit`: the smallest change that makes a fleet (or one profile) fit its host."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from ghafmemgen import GENERATOR, pipeline
from ghafmemgen.cli.options import Common, FleetArg, fleet_command
from ghafmemgen.errors import UsageError
from ghafmemgen.fit.options import DEFAULT_ADJUST, GOALS, KINDS, Options, patch_tree
from ghafmemgen.fit.search import Result
from ghafmemgen.fit.search import fit as run_fit
from ghafmemgen.fit.write import WriteError, patch_yaml, write_fleet
from ghafmemgen.units import UnitError, parse_size

FIT_FORMATS = ("yaml", "json")  # the patch as YAML to paste, or as a JSON document
EXIT = {"fits": 0, "patched": 0, "impossible": 1}


def _adjust(text: str) -> tuple[str, ...]:
    kinds = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds:
        raise UsageError(
            f"--adjust {text!r}: choose one or more of {', '.join(KINDS)}, comma-separated"
        )
    return kinds


def _goal(value: str) -> str:
    if value not in GOALS:
        raise UsageError(f"unknown --goal {value!r}; choose one of {', '.join(GOALS)}")
    return value


def _size(option: str, text: str) -> int:
    try:
        mib = parse_size(int(text) if text.isdigit() else text)
    except UnitError as exc:
        raise UsageError(f"{option} {text!r}: {exc}") from None
    if mib <= 0:
        raise UsageError(f"{option} must be more than 0")
    return mib


def _where(profile: str | None) -> str:
    if profile is None:
        return "# merge into the top level of the fleet (the base fleet's own fields):\n"
    return f"# paste under profiles.{profile}:\n"


def _document(result: Result, *, fleet: str, written: bool) -> dict[str, Any]:
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


@fleet_command(
    shared=("profile", "select", "ignore", "max_size", "max_depth"),
    formats=tuple(FIT_FORMATS),
    default_format="yaml",
)
def fit(
    fleet: FleetArg,
    *,
    opts: Common,
    adjust: Annotated[
        str,
        typer.Option(
            "--adjust", help=f"What may change, in order of preference: {','.join(KINDS)}."
        ),
    ] = ",".join(DEFAULT_ADJUST),
    goal: Annotated[
        str,
        typer.Option(
            "--goal",
            help="errors (no error), warnings (no finding) or simulate.",
            callback=_goal,
        ),
    ] = GOALS[0],
    min_mem: Annotated[
        str, typer.Option("--min-mem", help="Never scale a VM's mem below this.")
    ] = "512MiB",
    step: Annotated[
        str, typer.Option("--step", help="Scaled mem is rounded down to this.")
    ] = "256MiB",
    write: Annotated[
        bool, typer.Option("--write", help="Apply the patch to FLEET in place (comments kept).")
    ] = False,
) -> None:
    """Find the smallest change to FLEET (or one --profile) that meets --goal.

    Prints the patch (only the changed fields, explained line by line) as YAML to paste under
    profiles.NAME, or as JSON. Exit 0 when a patch is found or nothing needs changing, 1 when
    no allowed adjustment can meet the goal (the reason is printed), 2 for usage problems.
    """
    profile = opts.profile
    options = Options(
        adjust=_adjust(adjust),
        goal=goal,
        min_mem_mib=_size("--min-mem", min_mem),
        step_mib=_size("--step", step),
        selection=opts.selection,
    )
    read_limits = opts.limits
    loaded = pipeline.load(fleet, limits=read_limits)
    result = run_fit(loaded, profile=profile, options=options)
    refused: str | None = None
    if write and result.status == "patched":
        patch = {c.path: c.new for c in result.changes}
        try:
            write_fleet(fleet, profile=profile, patch=patch, options=options, limits=read_limits)
        except WriteError as exc:  # the patch is still printed, to paste by hand
            refused = str(exc)
    written = write and result.status == "patched" and refused is None
    if opts.format == "json":
        doc = _document(result, fleet=str(fleet), written=written)
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    elif result.status == "impossible":
        sys.stderr.write("".join(f"ghafmemgen: {line}\n" for line in result.lines))
    else:
        tree = patch_tree({c.path: c.new for c in result.changes})
        comments = "".join(f"# {line}\n" for line in result.lines)
        body = f"{_where(profile)}{patch_yaml(tree)}" if tree else "{}\n"
        sys.stdout.write(comments + body)
    if refused is not None:
        print(f"ghafmemgen: {refused}", file=sys.stderr)
    elif written:
        print(f"ghafmemgen: wrote the patch into {fleet}", file=sys.stderr)
    raise typer.Exit(1 if refused else EXIT[result.status])
