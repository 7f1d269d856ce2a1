"""Command-line entry point: `ghafmemgen`. Exit codes: 0 ok, 1 findings or bad fleet,
2 usage or I/O problem, 70 internal error (a bug: please report it).

Start-up is what a pre-commit hook feels, so nothing is imported here at module level:
`--version` answers before typer loads, and a command imports only its own module.
"""

from __future__ import annotations

import sys

INTERNAL_ERROR = 70


def __getattr__(name: str) -> object:
    """`ghafmemgen.cli.root`: the typer app with every command registered."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from ghafmemgen.cli.commands import register
    from ghafmemgen.cli.root import app

    register(())
    return app


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from ghafmemgen import GENERATOR

        print(GENERATOR)
        return
    from ghafmemgen.cli.commands import register
    from ghafmemgen.cli.root import DEBUG, app
    from ghafmemgen.errors import FleetError, GhafmemgenError, Interrupted

    try:
        register(sys.argv[1:])
        app()
    except FleetError as exc:
        from ghafmemgen.lint.reporters import render_findings

        # A fleet that does not load: its findings are diagnostics, so they go to stderr and
        # never into the plan, JSON or Nix that the command writes to stdout (`check`
        # reports on stdout itself and does not come here).
        files = sorted({f.file for f in exc.findings})
        sys.stderr.write(render_findings(exc.findings, fmt="text", files=files))
        sys.exit(exc.exit_code)
    except GhafmemgenError as exc:
        print(f"ghafmemgen: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("ghafmemgen: interrupted", file=sys.stderr)
        sys.exit(130)
    except Interrupted as exc:  # a signal while writing files: 128 + its number, as shells do
        import signal

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
            import traceback

            traceback.print_exc()
        sys.exit(INTERNAL_ERROR)
