"""Property tests: fleets generated from schemas/fleet.schema.json never crash the commands.

Every generated fleet, written as JSON (a subset of YAML 1.2) or as block YAML, goes through
`check`, `plan` and `render` in-process; each must end with exit 0, 1 or 2, no traceback and
a message whenever it fails (exit 70 would be an internal error, a bug). Half the fleets
come from the schema as it is (sizes up to 10^16 TiB, every name the patterns allow), half
from a copy with realistic sizes and few VMs, so that most of those get through validation
and exercise the plan, the rules and the renderer. When nix-instantiate is installed,
every rendered .nix file must parse, and VM names must come back from the rendered
vm-config.nix as exactly the attribute names Ghaf expects.

GHAFMEMGEN_LONG_PROPERTIES=1 (CI) runs ten times more examples.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import utils as conjecture_utils

from inprocess import assert_clean_exit, run_cli
from support import ROOT


def fleet_schema() -> dict[str, Any]:
    # A fresh copy each time: hypothesis-jsonschema canonicalises the schema it gets in place.
    loaded: dict[str, Any] = json.loads((ROOT / "schemas" / "fleet.schema.json").read_text("utf-8"))
    return loaded


LONG = os.environ.get("GHAFMEMGEN_LONG_PROPERTIES") == "1"
NIX = shutil.which("nix-instantiate")


def _many_more(self: Any) -> bool:
    """hypothesis-jsonschema 0.23.1 (the newest) drives `many` through `more()`, which the
    pinned Hypothesis replaced by `with many(...) as m: for _ in m:`; this is `more()` on
    top of the new protocol."""
    if not hasattr(self, "_compat_elements"):
        self.__enter__()
        self._compat_elements = iter(self)
    try:
        next(self._compat_elements)
    except StopIteration:
        self.__exit__(None, None, None)
        return False
    return True


if not hasattr(conjecture_utils.many, "more"):
    conjecture_utils.many.more = _many_more

from hypothesis_jsonschema import from_schema  # noqa: E402  (needs the shim above)


def realistic() -> dict[str, Any]:
    """The schema with sizes a laptop could have and at most a dozen VMs, three profiles."""
    tight = fleet_schema()
    tight["$defs"]["size"] = {
        "anyOf": [
            {"type": "integer", "minimum": 1, "maximum": 65536},
            {"type": "string", "pattern": "^[1-9][0-9]{0,2}(MiB|GiB|M|G)$"},
        ]
    }
    tight["properties"]["vms"]["maxProperties"] = 12
    tight["properties"]["profiles"]["maxProperties"] = 3
    tight["$defs"]["profile"]["properties"]["vms"]["maxProperties"] = 4
    return tight


FLEETS = st.one_of(from_schema(fleet_schema()), from_schema(realistic()))


def as_yaml(data: Any, style: str) -> str:
    if style == "json":
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


PROPERTY = settings(
    max_examples=300 if LONG else 30,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


def _parse_all(out: Path) -> None:
    if NIX is None:
        assert os.environ.get("GHAFMEMGEN_REQUIRE_NIX") != "1", "nix-instantiate is required"
        return
    files = sorted(str(p) for p in out.glob("*.nix"))
    proc = subprocess.run([NIX, "--parse", *files], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


@PROPERTY
@given(fleet=FLEETS, style=st.sampled_from(["json", "block"]))
def test_schema_fleets_never_crash_check_plan_or_render(fleet: dict[str, Any], style: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fleet.yaml"
        path.write_text(as_yaml(fleet, style), encoding="utf-8")
        check = run_cli("check", path)
        assert_clean_exit(check)
        profiles = [None, *sorted(fleet.get("profiles", {}))[:1]]
        for profile in profiles:
            where = ["--profile", profile] if profile else []
            assert_clean_exit(run_cli("plan", path, *where))
            assert_clean_exit(run_cli("plan", path, "--format", "json", *where))
        render = run_cli("render", path, "--out", Path(tmp) / "out")
        assert_clean_exit(render)
        # Only schema errors (GMG001, which cannot be switched off) may stop this one, or a
        # fleet Ghaf cannot express (two VMs with one Ghaf key).
        out = Path(tmp) / "all-rules-off"
        forced = run_cli("render", path, "--out", out, "--select", "GMG001")
        assert_clean_exit(forced)
        event(f"check exit {check.code}, render with GMG001 only exit {forced.code}")
        if check.code == 0:
            assert render.code == 0, render.output
        if forced.code == 0:
            _parse_all(out)
        else:
            assert "GMG001" in forced.output or "both become Ghaf's key" in forced.output


# -- VM names -> Nix attribute names, through the renderer -----------------------------------

KEYWORD_NAMES = [f"{word}-vm" for word in ("if", "then", "else", "assert", "with", "let")]
KEYWORD_NAMES += [f"{word}-vm" for word in ("in", "rec", "inherit", "or", "true", "null")]
VM_NAMES = st.one_of(
    st.from_regex(r"\A[a-z][a-z0-9-]{0,20}-vm\Z"),
    st.from_regex(fleet_schema()["$defs"]["vmName"]["pattern"], fullmatch=True).filter(
        lambda n: len(n) <= 64
    ),
    st.sampled_from(KEYWORD_NAMES),
)


def ghaf_key(name: str, kind: str) -> str:
    """What Ghaf calls a VM: chrome-vm -> chrome (app), gui-vm -> guivm (system)."""
    return name.removesuffix("-vm") if kind == "app" else name.replace("-", "")


@pytest.mark.nix
@settings(
    max_examples=300 if LONG else 30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(vms=st.dictionaries(VM_NAMES, st.sampled_from(["app", "system"]), min_size=1, max_size=20))
def test_vm_names_come_back_as_ghafs_attribute_names(vms: dict[str, str]) -> None:
    if NIX is None:
        if os.environ.get("GHAFMEMGEN_REQUIRE_NIX") == "1":
            pytest.fail("nix-instantiate is required (GHAFMEMGEN_REQUIRE_NIX=1)")
        pytest.skip("nix-instantiate not installed")
    fleet = {
        "version": 1,
        "host": {"ram": "64GiB"},
        "vms": {name: {"kind": kind, "mem": 512} for name, kind in vms.items()},
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fleet.yaml"
        path.write_text(json.dumps(fleet), encoding="utf-8")
        out = Path(tmp) / "out"
        result = run_cli("render", path, "--out", out, "--select", "GMG001")
        assert_clean_exit(result, allowed=(0, 1))
        keys: dict[str, set[str]] = {"appvms": set(), "sysvms": set()}
        collided = False
        for name, kind in vms.items():
            group = keys["appvms" if kind == "app" else "sysvms"]
            collided |= ghaf_key(name, kind) in group
            group.add(ghaf_key(name, kind))
        if collided:
            assert result.code == 1 and "both become Ghaf's key" in result.output
            return
        assert result.code == 0, result.output
        expr = (
            f"builtins.mapAttrs (_: builtins.attrNames) "
            f"(import {out / 'vm-config.nix'} {{ lib = {{ mkForce = x: x; }}; }})"
            ".ghaf.virtualization.vmConfig"
        )
        proc = subprocess.run(
            [NIX, "--eval", "--strict", "--json", "-E", expr],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        got = json.loads(proc.stdout)
        assert got == {group: sorted(names) for group, names in keys.items()}


# -- broken YAML: the bundled fleet with random edits ----------------------------------------

LAPTOP_TEXT = (ROOT / "fixtures" / "ghaf-laptop.yaml").read_text(encoding="utf-8")
YAML_PIECES = [
    *":-{}[],&*!|>'\"#%@`?~\\ \n\t0123456789.",
    "<<: *a",
    "&a ",
    "*a",
    "!!str ",
    "!!int ",
]
YAML_PIECES += ["---\n", "...\n", "\ufeff", "\x85", "\u2028", "é", "yes", ".inf", "1e999", "0x"]
YAML_PIECES += ["0o", "null", "? ", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "\x00", "\x1b"]
EDITS = st.lists(
    st.tuples(st.integers(0, len(LAPTOP_TEXT)), st.integers(0, 3), st.sampled_from(YAML_PIECES)),
    min_size=1,
    max_size=6,
)


@settings(PROPERTY, max_examples=300 if LONG else 30)
@given(edits=EDITS)
def test_edited_yaml_never_crashes(edits: list[tuple[int, int, str]]) -> None:
    """Insert, delete and replace YAML's special characters anywhere in a real fleet."""
    text = LAPTOP_TEXT
    for position, cut, piece in edits:
        text = text[:position] + piece + text[position + cut :]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fleet.yaml"
        path.write_text(text, encoding="utf-8")
        assert_clean_exit(run_cli("check", path), allowed=(0, 1))
        assert_clean_exit(run_cli("plan", path), allowed=(0, 1))
        out = Path(tmp) / "out"
        assert_clean_exit(
            run_cli("render", path, "--out", out, "--select", "GMG001"), allowed=(0, 1)
        )
