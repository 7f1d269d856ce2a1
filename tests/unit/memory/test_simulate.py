"""The S3-resume simulation: which layer absorbs each VM's spike, and does the host fit?

Every fleet below uses compressionRatio 2 (zram frees half of what it holds), workingSet 75%
and idle 50%, so the figures are exact in binary floating point and easy to follow by hand.
zram is 25% (the built-in memoryPercent) of microvm.mem.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from ghafmemgen import GENERATOR, pipeline
from ghafmemgen.emit.json import simulate_json, variant_json
from ghafmemgen.lint.resume import vm_message
from ghafmemgen.memory.simulate import Simulation, VmOutcome, simulate

from inprocess import run_cli
from support import LAPTOP

HEAD = """\
version: 1
defaults:
  compressionRatio: 2
  resume: {workingSet: "75%", idle: 0.5}
"""


def write(tmp_path: Path, body: str, name: str = "fleet.yaml") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + textwrap.dedent(body), encoding="utf-8")
    return path


def run(tmp_path: Path, body: str, profile: str | None = None) -> Simulation:
    var = pipeline.variant(pipeline.load(write(tmp_path, body)), profile)
    return simulate(var.fleet, var.plan)


def only_vm(sim: Simulation) -> VmOutcome:
    (vm,) = sim.vms
    return vm


# A system VM of 1024 MiB: U = 0.75 * 1024 = 768, F = 1024 - 768 = 256,
# zram disk = 25% of 1024 = 256, G = min(256, 0.5 * 768 = 384) * (1 - 1/2) = 128.
SYSTEM_1G = """\
host: {{ram: 8GiB, reserved: 1GiB, swap: {{size: 0}}}}
vms:
  sys-vm: {{kind: system, mem: 1024, resume: {{spike: {spike}}}}}
"""


def test_spike_absorbed_by_free_memory(tmp_path: Path) -> None:
    sim = run(tmp_path, SYSTEM_1G.format(spike=200))
    vm = only_vm(sim)
    assert (vm.used_mib, vm.free_mib, vm.zram_room_mib, vm.balloon_room_mib) == (768, 256, 128, 0)
    assert vm.absorbed_by == "free"  # 200 <= F = 256
    assert (vm.zram_mib, vm.balloon_mib, vm.shortfall_mib) == (0, 0, 0)
    assert vm.margin_mib == 184  # F + G + 0 - P = 256 + 128 - 200
    assert vm.resident_mib == 968  # min(U + P, V) = min(768 + 200, 1024)
    assert sim.host.demand_mib == 1992  # reserved 1024 + 968
    assert (sim.host.outcome, sim.host.swap_used_mib, sim.host.margin_mib) == ("ram", 0, 6200)
    assert sim.survived


def test_spike_exactly_the_free_memory_stays_in_free(tmp_path: Path) -> None:
    vm = only_vm(run(tmp_path, SYSTEM_1G.format(spike=256)))
    assert (vm.absorbed_by, vm.zram_mib, vm.margin_mib) == ("free", 0, 128)  # P = F


def test_spike_absorbed_by_zram(tmp_path: Path) -> None:
    sim = run(tmp_path, SYSTEM_1G.format(spike=300))
    vm = only_vm(sim)
    assert vm.absorbed_by == "zram"  # F = 256 < 300 <= F + G = 384
    assert vm.zram_mib == 44  # P - F = 300 - 256: what zram had to free
    assert (vm.balloon_mib, vm.shortfall_mib) == (0, 0)
    assert vm.margin_mib == 84  # 256 + 128 - 300
    assert vm.resident_mib == 1024  # min(768 + 300, 1024)
    assert sim.survived


# An app VM of 1024 MiB with balloonRatio 1: microvm.mem = 2048, balloon headroom 2048 - 1024
# = 1024, zram disk = 25% of 2048 = 512, G = min(512, 0.5 * 768 = 384) * 0.5 = 192.
APP_1G = """\
host: {{ram: {ram}, reserved: 512, swap: {{size: 2GiB}}}}
vms:
  app-vm: {{kind: app, mem: 1024, balloonRatio: 1, resume: {{spike: 600}}}}
"""


def test_spike_absorbed_by_the_balloon(tmp_path: Path) -> None:
    sim = run(tmp_path, APP_1G.format(ram="4GiB"))
    vm = only_vm(sim)
    assert (vm.free_mib, vm.zram_room_mib, vm.balloon_room_mib) == (256, 192, 1024)
    assert vm.absorbed_by == "balloon"  # 600 > F + G = 448, N = 600 - 448 = 152 <= 1024
    assert (vm.zram_mib, vm.balloon_mib) == (192, 152)  # zram gives all it has, balloon the rest
    assert vm.margin_mib == 872  # 256 + 192 + 1024 - 600
    assert vm.resident_mib == 1176  # min(768 + 600, 1024) + N = 1024 + 152
    assert sim.host.demand_mib == 1688  # 512 + 1176
    assert (sim.host.outcome, sim.host.margin_mib) == ("ram", 4096 + 2048 - 1688)
    assert sim.survived


def test_host_absorbs_the_demand_in_swap(tmp_path: Path) -> None:
    sim = run(tmp_path, APP_1G.format(ram=1536))
    assert only_vm(sim).absorbed_by == "balloon"
    h = sim.host
    # demand 1688 > RAM 1536, <= 1536 + 2048, and pinned 0 + reserved 512 <= 1536
    assert (h.demand_mib, h.outcome) == (1688, "swap")
    assert h.swap_used_mib == 152  # min(max(0, 1688 - 1536), 2048)
    assert h.margin_mib == 1896  # 1536 + 2048 - 1688
    assert sim.survived
    assert variant_json(sim)["host"] == {
        "demandMiB": 1688.0,
        "ramMiB": 1536,
        "swapUsedMiB": 152.0,
        "outcome": "swap",
        "marginMiB": 1896.0,
    }


def test_system_vm_without_balloon_runs_out_when_zram_is_too_small(tmp_path: Path) -> None:
    body = """\
    host: {ram: 8GiB, reserved: 1GiB, swap: {size: 0}}
    vms:
      sys-vm: {kind: system, mem: 1024, zram: {memoryPercent: 10}, resume: {spike: 400}}
    """
    sim = run(tmp_path, body)
    vm = only_vm(sim)
    # zram disk = 10 * 1024 // 100 = 102, G = min(102, 384) * 0.5 = 51; no balloon
    assert (vm.free_mib, vm.zram_room_mib, vm.balloon_room_mib) == (256, 51, 0)
    assert vm.absorbed_by == "oom"
    assert vm.shortfall_mib == 93  # 400 - (256 + 51 + 0)
    assert (vm.zram_mib, vm.balloon_mib, vm.margin_mib) == (0, 0, 0)
    assert vm.resident_mib == 1024  # an OOM VM holds all of V
    assert sim.host.outcome == "ram"  # 1024 + 1024 <= 8192
    assert not sim.survived
    assert variant_json(sim)["vms"] == [
        {
            "name": "sys-vm",
            "spikeMiB": 400,
            "absorbedBy": "oom",
            "zramMiB": 0.0,
            "balloonMiB": 0.0,
            "shortfallMiB": 93.0,
            "marginMiB": 0.0,
        }
    ]


@pytest.mark.parametrize(
    ("settings", "absorbed"),
    [
        ("hypervisor: qemu, deflateOnOOM: true", "balloon"),
        ("hypervisor: qemu, deflateOnOOM: false", "oom"),  # mem-manager comes too late
        ("hypervisor: crosvm, deflateOnOOM: true", "balloon"),
        ("hypervisor: crosvm, deflateOnOOM: false", "balloon"),  # crosvm deflates anyway
    ],
)
def test_the_balloon_absorbs_only_with_deflate_on_oom_in_effect(
    tmp_path: Path, settings: str, absorbed: str
) -> None:
    body = APP_1G.format(ram="4GiB").replace("balloonRatio: 1,", f"balloonRatio: 1, {settings},")
    vm = only_vm(run(tmp_path, body))
    assert vm.absorbed_by == absorbed
    # F + G = 448 without the balloon: 600 - 448 = 152 short
    assert (vm.balloon_room_mib, vm.shortfall_mib) == (
        (1024, 0) if absorbed == "balloon" else (0, 152)
    )


def test_app_vm_without_balloon_cannot_use_the_balloon_layer(tmp_path: Path) -> None:
    body = """\
    host: {ram: 8GiB}
    vms:
      app-vm: {kind: app, mem: 1024, balloonRatio: 0, resume: {spike: 600}}
    """
    vm = only_vm(run(tmp_path, body))
    # microvm.mem = 1024, zram disk 256, G = 128, headroom 0: 600 - (256 + 128) = 216 short
    assert (vm.balloon_room_mib, vm.absorbed_by, vm.shortfall_mib) == (0, "oom", 216)


@pytest.mark.parametrize(
    ("vm", "advice"),
    [
        # zram disk 102 < idle pages 384: a bigger device would free more
        (
            "{kind: system, mem: 1024, zram: {memoryPercent: 10}, resume: {spike: 2000}}",
            "raise its mem or zram.memoryPercent, or lower resume.spike",
        ),
        # zram disk 1024 >= idle pages 384: the idle pages are the limit, not the device
        (
            "{kind: system, mem: 1024, zram: {memoryPercent: 100}, resume: {spike: 2000}}",
            "raise its mem, or lower resume.spike",
        ),
        (
            "{kind: system, mem: 1024, zram: {enable: false}, resume: {spike: 2000}}",
            "raise its mem, set zram.enable: true, or lower resume.spike",
        ),
        (
            "{kind: app, mem: 1024, balloonRatio: 0, resume: {spike: 2000}}",
            "raise its mem or zram.memoryPercent or balloonRatio, or lower resume.spike",
        ),
    ],
)
def test_oom_message_names_only_the_knobs_that_help(tmp_path: Path, vm: str, advice: str) -> None:
    sim = run(tmp_path, f"host: {{ram: 8GiB}}\nvms:\n  x-vm: {vm}\n")
    message = vm_message(only_vm(sim))
    assert message.startswith("x-vm runs out of memory on resume: its 2000 MiB spike exceeds ")
    assert message.endswith(f": {advice}")


def test_host_runs_out_of_ram_and_swap(tmp_path: Path) -> None:
    body = """\
    host: {ram: 2GiB, reserved: 1GiB, swap: {size: 256MiB}}
    vms:
      big-vm: {kind: system, mem: 1024, resume: {spike: 300}}
      small-vm: {kind: system, mem: 512, resume: {spike: 0}}
    """
    sim = run(tmp_path, body)
    big, small = sim.vms
    assert (big.absorbed_by, big.resident_mib) == ("zram", 1024)  # min(768 + 300, 1024)
    assert (small.absorbed_by, small.resident_mib) == ("free", 384)  # 0.75 * 512
    h = sim.host
    assert h.demand_mib == 2432  # 1024 + 1024 + 384
    assert h.outcome == "oom"  # 2432 > 2048 + 256
    assert h.swap_used_mib == 256  # min(2432 - 2048, 256): swap is full
    assert h.margin_mib == -128  # 2048 + 256 - 2432
    assert not sim.survived


def test_host_cannot_swap_pinned_memory(tmp_path: Path) -> None:
    # A passthrough system VM pins its 2048 MiB; with 512 reserved, 2560 > 2048 RAM.
    body = """\
    host: {ram: 2GiB, reserved: 512, swap: {size: 4GiB}}
    vms:
      gpu-vm: {kind: system, mem: 2048, passthrough: true}
    """
    sim = run(tmp_path, body)
    vm = only_vm(sim)
    # built-in spike 256 (passthrough system VM) <= F = 2048 - 1536 = 512
    assert (vm.spike_mib, vm.absorbed_by, vm.resident_mib) == (256, "free", 1792)
    h = sim.host
    assert (h.demand_mib, h.pinned_mib) == (2304, 2048)  # 512 + 1792
    # 2304 fits in RAM + swap (6144), but the unswappable 2048 + 512 does not fit in RAM.
    assert h.outcome == "oom"
    assert h.margin_mib == 3840  # the formula RAM + swap - demand still holds: 2048 + 4096 - 2304


def test_builtin_resume_defaults_and_profile_overrides(tmp_path: Path) -> None:
    body = """\
    host: {ram: 8GiB}
    vms:
      app-vm: {kind: app, mem: 1024}
      net-vm: {kind: system, mem: 1024, passthrough: true}
      admin-vm: {kind: system, mem: 1024}
    profiles:
      wake:
        defaults: {resume: {idle: "10%"}}
        vms:
          app-vm: {resume: {spike: 64MiB, workingSet: 1}}
    """
    path = tmp_path / "defaults.yaml"
    path.write_text("version: 1\n" + textwrap.dedent(body), encoding="utf-8")
    loaded = pipeline.load(path)
    base = {vm.name: vm.resume for vm in pipeline.variant(loaded, None).fleet.vms}
    assert {name: r.spike_mib for name, r in base.items()} == {
        "admin-vm": 128,
        "app-vm": 0,
        "net-vm": 256,
    }
    assert {(r.working_set, r.idle) for r in base.values()} == {(0.8, 0.5)}
    wake = {vm.name: vm.resume for vm in pipeline.variant(loaded, "wake").fleet.vms}
    assert (wake["app-vm"].spike_mib, wake["app-vm"].working_set, wake["app-vm"].idle) == (
        64,
        1.0,
        0.1,
    )
    assert (wake["net-vm"].spike_mib, wake["net-vm"].working_set, wake["net-vm"].idle) == (
        256,
        0.8,
        0.1,
    )


def test_a_profile_named_like_a_share_is_not_parsed_as_one(tmp_path: Path) -> None:
    path = write(tmp_path, "host: {ram: 8GiB}\nvms: {a-vm: {kind: app, mem: 512}}\n")
    path.write_text(path.read_text() + "profiles:\n  idle: {host: {ram: 4GiB}}\n")
    assert pipeline.variant(pipeline.load(path), "idle").fleet.host.ram_mib == 4096


def test_json_document_has_exactly_the_documented_keys() -> None:
    var = pipeline.variant(pipeline.load(LAPTOP), "low")
    sim = simulate(var.fleet, var.plan)
    top = simulate_json([sim])
    assert list(top) == ["generator", "survived", "variants"]
    assert (top["generator"], top["survived"]) == (GENERATOR, sim.survived)
    (doc,) = top["variants"]
    assert list(doc) == ["profile", "survived", "vms", "host"]
    assert doc["profile"] == "low"
    assert [vm["name"] for vm in doc["vms"]] == [vm.name for vm in var.fleet.vms]
    for vm in doc["vms"]:
        assert list(vm) == [
            "name",
            "spikeMiB",
            "absorbedBy",
            "zramMiB",
            "balloonMiB",
            "shortfallMiB",
            "marginMiB",
        ]
        assert vm["absorbedBy"] in {"free", "zram", "balloon", "oom"}
        assert all(round(vm[k], 1) == vm[k] for k in ("zramMiB", "marginMiB"))
    assert list(doc["host"]) == ["demandMiB", "ramMiB", "swapUsedMiB", "outcome", "marginMiB"]


# -- the command line -----------------------------------------------------------------------


def test_cli_exit_0_and_json_when_everything_survives(tmp_path: Path) -> None:
    path = write(tmp_path, APP_1G.format(ram=1536))
    code, out, _ = run_cli("simulate", str(path), "--format", "json")
    assert code == 0
    (doc,) = json.loads(out)["variants"]
    assert doc["vms"][0] == {
        "name": "app-vm",
        "spikeMiB": 600,
        "absorbedBy": "balloon",
        "zramMiB": 192.0,
        "balloonMiB": 152.0,
        "shortfallMiB": 0.0,
        "marginMiB": 872.0,
    }
    assert doc["host"]["outcome"] == "swap"


def test_cli_exit_1_and_table_when_a_vm_goes_oom(tmp_path: Path) -> None:
    body = """\
    host: {ram: 8GiB}
    vms:
      sys-vm: {kind: system, mem: 1024, zram: {memoryPercent: 10}, resume: {spike: 400}}
    """
    code, out, _ = run_cli("simulate", str(write(tmp_path, body)))
    assert code == 1
    row = next(line for line in out.splitlines() if line.startswith("sys-vm"))
    assert row.split() == [
        "sys-vm",
        "400",
        "256.0",
        "51.0",
        "0",
        "OOM",
        "0.0",
        "0.0",
        "93.0",
        "0.0",
    ]
    assert "Base fleet: out of memory on resume: sys-vm." in out
    assert out.splitlines()[-1] == "Out of memory on resume: sys-vm (1 profile simulated)."


def test_cli_exit_1_when_only_the_host_goes_oom_and_output_file(tmp_path: Path) -> None:
    body = """\
    host: {ram: 2GiB, reserved: 1GiB, swap: {size: 256MiB}}
    vms:
      big-vm: {kind: system, mem: 1024, resume: {spike: 300}}
      small-vm: {kind: system, mem: 512, resume: {spike: 0}}
    """
    target = tmp_path / "sim.json"
    args = ["simulate", str(write(tmp_path, body)), "-f", "json", "-o", str(target)]
    code, out, _ = run_cli(*args)
    assert (code, out) == (1, "")
    (doc,) = json.loads(target.read_text())["variants"]
    assert {vm["absorbedBy"] for vm in doc["vms"]} == {"zram", "free"}
    assert doc["host"]["outcome"] == "oom"


@pytest.mark.parametrize(
    "extra", [["--format", "xml"], ["--profile", "nope"], ["--bogus"]], ids=str
)
def test_cli_usage_errors_exit_2(extra: list[str]) -> None:
    code, out, _ = run_cli("simulate", str(LAPTOP), *extra)
    assert (code, out) == (2, "")


def test_cli_missing_file_exits_2(tmp_path: Path) -> None:
    code, _, err = run_cli("simulate", str(tmp_path / "none.yaml"))
    assert code == 2 and "none.yaml" in err


# -- check --simulate -------------------------------------------------------------------------

CHECKED = """\
host: {ram: 8GiB, reserved: 1GiB, swap: {size: 512MiB}}
vms:
  ok-vm: {kind: system, mem: 1024}
  weak-vm:
    kind: system
    mem: 1024
    zram: {memoryPercent: 10}
    resume: {spike: 400}
profiles:
  small:
    host:
      ram: 2GiB
"""
# Lines after HEAD's 4: host 5, vms 6, ok-vm 7, weak-vm 8, ..., profiles 13, small 14, host 15.
# Base: weak-vm OOM (93 MiB short, as above). Profile small: demand = 1024 + ok-vm
# min(768 + 128, 1024) = 896 + weak-vm 1024 = 2944 > 2048 + 512 -> the host goes OOM,
# 384 MiB short.


def test_check_simulate_locates_gmg080(tmp_path: Path) -> None:
    path = write(tmp_path, CHECKED)
    code, out, _ = run_cli("check", "--simulate", "-f", "json", str(path))
    assert code == 1
    found = [f for f in json.loads(out) if f["rule"] == "GMG080"]
    where = sorted((f["line"], f["column"], f["path"], f["profile"]) for f in found)
    assert where == [(8, 3, "$.vms.weak-vm", None), (15, 5, "$.host", "small")]
    assert all(f["severity"] == "error" for f in found)
    host = next(f for f in found if f["path"] == "$.host")
    assert "2944.0 MiB" in host["message"] and "384.0 MiB short" in host["message"]


def test_check_runs_gmg080_only_with_simulate_and_it_can_be_ignored(tmp_path: Path) -> None:
    path = str(write(tmp_path, CHECKED))
    for args in (["check", path], ["check", "--simulate", "--ignore", "GMG080", path]):
        _, out, _ = run_cli(*args, "-f", "json")
        assert not [f for f in json.loads(out) if f["rule"] == "GMG080"]
