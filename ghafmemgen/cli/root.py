"""The typer application and what every command shares: --version/--debug, output, colour.

The CLI only parses arguments and calls the core; heavy libraries (jsonschema, jinja2,
ruamel.yaml, rich) are imported inside the commands that need them, so start-up stays fast.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import typer.core

from ghafmemgen import GENERATOR


class HelpCommand(typer.core.TyperCommand):
    """--help as a reader wants it: the command list shows each summary whole (click cuts it
    at about 45 characters with "..."), and usage shows arguments as `FLEET...`, not typer's
    `{FLEET...}` for a required one."""

    def get_short_help_str(self, limit: int = 45) -> str:
        text = inspect.cleandoc(self.short_help or self.help or "")
        return " ".join(text.split("\n\n")[0].split())

    def collect_usage_pieces(self, ctx: Any) -> list[str]:  # typer vendors click's Context
        return [
            piece[1:-1] if piece.startswith("{") and piece.endswith("}") else piece
            for piece in super().collect_usage_pieces(ctx)
        ]


Command = TypeVar("Command", bound=Callable[..., Any])


class _App(typer.Typer):
    """The typer app whose commands all use HelpCommand, so none can forget it."""

    def command(
        self,
        name: str | None = None,
        *,
        cls: type[typer.core.TyperCommand] | None = None,
        **kwargs: Any,
    ) -> Callable[[Command], Command]:
        return super().command(name, cls=cls or HelpCommand, **kwargs)


app = _App(
    name="ghafmemgen",
    help="Compile one YAML fleet description into Ghaf's memory configuration, and lint it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

DEBUG = {"on": os.environ.get("GHAFMEMGEN_DEBUG") == "1"}


def _version(value: bool) -> None:
    if value:
        print(GENERATOR)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of internal errors.")
    ] = False,
) -> None:
    DEBUG["on"] = DEBUG["on"] or debug


def write_output(text: str, output: Path | None) -> None:
    """Print, or write to a file (atomically: a half-written report is worse than none)."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from ghafmemgen.emit.files import write_file  # signal handling: only when writing a file

    write_file(output, text)


def is_terminal(stream: object) -> bool:
    """A person is watching `stream` (tables, colour and the progress bar are for them)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def use_color(stream: object) -> bool:
    return is_terminal(stream) and "NO_COLOR" not in os.environ
