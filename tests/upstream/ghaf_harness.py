"""The real-upstream evaluation harness (ghaf.nix), from Python: render a fleet with the CLI,
evaluate the output inside Ghaf's own modules (./ghaf.nix) and compare with `ghafmemgen plan`.

GHAFMEMGEN_UPSTREAM names a directory laid out like ../shared/upstream (its README lists the
trees); unset, `$GHAFMEMGEN_SHARED/upstream` (default `<repo>/../shared/upstream`) is used when
it exists. Set (as .ci/run sets it),
a missing tree or nix-instantiate fails the tests; unset and absent, they skip with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from support import ROOT

HARNESS = Path(__file__).resolve().parent / "ghaf.nix"
UPSTREAM_ENV = "GHAFMEMGEN_UPSTREAM"
# Evaluation only: no store writes, so no daemon, no build users, no root needed.
NIX_ENV = {"NIX_REMOTE": "dummy://", "NIX_CONFIG": "build-users-group ="}

# The lines of Ghaf's sysvms/appvm-base.nix that a fork replaces with the rendered
# appvm-base.nix (the README's diff); each must be there exactly once.
APPVM_BASE_MEMORY_LINES = (
    "virtualization.microvm.swap.enable = true;",
    "mem = lib.mkDefault ((vm.mem or 4096) * ((vm.balloonRatio or 2) + 1));",
    "balloon = (vm.balloonRatio or 2) > 0;",
    "deflateOnOOM = true;",
    "vcpu = lib.mkDefault (vm.vcpu or 4);",
    "hypervisor = vmm;",
)


def upstream_dir() -> Path:
    """The upstream trees, or a skip (unset and absent) / failure (set and unusable)."""
    configured = os.environ.get(UPSTREAM_ENV)
    shared = Path(os.environ.get("GHAFMEMGEN_SHARED") or ROOT.parent / "shared")
    path = Path(configured) if configured else shared / "upstream"
    marker = path / "ghaf" / "modules" / "microvm" / "vm-config.nix"
    if not marker.is_file():
        if configured:
            pytest.fail(f"{UPSTREAM_ENV}={configured} has no ghaf/modules/microvm/vm-config.nix")
        pytest.skip(f"no upstream trees at {path} (set {UPSTREAM_ENV} to run these tests)")
    if not shutil.which("nix-instantiate"):
        if configured or os.environ.get("GHAFMEMGEN_REQUIRE_NIX") == "1":
            pytest.fail(f"nix-instantiate is required ({UPSTREAM_ENV} is set) but not on PATH")
        pytest.skip("nix-instantiate not installed")
    return path.resolve()


def nix_string(text: str) -> str:
    return json.dumps(text).replace("${", "\\${")


def nix_value(value: Any) -> str:
    """A Python value as a Nix expression (paths stay paths)."""
    if isinstance(value, Path):
        return f"(/. + {nix_string(str(value.resolve()))})"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return nix_string(value)
    if isinstance(value, list | tuple):
        return "[ " + " ".join(nix_value(v) for v in value) + " ]"
    if isinstance(value, dict):
        return (
            "{ " + " ".join(f"{nix_string(k)} = {nix_value(v)};" for k, v in value.items()) + " }"
        )
    raise TypeError(value)


def nix_eval(expr: str) -> Any:
    proc = subprocess.run(
        ["nix-instantiate", "--eval", "--strict", "--json", "-E", expr],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **NIX_ENV},
    )
    if proc.returncode != 0:
        raise AssertionError(f"nix-instantiate failed:\n{proc.stderr[-6000:]}")
    return json.loads(proc.stdout)


def ghaf_expr(upstream: Path, **args: Any) -> str:
    """`import tests/upstream/ghaf.nix { ... }` with Python arguments (host_modules are Nix
    expressions, passed through as written)."""
    host_modules = args.pop("hostModules", ())
    fields = " ".join(f"{k} = {nix_value(v)};" for k, v in {"upstream": upstream, **args}.items())
    modules = " ".join(f"({m})" for m in host_modules)
    return f"(import {nix_value(HARNESS)} {{ {fields} hostModules = [ {modules} ]; }})"


def evaluate(upstream: Path, **args: Any) -> dict[str, Any]:
    """The harness's summary: per VM and per mem-manager unit, and the host swap."""
    result = nix_eval(f"{ghaf_expr(upstream, **args)}.summary")
    assert isinstance(result, dict)
    return result


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ghafmemgen", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def render(fleet: Path, out: Path, profile: str | None = None, ignore: Iterable[str] = ()) -> Path:
    args: list[str | Path] = ["render", fleet, "--out", out]
    if profile:
        args += ["--profile", profile]
    for rule in ignore:
        args += ["--ignore", rule]
    proc = cli(*args)
    assert proc.returncode == 0, proc.stderr
    return out


def plan(fleet: Path, profile: str | None = None) -> dict[str, Any]:
    args: list[str | Path] = ["plan", fleet, "--format", "json"]
    if profile:
        args += ["--profile", profile]
    proc = cli(*args)
    assert proc.returncode in (0, 1), proc.stderr
    result = json.loads(proc.stdout)
    assert isinstance(result, dict)
    return result


def forked_appvm_base(upstream: Path, into: Path) -> Path:
    """Ghaf's appvm-base.nix as a fork has it: without the lines the rendered file replaces."""
    source = upstream / "ghaf" / "modules" / "microvm" / "sysvms" / "appvm-base.nix"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    for wanted in APPVM_BASE_MEMORY_LINES:
        found = [i for i, line in enumerate(lines) if line.strip() == wanted]
        assert len(found) == 1, f"{source}: expected {wanted!r} once, found {len(found)}"
        del lines[found[0]]
    into.mkdir(parents=True, exist_ok=True)
    fork = into / "appvm-base.nix"
    fork.write_text("".join(lines), encoding="utf-8")
    return fork


Evaluate = Callable[..., dict[str, Any]]
