"""Importing this module registers every command on the typer app, in --help order."""

from ghafmemgen.cli import fit, lint, misc, plan, render, report, simulate

__all__ = ["fit", "lint", "misc", "plan", "render", "report", "simulate"]
