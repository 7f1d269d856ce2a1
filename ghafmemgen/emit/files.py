"""The one way ghafmemgen reads a file it may replace, and writes a file.

Every output goes through here or through fileset.py, which is built on it: the rendered
set, `-o` of every command, `fit --write` and `init`. Each rule answers a way writes go wrong:

- What is about to be read or replaced must be a regular file reached without a symbolic
  link. It is inspected before it is opened, so `render --check` never prints
  /proc/self/environ into a CI log, reads /dev/zero forever or hangs on a FIFO.
- New bytes go into a temporary file in the target's folder, created with
  O_CREAT|O_EXCL|O_NOFOLLOW under a name nobody can guess, fsynced, then renamed over the
  target; the folder is fsynced after. A planted link cannot redirect the write.
- A signal ends a write through signals.py's one path: an exception that runs every
  cleanup, held back while a commit or a cleanup runs.

The folder is reached through its path (it may be a link to a folder); names inside it are
used relative to its open descriptor, so swapping the folder midway changes nothing.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ghafmemgen.emit.signals import critical, interruptible
from ghafmemgen.errors import GhafmemgenError, UsageError

TMP_SUFFIX = ".ghafmemgen-tmp"
_CHUNK = 1 << 20  # characters encoded at a time: never a second, encoded copy of a whole text
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


# -- folders and what is in them ---------------------------------------------------------------


class ChangedMeanwhile(GhafmemgenError):
    """The file changed between ghafmemgen reading it and replacing it: nothing written."""


def error(path: Path, exc: OSError, doing: str) -> UsageError:
    return UsageError(f"{path}: cannot {doing}: {exc.strerror or exc}")


@dataclass(frozen=True, slots=True)
class Folder:
    """An open folder: names are resolved against `fd`, `path` is what messages show."""

    fd: int
    path: Path

    def shown(self, name: str) -> Path:
        return self.path / name


def _not_a_directory(path: Path) -> UsageError:
    return UsageError(f"{path}: exists and is not a directory; it must be a directory")


@contextlib.contextmanager
def open_folder(path: Path, *, create: bool) -> Iterator[Folder]:
    """The folder at `path` (missing folders created when `create`, as `mkdir -p` does)."""
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise _not_a_directory(path) from None
        except OSError as exc:
            raise error(path, exc, "create the folder") from None
    try:
        fd = os.open(path, _DIRECTORY)
    except NotADirectoryError:
        raise _not_a_directory(path) from None
    except OSError as exc:
        raise error(path, exc, "open the folder") from None
    try:
        yield Folder(fd, path)
    finally:
        os.close(fd)


def fsync_folder(folder: Folder) -> None:
    # Makes renames durable; not every platform or file system allows it.
    with contextlib.suppress(OSError):
        os.fsync(folder.fd)


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link, not a regular file (ghafmemgen never reads or writes through one)"
    if stat.S_ISDIR(mode):
        return "a folder, not a regular file"
    return "not a regular file (a device, FIFO or socket)"


def inspect(folder: Folder, name: str) -> os.stat_result | None:
    """What `name` is (None if absent); refuses anything but a regular file."""
    try:
        info = os.stat(name, dir_fd=folder.fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise error(folder.shown(name), exc, "inspect it") from None
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(
            f"{folder.shown(name)}: exists and is {_kind(info.st_mode)}; "
            "choose another path or remove it"
        )
    return info


def read_regular(folder: Folder, name: str) -> bytes | None:
    """The bytes of the regular file `name`, None if absent. Never opens a link or a special
    file: it is refused from its lstat, then the opened file is checked to be that one."""
    info = inspect(folder, name)
    if info is None:
        return None
    try:
        fd = os.open(name, _READ, dir_fd=folder.fd)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise error(folder.shown(name), exc, "read it") from None
    with open(fd, "rb") as handle:
        opened = os.fstat(fd)
        if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
            raise UsageError(f"{folder.shown(name)}: was replaced while being read; try again")
        try:
            return handle.read()
        except OSError as exc:
            raise error(folder.shown(name), exc, "read it") from None


def file_name(path: Path) -> str:
    """The last part of a path meant to name a file ('', '.', '..' and '/' name none)."""
    if path.name in ("", ".", ".."):
        raise UsageError(f"{str(path)!r} names a folder, not a file; give a file path")
    return path.name


# -- temporaries -------------------------------------------------------------------------------


def _umask() -> int:
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", "rb") as status:
        for line in status:
            if line.startswith(b"Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)  # no /proc: read it the only other way there is
    os.umask(mask)
    return mask


def new_file_mode() -> int:
    """The mode a file created by `open()` would get."""
    return 0o666 & ~_umask()


@dataclass(slots=True)
class Temporaries:
    """Temporary files of one write, all in `folder`; whatever was not committed is removed
    when the block ends, even when a signal ends it."""

    folder: Folder
    names: list[str] = field(default_factory=list)

    def __enter__(self) -> Temporaries:
        return self

    def __exit__(self, *_exc: object) -> None:
        with critical():
            for name in self.names:
                with contextlib.suppress(OSError):
                    os.unlink(name, dir_fd=self.folder.fd)
            self.names.clear()

    def _create(self, stem: str, *, exact: bool) -> tuple[str, int]:
        for _ in range(16):
            name = stem if exact else f".{stem[:80]}.{os.urandom(8).hex()}{TMP_SUFFIX}"
            with critical():  # the name is on the list the moment the file exists
                try:
                    fd = os.open(name, _CREATE, 0o600, dir_fd=self.folder.fd)
                except FileExistsError:
                    if exact:
                        raise
                    continue
                self.names.append(name)
                return name, fd
        raise UsageError(f"{self.folder.path}: cannot create a temporary file (name clash)")

    def write(
        self,
        stem: str,
        data: str | bytes | Iterable[str],
        *,
        mode: int,
        owner: os.stat_result | None = None,
        exact: bool = False,
    ) -> tuple[str, bool]:
        """A fsynced temporary holding `data` (a text may come in pieces) with `mode` (and
        `owner`'s uid/gid when it may be given): (its name, whether the owner was kept). Its
        name is `stem` itself when `exact` (in a private staging folder), else `stem` with a
        random part."""
        shown = self.folder.shown(stem)
        try:
            name, fd = self._create(stem, exact=exact)
        except OSError as exc:
            raise error(shown, exc, "create a temporary file beside it") from None
        kept = True
        try:
            with open(fd, "wb") as handle:
                if isinstance(data, bytes):
                    handle.write(data)
                else:
                    for piece in _slices(data) if isinstance(data, str) else data:
                        handle.write(piece.encode("utf-8"))
                handle.flush()
                if owner is not None and (owner.st_uid, owner.st_gid) != _ids(fd):
                    try:
                        os.fchown(fd, owner.st_uid, owner.st_gid)
                    except PermissionError:
                        kept = False
                os.fchmod(fd, mode)
                os.fsync(fd)
        except OSError as exc:
            raise error(shown, exc, "write it") from None
        return name, kept

    def commit(self, name: str, target: str, *, into: Folder | None = None) -> None:
        """Rename the temporary `name` over `target` (in `into`, default the same folder)."""
        os.replace(name, target, src_dir_fd=self.folder.fd, dst_dir_fd=(into or self.folder).fd)
        self.names.remove(name)


def _slices(text: str) -> Iterator[str]:
    return (text[start : start + _CHUNK] for start in range(0, len(text), _CHUNK))


def _ids(fd: int) -> tuple[int, int]:
    info = os.fstat(fd)
    return info.st_uid, info.st_gid


# -- one file ----------------------------------------------------------------------------------


def write_file(path: Path, data: str | bytes, *, exclusive: bool = False) -> None:
    """Replace `path` with `data` in one rename (or, `exclusive`, create it only if nothing
    is there). Missing folders are created; a replaced file keeps its mode, and its owner
    where the user may give it. Raises UsageError."""
    name = file_name(path)
    with open_folder(path.parent, create=True) as folder, interruptible():
        old = inspect(folder, name)
        if old is not None and exclusive:
            raise UsageError(f"{path}: already exists; not overwriting it")
        mode = new_file_mode() if old is None else stat.S_IMODE(old.st_mode)
        with Temporaries(folder) as temps:
            tmp, _ = temps.write(name, data, mode=mode, owner=old)
            with critical():
                try:
                    if exclusive:
                        _link_new(folder, tmp, name)
                    else:
                        temps.commit(tmp, name)
                except OSError as exc:
                    raise error(path, exc, "replace it" if old else "create it") from None
                fsync_folder(folder)


def _link_new(folder: Folder, tmp: str, name: str) -> None:
    # link() fails if anything, even a dangling link, is at `name`: no check-then-write race.
    try:
        os.link(tmp, name, src_dir_fd=folder.fd, dst_dir_fd=folder.fd, follow_symlinks=False)
    except FileExistsError:
        raise UsageError(f"{folder.shown(name)}: already exists; not overwriting it") from None
    except OSError:  # a file system without hard links: the lstat before stands
        os.replace(tmp, name, src_dir_fd=folder.fd, dst_dir_fd=folder.fd)


def update_file(
    path: Path, data: str, *, expect: bytes, check: Callable[[Path], None] | None = None
) -> None:
    """Give the file `path` names (behind any symbolic link) the contents `data`, if it still
    holds `expect`; else ChangedMeanwhile. `check(temporary)` may refuse the new contents
    first. The file keeps its mode, owner and hard links: when a rename would lose the
    owner or a link, the bytes are written into the file itself, with signals held back."""
    real = Path(os.path.realpath(path))
    name = file_name(real)
    with open_folder(real.parent, create=False) as folder, interruptible():
        old = inspect(folder, name)
        if old is None:
            raise UsageError(f"{path}: no longer exists; nothing written")
        with Temporaries(folder) as temps:
            tmp, owner_kept = temps.write(name, data, mode=stat.S_IMODE(old.st_mode), owner=old)
            if check is not None:
                check(folder.shown(tmp))
            with critical():
                if read_regular(folder, name) != expect:
                    raise ChangedMeanwhile(
                        f"{path} changed while ghafmemgen worked on it; nothing written, "
                        "run the command again"
                    )
                try:
                    if old.st_nlink > 1 or not owner_kept:
                        _overwrite(folder, name, data.encode("utf-8"), old=old, expect=expect)
                    else:
                        temps.commit(tmp, name)
                except OSError as exc:
                    raise error(path, exc, "write it") from None
                fsync_folder(folder)


def _overwrite(
    folder: Folder, name: str, data: bytes, *, old: os.stat_result, expect: bytes
) -> None:
    """Write `data` into the file itself (same inode); on failure put `expect` back."""
    fd = os.open(name, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder.fd)
    with open(fd, "wb") as handle:
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino) != (old.st_dev, old.st_ino):
            raise ChangedMeanwhile(f"{folder.shown(name)} was replaced meanwhile; nothing written")
        try:
            handle.write(data)
            handle.truncate()
            handle.flush()
            os.fsync(fd)
        except OSError:
            handle.seek(0)
            handle.write(expect)
            handle.truncate()
            handle.flush()
            raise
