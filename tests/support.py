"""What every test shares besides fixtures: the paths and the one subprocess runner of the
`ghafmemgen` command. Imported as `from support import ...` (tests/ is on sys.path)."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
LAPTOP = FIXTURES / "ghaf-laptop.yaml"
# The pinned upstream trees and schemas, read-only beside the checkout (`../shared`), or
# wherever GHAFMEMGEN_SHARED says (a worktree is not a sibling of it).
SHARED = Path(os.environ.get("GHAFMEMGEN_SHARED") or ROOT.parent / "shared")
TESTS = ROOT / "tests"
# Headless Chromium as the report tests run it: no first-run work, no network of its own.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # nothing could leave the machine anyway
)


def read_all(fd: int) -> bytes:
    """Everything a child writes to the pseudo-terminal whose leader is `fd`, until it closes."""
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


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


def fleet_file(tmp_path: Path, patch: dict[str, Any], name: str = "fleet.yaml") -> Path:
    """The bundled laptop fleet with `patch` deep-merged over it (None deletes a key)."""

    def merge(base: dict[str, Any], over: dict[str, Any]) -> None:
        for key, value in over.items():
            if value is None:
                base.pop(key, None)
            elif isinstance(value, dict) and isinstance(base.get(key), dict):
                merge(base[key], value)
            else:
                base[key] = copy.deepcopy(value)

    data = yaml.safe_load(LAPTOP.read_text(encoding="utf-8"))
    merge(data, patch)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


Tree = dict[str, tuple[int, bytes | str]]


def tree(top: Path) -> Tree:
    """Every entry below `top`, hidden ones too: relative path -> (mode, bytes or link)."""
    found: Tree = {}
    for path in sorted(top.rglob("*")):
        info = path.lstat()
        if path.is_symlink():
            content: bytes | str = os.readlink(path)
        elif path.is_file():
            content = path.read_bytes()
        else:
            content = "<dir>"
        found[str(path.relative_to(top))] = (info.st_mode, content)
    return found
