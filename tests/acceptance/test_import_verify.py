"""`ghafmemgen import`, `verify` and `extractor` from the command line, on the bundled fleet and
fixtures/ghaf-laptop.target.json (what the extractor gives for it: see the upstream tests,
which make it from Ghaf's real modules). Bad targets are located GMG099 errors, never tracebacks."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from support import LAPTOP, ROOT, run_ghafmemgen

TARGET = ROOT / "fixtures" / "ghaf-laptop.target.json"
LOCATED = re.compile(r"^(?P<file>[^\n]+?):(?P<line>\d+):(?P<col>\d+): (?P<rule>GMG\d{3}) ", re.M)


def target_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(TARGET.read_text(encoding="utf-8"))
    return data


def write_target(tmp_path: Path, data: dict[str, Any], name: str = "target.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def line_of(path: Path, needle: str, *, after: str | None = None) -> int:
    """1-based line of the first line containing `needle` (after the line containing `after`)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i in range(start, len(lines)) if needle in lines[i]) + 1


def position_of(path: Path, needle: str, *, after: str | None = None) -> tuple[int, int]:
    """(line, column) where `needle` starts: a fleet key, as findings point at keys."""
    line = line_of(path, needle, after=after)
    text = path.read_text(encoding="utf-8").splitlines()[line - 1]
    return line, text.index(needle) + 1


def findings(text: str) -> list[tuple[str, int, int, str]]:
    return [(m["file"], int(m["line"]), int(m["col"]), m["rule"]) for m in LOCATED.finditer(text)]


def plan_json(fleet: Path, *extra: str) -> dict[str, Any]:
    proc = run_ghafmemgen("plan", fleet, "--format", "json", *extra)
    assert proc.returncode in (0, 1), proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


# -- import ---------------------------------------------------------------------------------


def test_import_gives_a_fleet_whose_plan_is_the_original(tmp_path: Path) -> None:
    out = tmp_path / "fleet.yaml"
    proc = run_ghafmemgen("import", TARGET, "--ram", "32GiB", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert plan_json(out) == plan_json(LAPTOP)
    check = run_ghafmemgen("check", out)
    assert "GMG001" not in check.stdout, check.stdout
    assert run_ghafmemgen("verify", out, TARGET).returncode == 0


def test_imported_fleet_is_commented_as_ghaf_writes_it(tmp_path: Path) -> None:
    text = run_ghafmemgen("import", TARGET, "--ram", "32GiB").stdout
    lines = text.splitlines()
    assert lines[0].startswith("# yaml-language-server: $schema=")
    assert "ghaf-laptop.target.json" in text  # the header names its source
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b|\d\d:\d\d:\d\d", text)  # no timestamps
    # App VM mem is the vmDef mem (the balloon floor), not microvm.mem = mem * 3.
    chrome = text[text.index("  chrome-vm:") :]
    assert re.search(r"^    mem: 6144\b", chrome, re.M)
    body = "\n".join(line.split(" #")[0].rstrip() for line in lines if not line.startswith("#"))
    assert "18432" not in body
    # Values equal to the built-in defaults are left out; the shared hypervisor is a default.
    text = body
    assert "balloonRatio" not in text and "deflateOnOOM" not in text and "zram" not in text
    assert "defaults:\n  hypervisor: crosvm" in text
    assert "media-vm:\n    kind: app\n    mem: 1024" in text and "vcpu: 2" not in text


def test_import_is_deterministic(tmp_path: Path) -> None:
    first, second = (run_ghafmemgen("import", TARGET, "--ram", "32GiB").stdout for _ in range(2))
    assert first == second and first


def test_import_keeps_what_differs_from_the_defaults(tmp_path: Path) -> None:
    data = target_data()
    chrome = data["vms"]["chrome-vm"]
    chrome["microvm"].update(hypervisor="qemu", mem=12288, deflateOnOOM=False)
    chrome["vmDef"]["balloonRatio"] = 1
    chrome["zramSwap"]["memoryPercent"] = 50
    data["vms"]["admin-vm"]["zramSwap"]["enable"] = False
    out = tmp_path / "fleet.yaml"
    assert (
        run_ghafmemgen(
            "import", write_target(tmp_path, data), "--ram", "32GiB", "-o", out
        ).returncode
        == 0
    )
    text = out.read_text(encoding="utf-8")
    chrome_text = text[text.index("  chrome-vm:") : text.index("  comms-vm:")]
    for wanted in (
        "hypervisor: qemu",
        "balloonRatio: 1",
        "deflateOnOOM: false",
        "memoryPercent: 50",
    ):
        assert wanted in chrome_text, chrome_text
    assert "enable: false" in text[text.index("  admin-vm:") : text.index("  audio-vm:")]
    assert run_ghafmemgen("verify", out, tmp_path / "target.json").returncode == 0


def test_import_needs_ram(tmp_path: Path) -> None:
    proc = run_ghafmemgen("import", TARGET)
    assert proc.returncode == 2
    assert "--ram" in proc.stderr and "Traceback" not in proc.stderr
    bad = run_ghafmemgen("import", TARGET, "--ram", "32GB")
    assert bad.returncode == 2 and "--ram" in bad.stderr


def test_second_import_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "fleet.yaml"
    out.write_text("mine\n", encoding="utf-8")
    proc = run_ghafmemgen("import", TARGET, "--ram", "32GiB", "-o", out)
    assert proc.returncode == 2 and "--force" in proc.stderr
    assert out.read_text(encoding="utf-8") == "mine\n"
    assert run_ghafmemgen("import", TARGET, "--ram", "32GiB", "-o", out, "--force").returncode == 0
    assert out.read_text(encoding="utf-8").startswith("# yaml-language-server")


def test_import_flake_without_nix_is_a_usage_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    proc = run_ghafmemgen(
        "import", "--flake", ".#laptop", "--ram", "32GiB", cwd=ROOT, env={"PATH": str(empty)}
    )
    assert proc.returncode == 2, proc.stderr
    assert "nix" in proc.stderr and "Traceback" not in proc.stderr


def test_import_wants_one_source() -> None:
    assert run_ghafmemgen("import", "--ram", "32GiB").returncode == 2
    assert run_ghafmemgen("import", TARGET, "--flake", ".#x", "--ram", "32GiB").returncode == 2
    assert run_ghafmemgen("import", "--flake", "no-hash", "--ram", "32GiB").returncode == 2


# -- verify ---------------------------------------------------------------------------------


def test_verify_matching_build_exits_0() -> None:
    proc = run_ghafmemgen("verify", LAPTOP, TARGET)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("All checks passed")


def _mutate(data: dict[str, Any], change: str) -> None:
    vms = data["vms"]
    if change == "mem":
        vms["chrome-vm"]["vmDef"]["mem"] = 4096
        vms["chrome-vm"]["microvm"]["mem"] = 12288
    elif change == "forced-mem":
        vms["chrome-vm"]["microvm"]["mem"] = 12288
    elif change == "balloonRatio":
        vms["chrome-vm"]["vmDef"]["balloonRatio"] = 1
        vms["chrome-vm"]["microvm"]["mem"] = 12288
    elif change == "memoryPercent":
        vms["chrome-vm"]["zramSwap"]["memoryPercent"] = 50
    elif change == "hypervisor":
        vms["chrome-vm"]["microvm"]["hypervisor"] = "qemu"
    elif change == "vcpu":
        vms["gui-vm"]["microvm"]["vcpu"] = 4
    elif change == "system-mem":
        vms["gui-vm"]["microvm"]["mem"] = 2047
    elif change == "swapSize":
        data["host"]["swapSize"] = 16384
    elif change == "missing":
        del vms["media-vm"]
    elif change == "extra":
        vms["gala-vm"] = copy.deepcopy(vms["media-vm"])


# (change, rule, the fleet key as (needle, after this line), message part)
CHROME_MEM = ("mem: 6144", "chrome-vm:")
CASES = [
    ("mem", "GMG090", CHROME_MEM, "the fleet plans mem 6144 MiB (microvm.mem 18432 MiB), "
     "the build has vmDef mem 4096 MiB (microvm.mem 12288 MiB)"),
    ("forced-mem", "GMG090", CHROME_MEM,
     "chrome-vm: the fleet plans microvm.mem 18432 MiB, the build has 12288 MiB"),
    ("balloonRatio", "GMG090", ("balloonRatio: 2", None),
     "the fleet plans balloonRatio 2 (microvm.mem 18432 MiB), the build has balloonRatio 1"),
    ("memoryPercent", "GMG092", ("chrome-vm:", None),
     "the fleet plans zramSwap.memoryPercent 25, the build has 50"),
    ("hypervisor", "GMG091", ("hypervisor: crosvm", None),
     "chrome-vm: the fleet plans microvm.hypervisor crosvm, the build has qemu"),
    ("vcpu", "GMG091", ("vcpu: 6", "gui-vm:"),
     "gui-vm: the fleet plans microvm.vcpu 6, the build has 4"),
    ("system-mem", "GMG090", ("mem: 6144", "gui-vm:"),
     "gui-vm: the fleet plans microvm.mem 6144 MiB, the build has 2047 MiB"),
    ("swapSize", "GMG093", ("size: 12GiB", None),
     "host: the fleet plans swap 12288 MiB, the build has 16384 MiB"),
    ("missing", "GMG094", ("media-vm:", None),
     "media-vm: the fleet plans this VM, the build has no microvm.vms.media-vm"),
    ("extra", "GMG094", ("vms:", None),
     "gala-vm: the build runs this VM, the fleet does not plan it"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "rule", "where", "message"), CASES, ids=[c[0] for c in CASES])
def test_verify_reports_exactly_the_difference(
    tmp_path: Path, change: str, rule: str, where: tuple[str, str | None], message: str
) -> None:
    data = target_data()
    _mutate(data, change)
    proc = run_ghafmemgen("verify", LAPTOP, write_target(tmp_path, data))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    line, column = position_of(LAPTOP, where[0], after=where[1])
    assert findings(proc.stdout) == [(str(LAPTOP), line, column, rule)]
    assert message in proc.stdout, proc.stdout
    assert "Traceback" not in proc.stderr


def test_verify_profile_uses_the_profile_lines(tmp_path: Path) -> None:
    data = target_data()
    flatpak = data["vms"]["flatpak-vm"]
    flatpak["vmDef"]["mem"], flatpak["microvm"]["mem"] = 5120, 15360
    clean = run_ghafmemgen("verify", LAPTOP, write_target(tmp_path, data), "--profile", "low")
    assert clean.returncode == 0, clean.stdout
    base = run_ghafmemgen("verify", LAPTOP, tmp_path / "target.json")  # the base fleet plans 6144
    assert findings(base.stdout) == [
        (str(LAPTOP), *position_of(LAPTOP, "mem: 6144", after="flatpak-vm:"), "GMG090")
    ]
    flatpak["vmDef"]["mem"], flatpak["microvm"]["mem"] = 4096, 12288
    low = run_ghafmemgen("verify", LAPTOP, write_target(tmp_path, data), "--profile", "low")
    # located at the profile's override, not at the base fleet's mem
    assert findings(low.stdout) == [
        (str(LAPTOP), line_of(LAPTOP, "flatpak-vm: { mem: 5120 }"), 21, "GMG090")
    ]
    assert "[profile low]" in low.stdout
    assert run_ghafmemgen("verify", LAPTOP, TARGET, "--profile", "nope").returncode == 2


@pytest.mark.parametrize("fmt", ["json", "github", "sarif"])
def test_verify_formats(tmp_path: Path, fmt: str) -> None:
    data = target_data()
    _mutate(data, "mem")
    proc = run_ghafmemgen("verify", LAPTOP, write_target(tmp_path, data), "--format", fmt)
    assert proc.returncode == 1
    assert "GMG090" in proc.stdout
    if fmt != "github":
        json.loads(proc.stdout)
    assert run_ghafmemgen("verify", LAPTOP, TARGET, "--format", "xml").returncode == 2


def test_verify_ignore_and_rules_catalogue(tmp_path: Path) -> None:
    data = target_data()
    _mutate(data, "memoryPercent")
    target = write_target(tmp_path, data)
    assert run_ghafmemgen("verify", LAPTOP, target, "--ignore", "GMG092").returncode == 0
    catalogue = run_ghafmemgen("rules").stdout
    for rule in ("GMG090", "GMG091", "GMG092", "GMG093", "GMG094", "GMG095", "GMG099"):
        assert rule in catalogue


# -- bad targets ----------------------------------------------------------------------------


def _bad(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    return run_ghafmemgen("verify", LAPTOP, path)


def _assert_located(proc: subprocess.CompletedProcess[str], line: int, col: int, word: str) -> None:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    located = [f for f in findings(proc.stdout) if f[3] == "GMG099"]
    assert located and located[0][1:3] == (line, col), proc.stdout
    assert located[0][0].endswith("bad.json")
    assert word in proc.stdout


def test_other_format_version(tmp_path: Path) -> None:
    text = TARGET.read_text(encoding="utf-8").replace('"formatVersion": 1', '"formatVersion": 2')
    proc = _bad(tmp_path, text)
    _assert_located(proc, line_of(TARGET, '"formatVersion"'), 20, "format version 2")


def test_truncated_json(tmp_path: Path) -> None:
    text = TARGET.read_text(encoding="utf-8")
    cut = text[: text.index('"chrome-vm"') + 40]
    proc = _bad(tmp_path, cut)
    assert proc.returncode == 1 and "JSON syntax" in proc.stdout
    assert findings(proc.stdout)[-1][3] == "GMG099" and "Traceback" not in proc.stderr


def test_wrong_type_is_located(tmp_path: Path) -> None:
    text = TARGET.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    at = line_of(TARGET, '"vcpu": 4', after='"chrome-vm"')
    lines[at - 1] = lines[at - 1].replace('"vcpu": 4', '"vcpu": "4"')
    proc = _bad(tmp_path, "".join(lines))
    _assert_located(proc, at, 17, "expected an integer")


def test_vm_without_memory_settings(tmp_path: Path) -> None:
    data = target_data()
    data["vms"]["chrome-vm"]["microvm"] = None
    proc = _bad(tmp_path, json.dumps(data, indent=2))
    written = tmp_path / "bad.json"
    _assert_located(proc, line_of(written, '"chrome-vm"'), 5, "no memory settings")
    imported = run_ghafmemgen("import", written, "--ram", "32GiB")
    assert imported.returncode == 1 and "GMG099" in imported.stderr


def test_hand_edited_not_a_target(tmp_path: Path) -> None:
    for text in ('{"vms": {}}', "[1, 2]", "", "\xff"):
        proc = _bad(tmp_path, text)
        assert proc.returncode == 1, (text, proc.stdout, proc.stderr)
        assert "GMG099" in proc.stdout and "Traceback" not in proc.stderr


def test_unknown_extra_keys_are_tolerated(tmp_path: Path) -> None:
    data = target_data()
    data["comment"] = "added by hand"
    data["vms"]["chrome-vm"]["microvm"]["shares"] = [{"tag": "ro-store"}]
    data["host"]["future"] = {"x": 1}
    target = write_target(tmp_path, data)
    assert run_ghafmemgen("verify", LAPTOP, target).returncode == 0
    assert run_ghafmemgen("import", target, "--ram", "32GiB").returncode == 0


def test_missing_target_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_ghafmemgen("verify", LAPTOP, tmp_path / "nope.json")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert run_ghafmemgen("import", tmp_path / "nope.json", "--ram", "1GiB").returncode == 2


# -- the extractor --------------------------------------------------------------------------


def test_extractor_prints_the_shipped_file() -> None:
    proc = run_ghafmemgen("extractor")
    assert proc.returncode == 0
    path = Path(proc.stdout.strip())
    assert path.is_file() and path.name == "extract.nix"
    assert "formatVersion = 1" in path.read_text(encoding="utf-8")


# A host config as plain attribute sets: every attribute the extractor must not read throws.
HAND_CONFIG = """
let
  boom = what: throw "the extractor forced ${what}";
  guest = extra: {
    microvm = { mem = 18432; vcpu = 4; balloon = true; deflateOnOOM = true;
                hypervisor = "crosvm"; devices = [ ]; kernel = boom "microvm.kernel"; };
    zramSwap = { enable = true; algorithm = "lzo-rle"; memoryPercent = 25; priority = 5;
                 swapDevices = boom "zramSwap.swapDevices"; };
    boot.kernel.sysctl = { "vm.swappiness" = 10; "net.core" = boom "sysctl"; };
    systemd = boom "guest systemd";
  } // extra;
in {
  system = boom "system";
  systemd = boom "host systemd";
  ghaf.partitioning.disko.swapSize = 12288;
  ghaf.virtualization.vmConfig = {
    defaultSysVmVmm = "crosvm"; defaultAppVmVmm = "crosvm";
    sysvms.guivm = { mem = 6144; vcpu = 6; vmm = null; extraModules = [ (boom "extraModules") ]; };
    appvms = { };
  };
  ghaf.virtualization.microvm.appvm.enabledVms.chrome = {
    name = "chrome"; mem = 6144; balloonRatio = 2; applications = boom "applications";
  };
  disko.devices = {
    lvm_vg.pool.lvs = {
      swap = { size = "12288M";
               content = { type = "swap"; resumeDevice = true; randomEncryption = false; }; };
      root_0 = boom "root_0";
    };
    disk.disk1 = { content.partitions = { }; imageSize = boom "imageSize"; };
  };
  microvm.vms = {
    chrome-vm = { evaluatedConfig.config = guest { }; config = boom "config of evaluated VM"; };
    gui-vm = { evaluatedConfig = null; config.config = guest {
      microvm = { mem = 6144; vcpu = 6; balloon = false; deflateOnOOM = true;
                  hypervisor = "crosvm"; devices = [ { bus = "pci"; path = "0000:00:02.0"; } ]; };
    }; };
    empty-vm = { evaluatedConfig = null; config = null; };
  };
}
"""


@pytest.mark.nix
def test_extractor_reads_only_what_it_needs(nix_eval: Any) -> None:
    """getConfig's two shapes (evaluatedConfig, config.config), app vs system by enabledVms,
    and nothing else forced: every other attribute of HAND_CONFIG throws."""
    path = ROOT / "ghafmemgen" / "nix" / "extract.nix"
    got = nix_eval(f"import {path} ({HAND_CONFIG})")
    assert got["format"] == "ghafmemgen-target" and got["formatVersion"] == 1
    assert got["host"]["swapSize"] == 12288
    assert got["host"]["swapVolumes"] == [
        {
            "path": "disko.devices.lvm_vg.pool.lvs.swap",
            "size": "12288M",
            "resumeDevice": True,
            "randomEncryption": False,
        }
    ]
    assert got["host"]["vmConfig"]["sysvms"] == {"guivm": {"mem": 6144, "vcpu": 6, "vmm": None}}
    chrome, gui, empty = (got["vms"][n] for n in ("chrome-vm", "gui-vm", "empty-vm"))
    assert chrome["kind"] == "app" and chrome["vmDef"] == {"mem": 6144, "balloonRatio": 2}
    assert chrome["microvm"] == {
        "mem": 18432,
        "vcpu": 4,
        "balloon": True,
        "deflateOnOOM": True,
        "hypervisor": "crosvm",
    }
    assert chrome["zramSwap"] == {
        "enable": True,
        "algorithm": "lzo-rle",
        "memoryPercent": 25,
        "priority": 5,
    }
    assert chrome["swappiness"] == 10 and chrome["passthrough"] is False
    assert gui["kind"] == "system" and gui["vmDef"] is None and gui["passthrough"] is True
    assert gui["microvm"]["mem"] == 6144
    assert empty["microvm"] is None and empty["kind"] == "system"


@pytest.mark.nix
def test_extractor_output_reads_back(nix_eval: Any, tmp_path: Path) -> None:
    """The JSON nix prints (one line) is a target import reads, with positions on line 1."""
    path = ROOT / "ghafmemgen" / "nix" / "extract.nix"
    got = nix_eval(f"import {path} ({HAND_CONFIG})")
    del got["vms"]["empty-vm"]
    target = tmp_path / "one-line.json"
    target.write_text(json.dumps(got, separators=(",", ":")), encoding="utf-8")
    proc = run_ghafmemgen("import", target, "--ram", "16GiB")
    assert proc.returncode == 0, proc.stderr
    assert "gui-vm:\n    kind: system\n    mem: 6144" in proc.stdout
    got["vms"]["chrome-vm"]["microvm"]["vcpu"] = "4"
    target.write_text(json.dumps(got, separators=(",", ":")), encoding="utf-8")
    bad = run_ghafmemgen("import", target, "--ram", "16GiB")
    assert bad.returncode == 1 and re.search(r"one-line.json:1:\d+: GMG099", bad.stderr)


@pytest.mark.nix
def test_flake_exposes_the_extractor(nix_eval: Any) -> None:
    """flake.nix's lib.extract is the shipped file (evaluated without nixpkgs: it needs none)."""
    flake = ROOT / "flake.nix"
    path = ROOT / "ghafmemgen" / "nix" / "extract.nix"
    via_flake = nix_eval(
        f"((import {flake}).outputs {{ self = null; nixpkgs = null; }}).lib.extract ({HAND_CONFIG})"
    )
    assert via_flake == nix_eval(f"import {path} ({HAND_CONFIG})")


FLAKE = """{
  outputs = _: {
    nixosConfigurations."demo-host".config = import ./config.nix;
  };
}
"""


@pytest.mark.nix
def test_import_flake_runs_nix_eval(tmp_path: Path) -> None:
    """`import --flake REF#TARGET` evaluates the host with the shipped extractor (a flake with
    no inputs, a throw-away store: nothing leaves tmp_path)."""
    nix = shutil.which("nix")
    if nix is None:
        if os.environ.get("GHAFMEMGEN_REQUIRE_NIX") == "1":
            pytest.fail("nix is required (GHAFMEMGEN_REQUIRE_NIX=1) but not on PATH")
        pytest.skip("nix not installed")
    flake = tmp_path / "ghaf"
    flake.mkdir()
    (flake / "flake.nix").write_text(FLAKE, encoding="utf-8")
    usable = HAND_CONFIG.replace("empty-vm = { evaluatedConfig = null; config = null; };", "")
    (flake / "config.nix").write_text(usable, encoding="utf-8")
    env = {"NIX_REMOTE": str(tmp_path / "store"), "HOME": str(tmp_path)}
    out = tmp_path / "fleet.yaml"
    flake_ref = f"{flake}#demo-host"
    proc = run_ghafmemgen("import", "--flake", flake_ref, "--ram", "16GiB", "-o", out, env=env)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert "name: demo-host" in text and flake_ref in text
    assert "chrome-vm:\n    kind: app\n    mem: 6144" in text
    missing = f"{flake}#no-such-host"
    broken = run_ghafmemgen("import", "--flake", missing, "--ram", "16GiB", env=env)
    assert broken.returncode == 2 and "nix eval failed" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_target_schema_is_valid_and_described() -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads((ROOT / "schemas" / "target.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    Draft202012Validator(schema).validate(target_data())  # the fixture is a valid target


def test_hand_edited_names_cannot_break_a_finding(tmp_path: Path) -> None:
    """Names and values that come only from the build are quoted with escapes: one finding,
    one line, whatever a hand-edited target holds."""
    data = target_data()
    data["vms"]["x\nfake.yaml:1:1: GMG000 error: forged\u2028-vm"] = data["vms"].pop("media-vm")
    data["vms"]["chrome-vm"]["microvm"]["hypervisor"] = "qemu\nforged"
    proc = run_ghafmemgen("verify", LAPTOP, write_target(tmp_path, data), "--format", "text")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) == 4, proc.stdout  # three findings and the summary
    assert all(line.startswith(str(LAPTOP)) for line in lines[:3])
    assert "\u2028" not in proc.stdout
    named = run_ghafmemgen("import", write_target(tmp_path, target_data()), "--ram", "8GiB")
    assert named.returncode == 0
    odd = tmp_path / "odd\u2028name.json"
    odd.write_text(json.dumps(target_data()), encoding="utf-8")
    header = run_ghafmemgen("import", odd, "--ram", "8GiB").stdout.splitlines()[3]
    assert "odd\\u2028name.json" in header
