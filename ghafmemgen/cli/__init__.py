"""Command-line entry point: `ghafmemgen`.

Start-up is what a pre-commit hook feels, so this module imports nothing of its own at module
level: `--version` answers before typer loads (the one seam below), everything else runs
through cli/entry.py, and cli/commands.py imports only the named command's module.
"""

from __future__ import annotations

import sys


def __getattr__(name: str) -> object:
    """`ghafmemgen.cli.app`: the typer app with every command registered (for tools and tests)."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from ghafmemgen.cli.entry import app_with_every_command  # the start-up seam

    return app_with_every_command()


def _escape_what_stdout_cannot_encode() -> None:
    """A stdout in ASCII or Latin-1 (LC_ALL=C, PYTHONIOENCODING) gets `\\xe9` for what it
    cannot hold instead of a UnicodeEncodeError halfway through a report."""
    import codecs

    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "utf-8"
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and codecs.lookup(encoding).name != "utf-8":
            reconfigure(errors="backslashreplace")


def main() -> None:
    _escape_what_stdout_cannot_encode()
    if sys.argv[1:] == ["--version"]:
        from ghafmemgen import GENERATOR

        print(GENERATOR)
        return
    from ghafmemgen.cli.entry import run  # the start-up seam: typer and the core load here

    run(sys.argv[1:])
