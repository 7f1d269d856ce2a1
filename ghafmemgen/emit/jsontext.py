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
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from itertools import islice
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
    return "".join(iterencode(obj, indent=indent))


def iterencode(obj: Any, *, indent: int = 2) -> Iterator[str]:
    """dumps(obj) in pieces, made as they are read: a LazyArray's text is never whole."""
    return _encode(obj, indent=indent, newline="\n")


def _encode(obj: Any, *, indent: int, newline: str) -> Iterator[str]:
    """`obj` as it reads when it starts at the level whose line break is `newline`."""
    if _is_record(obj):  # a non-empty mapping of scalars: one C call
        inner = newline + " " * indent
        yield "{" + inner + _flat_encoder("," + inner)(obj)[1:-1] + newline + "}"
    elif isinstance(obj, dict) and obj and all(isinstance(key, str) for key in obj):
        inner = newline + " " * indent
        separator = "{" + inner
        for key, value in obj.items():
            yield f"{separator}{json.dumps(key)}: "
            yield from _encode(value, indent=indent, newline=inner)
            separator = "," + inner
        yield newline + "}"
    elif isinstance(obj, list | tuple) and obj and not any(isinstance(v, _NESTED) for v in obj):
        inner = newline + " " * indent
        yield "[" + inner + _flat_encoder("," + inner)(obj)[1:-1] + newline + "]"
    elif isinstance(obj, list | tuple | LazyArray) and obj:
        yield from _array(obj, indent=indent, newline=newline)
    elif isinstance(obj, LazyArray):
        yield "[]"
    else:
        # Scalars, empty containers and (rare) non-string keys: the standard encoder, moved
        # to this level. Its structural line breaks are the only "\n" in its output.
        yield json.dumps(obj, indent=indent).replace("\n", newline)


_BATCH = 256  # records encoded by one C call


def _array(items: Iterable[Any], *, indent: int, newline: str) -> Iterator[str]:
    """A non-empty array with nested values. Runs of records (each VM's) are encoded a batch
    at a time: one C call with the records' own separators, then the few separators between
    records re-indented."""
    inner = newline + " " * indent
    deeper = inner + " " * indent
    between = "}," + deeper + "{"  # only ever between two records: strings hold no raw \n
    spaced = inner + "}," + inner + "{" + deeper
    separator = "[" + inner
    batch: list[Any] = []
    iterator = iter(items)
    while True:
        batch[:] = islice(iterator, _BATCH)
        if not batch:
            break
        if all(_is_record(item) for item in batch):
            text = _flat_encoder("," + deeper)(batch)[2:-2].replace(between, spaced)
            yield separator + "{" + deeper + text + inner + "}"
            separator = "," + inner
            continue
        for item in batch:
            yield separator
            yield from _encode(item, indent=indent, newline=inner)
            separator = "," + inner
    yield newline + "]"


def _is_record(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and bool(obj)
        and all(type(key) is str for key in obj)
        and not any(isinstance(value, _NESTED) for value in obj.values())
    )
