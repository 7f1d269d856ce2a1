"""Where things are in a fleet file: the Document and its side table of source positions.

Positions are kept beside the data, keyed by path, instead of wrapping every value: findings
are rare, values are many. `Document.locate` turns a semantic path (`("vms", "chrome-vm",
"mem")`) into the line and column a finding points at.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ghafmemgen.findings import DataPath

MASK = 0xFFFFFF


def pack(key_line: int, key_column: int, value_line: int, value_column: int) -> int:
    """0-based marks -> one int (columns and lines past 2**24 saturate; positions are advice)."""
    return (
        (key_line << 72)
        | (min(key_column, MASK) << 48)
        | (min(value_line, MASK) << 24)
        | min(value_column, MASK)
    )


_SLOT = 96  # bits of one key's packed position
_SLOT_MASK = (1 << _SLOT) - 1
_LAYOUT_BITS = 20  # a sealed mapping's low bits name its key layout
_SMALL = 16  # mappings with at most this many keys are sealed into one int


@dataclass(slots=True, kw_only=True)
class Positions:
    """1-based (line, column) of every mapping key and every value, keyed by path.

    Stored per container, under the container's path. A small mapping (a VM, a host) is
    sealed into one int: its keys' packed positions, 96 bits each in key order, above the
    index of its key layout, which every mapping with the same keys in the same order shares.
    Large mappings (`vms`) and sequences keep a dict of key -> packed position. A 100,000-VM
    fleet's table takes ~26 MB this way, against ~75 MB for one entry per path.
    """

    table: dict[DataPath, dict[str | int, int] | int] = field(default_factory=dict)
    layouts: list[dict[str | int, int]] = field(default_factory=list)  # key -> slot
    layout_ids: dict[tuple[str | int, ...], int] = field(default_factory=dict)
    root: int | None = None  # where the document's top node starts

    def add(self, path: DataPath, key: tuple[int, int], value: tuple[int, int]) -> None:
        packed = pack(key[0] - 1, key[1] - 1, value[0] - 1, value[1] - 1)
        if path:
            self._unsealed(path[:-1])[path[-1]] = packed
        else:
            self.root = packed

    def seal(self, path: DataPath, marks: dict[str | int, int]) -> None:
        """Store a finished mapping's positions compactly when it is small."""
        if len(marks) > _SMALL:
            return
        layout = tuple(marks)
        index = self.layout_ids.get(layout)
        if index is None:
            index = len(self.layouts)
            if index >= 1 << _LAYOUT_BITS:
                return  # more distinct layouts than the low bits can name: keep the dict
            self.layout_ids[layout] = index
            self.layouts.append({key: slot for slot, key in enumerate(layout)})
        sealed = 0
        for packed in reversed(marks.values()):
            sealed = (sealed << _SLOT) | packed
        self.table[path] = (sealed << _LAYOUT_BITS) | index

    def _unsealed(self, container: DataPath) -> dict[str | int, int]:
        entry = self.table.setdefault(container, {})
        if isinstance(entry, int):
            entry = {key: self._slot(entry, slot) for key, slot in self._layout(entry).items()}
            self.table[container] = entry
        return entry

    def _layout(self, sealed: int) -> dict[str | int, int]:
        return self.layouts[sealed & ((1 << _LAYOUT_BITS) - 1)]

    @staticmethod
    def _slot(sealed: int, slot: int) -> int:
        return (sealed >> (_LAYOUT_BITS + _SLOT * slot)) & _SLOT_MASK

    def _packed(self, path: DataPath) -> int | None:
        if not path:
            return self.root
        entry = self.table.get(path[:-1])
        if entry is None or isinstance(entry, dict):
            return None if entry is None else entry.get(path[-1])
        slot = self._layout(entry).get(path[-1])
        return None if slot is None else self._slot(entry, slot)

    def key(self, path: DataPath) -> tuple[int, int] | None:
        packed = self._packed(path)
        return None if packed is None else ((packed >> 72) + 1, ((packed >> 48) & MASK) + 1)

    def value(self, path: DataPath) -> tuple[int, int] | None:
        packed = self._packed(path)
        return None if packed is None else (((packed >> 24) & MASK) + 1, (packed & MASK) + 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    file: str  # as the user named it; findings print it back
    data: Any
    positions: Positions

    def locate(
        self, path: DataPath, *, profile: str | None = None, at_key: bool = False
    ) -> tuple[int, int]:
        """Semantic path -> (line, column): the key (or value) itself, looked up under the
        profile first, else the nearest enclosing key the file does contain (a value that
        comes from a built-in default is reported there)."""
        positions = self.positions
        for cut in range(len(path), -1, -1):
            prefix = path[:cut]
            exact_value = cut == len(path) and not at_key
            for candidate in ([("profiles", profile, *prefix)] if profile else []) + [prefix]:
                if not candidate:
                    continue
                found = positions.value(candidate) if exact_value else positions.key(candidate)
                if found is not None:
                    return found
        return positions.value(()) or (1, 1)


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+").fullmatch


def json_path(path: DataPath) -> str:
    """`$.vms.chrome-vm.mem`; a key with other characters is quoted (`$.vms["a\\nb"]`) so that
    a hostile name cannot break a finding's line or imitate another path."""
    return "$" + "".join(
        f"[{p}]" if isinstance(p, int) else f".{p}" if _PLAIN_KEY(p) else f"[{json.dumps(p)}]"
        for p in path
    )


def yaml_type(value: Any) -> str:
    """What a loaded value is, in a YAML user's words (for messages)."""
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return names.get(type(value), type(value).__name__)
