"""`import --flake REF#TARGET`: run the shipped extractor on a flake's host with `nix eval`."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from ghafmemgen.errors import UsageError
from ghafmemgen.resources import extractor_path

_HOST_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}").fullmatch
NIX_FEATURES = "nix-command flakes"


def eval_command(flake: str) -> tuple[list[str], str]:
    """`REF#TARGET` -> the nix eval argv, and TARGET."""
    ref, hash_, name = flake.rpartition("#")
    if not hash_ or not ref or not name:
        raise UsageError(f"--flake {flake!r}: write REF#TARGET, for example .#lenovo-x1-debug")
    attribute = f"{ref}#nixosConfigurations.{_nix_attr(name)}.config"
    apply = f"import {_nix_path(extractor_path())}"
    # --impure: pure evaluation forbids importing the extractor from outside the flake.
    argv = ["nix", "--extra-experimental-features", NIX_FEATURES, "eval", "--impure", "--json"]
    argv.append(attribute)
    return [*argv, "--apply", apply], name


def _nix_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("${", "\\${")
    return f'"{escaped}"'


def _nix_attr(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_'-]*", name) else _nix_string(name)


def _nix_path(path: Path) -> str:
    text = str(path)
    return text if re.fullmatch(r"/[A-Za-z0-9._+/-]+", text) else f"(/. + {_nix_string(text)})"


def extract_flake(flake: str) -> tuple[str, str, str | None]:
    """Run the extractor on a flake's host -> (JSON text, source name, host name)."""
    argv, name = eval_command(flake)
    if shutil.which("nix") is None:
        raise UsageError(
            "--flake needs `nix` (with flakes) on PATH; without it, run the `nix eval` shown "
            "in docs/import-verify.md and pass its JSON file instead"
        )
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise UsageError(f"cannot run nix: {exc.strerror or exc}") from None
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise UsageError(f"nix eval failed (exit {proc.returncode}):\n{tail}")
    return proc.stdout, flake, name if _HOST_NAME(name) else None
