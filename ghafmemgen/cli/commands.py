"""Registers the commands on the typer app, in --help order.

A run names one command, so `register` imports only that command's module: `ghafmemgen check`
never pays for what fit, render or report import. --help, completion and names not listed
here import every module. A module imported at the top of this file is always registered.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module

from ghafmemgen.cli.root import app

# Command modules in --help order, and the commands each one registers.
MODULES: dict[str, tuple[str, ...]] = {
    "check": ("check", "rules", "rule"),
    "plan": ("plan",),
    "simulate": ("simulate",),
    "render": ("render",),
    "fit": ("fit",),
    "report": ("report",),
    "importverify": ("extractor", "import", "verify"),
    "misc": ("schema", "init"),
}
_MODULE_OF = {command: module for module, commands in MODULES.items() for command in commands}


def register(argv: Sequence[str]) -> None:
    """Import the module of the command named in `argv` (arguments after the program name),
    or all of them when it names none we know."""
    name = next((arg for arg in argv if not arg.startswith("-")), None)
    module = _MODULE_OF.get(name or "")
    for wanted in [module] if module else list(MODULES):
        import_module(f"ghafmemgen.cli.{wanted}")
    order = list(MODULES)

    def rank(command: object) -> int:
        home = getattr(getattr(command, "callback", None), "__module__", "").rpartition(".")[2]
        return order.index(home) if home in order else len(order)

    app.registered_commands.sort(key=rank)  # stable: a module keeps its own order
