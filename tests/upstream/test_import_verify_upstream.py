"""Proof of `import` and `verify` on the real thing: the bundled fleet rendered, evaluated inside
Ghaf's own modules (the harness, ghaf.nix), read by the shipped extractor; then one Nix
override at a time, each reported by `verify` as exactly that difference at the right line.

Like every test here, these skip without the upstream trees and fail when
GHAFMEMGEN_UPSTREAM says they are required (see ghaf_harness.upstream_dir).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from ghaf_harness import cli, ghaf_expr, nix_eval, nix_string, plan, render
from support import LAPTOP, ROOT

EXTRACTOR = ROOT / "ghafmemgen" / "nix" / "extract.nix"
TARGET_FIXTURE = ROOT / "fixtures" / "ghaf-laptop.target.json"
PROFILES = [None, "low", "minimal"]
RAM = {None: "32GiB", "low": "16GiB", "minimal": "32GiB"}  # the fleet's host.ram per profile
LOCATED = re.compile(r"^(?P<file>[^\n]+?):(?P<line>\d+):(?P<col>\d+): (?P<rule>GMG\d{3}) ", re.M)

# The laptop's hardware passes devices through to these system VMs (in Ghaf through
# hardware.definition.<vm>.extraModules; here through vmConfig's, which Ghaf applies the same
# way). The harness has no hardware modules: without this the build has no microvm.devices.
PASSTHROUGH = """{ lib, ... }: {
  ghaf.virtualization.vmConfig.sysvms = lib.genAttrs [ "netvm" "guivm" "audiovm" ] (_: {
    extraModules = [ { microvm.devices = [ { bus = "pci"; path = "0000:00:1f.3"; } ]; } ];
  });
}"""


def extract(upstream: Path, rendered: Path, *overrides: str) -> Any:
    """The shipped extractor applied to the harness's host config (the bundled fleet has
    randomEncryption false: Ghaf's disko gives that with storage encryption on)."""
    host = ghaf_expr(
        upstream, rendered=rendered, encryption=True, hostModules=[PASSTHROUGH, *overrides]
    )
    return nix_eval(f"import (/. + {nix_string(str(EXTRACTOR))}) {host}.config")


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def findings(text: str) -> list[tuple[int, int, str]]:
    return [(int(m["line"]), int(m["col"]), m["rule"]) for m in LOCATED.finditer(text)]


def key_position(needle: str, *, after: str | None = None) -> tuple[int, int]:
    lines = LAPTOP.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    index = next(i for i in range(start, len(lines)) if needle in lines[i])
    return index + 1, lines[index].index(needle) + 1


@pytest.fixture(scope="module")
def rendered(upstream: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str | None, Path]:
    base = tmp_path_factory.mktemp("rendered")
    # GMG031: the low profile does not fit its RAM + swap; it still renders, as Ghaf builds it.
    return {p: render(LAPTOP, base / (p or "base"), profile=p, ignore=["GMG031"]) for p in PROFILES}


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p or "base")
def test_import_of_the_build_plans_as_the_fleet_and_verifies_clean(
    upstream: Path, rendered: dict[str | None, Path], tmp_path: Path, profile: str | None
) -> None:
    target = write(tmp_path / "target.json", extract(upstream, rendered[profile]))
    imported = tmp_path / "imported.yaml"
    proc = cli("import", target, "--ram", RAM[profile], "-o", imported)
    assert proc.returncode == 0, proc.stderr
    want, got = plan(LAPTOP, profile), plan(imported)
    assert got["vms"] == want["vms"]
    assert got["host"] == want["host"]
    args: list[str | Path] = ["verify", LAPTOP, target]
    verified = cli(*args, *(["--profile", profile] if profile else []))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert findings(verified.stdout) == []
    assert cli("verify", imported, target).returncode == 0


def test_bundled_target_fixture_is_the_extractors_output(
    upstream: Path, rendered: dict[str | None, Path]
) -> None:
    """fixtures/ghaf-laptop.target.json (the CLI tests' and the docs' example) is what the
    extractor gives for the bundled fleet's build, not a hand-made stand-in."""
    assert extract(upstream, rendered[None]) == json.loads(TARGET_FIXTURE.read_text("utf-8"))


# One Nix override at a time on the base fleet's build -> (rule, fleet key, message part).
OVERRIDES = {
    "vm mem": (
        "{ lib, ... }: { ghaf.virtualization.vmConfig.appvms.chrome.mem = lib.mkForce 4096; }",
        "GMG090",
        ("mem: 6144", "chrome-vm:"),
        "chrome-vm: the fleet plans mem 6144 MiB (microvm.mem 18432 MiB), the build has vmDef "
        "mem 4096 MiB (microvm.mem 12288 MiB)",
    ),
    "zram memoryPercent": (
        "{ lib, ... }: { ghaf.virtualization.vmConfig.appvms.chrome.extraModules = "
        "[ { zramSwap.memoryPercent = lib.mkForce 50; } ]; }",
        "GMG092",
        ("chrome-vm:", None),
        "chrome-vm: the fleet plans zramSwap.memoryPercent 25, the build has 50",
    ),
    "balloonRatio": (
        "{ lib, ... }: "
        "{ ghaf.virtualization.vmConfig.appvms.chrome.balloonRatio = lib.mkForce 1; }",
        "GMG090",
        ("balloonRatio: 2", None),
        "chrome-vm: the fleet plans balloonRatio 2 (microvm.mem 18432 MiB), the build has "
        "balloonRatio 1 (microvm.mem 12288 MiB)",
    ),
    "hypervisor": (
        '{ lib, ... }: { ghaf.virtualization.vmConfig.appvms.chrome.vmm = lib.mkForce "qemu"; }',
        "GMG091",
        ("hypervisor: crosvm", None),
        "chrome-vm: the fleet plans microvm.hypervisor crosvm, the build has qemu",
    ),
    "swap size": (
        "{ lib, ... }: { ghaf.partitioning.disko.swapSize = lib.mkForce 16384; }",
        "GMG093",
        ("size: 12GiB", None),
        "host: the fleet plans swap 12288 MiB, the build has 16384 MiB",
    ),
}


@pytest.mark.parametrize("name", list(OVERRIDES))
def test_verify_reports_exactly_the_override(
    upstream: Path, rendered: dict[str | None, Path], tmp_path: Path, name: str
) -> None:
    override, rule, (needle, after), message = OVERRIDES[name]
    target = write(tmp_path / "target.json", extract(upstream, rendered[None], override))
    proc = cli("verify", LAPTOP, target)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert findings(proc.stdout) == [(*key_position(needle, after=after), rule)], proc.stdout
    assert message in proc.stdout
