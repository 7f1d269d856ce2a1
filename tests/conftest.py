"""What every test shares: the paths (ROOT, LAPTOP, SHARED), the one subprocess runner of the
`ghafmemgen` command, and the tool fixtures. Tests that need Nix or Chromium skip locally when
the tool is missing, and fail instead under GHAFMEMGEN_REQUIRE_NIX=1 /
GHAFMEMGEN_REQUIRE_BROWSER=1 (CI sets both).

Layout: tests/unit/<package>/ test one subpackage of ghafmemgen; tests/acceptance/ drive the
command (CLI, bad corpus, determinism, faults, packaging, start-up); tests/properties/ are
hypothesis tests of the whole command. Test modules import the constants below with
`from conftest import ...` (pytest puts this folder on sys.path).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

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


def _require(tool: str, env: str) -> str:
    found = shutil.which(tool)
    if found:
        return found
    if os.environ.get(env) == "1":
        pytest.fail(f"{tool} is required ({env}=1) but not on PATH")
    pytest.skip(f"{tool} not installed")


@pytest.fixture(scope="session")
def nix_instantiate() -> str:
    return _require("nix-instantiate", "GHAFMEMGEN_REQUIRE_NIX")


@pytest.fixture(scope="session")
def nix_eval(nix_instantiate: str) -> Callable[..., object]:
    """Evaluate a Nix expression (or a file) strictly and return it as JSON data."""

    def run(expr: str | None = None, *, file: Path | None = None) -> object:
        args = [nix_instantiate, "--eval", "--strict", "--json"]
        args += [str(file)] if file is not None else ["-E", expr or ""]
        proc = subprocess.run(args, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise AssertionError(f"nix-instantiate failed:\n{proc.stderr}")
        return json.loads(proc.stdout)

    return run


@pytest.fixture(scope="session")
def nix_parse(nix_instantiate: str) -> Callable[[Path], None]:
    def run(file: Path) -> None:
        proc = subprocess.run(
            [nix_instantiate, "--parse", str(file)], capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, f"{file} does not parse:\n{proc.stderr}"

    return run


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium (run headless by the HTML report's browser tests)."""
    return _require("chromium", "GHAFMEMGEN_REQUIRE_BROWSER")
