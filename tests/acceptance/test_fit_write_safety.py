"""`fit --write` edits the real file, keeps what it does not patch, and loses no edit (issue
16, items 3, 6 and 7): links, owner and mode; a concurrent edit; and, as a property, that
only the patched lines' bytes change on files with anchors, tags, mixed line endings and
comments."""

from __future__ import annotations

import os
import re
import stat
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driven import drive, ghafmemgen
from inprocess import run_cli

NEEDS_SWAP = """\
version: 1
host:
  ram: 8GiB
  swap:
    size: 1GiB  # too small
vms:
  chrome-vm: {kind: app, mem: 12GiB, balloonRatio: 0}
  net-vm: {kind: system, mem: 1GiB}
"""
PATCHED = NEEDS_SWAP.replace("size: 1GiB", "size: 6GiB")


def fit_write(fleet: Path) -> tuple[int, str]:
    run = ghafmemgen("fit", fleet, "--adjust", "swap", "--write")
    return run.code, run.stderr


def test_write_edits_the_file_behind_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real" / "fleet.yaml"
    real.parent.mkdir()
    real.write_text(NEEDS_SWAP)
    link = tmp_path / "fleet.yaml"
    link.symlink_to(real)
    code, err = fit_write(link)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == PATCHED
    assert sorted(os.listdir(real.parent)) == ["fleet.yaml"]  # no temporary left


def test_write_keeps_hard_links_owner_and_mode(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(NEEDS_SWAP)
    twin = tmp_path / "twin.yaml"
    os.link(fleet, twin)
    fleet.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(fleet, 4242, 4343)
    inode = fleet.stat().st_ino
    code, err = fit_write(fleet)
    assert code == 0, err
    info = fleet.stat()
    assert (info.st_ino, info.st_nlink) == (inode, 2)
    assert twin.read_text() == fleet.read_text() == PATCHED
    assert stat.S_IMODE(info.st_mode) == 0o640
    if os.geteuid() == 0:
        assert (info.st_uid, info.st_gid) == (4242, 4343)
    assert sorted(os.listdir(tmp_path)) == ["fleet.yaml", "twin.yaml"]


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_write_keeps_another_users_file_by_rename_as_root(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(NEEDS_SWAP)
    fleet.chmod(0o604)
    os.chown(fleet, 4242, 4343)
    assert fit_write(fleet)[0] == 0
    info = fleet.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (4242, 4343, 0o604)
    assert fleet.read_text() == PATCHED


def test_write_refuses_when_the_file_changed_meanwhile(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(NEEDS_SWAP)

    def edit(_pid: int) -> None:  # fit has read the fleet and is writing its patch
        with fleet.open("a") as handle:
            handle.write("# added by a colleague\n")

    run = drive(
        ["fit", fleet, "--adjust", "swap", "--write"], on="temporary", nth=1, when_stopped=edit
    )
    assert run.reached
    assert run.code in (1, 2) and "changed while" in run.stderr, run.stderr
    assert "wrote the patch" not in run.stderr
    assert fleet.read_text() == NEEDS_SWAP + "# added by a colleague\n"
    assert sorted(os.listdir(tmp_path)) == ["fleet.yaml"]


def test_write_refuses_a_fleet_that_is_not_a_regular_file(tmp_path: Path) -> None:
    """A fleet may be read from a FIFO (`<(...)`); a patch cannot be written into one."""
    fifo = tmp_path / "fleet.yaml"
    os.mkfifo(fifo)
    feeder = threading.Thread(target=fifo.write_text, args=(NEEDS_SWAP,), daemon=True)
    feeder.start()
    run = ghafmemgen("fit", fifo, "--adjust", "swap", "--write")
    feeder.join(timeout=60)
    assert run.code == 2 and "not a regular file" in run.stderr, run.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_signal_during_write_leaves_the_fleet_as_it_was(tmp_path: Path) -> None:
    import signal

    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(NEEDS_SWAP)
    run = drive(
        ["fit", fleet, "--adjust", "swap", "--write"],
        on="temporary",
        nth=1,
        when_stopped=lambda pid: os.kill(pid, signal.SIGTERM),
    )
    assert run.reached and run.code == 128 + signal.SIGTERM, run.stderr
    assert fleet.read_text() == NEEDS_SWAP
    assert sorted(os.listdir(tmp_path)) == ["fleet.yaml"]


# -- the property: only the patched lines' bytes change ---------------------------------------

EOLS = st.sampled_from(["\n", "\r\n", "\r"])
# A size as a file may write it: anchors and tags before it, quoted or plain, MiB or GiB.
SIZE_VALUES = st.one_of(
    st.tuples(
        st.sampled_from(["", "&s ", "!!str ", "&s !!str ", "!!str &s "]),
        st.sampled_from(["1GiB", '"1GiB"', "'1GiB'", "1024MiB"]),
    ),
    st.tuples(st.sampled_from(["", "&n ", "!!int "]), st.just("1024")),
)
COMMENT_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]),
    max_size=12,
)
COMMENTS = st.one_of(st.just(""), COMMENT_TEXT.map(lambda t: f"  # {t}"))
LINE_BREAKS = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # what YAML (ruamel) counts as one


def lines_of(text: str) -> list[str]:
    """Lines with their breaks, split exactly where the YAML reader counts a new line."""
    out, start = [], 0
    for match in LINE_BREAKS.finditer(text):
        out.append(text[start : match.end()])
        start = match.end()
    return out + ([text[start:]] if start < len(text) else [])


@st.composite
def fleets(draw: st.DrawFn) -> tuple[str, int | None, str, str]:
    """(text, the size line's index or None when fit must insert swap into profile `low`,
    the size line up to its value, the size line after its value)."""
    props, value = draw(SIZE_VALUES)
    size_comment = draw(COMMENTS)
    body = [
        ("version: 1", draw(COMMENTS)),
        ("host:", draw(COMMENTS)),
        ("  ram: 8GiB", draw(COMMENTS)),
        ("  swap:", draw(COMMENTS)),
        (f"    size: {props}{value}", size_comment),
        ("vms:", draw(COMMENTS)),
        ("  chrome-vm: {kind: app, mem: 12GiB, balloonRatio: 0}", draw(COMMENTS)),
        ("  net-vm: {kind: system, mem: 1GiB}", draw(COMMENTS)),
        ("profiles:", draw(COMMENTS)),
        ("  low:", draw(COMMENTS)),
        ("    host:", draw(COMMENTS)),
        ("      ram: 6GiB", draw(COMMENTS)),
    ]
    # Comment lines anywhere (at the indentation of the line they precede).
    lines: list[str] = []
    size_index = 0
    for text, comment in body:
        if draw(st.booleans()):
            indent = len(text) - len(text.lstrip())
            lines.append(" " * indent + "#" + draw(COMMENT_TEXT))
        if text.startswith("    size:"):
            size_index = len(lines)
        lines.append(text + comment)
    eols = [draw(EOLS) for _ in lines]
    if draw(st.booleans()):
        eols[-1] = ""  # no break after the last line
    text = "".join(line + eol for line, eol in zip(lines, eols, strict=True))
    prefix = f"    size: {props}"
    suffix = size_comment + eols[size_index]
    return text, None if draw(st.booleans()) else size_index, prefix, suffix


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(fleet=fleets())
def test_write_changes_only_the_patched_lines_bytes(
    fleet: tuple[str, int | None, str, str], tmp_path: Path
) -> None:
    text, size_index, prefix, suffix = fleet
    path = tmp_path / "fleet.yaml"
    path.write_bytes(text.encode())
    profile = ["-p", "low"] if size_index is None else []
    code, _, err = run_cli("fit", path, *profile, "--adjust", "swap", "--write")
    assert code == 0 and "wrote the patch" in err, err
    after = path.read_bytes().decode()
    old, new = lines_of(text), lines_of(after)
    if size_index is not None:  # edited in place: one line, only between prefix and suffix
        assert len(new) == len(old)
        changed = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
        assert changed == [size_index]
        line = new[size_index]
        assert line.startswith(prefix) and line.endswith(suffix), (old[size_index], line)
        assert re.fullmatch(r"[0-9]+(GiB|MiB)?", line[len(prefix) : len(line) - len(suffix)])
    else:  # inserted after low's ram line, with that line's break; nothing else touched
        ram = next(i for i, line in enumerate(old) if line.startswith("      ram: 6GiB"))
        assert new[:ram] == old[:ram] and new[ram + 3 :] == old[ram + 1 :]
        ram_line = old[ram]
        eol = ram_line[len(ram_line.rstrip("\r\n")) :]
        if eol:
            assert new[ram] == ram_line
        else:  # the last line: it gets the break the file uses most
            eol = new[ram][len(ram_line) :]
            assert new[ram].startswith(ram_line) and eol in ("\n", "\r\n", "\r")
        assert re.fullmatch(rf"      swap:{eol}", new[ram + 1])
        assert re.fullmatch(rf"        size: [0-9]+(GiB|MiB)?{eol}", new[ram + 2])
