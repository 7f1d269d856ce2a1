"""Locate the schema and templates, installed (inside the wheel) or in a source checkout."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """`schemas`, `templates` or `fixtures`: packaged copy first, then the checkout's folder.

    A plain path next to this file, not importlib.resources: the package is always installed
    unpacked, and importlib.resources (with zipfile and tempfile) costs every `check` ~4 ms.
    """
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"ghafmemgen data folder {name!r} is missing from the installation")


def schema_text() -> str:
    return (data_dir("schemas") / "fleet.schema.json").read_text(encoding="utf-8")


@cache
def fleet_schema() -> dict[str, Any]:
    """The parsed fleet schema, read once per process (the fast and the full validator share it)."""
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


@cache
def target_schema() -> dict[str, Any]:
    """The parsed schema of the extractor's JSON (`import` and `verify` read it)."""
    loaded: dict[str, Any] = json.loads(
        (data_dir("schemas") / "target.schema.json").read_text(encoding="utf-8")
    )
    return loaded


def extractor_path() -> Path:
    """ghafmemgen/nix/extract.nix, the Nix extractor of `import`/`verify` (`ghafmemgen
    extractor` prints it; the flake's lib.extract is the same file)."""
    return _PACKAGE / "nix" / "extract.nix"
