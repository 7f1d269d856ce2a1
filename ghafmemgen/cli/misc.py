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
SCHEMA_NAME = "fleet.schema.json"


@app.command()
def schema() -> None:
    """Print the fleet JSON Schema (draft 2020-12)."""
    print(schema_text(), end="")


@app.command()
def init(
    path: Annotated[
        Path, typer.Argument(help="Where to write the starter fleet YAML.", metavar="FLEET")
    ],
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace FLEET, and a fleet.schema.json that differs."),
    ] = False,
) -> None:
    """Write a starter fleet that passes check --strict, and fleet.schema.json beside it.

    A fleet.schema.json identical to this version's is kept, so several fleets can share one
    folder; an existing FLEET, or a schema that differs, is replaced only with --force.
    """
    from ghafmemgen.emit.files import write_file

    schema_path = path.parent / SCHEMA_NAME
    if path.name == SCHEMA_NAME:
        raise UsageError(f"{path}: that is the schema's name; name the fleet otherwise")
    starter = (data_dir("fixtures") / "starter.yaml").read_text(encoding="utf-8")
    starter = starter.replace(STARTER_MODELINE, f"# yaml-language-server: $schema={SCHEMA_NAME}")
    files = ((schema_path, schema_text()), (path, starter))
    same = {target for target, text in files if _holds(target, text)}
    if not force:
        # a dangling link counts as existing too: never written through
        if path not in same and os.path.lexists(path):
            raise UsageError(f"{path}: already exists; not overwriting it (--force replaces it)")
        if schema_path not in same and os.path.lexists(schema_path):
            raise UsageError(
                f"{schema_path}: already exists and differs from this version's schema; not "
                "overwriting it (--force replaces it)"
            )
    for target, text in files:
        if target not in same:
            write_file(target, text, exclusive=not force)  # created whole, or not at all
    schema_note = (
        f"kept {schema_path} (identical)" if schema_path in same else f"wrote {schema_path}"
    )
    print(f"wrote {path}, {schema_note}; check it with: ghafmemgen check --strict {path}")


def _holds(target: Path, text: str) -> bool:
    """`target` is a regular file, not a link, that holds exactly `text`."""
    try:
        return target.is_file() and not target.is_symlink() and target.read_bytes() == text.encode()
    except OSError:
        return False
