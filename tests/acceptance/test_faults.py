"""Fault injection: `render` keeps the previous output byte-identical whenever it fails.

The tests run as root, where chmod does not stop a write, so the faults are injected by
wrapping the os functions ghafmemgen.emit.files calls, only for calls that touch the
output directory: the first or the n-th temporary file cannot be created (EACCES, EROFS,
ENOSPC), the disk fills up halfway through writing a file, fsync or chmod fail, a rename
fails before, in the middle of or at the end of the set, or the user presses Ctrl-C there.
After each, the whole directory tree (names, bytes, modes, no stray temporary file) is what
it was before, and a second render without the fault works.

Also here: a file ghafmemgen did not write is never replaced without --force, symlinks and
directories in --out are never written through, and names are not paths (nor code).
"""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ghafmemgen.emit import files as writer
from ghafmemgen.emit import nix as render
from ghafmemgen.emit.fileset import write_set
from ghafmemgen.memory.model import build
from ghafmemgen.memory.plan import plan_fleet

from inprocess import Result, assert_clean_exit, run_cli
from support import LAPTOP, tree


@pytest.fixture
def previous(tmp_path: Path) -> Path:
    """--out holding the output of profile `minimal`; every file differs from the base's."""
    out = tmp_path / "sandbox" / "out"
    assert_clean_exit(run_cli("render", LAPTOP, "--out", out, "--profile", "minimal"), allowed=(0,))
    return out


def render_base(out: Path, *extra: str) -> Result:
    return run_cli("render", LAPTOP, "--out", out, *extra)


def _in(out: Path, path: object) -> bool:
    return str(path).startswith(str(out))


def _fd_in(out: Path, fd: int) -> bool:
    return _in(out, os.readlink(f"/proc/self/fd/{fd}"))


class HalfWriter:
    """A file handle that writes half of what it is given, then finds the disk full."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def __enter__(self) -> HalfWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def write(self, data: bytes) -> int:
        self._handle.write(data[: len(data) // 2])
        self._handle.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


def _dir_fd_in(out: Path, kwargs: dict[str, Any], key: str) -> bool:
    fd = kwargs.get(key)
    return isinstance(fd, int) and _fd_in(out, fd)


def inject(
    monkeypatch: pytest.MonkeyPatch, out: Path, what: str, nth: int, fault: BaseException
) -> list[int]:
    """Make the `nth` call of `what` that touches `out` fail with `fault` (once; the calls
    before and after work). Returns the call counter, to prove the fault was reached."""
    calls = [0]

    def hit(touches_out: bool) -> bool:
        if touches_out:
            calls[0] += 1
        return touches_out and calls[0] == nth

    if what == "create":  # a new temporary file (O_CREAT|O_EXCL) in --out or its stage
        real_open = os.open

        def os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            creating = flags & os.O_CREAT and str(path) != "COMMIT"
            if creating and hit(_dir_fd_in(out, kwargs, "dir_fd")):
                raise fault
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", os_open)
    elif what == "write":
        real_builtin_open = open

        def fd_open(file: Any, *args: Any, **kwargs: Any) -> Any:
            handle = real_builtin_open(file, *args, **kwargs)
            if isinstance(file, int) and "w" in (args[0] if args else kwargs.get("mode", "r")):
                return HalfWriter(handle) if hit(_fd_in(out, file)) else handle
            return handle

        monkeypatch.setattr(writer, "open", fd_open, raising=False)
    elif what in ("fsync", "fchmod"):
        real_fd_call: Callable[..., Any] = getattr(os, what)

        def fd_call(fd: int, *args: Any) -> None:
            if hit(_fd_in(out, fd) and stat.S_ISREG(os.fstat(fd).st_mode)):
                raise fault
            real_fd_call(fd, *args)

        monkeypatch.setattr(os, what, fd_call)
    elif what == "replace":
        real_replace = os.replace

        def replace(src: Any, dst: Any, **kwargs: Any) -> None:
            if hit(_dir_fd_in(out, kwargs, "dst_dir_fd") and dst in render.OUTPUT_FILES):
                raise fault
            real_replace(src, dst, **kwargs)

        monkeypatch.setattr(os, "replace", replace)
    else:  # pragma: no cover - a typo in the table below
        raise AssertionError(what)
    return calls


def oserror(code: int) -> OSError:
    return OSError(code, os.strerror(code))


FAULTS = {
    "read-only directory (EACCES creating the first file)": ("create", 1, oserror(errno.EACCES)),
    "read-only file system (EROFS)": ("create", 1, oserror(errno.EROFS)),
    "no inodes left at the fourth file (ENOSPC)": ("create", 4, oserror(errno.ENOSPC)),
    "disk full halfway through the third file": ("write", 3, oserror(errno.ENOSPC)),
    "fsync fails on the second file (EIO)": ("fsync", 2, oserror(errno.EIO)),
    "chmod fails (EPERM)": ("fchmod", 1, oserror(errno.EPERM)),
    "first rename refused (EACCES)": ("replace", 1, oserror(errno.EACCES)),
    "fourth rename refused after three succeeded (EACCES)": ("replace", 4, oserror(errno.EACCES)),
    "last rename fails (EXDEV)": ("replace", 6, oserror(errno.EXDEV)),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_failed_render_leaves_the_previous_output_byte_identical(
    previous: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    before = tree(previous.parent)
    what, nth, error = FAULTS[fault]
    with monkeypatch.context() as patch:
        calls = inject(patch, previous, what, nth, error)
        result = render_base(previous)
    assert calls[0] >= nth, f"the fault was never reached ({calls[0]} calls)"
    assert_clean_exit(result, allowed=(2,))
    assert os.strerror(error.errno or 0) in result.stderr  # says what went wrong
    assert str(previous) in result.stderr  # ... and where
    assert tree(previous.parent) == before
    # Without the fault, the same command works and leaves exactly the new output.
    assert_clean_exit(render_base(previous), allowed=(0,))
    fresh = previous.parent / "fresh"
    assert_clean_exit(render_base(fresh), allowed=(0,))
    assert tree(previous) == tree(fresh)


def test_ctrl_c_in_the_middle_of_the_renames_rolls_back(
    previous: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tree(previous.parent)
    with monkeypatch.context() as patch:
        calls = inject(patch, previous, "replace", 3, KeyboardInterrupt())
        result = render_base(previous)
    assert calls[0] >= 3
    assert result.code == 130  # 128 + SIGINT, as shells expect
    assert "Traceback" not in result.output
    assert tree(previous.parent) == before


def test_a_rename_that_keeps_failing_is_reported_not_hidden(
    previous: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the directory turns unwritable between two renames, the previous files cannot all
    be put back either; the message says which ones were not restored."""
    real_replace = os.replace
    count = [0]

    def replace(src: Any, dst: Any, **kwargs: Any) -> None:
        if _dir_fd_in(previous, kwargs, "dst_dir_fd") and dst in render.OUTPUT_FILES:
            count[0] += 1
            if count[0] >= 3:
                raise oserror(errno.EACCES)
        real_replace(src, dst, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", replace)
        result = render_base(previous)
    assert_clean_exit(result, allowed=(2,))
    assert "could not restore the previous" in result.stderr
    assert not [p for p in previous.iterdir() if p.name.startswith(".")]  # no temporaries left


# -- files ghafmemgen did not write ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "foreign"),
    [
        ("vm-swap.nix", b"{ ... }: { }  # written by hand\n"),
        ("memory-plan.json", b'{"vms": []}\n'),
        ("host-swap.json", b"not json at all\n"),
    ],
)
def test_a_file_without_the_generated_header_is_not_replaced(
    previous: Path, name: str, foreign: bytes
) -> None:
    (previous / name).write_bytes(foreign)
    (previous / "README").write_text("not ours\n", encoding="utf-8")
    before = tree(previous.parent)
    result = render_base(previous)
    assert_clean_exit(result, allowed=(2,))
    assert "--force" in result.stderr and str(previous / name) in result.stderr
    assert tree(previous.parent) == before  # not even the other, generated files changed
    assert_clean_exit(render_base(previous, "--force"), allowed=(0,))
    assert (previous / name).read_bytes() != foreign
    assert (previous / "README").read_text(encoding="utf-8") == "not ours\n"


def test_a_symlink_in_out_is_never_written_through(previous: Path) -> None:
    outside = previous.parent / "outside.nix"
    outside.write_text("# precious\n", encoding="utf-8")
    (previous / "vm-config.nix").unlink()
    (previous / "vm-config.nix").symlink_to(outside)
    before = tree(previous.parent)
    for extra in ((), ("--force",)):
        result = render_base(previous, *extra)
        assert_clean_exit(result, allowed=(2,))
        assert "not a regular file" in result.stderr
        assert tree(previous.parent) == before


def test_a_directory_in_place_of_an_output_file_is_refused(previous: Path) -> None:
    (previous / "host-swap.nix").unlink()
    (previous / "host-swap.nix").mkdir()
    before = tree(previous.parent)
    result = render_base(previous, "--force")
    assert_clean_exit(result, allowed=(2,))
    assert tree(previous.parent) == before


def test_out_that_is_a_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("a file\n", encoding="utf-8")
    result = render_base(out)
    assert_clean_exit(result, allowed=(2,))
    assert out.read_text(encoding="utf-8") == "a file\n"


# -- names are not paths, and not code -------------------------------------------------------


def test_render_writes_only_its_fixed_file_names_inside_out(tmp_path: Path) -> None:
    sandbox = tmp_path / "sandbox"
    out = sandbox / "deep" / "out"
    assert_clean_exit(render_base(out), allowed=(0,))
    assert set(tree(sandbox)) == {
        "deep",
        "deep/out",
        *(f"deep/out/{n}" for n in render.OUTPUT_FILES),
    }


@pytest.mark.parametrize("name", ["../escape.nix", "/tmp/escape.nix", "a/b.nix", "..", ".", ""])
def test_the_writer_refuses_names_that_are_paths(tmp_path: Path, name: str) -> None:
    out = tmp_path / "sandbox" / "out"
    with pytest.raises(ValueError, match="plain base names"):
        write_set(out, {name: "# Generated by ghafmemgen x\n"})
    assert not (tmp_path / "sandbox").exists()
    assert not (tmp_path / "escape.nix").exists()


HOSTILE_NAMES = [
    '../../etc/passwd"; x = import /etc/shadow; y = "-vm',
    '${builtins.abort "pwned"}-vm',
    "a\nb = 1;\n-vm",
    "or-vm",
    "in-vm",
    "'' ${x} ''-vm",
    '\\"-vm',
]


def test_hostile_names_that_got_past_the_schema_stay_data(
    tmp_path: Path, nix_instantiate: str
) -> None:
    """The schema refuses these names; if it did not, the renderer would still write them
    as quoted attribute names in the same fixed files (guarantee 1: escaped anyway)."""
    data = {
        "version": 1,
        "host": {"ram": 65536},
        "vms": {name: {"kind": "app", "mem": 512} for name in HOSTILE_NAMES},
    }
    fleet = build(data, source='evil"${x}\n.yaml', profile='p"${y}')
    files = render.render_set(fleet, plan_fleet(fleet))
    assert set(files) == set(render.OUTPUT_FILES)
    out = tmp_path / "out"
    write_set(out, files)
    assert sorted(p.name for p in out.iterdir()) == sorted(render.OUTPUT_FILES)
    nix_files = sorted(str(p) for p in out.glob("*.nix"))
    parsed = subprocess.run(
        [nix_instantiate, "--parse", *nix_files], capture_output=True, text=True, check=False
    )
    assert parsed.returncode == 0, parsed.stderr
    expr = (
        f"builtins.attrNames (import {out / 'vm-config.nix'} {{ lib = {{ }}; }})"
        ".ghaf.virtualization.vmConfig.appvms"
    )
    got = subprocess.run(
        [nix_instantiate, "--eval", "--strict", "--json", "-E", expr],
        capture_output=True,
        text=True,
        check=False,
    )
    assert got.returncode == 0, got.stderr
    expected = sorted((n.removesuffix("-vm") for n in HOSTILE_NAMES), key=str.encode)
    assert json.loads(got.stdout) == expected
    for name in nix_files:  # the hostile file and profile names stayed inside the comment
        first, second = Path(name).read_text(encoding="utf-8").splitlines()[:2]
        assert first.startswith("# Generated by ghafmemgen") and second.startswith("# ")


@pytest.fixture(autouse=True)
def _no_leftovers_in_tmp() -> Any:
    """The writer's temporaries live in --out only: nothing leaks into the system temp dir."""
    before = set(os.listdir(tempfile.gettempdir()))
    yield
    leaked = {n for n in set(os.listdir(tempfile.gettempdir())) - before if "ghafmemgen-tmp" in n}
    assert not leaked


def test_tree_sees_hidden_files(tmp_path: Path) -> None:
    """The before/after comparison would notice a stray temporary file."""
    (tmp_path / "a").write_text("x", encoding="utf-8")
    before = tree(tmp_path)
    (tmp_path / ".a.ghafmemgen-tmp").write_text("x", encoding="utf-8")
    assert tree(tmp_path) != before
