"""Start-up stays lean: what each command imports (not how long it takes - that is the
benchmark suite's job), and the lazy command registration stays complete."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from support import LAPTOP, ROOT

HEAVY = ("typer", "jinja2", "jsonschema", "rich", "pydantic", "hashlib")

_PROBE = """
import json, sys
sys.argv = ["ghafmemgen", *sys.argv[1:]]
from ghafmemgen.cli import main
try:
    main()
except SystemExit:
    pass
sys.stderr.write("\\n" + json.dumps(sorted(sys.modules)) + "\\n")
"""


def imported(*args: str | Path, cwd: Path = ROOT) -> set[str]:
    """Top-level packages a real `ghafmemgen ARGS` run has imported when it ends."""
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )
    modules = json.loads(proc.stderr.strip().splitlines()[-1])
    return {name.split(".")[0] for name in modules} & set(HEAVY)


def test_version_imports_nothing_heavy() -> None:
    assert imported("--version") == set()


def test_checking_a_valid_fleet_needs_only_typer() -> None:
    assert imported("check", LAPTOP) == {"typer"}


def test_checking_an_invalid_fleet_explains_it_with_jsonschema(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nhost: {ram: 1}\nvms: {net-vm: {kind: system, mem: 1.5}}\n")
    assert imported("check", bad) == {"typer", "jsonschema"}


def test_sarif_is_the_only_check_format_that_hashes() -> None:
    assert "hashlib" in imported("check", "--format", "sarif", LAPTOP)
    assert "hashlib" not in imported("check", "--format", "json", LAPTOP)


def test_render_loads_jinja2_but_not_jsonschema(tmp_path: Path) -> None:
    found = imported("render", LAPTOP, "--out", tmp_path / "out", "--ignore", "GMG03")
    assert "jinja2" in found
    assert "jsonschema" not in found


@pytest.mark.parametrize("argv", [["--help"], [], ["no-such-command"]])
def test_help_and_unknown_commands_still_see_every_command(argv: list[str]) -> None:
    from ghafmemgen.cli.commands import MODULES

    proc = subprocess.run(
        [sys.executable, "-m", "ghafmemgen", *argv], capture_output=True, text=True, check=False
    )
    shown = proc.stdout + proc.stderr
    for commands in MODULES.values():
        for command in commands:
            if argv == ["no-such-command"]:
                continue  # click names only the close matches; the run must not crash
            assert f"  {command} " in shown or f"  {command}\n" in shown, (command, shown)
    assert "Traceback" not in shown


def test_the_command_table_names_every_registered_command() -> None:
    """A command missing from MODULES still works (its run imports every module) but loses
    the lazy start-up; this keeps the table complete and in --help order."""
    code = (
        "import json, typer.main; from ghafmemgen.cli import app; "
        "print(json.dumps([(c.callback.__module__, c.name or c.callback.__name__) "
        "for c in app.registered_commands]))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    registered = [(module.rpartition(".")[2], name) for module, name in json.loads(proc.stdout)]
    from ghafmemgen.cli.commands import MODULES

    listed = [(module, command) for module, commands in MODULES.items() for command in commands]
    assert registered == listed
