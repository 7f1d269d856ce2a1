"""The options the commands share, declared once, and the object they arrive in.

A command written with `@fleet_command(shared=(...))` lists only its own options; the shared
ones it names (`--profile`, `--select`/`--ignore`, `--output`, `--max-size`/`--max-depth`) are
added to its signature here and handed to it, already parsed, as one `Common` value (`opts`).
`formats=` adds `--format`/`-f`, whose choices are the keys of the core's lookup table.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from ghafmemgen.cli.root import app
from ghafmemgen.errors import UsageError
from ghafmemgen.findings import Selection
from ghafmemgen.lint.runner import parse_rule_list
from ghafmemgen.source.loader import DEFAULT_LIMITS, Limits

FleetArg = Annotated[Path, typer.Argument(help="Fleet YAML file.", metavar="FLEET")]
ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile",
        "-p",
        help="Only this profile. Default: check and simulate take the base fleet and every "
        "profile, the other commands the base fleet.",
    ),
]
SelectOpt = Annotated[
    str | None, typer.Option("--select", help="Only these rules: ids or prefixes, comma-separated.")
]
IgnoreOpt = Annotated[
    str | None, typer.Option("--ignore", help="Skip these rules: ids or prefixes (GMG03).")
]


def non_empty_path(raw: str) -> Path:
    """A path option's value. '' is refused here: Path('') would quietly mean '.'."""
    if not raw:
        raise typer.BadParameter("an empty path names nothing; give a path ('.' for here)")
    return Path(raw)


OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write to this file (replaced atomically; missing folders are created).",
        parser=non_empty_path,
        metavar="FILE",
    ),
]
MaxSizeOpt = Annotated[
    int, typer.Option("--max-size", help="Refuse fleet files larger than this many bytes.", min=1)
]
MaxDepthOpt = Annotated[
    int, typer.Option("--max-depth", help="Refuse YAML nested deeper than this.", min=2, max=500)
]


def _param(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default
    )


# Shared option -> its parameter, in the order they appear in --help.
SHARED: dict[str, inspect.Parameter] = {
    p.name: p
    for p in (
        _param("profile", ProfileOpt, None),
        _param("output", OutputOpt, None),
        _param("select", SelectOpt, None),
        _param("ignore", IgnoreOpt, None),
        _param("max_size", MaxSizeOpt, DEFAULT_LIMITS.max_bytes),
        _param("max_depth", MaxDepthOpt, DEFAULT_LIMITS.max_depth),
    )
}
READING = ("max_size", "max_depth")  # every command that reads a fleet has these


@dataclass(frozen=True, slots=True, kw_only=True)
class Common:
    """The shared options of one run, parsed."""

    profile: str | None
    format: str
    output: Path | None
    selection: Selection
    limits: Limits


def selection(select: str | None, ignore: str | None) -> Selection:
    try:
        return Selection(select=parse_rule_list(select), ignore=parse_rule_list(ignore))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _common(values: dict[str, Any]) -> Common:
    return Common(
        profile=values.get("profile"),
        format=values.get("fmt", ""),
        output=values.get("output"),
        selection=selection(values.get("select"), values.get("ignore")),
        limits=Limits(
            max_bytes=values.get("max_size", DEFAULT_LIMITS.max_bytes),
            max_depth=values.get("max_depth", DEFAULT_LIMITS.max_depth),
        ),
    )


def _format_param(choices: Sequence[str], default: str, note: str) -> inspect.Parameter:
    """`--format`/`-f` limited to `choices`; an unknown value is a usage error (exit 2)
    before the command does anything."""

    def known(value: str) -> str:
        if value not in choices:
            raise UsageError(f"unknown --format {value!r}; choose one of {', '.join(choices)}")
        return value

    listed = f"{', '.join(choices[:-1])} or {choices[-1]}" if len(choices) > 1 else choices[0]
    option = typer.Option("--format", "-f", help=f"{listed}{note}.", callback=known)
    return _param("fmt", Annotated[str, option], default)


def fleet_command(
    *,
    shared: Iterable[str],
    formats: Sequence[str] = (),
    default_format: str = "text",
    format_note: str = "",
    name: str | None = None,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a command whose `opts: Common` parameter stands for the `shared` options
    (and `--format`, when `formats` names its choices)."""
    wanted = [SHARED[option] for option in SHARED if option in set(shared)]
    if formats:
        wanted.insert(1, _format_param(formats, default_format, format_note))

    def decorate(func: Callable[..., None]) -> Callable[..., None]:
        own = inspect.signature(func, eval_str=True).parameters.values()
        params = [p for p in own if p.name != "opts"]
        keyword_from = next(
            (i for i, p in enumerate(params) if p.kind is inspect.Parameter.KEYWORD_ONLY),
            len(params),
        )
        # Arguments and the command's own options first, then the shared ones.
        ordered = [
            *params[:keyword_from],
            *(p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in params[keyword_from:]),
            *wanted,
        ]

        @functools.wraps(func)
        def command(**values: Any) -> None:
            common = _common({p.name: values.pop(p.name) for p in wanted})
            func(opts=common, **values)

        command.__signature__ = inspect.Signature(ordered)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in ordered}
        return app.command(name)(command)

    return decorate
