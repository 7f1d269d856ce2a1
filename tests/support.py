"""What every test shares besides fixtures: the paths and the one subprocess runner of the
`ghafmemgen` command. Imported as `from support import ...` (tests/ is on sys.path)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
LAPTOP = FIXTURES / "ghaf-laptop.yaml"
# The pinned upstream trees and schemas, read-only beside the checkout (`../shared`), or
# wherever GHAFMEMGEN_SHARED says (a worktree is not a sibling of it).
SHARED = Path(os.environ.get("GHAFMEMGEN_SHARED") or ROOT.parent / "shared")
TESTS = ROOT / "tests"


def run_ghafmemgen(
    *args: str | Path,
    env: Mapping[str, str | None] | None = None,
    cwd: Path | None = None,
    text: bool = True,
    **kwargs: Any,
) -> subprocess.CompletedProcess[Any]:
    """`python -m ghafmemgen ARGS` in a child process, output captured, never raising on
    the exit code. `env` changes os.environ for the child (a None value removes the
    variable); the rest goes to subprocess.run (preexec_fn, timeout, errors, ...)."""
    child = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "ghafmemgen", *map(str, args)],
        capture_output=True,
        text=text,
        check=False,
        cwd=cwd,
        env={key: value for key, value in child.items() if value is not None},
        **kwargs,
    )
