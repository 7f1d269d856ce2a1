"""The progress bar: drawn on a terminal for people, never for machines or pipes."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ghafmemgen.cli import progress

from support import LAPTOP, read_all


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def files(tmp_path: Path, count: int) -> list[Path]:
    text = LAPTOP.read_text(encoding="utf-8")
    paths = [tmp_path / f"fleet-{i:03d}.yaml" for i in range(count)]
    for path in paths:
        path.write_text(text, encoding="utf-8")
    return paths


def test_no_terminal_no_bar(tmp_path: Path) -> None:
    paths = files(tmp_path, 3)
    stream = io.StringIO()
    assert (
        list(progress.track(paths, enabled=True, label="checking", stream=stream, after=0)) == paths
    )
    assert stream.getvalue() == ""


def test_a_run_for_machines_gets_no_bar(tmp_path: Path) -> None:
    paths = files(tmp_path, 3)
    stream = Terminal()
    seen = []
    for path in progress.track(paths, enabled=False, label="checking", stream=stream, after=0):
        time.sleep(0.05)
        seen.append(path)
    assert seen == paths
    assert stream.getvalue() == ""


def test_a_long_run_on_a_terminal_shows_the_file_being_worked_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERM", "xterm")  # rich draws no live display on a "dumb" terminal
    paths = files(tmp_path, 3)
    stream = Terminal()
    seen = []
    for path in progress.track(paths, enabled=True, label="checking", stream=stream, after=0):
        deadline = time.monotonic() + 10
        while path.name not in stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)  # the bar starts on a timer thread and redraws on its own
        seen.append(path)
    assert seen == paths
    drawn = stream.getvalue()
    assert "checking fleet-000.yaml" in drawn
    assert "checking fleet-002.yaml" in drawn


@pytest.mark.parametrize("delay", ["x", "-3"])
def test_a_bad_delay_setting_falls_back_or_clamps(
    monkeypatch: pytest.MonkeyPatch, delay: str
) -> None:
    monkeypatch.setenv("GHAFMEMGEN_PROGRESS_DELAY", delay)
    assert progress.delay() == (progress.DEFAULT_DELAY if delay == "x" else 0.0)


PRELOAD_RICH = (
    "import sys, rich.console, rich.progress; from ghafmemgen.cli import main; "
    "sys.argv[0] = 'ghafmemgen'; main()"
)


def check_on_a_terminal(tmp_path: Path, paths: list[Path], *args: str) -> tuple[int, str, str]:
    """Run `ghafmemgen check` with stderr on a pseudo-terminal and stdout in a file."""
    main, secondary = pty.openpty()
    # A terminal that rich draws on (a "dumb" TERM would rightly get no live display).
    env = {**os.environ, "GHAFMEMGEN_PROGRESS_DELAY": "0", "COLUMNS": "100", "TERM": "xterm"}
    out_path = tmp_path / "stdout.txt"
    with out_path.open("wb") as out:
        proc = subprocess.Popen(
            # rich is imported up front: the bar imports it on its timer thread, and a cold
            # import (no bytecode cache, a loaded machine) can outlast this whole run, which
            # then rightly never shows a bar. What is tested is where the bar is drawn.
            [sys.executable, "-c", PRELOAD_RICH, "check", *args, *map(str, paths)],
            stdout=out,
            stderr=secondary,
            env=env,
        )
        os.close(secondary)
        err = read_all(main)
        code = proc.wait(timeout=120)
    os.close(main)
    return code, out_path.read_text(encoding="utf-8"), err.decode(errors="replace")


def test_check_draws_the_bar_on_stderr_only_for_the_text_format(tmp_path: Path) -> None:
    paths = files(tmp_path, 600)  # long enough (~0.5 s) that the bar has time to appear
    code, out, err = check_on_a_terminal(tmp_path, paths)
    assert code == 1  # the laptop fleet has an error in profile low
    assert "checking fleet-" in err
    assert out.endswith("(1800 profiles checked; S3 resume not simulated: add --simulate).\n")
    assert "checking" not in out
    for fmt in ("json", "github", "sarif"):
        code, out, err = check_on_a_terminal(tmp_path, paths, "--format", fmt)
        assert code == 1
        assert err == "", fmt


def test_spinner_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """`import --flake` waits for nix under a spinner: drawn on a terminal, never in a pipe."""
    monkeypatch.delenv("TERM", raising=False)
    piped = io.StringIO()
    with progress.spinner("nix eval .#x", stream=piped):
        pass
    assert piped.getvalue() == ""
    terminal = Terminal()
    with progress.spinner("nix eval .#x", stream=terminal):
        time.sleep(0.3)
    assert "nix eval .#x" in terminal.getvalue()
