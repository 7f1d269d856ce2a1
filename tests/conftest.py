"""The fixtures every test shares: the tools (nix, chromium) and the paths of support.py.
Tests that need Nix or Chromium skip locally when the tool is missing, and fail instead under
GHAFMEMGEN_REQUIRE_NIX=1 / GHAFMEMGEN_REQUIRE_BROWSER=1 (CI sets both).

Layout: tests/unit/<package>/ test one subpackage of ghafmemgen; tests/acceptance/ drive the
command (CLI, bad corpus, determinism, faults, packaging, start-up); tests/properties/ are
hypothesis tests of the whole command. The constants (ROOT, LAPTOP, SHARED, TESTS) and the one
subprocess runner live in tests/support.py, imported as `from support import ...` (pytest puts
this folder on sys.path; a module named conftest would be ambiguous beside
tests/upstream/conftest.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest


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
