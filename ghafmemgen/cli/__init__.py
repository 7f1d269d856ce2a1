"""Command-line entry point: `ghafmemgen`. Exit codes: 0 ok, 1 findings or bad fleet,
2 usage or I/O problem, 70 internal error (a bug: please report it)."""

from __future__ import annotations

import sys
import traceback

from ghafmemgen.cli import commands as _commands  # noqa: F401  (registers the commands)
from ghafmemgen.cli._app import DEBUG, app
from ghafmemgen.errors import FleetError, GhafmemgenError
from ghafmemgen.report import render_findings

INTERNAL_ERROR = 70


def main() -> None:
    try:
        app()
    except FleetError as exc:
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
