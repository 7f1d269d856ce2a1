"""Locate the schema and templates, installed (inside the wheel) or in a source checkout."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


@cache
def data_dir(name: str) -> Traversable:
    """`schemas` or `templates`: packaged copy first, then the checkout's top-level folder."""
    packaged = files("ghafmemgen") / name  # schemas, templates or fixtures
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"ghafmemgen data folder {name!r} is missing from the installation")


def schema_text() -> str:
    return (data_dir("schemas") / "fleet.schema.json").read_text(encoding="utf-8")
