"""Importing this module registers every command on the typer app, in --help order."""

from ghafmemgen.cli import lint, misc, plan, render, simulate

__all__ = ["lint", "misc", "plan", "render", "simulate"]
