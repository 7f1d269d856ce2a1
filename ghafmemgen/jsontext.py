"""`json.dumps(obj, indent=2)`, byte for byte, at the speed and memory of the C encoder.

With `indent`, the standard library falls back to its pure-Python encoder, which builds one
string per token before joining them: for a 100,000-VM memory-plan.json that is ~8 million
small strings (~250 MB at peak) and most of a second. Here every container whose values are
all scalars (each VM's record) is encoded by the C encoder in one call, with separators that
carry the newline and the indentation of its level; only the few containers above them are
walked in Python.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any, TypeVar, overload

_T = TypeVar("_T")


class LazyArray(Sequence[Any]):
    """A JSON array whose items are made one at a time while `dumps` writes them, then
    dropped: `LazyArray(plan.vms, vm_json)` never holds every record at once."""

    __slots__ = ("_items", "_make")

    def __init__(self, items: Sequence[_T], make: Callable[[_T], Any]) -> None:
        self._items: Sequence[Any] = items
        self._make: Callable[[Any], Any] = make

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self._make(item) for item in self._items[index]]
        return self._make(self._items[index])

    def __len__(self) -> int:
        return len(self._items)


_NESTED = (dict, list, tuple, LazyArray)  # values that make their container not flat


@cache
def _flat_encoder(item_separator: str) -> Callable[[Any], str]:
    return json.JSONEncoder(separators=(item_separator, ": ")).encode


def dumps(obj: Any, *, indent: int = 2) -> str:
    """Exactly `json.dumps(obj, indent=indent)` for JSON data (string keys, finite or not);
    a LazyArray reads as the list of its items."""
    parts: list[str] = []
    _encode(obj, indent=indent, newline="\n", parts=parts)
    return "".join(parts)


def _encode(obj: Any, *, indent: int, newline: str, parts: list[str]) -> None:
    """Append `obj` as it reads when it starts at the level whose line break is `newline`."""
    if isinstance(obj, dict) and obj and all(isinstance(key, str) for key in obj):
        opening, closing, flat = "{", "}", _all_scalars(obj.values())
        items: Iterable[tuple[str, Any]] = ((f"{json.dumps(k)}: ", v) for k, v in obj.items())
    elif isinstance(obj, list | tuple) and obj:
        opening, closing, flat = "[", "]", _all_scalars(obj)
        items = (("", value) for value in obj)
    elif isinstance(obj, LazyArray):
        if not obj:
            parts.append("[]")
            return
        opening, closing, flat = "[", "]", False  # its items are made while written
        items = (("", value) for value in obj)
    else:
        # Scalars, empty containers and (rare) non-string keys: the standard encoder, moved
        # to this level. Its structural line breaks are the only "\n" in its output.
        parts.append(json.dumps(obj, indent=indent).replace("\n", newline))
        return
    inner = newline + " " * indent
    if flat:
        text = _flat_encoder("," + inner)(obj)
        parts.append(opening + inner + text[1:-1] + newline + closing)
        return
    parts.append(opening)
    separator = inner
    for prefix, value in items:
        parts.append(separator + prefix)
        _encode(value, indent=indent, newline=inner, parts=parts)
        separator = "," + inner
    parts.append(newline + closing)


def _all_scalars(values: Iterable[Any]) -> bool:
    return not any(isinstance(value, _NESTED) for value in values)
