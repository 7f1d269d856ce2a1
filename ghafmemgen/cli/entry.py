"""The run of one command: register it, call typer, map exceptions to exit codes.

Exit codes: 0 ok, 1 findings or bad fleet, 2 usage or I/O problem, 70 internal error (a bug:
please report it). `ghafmemgen.cli.main` imports this module only when the answer is not
just the version.
"""

from __future__ import annotations

import signal
import sys
import traceback

import typer

from ghafmemgen.cli.commands import register
from ghafmemgen.cli.root import DEBUG, app
from ghafmemgen.errors import FleetError, GhafmemgenError, Interrupted
from ghafmemgen.lint.reporters import render_findings

INTERNAL_ERROR = 70


def app_with_every_command() -> typer.Typer:
    """The typer app with all commands registered (--help, completion, tests)."""
    register(())
    return app


def run(argv: list[str]) -> None:
    """`ghafmemgen ARGV` (the arguments after the program name)."""
    try:
        register(argv)
        app()
    except FleetError as exc:
        # A fleet that does not load: its findings are diagnostics, so they go to stderr and
        # never into the plan, JSON or Nix that the command writes to stdout (`check`
        # reports on stdout itself and does not come here).
        files = sorted({f.file for f in exc.findings})
        text = render_findings(
            exc.findings, fmt="text", files=files, profiles_checked=0, not_loaded=len(files)
        )
        sys.stderr.write(text)
        sys.exit(exc.exit_code)
    except GhafmemgenError as exc:
        print(f"ghafmemgen: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("ghafmemgen: interrupted", file=sys.stderr)
        sys.exit(130)
    except Interrupted as exc:  # a signal while writing files: 128 + its number, as shells do
        print(f"ghafmemgen: interrupted ({signal.Signals(exc.signum).name})", file=sys.stderr)
        sys.exit(128 + exc.signum)
    except (RecursionError, MemoryError):
        print("ghafmemgen: input too large or too deeply nested to process", file=sys.stderr)
        sys.exit(1)
    except Exception as exc:
        print(
            f"ghafmemgen: internal error ({type(exc).__name__}: {exc}); this is a bug, please "
            "report it with the output of `ghafmemgen --debug ...`",
            file=sys.stderr,
        )
        if DEBUG["on"]:
            traceback.print_exc()
        sys.exit(INTERNAL_ERROR)
