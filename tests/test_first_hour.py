"""A newcomer's first hour (issue 15), run as a user runs it: `python -m ghafmemgen` in a
subprocess, `make`, pre-commit's file filter and the report in headless Chromium.

Each test is one of the problems a new user met: the starter fleet from `init` fails the check
it recommends, `check`, `simulate` and `report` disagree, GMG033 contradicts GMG035, tables
overflow the terminal, `fit` miscounts its patch and breaks another profile, and the smaller
things (messages, positions, --help, the pre-commit hook, the report's charts, `make demo`).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAPTOP = ROOT / "fixtures" / "ghaf-laptop.yaml"
SCHEMA = ROOT / "schemas" / "fleet.schema.json"


def run(
    *args: str | Path, cwd: Path | None = None, columns: int = 120
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "ghafmemgen", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": str(columns)},
    )
    for stream in (proc.stdout, proc.stderr):
        assert "Traceback" not in stream, stream
    return proc


def run_on_terminal(*args: str | Path, columns: int) -> str:
    """Run with stdout on a pseudo-terminal `columns` wide (no COLUMNS variable): what a user
    sees in an 80-column window."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ghafmemgen", *map(str, args)],
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env={**env, "NO_COLOR": "1", "TERM": "dumb"},
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(leader)
    text = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def summary_counts(line: str) -> tuple[int, int]:
    """'Found 1 error and 9 warnings ...' -> (1, 9)."""
    errors = re.search(r"(\d+) errors?\b", line)
    warnings = re.search(r"(\d+) warnings?\b", line)
    return (int(errors.group(1)) if errors else 0, int(warnings.group(1)) if warnings else 0)


def test_the_pre_commit_check_hook_matches_only_fleet_files() -> None:
    yaml = pytest.importorskip("yaml")
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks["ghafmemgen-check"]
    pattern = re.compile(hook["files"])  # pre-commit applies `files` with re.search
    fleets = ("fleet.yaml", "fleets/laptop.yaml", "nix/fleet-laptop.yml", "ghaf/fleet/x.yaml")
    others = (
        ".github/workflows/ci.yaml",
        ".pre-commit-config.yaml",
        "mkdocs.yml",
        "docker-compose.yml",
        "nix/fleet.schema.json",
        "charts/values.yaml",
    )
    assert all(pattern.search(path) for path in fleets), fleets
    assert not any(pattern.search(path) for path in others), [
        p for p in others if pattern.search(p)
    ]
    assert "types" not in hook or hook["types"] == ["yaml"]


# --- item 11: make demo / make test -------------------------------------------------------------


def _make(*args: str) -> subprocess.CompletedProcess[str]:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    return subprocess.run(
        [make, "--no-print-directory", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=300,
    )


def test_make_demo_installs_only_the_runtime_and_make_test_the_test_extras(
    tmp_path: Path,
) -> None:
    venv = tmp_path / "venv"
    demo = _make("-n", "-B", "demo", f"VENV={venv}").stdout
    installs = [line for line in demo.splitlines() if "pip install" in line and "-e" in line]
    assert installs and all("[" not in line for line in installs), installs
    test = _make("-n", "-B", "test", f"VENV={venv}").stdout
    extras = [line for line in test.splitlines() if "pip install" in line and "[" in line]
    assert extras and all('".[test]"' in line for line in extras), extras


def test_make_demo_prints_nothing_that_reads_as_a_failure(tmp_path: Path) -> None:
    venv = Path(sys.executable).parent.parent  # this test run's venv, already installed
    if not (venv / "bin" / "ghafmemgen").exists():
        pytest.skip("the test interpreter is not in a venv with ghafmemgen installed")
    proc = _make(
        "demo",
        f"VENV={venv}",
        "-o",
        str(venv / "bin" / "ghafmemgen"),  # do not reinstall into the running venv
        f"OUT={tmp_path / 'generated'}",
        f"REPORT={tmp_path / 'report.html'}",
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    for failure in ("Error", "(ignored)", "Traceback", "make:"):
        assert failure not in output, failure
    assert (tmp_path / "report.html").is_file()
