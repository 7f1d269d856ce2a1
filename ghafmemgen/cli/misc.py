"""`ghafmemgen schema` and `ghafmemgen init`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from ghafmemgen.cli.root import app
from ghafmemgen.errors import UsageError
from ghafmemgen.resources import data_dir, schema_text

STARTER_MODELINE = "# yaml-language-server: $schema=../schemas/fleet.schema.json"


@app.command()
def schema() -> None:
    """Print the fleet JSON Schema (draft 2020-12)."""
    print(schema_text(), end="")


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the starter fleet YAML.")],
) -> None:
    """Write a commented starter fleet (the Ghaf laptop) and fleet.schema.json beside it."""
    schema_path = path.parent / "fleet.schema.json"
    from ghafmemgen.emit.files import write_file

    for target in (path, schema_path):
        if os.path.lexists(target):  # a dangling link too: never written through
            raise UsageError(f"{target}: already exists; not overwriting it")
    starter = (data_dir("fixtures") / "ghaf-laptop.yaml").read_text(encoding="utf-8")
    starter = starter.replace(STARTER_MODELINE, "# yaml-language-server: $schema=fleet.schema.json")
    for target, text in ((schema_path, schema_text()), (path, starter)):
        write_file(target, text, exclusive=True)  # created whole, or not at all
    print(f"wrote {path} and {schema_path}; check it with: ghafmemgen check {path}")
