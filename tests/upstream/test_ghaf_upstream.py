"""Proof by the real thing: the rendered files inside Ghaf's own modules (tests/upstream/ghaf.nix
over ../shared/upstream, evaluated by nix-instantiate with the real nixpkgs lib) give every VM,
every ghaf-mem-manager unit and the host swap exactly what `ghafmemgen plan` prints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from ghaf_harness import (
    Evaluate,
    forked_appvm_base,
    ghaf_expr,
    nix_eval,
    plan,
    render,
)
from support import LAPTOP, fleet_file

MIB = 1024 * 1024
BUILTIN_ZRAM = {"enable": True, "algorithm": "lzo-rle", "memoryPercent": 25, "priority": 5}
BUILTIN_SWAPPINESS = 10


def fleet_settings(fleet: Path, profile: str | None) -> dict[str, dict[str, Any]]:
    """Per VM, what the fleet file asks for that `plan` does not print: vcpu and zram."""
    data = yaml.safe_load(fleet.read_text(encoding="utf-8"))
    prof = (data.get("profiles") or {}).get(profile, {}) if profile else {}
    defaults = {**data.get("defaults", {}), **prof.get("defaults", {})}
    fleet_zram = {**defaults.get("zram", {})}
    settings = {}
    for name, vm in data["vms"].items():
        vm = {**vm, **(prof.get("vms") or {}).get(name, {})}
        zram = {
            "swappiness": BUILTIN_SWAPPINESS,
            **BUILTIN_ZRAM,
            **fleet_zram,
            **vm.get("zram", {}),
        }
        settings[name] = {"vcpu": vm["vcpu"], "zram": zram}
    return settings


def assert_matches_plan(
    summary: dict[str, Any], fleet: Path, profile: str | None = None
) -> dict[str, Any]:
    """Every planned VM as Ghaf evaluates it; returns the plan for further checks."""
    planned = plan(fleet, profile)
    settings = fleet_settings(fleet, profile)
    for vm in planned["vms"]:
        name = vm["name"]
        got = summary["vms"][name]
        want = settings[name]
        assert got["mem"] == vm["qemuMemMiB"], name
        assert got["vcpu"] == want["vcpu"], name
        assert got["balloon"] == vm["balloon"], name
        assert got["hypervisor"] == vm["hypervisor"], name
        # deflate-on-OOM in effect: crosvm always offers it (relaxed balloon), qemu only
        # with microvm.deflateOnOOM (the runners in microvm.nix's lib/runners/).
        in_effect = vm["balloon"] and (got["hypervisor"] == "crosvm" or got["deflateOnOOM"])
        assert vm["deflateOnOOM"] == in_effect, name
        zram = want["zram"]
        assert got["zram"]["enable"] == zram["enable"] == (vm["zramDiskMiB"] > 0), name
        if zram["enable"]:
            for key in ("algorithm", "memoryPercent", "priority"):
                assert got["zram"][key] == zram[key], (name, key)
            assert got["swappiness"] == zram["swappiness"], name
            assert got["zram"]["memoryPercent"] * got["mem"] // 100 == vm["zramDiskMiB"], name
        unit = summary["memManagers"].get(name)
        if vm["kind"] == "app" and vm["balloon"]:
            assert unit is not None, f"{name}: no ghaf-mem-manager unit"
            words = unit.split()
            assert words[words.index("--minimum") + 1] == str(vm["memMiB"] * MIB), name
            assert words[words.index("--maximum") + 1] == str(vm["qemuMemMiB"] * MIB), name
            assert ("--hypervisor" in words) == (vm["hypervisor"] == "crosvm"), name
        else:
            assert unit is None, name
    swap = summary["swap"]
    assert swap["swapSize"] == planned["host"]["swapMiB"]
    assert swap["lv"]["size"] == f"{planned['host']['swapMiB']}M"
    assert swap["lv"]["type"] == "swap"
    return planned


# -- the bundled fleet --------------------------------------------------------------------

PROFILES = [None, "low", "minimal"]


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p or "base")
def test_bundled_fleet_on_unmodified_ghaf(
    ghaf_eval: Evaluate, tmp_path: Path, profile: str | None
) -> None:
    out = render(LAPTOP, tmp_path / "out", profile, ignore=["GMG031"])
    assert_matches_plan(ghaf_eval(rendered=out), LAPTOP, profile)


def test_ghaf_alone_runs_the_bundled_fleet(ghaf_eval: Evaluate) -> None:
    """Unmodified Ghaf without any rendered file already does what the bundled fleet plans:
    the fixture describes Ghaf's defaults."""
    vms = yaml.safe_load(LAPTOP.read_text(encoding="utf-8"))["vms"]
    app_vms = [name.removesuffix("-vm") for name, vm in vms.items() if vm["kind"] == "app"]
    assert_matches_plan(ghaf_eval(appVms=app_vms), LAPTOP)


def test_a_profile_that_lowers_an_app_vm_moves_the_mem_manager_floor(
    ghaf_eval: Evaluate, tmp_path: Path
) -> None:
    out = render(LAPTOP, tmp_path / "out", "low", ignore=["GMG031"])
    summary = ghaf_eval(rendered=out)
    words = summary["memManagers"]["flatpak-vm"].split()
    assert words[words.index("--minimum") + 1] == str(5120 * MIB)
    assert summary["vms"]["flatpak-vm"]["mem"] == 5120 * 3


# -- fleets that use what the format offers -----------------------------------------------

CASES: dict[str, dict[str, Any]] = {
    "zram-per-vm": {
        "vms": {
            "chrome-vm": {"zram": {"algorithm": "zstd", "memoryPercent": 50, "swappiness": 60}},
            "gui-vm": {"zram": {"priority": 10}},
            "media-vm": {"zram": {"memoryPercent": 40}},
        }
    },
    "zram-fleet-defaults": {"defaults": {"zram": {"algorithm": "lz4", "swappiness": 30}}},
    "zram-off-on-a-system-vm": {"vms": {"net-vm": {"zram": {"enable": False}}}},
    "zram-mixed": {
        "defaults": {"zram": {"memoryPercent": 30, "swappiness": 60}},
        "vms": {
            "media-vm": {"zram": {"enable": False}},
            "net-vm": {"zram": {"enable": False}},
            "comms-vm": {"zram": {"memoryPercent": 50, "algorithm": "zstd"}},
        },
    },
    "zram-priority": {"vms": {"gui-vm": {"zram": {"priority": 100}}}},
    "crosvm-app-vm-asking-no-deflate": {"vms": {"chrome-vm": {"deflateOnOOM": False}}},
    "ids-vm": {"vms": {"ids-vm": {"kind": "system", "mem": 768, "vcpu": 1}}},
    "qemu-app-vm-without-deflate": {
        "vms": {"comms-vm": {"hypervisor": "qemu", "balloonRatio": 1, "deflateOnOOM": False}}
    },
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fleet_settings_reach_unmodified_ghaf(
    ghaf_eval: Evaluate, tmp_path: Path, case: str
) -> None:
    fleet = fleet_file(tmp_path, CASES[case])
    out = render(fleet, tmp_path / "out", ignore=["GMG031"])
    assert_matches_plan(ghaf_eval(rendered=out), fleet)


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p or "base")
def test_bundled_fleet_renders_no_override(tmp_path: Path, profile: str | None) -> None:
    """The bundled fleet is Ghaf's defaults: vm-config.nix states vmConfig's own options and
    forces nothing."""
    out = render(LAPTOP, tmp_path / "out", profile, ignore=["GMG031"])
    lines = (out / "vm-config.nix").read_text(encoding="utf-8").splitlines()
    text = "\n".join(line for line in lines if not line.startswith("#"))
    assert "extraModules" not in text
    assert "mkForce" not in text


def test_qemu_app_vm_without_deflate_gets_false(ghaf_eval: Evaluate, tmp_path: Path) -> None:
    fleet = fleet_file(tmp_path, CASES["qemu-app-vm-without-deflate"])
    summary = ghaf_eval(rendered=render(fleet, tmp_path / "out"))
    comms = summary["vms"]["comms-vm"]
    assert (comms["hypervisor"], comms["mem"], comms["balloon"]) == ("qemu", 8192, True)
    assert comms["deflateOnOOM"] is False


@pytest.mark.parametrize("case", sorted(CASES))
def test_replacement_files_give_the_same_values(
    ghaf_eval: Evaluate, upstream: Path, tmp_path: Path, case: str
) -> None:
    """The fork way (rendered vm-swap.nix in place of Ghaf's, rendered appvm-base.nix in place
    of the memory lines of Ghaf's appvm-base.nix, vm-config.nix beside them) and the no-fork
    way give every VM the same effective values."""
    fleet = fleet_file(tmp_path, CASES[case])
    out = render(fleet, tmp_path / "out", ignore=["GMG031"])
    fork = forked_appvm_base(upstream, tmp_path / "fork")
    forked = ghaf_eval(rendered=out, replacementFiles=True, appvmBase=fork)
    assert forked == ghaf_eval(rendered=out)
    assert_matches_plan(forked, fleet)


@pytest.mark.parametrize("encryption", [False, True], ids=["plain", "encrypted"])
def test_ghaf_layout_swap_volume(ghaf_eval: Evaluate, tmp_path: Path, encryption: bool) -> None:
    out = render(LAPTOP, tmp_path / "out")
    summary = ghaf_eval(rendered=out, encryption=encryption)
    assert_matches_plan(summary, LAPTOP)
    assert summary["swap"]["lv"]["resumeDevice"] is True
    assert summary["swap"]["lv"]["randomEncryption"] is (not encryption)
    stated = json.loads((out / "host-swap.json").read_text(encoding="utf-8"))
    assert stated["resumeDevice"] is summary["swap"]["lv"]["resumeDevice"]
    assert stated["randomEncryption"] == "!ghaf.storage.encryption.enable"
    assert stated["sizeMiB"] == summary["swap"]["swapSize"]


def test_harness_host_is_shaped_like_a_nixos_host(upstream: Path, tmp_path: Path) -> None:
    """What the import/verify extractor reads from a real host: the guest configs under
    microvm.vms.<name>.evaluatedConfig.config, Ghaf's enabledVms and vmConfig, the swap."""
    out = render(LAPTOP, tmp_path / "out")
    host = ghaf_expr(upstream, rendered=out)
    got = nix_eval(f"""
      let c = {host}.config; in {{
        guestMem = c.microvm.vms."chrome-vm".evaluatedConfig.config.microvm.mem;
        enabled = builtins.attrNames c.ghaf.virtualization.microvm.appvm.enabledVms;
        vmConfigMem = c.ghaf.virtualization.vmConfig.appvms.chrome.mem;
        swapSize = c.ghaf.partitioning.disko.swapSize;
        units = builtins.filter (n: builtins.substring 0 16 n == "ghaf-mem-manager")
          (builtins.attrNames c.systemd.services);
      }}""")
    assert got == {
        "guestMem": 18432,
        "enabled": ["business", "chrome", "comms", "flatpak", "media"],
        "vmConfigMem": 6144,
        "swapSize": 12288,
        "units": [
            f"ghaf-mem-manager-{n}-vm" for n in ["business", "chrome", "comms", "flatpak", "media"]
        ],
    }
