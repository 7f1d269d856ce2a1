"""Reading and writing only where ghafmemgen must, and never a mixed or lost file (issue 16,
items 1-7 and the `-o` paths of item 12), tested on the real command in a subprocess.

The hostile moments are reached with tests/driven.py: the real command in a subprocess,
stopped by an audit hook at the n-th rename or temporary file.
"""

from __future__ import annotations

import os
import select
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from driven import SET, drive, ghafmemgen
from support import LAPTOP, Tree, tree


@dataclass(frozen=True, slots=True)
class Sets:
    old: Tree  # --out after rendering profile `minimal`
    new: Tree  # ... after rendering the base fleet: every one of the six files differs


@pytest.fixture(scope="module")
def sets(tmp_path_factory: pytest.TempPathFactory) -> Sets:
    top = tmp_path_factory.mktemp("sets")
    assert ghafmemgen("render", LAPTOP, "--out", top / "old", "-p", "minimal").code == 0
    assert ghafmemgen("render", LAPTOP, "--out", top / "new").code == 0
    old, new = tree(top / "old"), tree(top / "new")
    assert sorted(old) == sorted(new) == sorted(SET)
    assert all(old[name] != new[name] for name in SET)
    return Sets(old=old, new=new)


def previous_output(tmp_path: Path, sets: Sets) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    for name, (mode, content) in sets.old.items():
        assert isinstance(content, bytes)
        (out / name).write_bytes(content)
        (out / name).chmod(stat.S_IMODE(mode))
    return out


def whole(out: Path, sets: Sets) -> str:
    """'old' or 'new' when --out holds exactly one set and nothing else, else the mix."""
    now = tree(out)
    for label in ("old", "new"):
        if now == getattr(sets, label):
            return label
    return repr(
        {
            k: "old" if v == sets.old.get(k) else "new" if v == sets.new.get(k) else "?"
            for k, v in now.items()
        }
    )


# -- 4. a signal at every rename of a render ------------------------------------------------

SIGNALS = {"SIGTERM": signal.SIGTERM, "SIGHUP": signal.SIGHUP, "SIGINT": signal.SIGINT}


@pytest.mark.parametrize("name", sorted(SIGNALS))
@pytest.mark.parametrize("nth", range(1, len(SET) + 1))
def test_a_signal_at_any_rename_leaves_one_whole_set_and_no_temporary(
    tmp_path: Path, sets: Sets, name: str, nth: int
) -> None:
    out = previous_output(tmp_path, sets)
    run = drive(
        ["render", LAPTOP, "--out", out],
        on="rename",
        nth=nth,
        when_stopped=lambda pid: os.kill(pid, SIGNALS[name]),
    )
    assert run.reached, run.stderr
    assert run.code == 128 + SIGNALS[name], run.stderr  # as a shell reports the signal
    assert "interrupted" in run.stderr and "Traceback" not in run.stderr
    assert whole(out, sets) == "new"  # the renames had begun: the set is finished, not cut


@pytest.mark.parametrize("name", sorted(SIGNALS))
def test_a_signal_while_the_set_is_staged_leaves_the_old_set(
    tmp_path: Path, sets: Sets, name: str
) -> None:
    out = previous_output(tmp_path, sets)
    run = drive(
        ["render", LAPTOP, "--out", out],
        on="temporary",
        nth=3,
        when_stopped=lambda pid: os.kill(pid, SIGNALS[name]),
    )
    assert run.reached and run.code == 128 + SIGNALS[name], run.stderr
    assert whole(out, sets) == "old"


def test_an_ignored_sighup_stays_ignored(tmp_path: Path, sets: Sets) -> None:
    """Under nohup (SIGHUP ignored) a hang-up does not stop the render."""
    out = previous_output(tmp_path, sets)
    run = drive(
        ["render", LAPTOP, "--out", out],
        on="rename",
        nth=2,
        when_stopped=lambda pid: os.kill(pid, signal.SIGHUP),
        ignore_hup=True,
    )
    assert run.reached and run.code == 0, run.stderr
    assert whole(out, sets) == "new"


@pytest.mark.parametrize("nth", range(1, len(SET) + 1))
def test_sigkill_at_any_rename_is_finished_by_the_next_render(
    tmp_path: Path, sets: Sets, nth: int
) -> None:
    out = previous_output(tmp_path, sets)
    run = drive(
        ["render", LAPTOP, "--out", out],
        on="rename",
        nth=nth,
        when_stopped=lambda pid: os.kill(pid, signal.SIGKILL),
    )
    assert run.reached and run.code == -signal.SIGKILL
    stages = [p.name for p in out.iterdir() if p.name.startswith(".ghafmemgen-stage.")]
    assert len(stages) == 1  # the staged rest of the set, marked complete
    checked = ghafmemgen("render", LAPTOP, "--out", out, "--check")
    assert checked.code == 1 and "interrupted" in checked.stderr
    finished = ghafmemgen("render", LAPTOP, "--out", out)
    assert finished.code == 0, finished.stderr
    assert whole(out, sets) == "new"


def test_sigkill_before_the_set_is_complete_keeps_the_old_set(tmp_path: Path, sets: Sets) -> None:
    out = previous_output(tmp_path, sets)
    run = drive(
        ["render", LAPTOP, "--out", out],
        on="temporary",
        nth=4,
        when_stopped=lambda pid: os.kill(pid, signal.SIGKILL),
    )
    assert run.reached and run.code == -signal.SIGKILL
    stage = [p for p in out.iterdir() if p.name.startswith(".ghafmemgen-stage.")]
    assert len(stage) == 1 and "COMMIT" not in os.listdir(stage[0])
    assert {k: v for k, v in tree(out).items() if k in SET} == sets.old  # nothing renamed
    # The next render drops the incomplete stage and writes its own set.
    assert ghafmemgen("render", LAPTOP, "--out", out).code == 0
    assert whole(out, sets) == "new"


# -- 5. two renders into one folder -----------------------------------------------------------


def _start_waiting(*args: str | Path) -> tuple[subprocess.Popen[str], str]:
    """Start ghafmemgen `args` and return once it says it waits for the folder's lock."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "ghafmemgen", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen = ""
    deadline = time.monotonic() + 60
    while "waiting for another ghafmemgen render" not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 1)
        if ready:
            line = proc.stderr.readline()
            if not line:
                break
            seen += line
    assert "waiting for another ghafmemgen render" in seen, seen
    time.sleep(0.3)
    assert proc.poll() is None, "it did not wait"
    return proc, seen


def test_a_second_render_waits_for_the_first(tmp_path: Path, sets: Sets) -> None:
    out = previous_output(tmp_path, sets)
    second: list[subprocess.Popen[str]] = []

    def start_the_second(_pid: int) -> None:  # the first holds the lock, stopped at a rename
        second.append(_start_waiting("render", LAPTOP, "--out", out, "-p", "minimal")[0])

    first = drive(
        ["render", LAPTOP, "--out", out], on="rename", nth=1, when_stopped=start_the_second
    )
    _, err2 = second[0].communicate(timeout=60)
    assert first.code == 0, first.stderr
    assert second[0].returncode == 0, err2
    assert whole(out, sets) == "old"  # wholly the second render's (profile minimal)


def test_check_waits_for_a_render_in_progress(tmp_path: Path, sets: Sets) -> None:
    out = previous_output(tmp_path, sets)
    checks: list[subprocess.Popen[str]] = []

    def check_now(_pid: int) -> None:  # the render is stopped after its third rename
        checks.append(_start_waiting("render", LAPTOP, "--out", out, "--check")[0])

    run = drive(["render", LAPTOP, "--out", out], on="rename", nth=3, when_stopped=check_now)
    check_out, _ = checks[0].communicate(timeout=60)
    assert run.code == 0, run.stderr
    assert checks[0].returncode == 0 and "up to date" in check_out  # it saw the whole new set
    assert whole(out, sets) == "new"


# -- 1. render --check reads only regular files --------------------------------------------


@pytest.mark.parametrize("target", ["/proc/self/environ", "/dev/zero", "fifo", "dangling"])
def test_check_never_reads_through_a_link_or_a_special_file(
    tmp_path: Path, sets: Sets, target: str
) -> None:
    out = previous_output(tmp_path, sets)
    (out / "vm-config.nix").unlink()
    if target == "fifo":
        os.mkfifo(out / "vm-config.nix")
    else:
        (out / "vm-config.nix").symlink_to(target if target.startswith("/") else "nowhere")
    env = {**os.environ, "MY_CI_TOKEN": "ghp_SECRET123"}
    proc = subprocess.run(
        [sys.executable, "-m", "ghafmemgen", "render", LAPTOP, "--out", out, "--check"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "SECRET" not in proc.stdout + proc.stderr
    assert f"{out / 'vm-config.nix'}: exists and is" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_check_of_a_fifo_as_a_real_file_set_member_is_refused_too(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "memory-plan.json")
    run = ghafmemgen("render", LAPTOP, "--out", out)
    assert run.code == 2 and "not a regular file" in run.stderr


# -- 2. temporaries cannot be redirected ----------------------------------------------------


def test_a_link_planted_at_the_temporary_name_is_not_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    run = drive(
        ["report", LAPTOP, "-o", tmp_path / "report.html"],
        on="temporary",
        nth=1,
        do="plant",
        folder=str(tmp_path),
        victim=str(victim),
    )
    assert run.code == 0, run.stderr
    assert victim.read_text() == "precious\n"
    report = tmp_path / "report.html"
    assert not report.is_symlink() and report.read_text().startswith("<!DOCTYPE html>")


def test_a_render_whose_temporary_name_was_guessed_fails_cleanly(
    tmp_path: Path, sets: Sets
) -> None:
    out = previous_output(tmp_path, sets)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    # The staged files have fixed names in a folder with a random name; plant the link there.
    run = drive(
        ["render", LAPTOP, "--out", out],
        on="temporary",
        nth=2,
        do="stop",
        when_stopped=lambda pid: _plant_in_stage(out, victim),
    )
    assert run.reached
    assert victim.read_text() == "precious\n"
    assert whole(out, sets) in ("old", "new"), run.stderr


def _plant_in_stage(out: Path, victim: Path) -> None:
    (stage,) = [p for p in out.iterdir() if p.name.startswith(".ghafmemgen-stage.")]
    for name in SET:
        if not (stage / name).exists():
            (stage / name).symlink_to(victim)


@pytest.mark.parametrize("kind", ["link", "fifo", "dir"])
def test_o_refuses_a_link_or_special_file_at_the_target(tmp_path: Path, kind: str) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    target = tmp_path / "out.json"
    if kind == "link":
        target.symlink_to(victim)
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        target.mkdir()
    before = tree(tmp_path)
    run = ghafmemgen("check", LAPTOP, "--format", "json", "-o", target)
    assert run.code == 2 and f"{target}: exists and is" in run.stderr, run.stderr
    assert tree(tmp_path) == before


def test_init_never_writes_through_a_dangling_link(tmp_path: Path) -> None:
    (tmp_path / "fleet.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    run = ghafmemgen("init", tmp_path / "fleet.yaml")
    assert run.code == 2, run.stderr
    assert not (tmp_path / "elsewhere.yaml").exists()
    assert not (tmp_path / "fleet.schema.json").exists()  # nothing half done


def test_a_signal_while_o_is_written_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old\n")
    run = drive(
        ["report", LAPTOP, "-o", target],
        on="temporary",
        nth=1,
        when_stopped=lambda pid: os.kill(pid, signal.SIGTERM),
    )
    assert run.reached and run.code == 128 + signal.SIGTERM
    assert sorted(os.listdir(tmp_path)) == ["report.html"]
    assert target.read_text() == "old\n"


# -- 12 (the path part): -o and --out name a file and a folder --------------------------------


@pytest.mark.parametrize("path", ["", ".", "/", "./", "..", "sub/"])
@pytest.mark.parametrize("command", ["check", "plan", "report"])
def test_o_that_names_no_file_is_a_usage_error(tmp_path: Path, command: str, path: str) -> None:
    (tmp_path / "sub").mkdir()
    before = tree(tmp_path)
    run = ghafmemgen(command, LAPTOP, "-o", path, cwd=tmp_path)
    assert run.code == 2, run.stderr
    assert run.stderr.splitlines()[-1].startswith("ghafmemgen: ") or "Usage:" in run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    assert tree(tmp_path) == before


def test_render_out_empty_is_a_usage_error(tmp_path: Path) -> None:
    run = ghafmemgen("render", LAPTOP, "--out", "", cwd=tmp_path)
    assert run.code == 2 and "--out" in run.stderr
    assert os.listdir(tmp_path) == []


def test_o_and_out_both_create_missing_folders(tmp_path: Path) -> None:
    assert ghafmemgen("report", LAPTOP, "-o", tmp_path / "new" / "dir" / "r.html").code == 0
    assert ghafmemgen("render", LAPTOP, "--out", tmp_path / "new" / "sub").code == 0
    assert (tmp_path / "new" / "dir" / "r.html").is_file()
    assert sorted(os.listdir(tmp_path / "new" / "sub")) == sorted(SET)


def test_o_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    target = tmp_path / "findings.json"
    target.write_text("{}\n")
    target.chmod(0o600)
    assert ghafmemgen("check", LAPTOP, "--format", "json", "-o", target).code in (0, 1)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and target.read_text() != "{}\n"
