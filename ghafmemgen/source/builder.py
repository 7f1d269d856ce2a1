"""libyaml events -> plain Python data plus a side table of source positions.

The builder consumes the event stream of one document and builds dicts, lists and scalars
from it directly: one pass, no node tree (a 100,000-VM fleet composes to ~300 MB of nodes, the
event stream to almost nothing). It enforces YAML 1.2 scalar rules, duplicate keys, string keys
and the depth and alias limits at the exact token that breaks them, by raising `Refusal` with
that token's mark; `loader.parse` drives libyaml and turns a refusal into a located finding.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ghafmemgen.findings import DataPath
from ghafmemgen.source.document import excerpt, yaml_type
from ghafmemgen.source.positions import MASK, Positions, pack

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


class Refusal(Exception):
    """Input the builder will not take, at libyaml's `mark` (loader.parse reports GMG001)."""

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
            raise Refusal(f"integer {text[:12]}... has {len(text)} digits: out of range", mark)
        if len(text) > 1 and text[0] == "0":
            # YAML 1.1 tools (PyYAML) read 0777 as octal 511, YAML 1.2 as 777: refuse to guess.
            octal = f", or 0o{text.lstrip('0') or '0'} for octal" if _OCTAL_DIGITS(text) else ""
            raise Refusal(
                f"{text} has a leading zero, which YAML 1.1 reads as octal and YAML 1.2 as "
                f"decimal: write {int(text)}{octal} (quote it if it is a name)",
                mark,
            )
        return int(text)
    if _OCT.fullmatch(text) or _HEX.fullmatch(text):
        # int() reads any number of hex or octal digits, but printing the result in decimal
        # (a message, JSON) fails past 4,300 digits: bound them as decimal ones are.
        if len(text) > _MAX_INT_DIGITS:
            raise Refusal(f"integer {text[:12]}... has {len(text) - 2} digits: out of range", mark)
        return int(text[2:], 8 if text[1] == "o" else 16)
    if text in _NOT_FINITE:
        raise Refusal(f"{text} is not a number ghafmemgen accepts (no NaN or infinity)", mark)
    if _FLOAT.fullmatch(text):
        return float(text)
    return text


class Builder:
    """Consumes the event stream of one document."""

    def __init__(
        self, next_event: Callable[[], Any], *, max_depth: int, max_alias_nodes: int
    ) -> None:
        from ruamel.yaml import events

        self._next = next_event
        self._events = events
        self._max_depth = max_depth
        self._max_alias_nodes = max_alias_nodes
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
            raise Refusal(f"unexpected YAML event {kind.__name__}", event.start_mark)
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
            raise Refusal(
                f"YAML tag {_tag_as_written(tag)} is not allowed here: drop the tag",
                event.start_mark,
            )
        return value

    def _check_collection(self, event: Any, depth: int, tag: str) -> None:
        if depth > self._max_depth:
            raise Refusal(
                f"nesting deeper than {self._max_depth} levels: a fleet is at most "
                "a few levels deep (limit: --max-depth)",
                event.start_mark,
            )
        if event.tag not in (None, "!", _TAG + tag):
            raise Refusal(
                f"YAML tag {_tag_as_written(event.tag)} is not allowed here: drop the tag",
                event.start_mark,
            )

    def _mapping(self, event: Any, path: DataPath, depth: int) -> dict[str, Any]:
        if event.ctag is not None or depth > self._max_depth:
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
                raise Refusal(
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
            raise Refusal("a merge key << takes a mapping or a list of mappings", event.start_mark)
        return [(source, path) for source in sources]

    def _key(self, event: Any) -> str:
        text = event.value if type(event) is self._events.ScalarEvent else None
        if text and event.tag is None and text[0] not in _SUSPECT_KEY_START and text not in _WORDS:
            return text  # type: ignore[no-any-return]
        if type(event) is not self._events.ScalarEvent:
            raise Refusal("mapping keys must be plain strings, not collections", event.start_mark)
        key = self._scalar(event)
        if not isinstance(key, str):
            raise Refusal(
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
            raise Refusal(
                f"alias *{excerpt(event.anchor)} names no anchor defined before it",
                event.start_mark,
            )
        value, size = self._anchors[event.anchor]
        self._alias_nodes += size
        self._count += size
        if self._alias_nodes > self._max_alias_nodes:
            raise Refusal(
                f"aliases expand to more than {self._max_alias_nodes} nodes "
                "(a 'billion laughs' document?): write the values out",
                event.start_mark,
            )
        return value
