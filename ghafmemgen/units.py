"""Memory sizes and shares: `6GiB` -> 6144 (MiB), `"80%"` -> 0.8.

Ghaf writes "MB" and means MiB; we accept only binary units (and qemu/disko's M/G) so that
nobody has to guess. A size must come out as a whole number of MiB.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from ghafmemgen.findings import DataPath

MAX_MIB = 64 * 1024 * 1024  # 64 TiB; keeps every product the plan forms inside a Nix integer
_SIZE = re.compile(r"([0-9]+(?:\.[0-9]+)?)(KiB|MiB|GiB|TiB|K|M|G|T)")
_PER_MIB = {"K": Fraction(1, 1024), "M": Fraction(1), "G": Fraction(1024), "T": Fraction(1024**2)}
SIZE_KEYS = frozenset({"ram", "reserved", "size", "mem", "spike"})
SHARE_KEYS = frozenset({"workingSet", "idle"})


class UnitError(ValueError):
    pass


def parse_size(value: int | str) -> int:
    """An integer (MiB) or a string with a binary unit -> whole MiB."""
    if isinstance(value, bool):
        raise UnitError("a size cannot be true or false")
    if type(value) is int and 0 <= value <= MAX_MIB:
        return value  # the common case, already whole MiB: no Fraction (a 100,000-VM fleet)
    if isinstance(value, int):
        mib = Fraction(value)
    else:
        match = _SIZE.fullmatch(value)
        if match is None:
            raise UnitError(f"{value!r} is not a size: write 512MiB, 6GiB or an integer (MiB)")
        number, unit = match.groups()
        if "." not in number and unit[0] != "K":  # whole M/G/T: exact in ints, no Fraction
            whole = int(number) * _PER_MIB[unit[0]].numerator
            if whole <= MAX_MIB:
                return whole
        mib = Fraction(number) * _PER_MIB[unit[0]]
    if mib.denominator != 1:
        raise UnitError(f"{value} is {float(mib):g} MiB: a size must be a whole number of MiB")
    if not 0 <= mib <= MAX_MIB:
        raise UnitError(f"{value} is out of range: sizes go from 0 to {MAX_MIB} MiB (64TiB)")
    return int(mib)


def parse_share(value: float | int | str) -> float:
    """`"80%"` or a number 0..1 -> a float 0..1."""
    share = float(value[:-1]) / 100 if isinstance(value, str) else float(value)
    if not 0 <= share <= 1:
        raise UnitError(f"{value} is not a share between 0 and 1 (0% to 100%)")
    return share


def round_up_to_gib(mib: int) -> int:
    """Whole GiB, in MiB: swap is sized and proposed in whole GiB."""
    return -(-mib // 1024) * 1024


def format_mib(mib: int) -> str:
    """6144 -> "6GiB", 1536 -> "1536MiB": what a user would write back into the fleet."""
    return f"{mib // 1024}GiB" if mib and mib % 1024 == 0 else f"{mib}MiB"


def normalize(data: Any, *, path: DataPath = ()) -> tuple[Any, list[tuple[DataPath, str]]]:
    """Convert every size to MiB and every share to a float, collecting (path, problem)."""
    problems: list[tuple[DataPath, str]] = []

    def walk(node: Any, where: DataPath) -> Any:
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            try:
                if key in SIZE_KEYS and value != "auto" and not isinstance(value, dict):
                    out[key] = parse_size(value)
                elif key in SHARE_KEYS and not isinstance(value, dict):  # profile `idle:`
                    out[key] = parse_share(value)
                else:
                    out[key] = walk(value, (*where, key)) if isinstance(value, dict) else value
            except UnitError as exc:
                problems.append(((*where, key), str(exc)))
                out[key] = value
        return out

    return walk(data, path), problems
