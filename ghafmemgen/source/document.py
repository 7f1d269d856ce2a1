"""Where things are in a fleet file: the Document and its side table of source positions.

Positions are kept beside the data, keyed by path, instead of wrapping every value: findings
are rare, values are many (how they are packed is positions.py's business). `Document.locate`
turns a semantic path (`("vms", "chrome-vm", "mem")`) into the line and column a finding
points at.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ghafmemgen.findings import DataPath
from ghafmemgen.source.positions import Positions


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


SHOWN_CHARS = 60  # at most this many characters of a user's value are quoted in a message


def excerpt(text: str) -> str:
    """`text`, or its first characters and "..." when longer than SHOWN_CHARS: a message
    never grows with the value it names (one 1 MB scalar may stand behind 6,000 aliases)."""
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


def shown(value: Any) -> str:
    """A value as a message quotes it: JSON text cut to SHOWN_CHARS, a collection by its kind."""
    if isinstance(value, dict | list):
        return yaml_type(value)
    # Cut before quoting: JSON-quoting a 1 MB string to keep 60 characters is 1 MB of work.
    head = value[: SHOWN_CHARS + 1] if isinstance(value, str) else value
    return excerpt(json.dumps(head, ensure_ascii=False))


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
