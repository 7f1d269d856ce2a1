"""Load a fleet file: bytes -> plain Python data plus a side table of source positions.

This is the front: it reads the file within the size limit, decodes UTF-8, runs libyaml
(through ruamel.yaml's C parser) and turns every complaint into a located GMG001 finding.
builder.py makes the data and positions from libyaml's events.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ghafmemgen.errors import FleetError, UsageError
from ghafmemgen.findings import DataPath, Finding
from ghafmemgen.source.builder import Builder, Refusal
from ghafmemgen.source.document import Document, json_path


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    max_bytes: int = 64 * 1024 * 1024
    max_depth: int = 64
    max_alias_nodes: int = 100_000  # nodes that aliases may add by expansion, in total


def _mark(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def _error(file: str, message: str, line: int, column: int, path: DataPath = ()) -> FleetError:
    return FleetError(
        [
            Finding(
                rule="GMG001",
                severity="error",
                message=message,
                file=file,
                line=line,
                column=column,
                path=json_path(path),
            )
        ]
    )


def read_source(path: Path, *, limits: Limits) -> str:
    """Read and decode a fleet file; usage/IO problems raise UsageError (exit 2)."""
    name = str(path)
    try:
        if path.is_dir():
            raise UsageError(f"{name}: is a directory, not a fleet file")
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise _error(
                name,
                f"file is {size} bytes, over the {limits.max_bytes}-byte limit (raise --max-size)",
                1,
                1,
            )
        with path.open("rb") as handle:
            raw = _read_at_most(handle, limits.max_bytes, expected=size)
    except FileNotFoundError:
        raise UsageError(f"{name}: no such file") from None
    except OSError as exc:
        raise UsageError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if raw is None:
        raise _error(
            name, f"file is over the {limits.max_bytes}-byte limit (raise --max-size)", 1, 1
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _error(
            name, f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded", line, column
        ) from None


_CHUNK = 1 << 20


def _read_at_most(handle: Any, limit: int, *, expected: int) -> bytes | None:
    """The whole file if it holds at most `limit` bytes, else None. Read as it comes, so
    memory follows the file, not --max-size (any --max-size works, and a device that never
    ends stops one chunk past the limit). A regular file takes one read of its size plus
    one that finds the end."""
    chunks: list[bytes] = []
    left = limit + 1
    want = expected + 1 if expected else _CHUNK
    while left > 0:
        chunk = handle.read(min(left, want))
        if not chunk:
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        chunks.append(chunk)
        left -= len(chunk)
        want = _CHUNK
    return None


@contextmanager
def paused_gc() -> Iterator[None]:
    """For code that builds large acyclic structures (the document, the normalized tree, the
    model and plan): the cyclic GC would rescan them again and again (superlinear past
    ~10,000 VMs), so pause it, then freeze what was built so later collections skip it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


DEFAULT_LIMITS = Limits()


def parse(text: str, *, file: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """YAML text -> Document. Raises FleetError (GMG001) with the exact location."""
    from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError
    from ruamel.yaml.resolver import BaseResolver

    class Parser(CParser, BaseResolver):  # type: ignore[misc]  # untyped C extension
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            BaseResolver.__init__(self)

    text, restore = _hide_non_breaks(text)
    parser = Parser(text)
    builder = Builder(
        parser.get_event if restore is None else _restoring(parser, restore),
        max_depth=limits.max_depth,
        max_alias_nodes=limits.max_alias_nodes,
    )
    try:
        with paused_gc(), _recursion_room(limits.max_depth):
            parser.get_event()  # StreamStart
            start = parser.get_event()
            if type(start).__name__ == "StreamEndEvent":  # empty, or only comments
                raise _error(
                    file,
                    "the file holds no YAML document: a fleet needs version, host and vms",
                    1,
                    1,
                )
            root_event = parser.get_event()
            builder.positions.add((), _mark(root_event.start_mark), _mark(root_event.start_mark))
            data = builder.value(root_event, (), 0)
            parser.get_event()  # DocumentEnd
            extra = parser.get_event()
            if type(extra).__name__ != "StreamEndEvent":
                raise Refusal(
                    "a second YAML document: a fleet file holds exactly one", extra.start_mark
                )
    except Refusal as refusal:
        raise _error(file, str(refusal), *_mark(refusal.mark)) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        if exc.context_mark is not None and (
            "end of stream" in problem or problem == "could not find expected ':'"
        ):
            # An unclosed quote is only noticed at the end of the file, and a key without its
            # colon on the next line: point at where the quote or the key starts.
            mark = exc.context_mark
            context = f" ({exc.context} that starts here)" if exc.context else ""
        hint = " (YAML forbids tabs for indentation)" if "\t" in _line_at(text, mark) else ""
        raise _error(file, f"YAML syntax: {problem}{context}{hint}", *_mark(mark)) from None
    except ReaderError as exc:  # a character YAML forbids (NUL, ESC, U+FFFE...)
        line, column = _byte_position(text, exc.position)
        char = exc.character if isinstance(exc.character, int) else 0
        raise _error(
            file, f"character U+{char:04X} is not allowed in YAML: remove it", line, column
        ) from None
    except YAMLError as exc:  # any other libyaml complaint still gets a located finding
        raise _error(file, f"YAML error: {str(exc).splitlines()[0][:200]}", 1, 1) from None
    return Document(file=file, data=data, positions=builder.positions)


# YAML 1.2 breaks lines at LF and CR only. libyaml follows YAML 1.1, which also breaks at NEL,
# LS and PS: a comment would end there and a quoted value fold them to a space. The parser
# gets a text with a stand-in for each (one character for one, so positions hold) and the
# values get the characters back.
_NOT_BREAKS = ("\x85", "\u2028", "\u2029")


def _hide_non_breaks(text: str) -> tuple[str, dict[int, str] | None]:
    present = [char for char in _NOT_BREAKS if char in text]
    if not present:
        return text, None
    unused = (chr(code) for code in range(0xF0000, 0xFFFFE) if chr(code) not in text)
    restore = {}
    for char in present:
        stand_in = next(unused)
        text = text.replace(char, stand_in)
        restore[ord(stand_in)] = char
    return text, restore


def _restoring(parser: Any, restore: dict[int, str]) -> Any:
    """parser.get_event, with the hidden characters put back into values and anchors."""
    get_event = parser.get_event

    def next_event() -> Any:
        event = get_event()
        if getattr(event, "value", None):
            event.value = event.value.translate(restore)
        if getattr(event, "anchor", None):
            event.anchor = event.anchor.translate(restore)
        return event

    return next_event


def _byte_position(text: str, offset: int) -> tuple[int, int]:
    """libyaml's reader counts UTF-8 bytes: byte offset -> 1-based (line, column)."""
    before = text.encode("utf-8")[:offset].decode("utf-8", errors="ignore")
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


@contextmanager
def _recursion_room(max_depth: int) -> Iterator[None]:
    # The builder recurses about three Python frames per nesting level; --max-depth (up to
    # 500) must end in the located depth refusal, not in a RecursionError.
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 3 * max_depth + 500))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def _line_at(text: str, mark: Any) -> str:
    if mark is None:
        return ""
    start = 0
    for _ in range(mark.line):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    end = text.find("\n", start)
    return text[start : end if end >= 0 else len(text)][:400]


def load(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> Document:
    return parse(read_source(path, limits=limits), file=display_name(path), limits=limits)


def display_name(path: Path) -> str:
    """The path as findings print it. Bytes of a file name that are not UTF-8 show as U+FFFD:
    Python's surrogate escapes for them cannot be encoded on a strict UTF-8 stdout or file."""
    return os.fsencode(path).decode("utf-8", errors="replace")
