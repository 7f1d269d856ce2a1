"""Load a fleet file: bytes -> plain Python data plus a side table of source positions.

libyaml (through ruamel.yaml's C parser) emits events; we build dicts, lists and scalars
from them directly. That keeps one pass, no node tree (a 100,000-VM fleet composes to
~300 MB of nodes, the event stream to almost nothing), and lets us enforce YAML 1.2 scalar
rules, duplicate keys, string keys and the resource limits at the exact token that breaks them.
"""

from __future__ import annotations

import gc
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ghafmemgen.errors import FleetError, UsageError
from ghafmemgen.findings import DataPath, Finding
from ghafmemgen.source.document import Document, excerpt, json_path, yaml_type
from ghafmemgen.source.positions import MASK, Positions, pack


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    max_bytes: int = 64 * 1024 * 1024
    max_depth: int = 64
    max_alias_nodes: int = 100_000  # nodes that aliases may add by expansion, in total


# YAML 1.2 core schema for plain scalars: `yes` and `on` stay strings; `0777` is refused
# (1.1 and 1.2 disagree on it).
_INT = re.compile(r"[-+]?[0-9]+")
_OCT = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_OCTAL_DIGITS = re.compile(r"[0-7]+").fullmatch
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_WORDS: dict[str, Any] = {
    **dict.fromkeys(("~", "null", "Null", "NULL", ""), None),
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
}
_NOT_FINITE = frozenset(
    (
        ".inf",
        ".Inf",
        ".INF",
        "+.inf",
        "+.Inf",
        "+.INF",
        "-.inf",
        "-.Inf",
        "-.INF",
        ".nan",
        ".NaN",
        ".NAN",
    )
)
_SUSPECT_KEY_START = frozenset("0123456789+-.~")
_MAX_INT_DIGITS = 30  # far past any bound in the schema, far below Python's int-parsing limit
_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + "str": str, _TAG + "int": int, _TAG + "float": float, _TAG + "bool": bool}


def _tag_as_written(tag: str) -> str:
    """`tag:yaml.org,2002:binary` -> `!!binary`, the way the user wrote it."""
    return excerpt("!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag)


class _Refusal(Exception):
    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.mark = mark


def _resolve_plain(text: str, mark: Any) -> Any:
    if text in _WORDS:
        return _WORDS[text]
    if not text or text[0] not in "0123456789+-.":
        return text
    if text.isdigit() and text.isascii() and (text[0] != "0" or len(text) == 1) and len(text) < 19:
        return int(text)  # the common case, a plain decimal integer
    if _INT.fullmatch(text):
        if len(text) > _MAX_INT_DIGITS:
            raise _Refusal(f"integer {text[:12]}... has {len(text)} digits: out of range", mark)
        if len(text) > 1 and text[0] == "0":
            # YAML 1.1 tools (PyYAML) read 0777 as octal 511, YAML 1.2 as 777: refuse to guess.
            octal = f", or 0o{text.lstrip('0') or '0'} for octal" if _OCTAL_DIGITS(text) else ""
            raise _Refusal(
                f"{text} has a leading zero, which YAML 1.1 reads as octal and YAML 1.2 as "
                f"decimal: write {int(text)}{octal} (quote it if it is a name)",
                mark,
            )
        return int(text)
    if _OCT.fullmatch(text) or _HEX.fullmatch(text):
        # int() reads any number of hex or octal digits, but printing the result in decimal
        # (a message, JSON) fails past 4,300 digits: bound them as decimal ones are.
        if len(text) > _MAX_INT_DIGITS:
            raise _Refusal(f"integer {text[:12]}... has {len(text) - 2} digits: out of range", mark)
        return int(text[2:], 8 if text[1] == "o" else 16)
    if text in _NOT_FINITE:
        raise _Refusal(f"{text} is not a number ghafmemgen accepts (no NaN or infinity)", mark)
    if _FLOAT.fullmatch(text):
        return float(text)
    return text


def _mark(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


class _Builder:
    """Consumes the event stream of one document."""

    def __init__(self, parser: Any, limits: Limits, *, restore: dict[int, str] | None) -> None:
        from ruamel.yaml import events

        self._next = parser.get_event if restore is None else _restoring(parser, restore)
        self._events = events
        self._limits = limits
        self._anchors: dict[str, tuple[Any, int]] = {}
        self._alias_nodes = 0
        self._count = 0
        self._strings: dict[str, str] = {}
        self.positions = Positions()

    def value(self, event: Any, path: DataPath, depth: int) -> Any:
        ev = self._events
        kind = type(event)
        first = self._count  # the anchor's size is what this node adds, not the running total
        self._count += 1
        if kind is ev.ScalarEvent:
            result = self._scalar(event)
        elif kind is ev.MappingStartEvent:
            result = self._mapping(event, path, depth + 1)
        elif kind is ev.SequenceStartEvent:
            result = self._sequence(event, path, depth + 1)
        elif kind is ev.AliasEvent:
            return self._alias(event)
        else:  # pragma: no cover - libyaml only yields the kinds above here
            raise _Refusal(f"unexpected YAML event {kind.__name__}", event.start_mark)
        if event.anchor is not None:
            self._anchors[event.anchor] = (result, self._count - first)
        return result

    def _scalar(self, event: Any) -> Any:
        tag = event.tag
        if event.style in (None, "") and tag is None:
            return _resolve_plain(event.value, event.start_mark)
        if tag is None or tag in ("!", _TAG + "str"):
            return event.value
        wanted = _SCALAR_TAGS.get(tag)
        value = _resolve_plain(event.value, event.start_mark)
        if wanted is float and type(value) is int:
            value = float(value)  # `!!float 1` is 1.0 in YAML 1.2
        if wanted is None or type(value) is not wanted:
            raise _Refusal(
                f"YAML tag {_tag_as_written(tag)} is not allowed here: drop the tag",
                event.start_mark,
            )
        return value

    def _check_collection(self, event: Any, depth: int, tag: str) -> None:
        if depth > self._limits.max_depth:
            raise _Refusal(
                f"nesting deeper than {self._limits.max_depth} levels: a fleet is at most "
                "a few levels deep (limit: --max-depth)",
                event.start_mark,
            )
        if event.tag not in (None, "!", _TAG + tag):
            raise _Refusal(
                f"YAML tag {_tag_as_written(event.tag)} is not allowed here: drop the tag",
                event.start_mark,
            )

    def _mapping(self, event: Any, path: DataPath, depth: int) -> dict[str, Any]:
        if event.ctag is not None or depth > self._limits.max_depth:
            self._check_collection(event, depth, "map")
        scalar, mapping_end = self._events.ScalarEvent, self._events.MappingEndEvent
        next_event, intern = self._next, self._strings.setdefault
        result: dict[str, Any] = {}
        marks: dict[str | int, int] = {}
        self.positions.table[path] = marks
        merged: list[tuple[dict[str, Any], DataPath]] = []
        plain = 0  # plain scalars read on the fast path, added to the node count at the end
        while True:
            key_event = next_event()
            if type(key_event) is mapping_end:
                break
            # Keys and values repeat in every VM: one string object each, from a cache that
            # lives as long as the parse (ctag, not the tag property, which builds a string).
            text = key_event.value if type(key_event) is scalar else None
            if (
                text
                and key_event.ctag is None
                and text[0] not in _SUSPECT_KEY_START
                and text not in _WORDS
            ):
                key = intern(text, text)
            else:
                key = self._key(key_event)
                key = intern(key, key)
            value_event = next_event()
            km, vm = key_event.start_mark, value_event.start_mark
            if key in marks:
                first = (marks[key] >> 72) + 1
                raise _Refusal(
                    f"duplicate key {excerpt(key)!r} (first defined on line {first}): "
                    "keep one of them",
                    km,
                )
            kl, kc, vl, vc = km.line, km.column, vm.line, vm.column
            marks[key] = (
                (kl << 72) | (kc << 48) | (vl << 24) | vc
                if (kc | vl | vc) <= MASK
                else pack(kl, kc, vl, vc)
            )
            if key == "<<" and key_event.style in (None, ""):
                # YAML merge key: explicit keys win, earlier merged mappings win over later.
                merged += self._merge_sources(value_event, (*path, key), depth)
                continue
            # Fast path for the common case, a plain untagged scalar value.
            if (
                type(value_event) is scalar
                and value_event.ctag is None
                and value_event.anchor is None
                and value_event.style in (None, "")
            ):
                plain += 1
                value = _resolve_plain(value_event.value, vm)
                result[key] = intern(value, value) if type(value) is str else value
            else:
                result[key] = self.value(value_event, (*path, key), depth)
        self._count += plain
        for source, key_path in merged:
            key_part = marks[key_path[-1]] >> 48  # merged keys point at their `<<`
            at_key = (key_part << 48) | key_part
            for key, value in source.items():
                if key not in result:
                    result[key] = value
                    marks[key] = at_key
        self.positions.seal(path, marks)
        return result

    def _merge_sources(
        self, event: Any, path: DataPath, depth: int
    ) -> list[tuple[dict[str, Any], DataPath]]:
        value = self.value(event, path, depth)
        sources = value if isinstance(value, list) else [value]
        if not all(isinstance(source, dict) for source in sources):
            raise _Refusal("a merge key << takes a mapping or a list of mappings", event.start_mark)
        return [(source, path) for source in sources]

    def _key(self, event: Any) -> str:
        text = event.value if type(event) is self._events.ScalarEvent else None
        if text and event.tag is None and text[0] not in _SUSPECT_KEY_START and text not in _WORDS:
            return text  # type: ignore[no-any-return]
        if type(event) is not self._events.ScalarEvent:
            raise _Refusal("mapping keys must be plain strings, not collections", event.start_mark)
        key = self._scalar(event)
        if not isinstance(key, str):
            raise _Refusal(
                f"mapping key {excerpt(event.value)!r} is read as {yaml_type(key)}: keys must be "
                "strings (quote it)",
                event.start_mark,
            )
        return key

    def _sequence(self, event: Any, path: DataPath, depth: int) -> list[Any]:
        self._check_collection(event, depth, "seq")
        end = self._events.SequenceEndEvent
        result: list[Any] = []
        marks: dict[str | int, int] = {}
        self.positions.table[path] = marks
        while True:
            item = self._next()
            if type(item) is end:
                return result
            index = len(result)
            mark = item.start_mark
            marks[index] = pack(mark.line, mark.column, mark.line, mark.column)
            result.append(self.value(item, (*path, index), depth))

    def _alias(self, event: Any) -> Any:
        if event.anchor not in self._anchors:
            raise _Refusal(
                f"alias *{excerpt(event.anchor)} names no anchor defined before it",
                event.start_mark,
            )
        value, size = self._anchors[event.anchor]
        self._alias_nodes += size
        self._count += size
        if self._alias_nodes > self._limits.max_alias_nodes:
            raise _Refusal(
                f"aliases expand to more than {self._limits.max_alias_nodes} nodes "
                "(a 'billion laughs' document?): write the values out",
                event.start_mark,
            )
        return value


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
    builder = _Builder(parser, limits, restore=restore)
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
                raise _Refusal(
                    "a second YAML document: a fleet file holds exactly one", extra.start_mark
                )
    except _Refusal as refusal:
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
