"""The memory model (ghafmemgen.memory.plan): every figure worked out by hand in the comments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ghafmemgen import __version__, pipeline
from ghafmemgen.emit.json import plan_json
from ghafmemgen.memory.plan import required_swap_mib, zram_gain_mib

from support import LAPTOP

VM_KEYS = [
    "name",
    "kind",
    "hypervisor",
    "memMiB",
    "qemuMemMiB",
    "balloon",
    "deflateOnOOM",
    "zramDiskMiB",
    "zramGainMiB",
    "effectiveMinMiB",
    "effectiveMaxMiB",
]
HOST_KEYS = [
    "ramMiB",
    "reservedMiB",
    "pinnedMiB",
    "steadyMiB",
    "worstCaseMiB",
    "largestDeflationMiB",
    "requiredSwapMiB",
    "swapMiB",
    "overcommitRatio",
]


def plan_of(tmp_path: Path, text: str, profile: str | None = None) -> dict[str, Any]:
    path = tmp_path / "fleet.yaml"
    path.write_text(text, encoding="utf-8")
    return plan_json(pipeline.variant(pipeline.load(path), profile).plan)


def vm(plan: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [v for v in plan["vms"] if v["name"] == name]
    return found


@pytest.fixture(scope="module")
def laptop() -> dict[str, Any]:
    return plan_json(pipeline.variant(pipeline.load(LAPTOP), None).plan)


# --- acceptance: the bundled laptop fleet -------------------------------------------------


def test_laptop_chrome_vm(laptop: dict[str, Any]) -> None:
    chrome = vm(laptop, "chrome-vm")
    assert chrome["memMiB"] == 6144
    assert chrome["qemuMemMiB"] == 18432  # 6144 * (balloonRatio 2 + 1)
    assert chrome["zramDiskMiB"] == 4608  # floor(25 / 100 * 18432)
    assert chrome["zramGainMiB"] == 2764.8  # 4608 * (1 - 1 / 2.5) = 4608 * 0.6
    assert chrome["effectiveMinMiB"] == 8908.8  # 6144 + 2764.8
    assert chrome["effectiveMaxMiB"] == 21196.8  # 18432 + 2764.8
    assert chrome["balloon"] is True
    assert chrome["deflateOnOOM"] is True  # crosvm's relaxed balloon always deflates on OOM
    assert chrome["hypervisor"] == "crosvm"


def test_laptop_host(laptop: dict[str, Any]) -> None:
    host = laptop["host"]
    # system VMs: net 1024 + admin 1024 + gui 6144 + audio 1024 = 9216
    # app VMs (base): business 6144 + chrome 6144 + comms 4096 + flatpak 6144 + media 1024
    #   = 23552, each may grow to three times that: 70656
    assert host["ramMiB"] == 32768
    assert host["reservedMiB"] == 1024
    assert host["steadyMiB"] == 33792  # 1024 + 9216 + 23552
    assert host["worstCaseMiB"] == 80896  # 1024 + 9216 + 70656
    assert host["largestDeflationMiB"] == 12288  # 18432 - 6144 (business, chrome, flatpak)
    # 33792 + 12288 - 32768 = 13312, exactly 13 GiB
    assert host["requiredSwapMiB"] == 13312
    assert host["swapMiB"] == 12288  # the fleet's explicit 12GiB
    assert host["pinnedMiB"] == 8192  # passthrough: net 1024 + gui 6144 + audio 1024
    assert host["overcommitRatio"] == 2.5  # 80896 / 32768 = 2.46875 -> 2.5


def test_laptop_profiles(tmp_path: Path) -> None:
    loaded = pipeline.load(LAPTOP)
    low = plan_json(pipeline.variant(loaded, "low").plan)
    # low: 16 GiB RAM, flatpak 5120: steady 33792 - 1024 = 32768, worst 80896 - 3 * 1024
    assert (low["profile"], low["host"]["ramMiB"]) == ("low", 16384)
    assert low["host"]["steadyMiB"] == 32768
    assert low["host"]["worstCaseMiB"] == 77824
    # 32768 + 12288 - 16384 = 28672 = 28 GiB
    assert low["host"]["requiredSwapMiB"] == 28672
    minimal = plan_json(pipeline.variant(loaded, "minimal").plan)
    # minimal: gui 6144 -> 2047 and audio 1024 -> 512 save 4097 + 512 = 4609
    assert minimal["host"]["steadyMiB"] == 33792 - 4609
    # 29183 + 12288 - 32768 = 8703 -> rounded up to 9 GiB
    assert minimal["host"]["requiredSwapMiB"] == 9216


def test_json_keys_are_exactly_the_documented_ones(laptop: dict[str, Any]) -> None:
    assert list(laptop) == ["generator", "profile", "vms", "host"]
    assert laptop["generator"] == f"ghafmemgen {__version__}"
    assert laptop["profile"] is None  # the base fleet
    for entry in laptop["vms"]:
        assert list(entry) == VM_KEYS
    assert list(laptop["host"]) == HOST_KEYS
    assert [v["name"] for v in laptop["vms"]] == sorted(v["name"] for v in laptop["vms"])


def test_floats_are_rounded_to_a_tenth(laptop: dict[str, Any]) -> None:
    for entry in laptop["vms"]:
        for key in ("zramGainMiB", "effectiveMinMiB", "effectiveMaxMiB"):
            assert round(entry[key], 1) == entry[key]
    assert isinstance(laptop["host"]["overcommitRatio"], float)


# --- zram: the 512 MiB example ------------------------------------------------------------

HOST = "version: 1\nhost: {ram: 8GiB}\n"


def test_512_mib_vm_with_25_percent_zram_gets_588_8_mib(tmp_path: Path) -> None:
    # Ghaf's docs: "25% of RAM as zram yields approximately 62% more effective memory. For a
    # 512 MB VM, this means approximately 832 MB" (512 + 0.25 * 512 * 2.5).
    # zramSwap.memoryPercent sizes the device's *uncompressed* capacity from MemTotal:
    # D = 25% of 512 = 128 MiB. Holding 128 MiB of pages at ratio 2.5 costs 128 / 2.5 =
    # 51.2 MiB of RAM, so the VM gains D * (1 - 1 / r) = 128 * 0.6 = 76.8 MiB:
    # 512 + 76.8 = 588.8 MiB (+15%), not 832.
    plan = plan_of(
        tmp_path,
        HOST + "vms:\n  sys-vm: {kind: system, mem: 512}\n"
        "  app-vm: {kind: app, mem: 512, balloonRatio: 0}\n",
    )
    for name in ("sys-vm", "app-vm"):  # a system VM, and an app VM without a balloon
        entry = vm(plan, name)
        assert entry["qemuMemMiB"] == 512
        assert entry["zramDiskMiB"] == 128
        assert entry["zramGainMiB"] == 76.8
        assert entry["effectiveMinMiB"] == 588.8
        assert entry["effectiveMaxMiB"] == 588.8


def test_512_mib_ballooned_app_vm_sizes_zram_from_its_whole_allocation(tmp_path: Path) -> None:
    # balloonRatio 2 on qemu: microvm.mem = 512 * 3 = 1536, and with deflate-on-OOM the
    # balloon stays in MemTotal, so D = 25% of 1536 = 384 and the gain 384 * 0.6 = 230.4:
    # from 512 + 230.4 = 742.4 up to 1536 + 230.4 = 1766.4.
    entry = vm(
        plan_of(
            tmp_path, HOST + "defaults: {hypervisor: qemu}\nvms:\n  a-vm: {kind: app, mem: 512}\n"
        ),
        "a-vm",
    )
    assert (entry["qemuMemMiB"], entry["zramDiskMiB"], entry["zramGainMiB"]) == (1536, 384, 230.4)
    assert (entry["effectiveMinMiB"], entry["effectiveMaxMiB"]) == (742.4, 1766.4)
    assert entry["balloon"] is True
    assert entry["deflateOnOOM"] is True


def test_zram_gain_formula() -> None:
    assert zram_gain_mib(128, 2.5) == pytest.approx(76.8)
    assert zram_gain_mib(1000, 1) == 0  # no compression: no gain
    assert zram_gain_mib(1000, 4) == 750  # 1000 - 1000 / 4
    assert zram_gain_mib(0, 2.5) == 0


def test_zram_disk_is_floored(tmp_path: Path) -> None:
    text = (
        HOST + "defaults: {zram: {memoryPercent: 33}}\nvms:\n"
        "  a-vm: {kind: system, mem: 1000}\n  b-vm: {kind: system, mem: 1001}\n"
        "  c-vm: {kind: system, mem: 1000, zram: {memoryPercent: 150}}\n"
    )
    plan = plan_of(tmp_path, text)
    assert vm(plan, "a-vm")["zramDiskMiB"] == 330  # 0.33 * 1000
    assert vm(plan, "b-vm")["zramDiskMiB"] == 330  # floor(330.33)
    assert vm(plan, "c-vm")["zramDiskMiB"] == 1500  # a VM's own zram block wins


def test_zram_disabled_gains_nothing(tmp_path: Path) -> None:
    text = HOST + "vms:\n  a-vm: {kind: system, mem: 1000, zram: {enable: false}}\n"
    entry = vm(plan_of(tmp_path, text), "a-vm")
    assert (entry["zramDiskMiB"], entry["zramGainMiB"], entry["effectiveMinMiB"]) == (0, 0, 1000)


def test_compression_ratio_from_defaults(tmp_path: Path) -> None:
    text = HOST + "defaults: {compressionRatio: 4}\nvms:\n  a-vm: {kind: system, mem: 1000}\n"
    # D = 250, gain = 250 * (1 - 1/4) = 187.5
    assert vm(plan_of(tmp_path, text), "a-vm")["zramGainMiB"] == 187.5


# --- balloons and deflate-on-OOM ----------------------------------------------------------


def test_deflate_on_oom_in_effect(tmp_path: Path) -> None:
    text = HOST + (
        "vms:\n"
        "  q-vm: {kind: app, mem: 1024, hypervisor: qemu}\n"
        "  c-vm: {kind: app, mem: 1024, hypervisor: crosvm, deflateOnOOM: true}\n"
        "  d-vm: {kind: app, mem: 1024, hypervisor: crosvm, deflateOnOOM: false}\n"
        "  e-vm: {kind: app, mem: 1024, hypervisor: crosvm, balloonRatio: 0}\n"
        "  n-vm: {kind: app, mem: 1024, hypervisor: qemu, balloonRatio: 0}\n"
        "  o-vm: {kind: app, mem: 1024, hypervisor: qemu, deflateOnOOM: false}\n"
        "  s-vm: {kind: system, mem: 1024, hypervisor: qemu}\n"
    )
    plan = plan_of(tmp_path, text)
    flags = {v["name"]: (v["balloon"], v["deflateOnOOM"]) for v in plan["vms"]}
    assert flags == {
        "q-vm": (True, True),  # Ghaf's default: balloonRatio 2, deflateOnOOM true
        "c-vm": (True, True),  # crosvm's relaxed balloon offers deflate-on-OOM
        "d-vm": (True, True),  # whatever microvm.deflateOnOOM says (GMG021 warns)
        "e-vm": (False, False),  # no balloon on crosvm either
        "n-vm": (False, False),  # no balloon, nothing to deflate
        "o-vm": (True, False),  # switched off
        "s-vm": (False, False),  # system VMs have no balloon
    }
    assert vm(plan, "n-vm")["qemuMemMiB"] == 1024  # 1024 * (0 + 1)
    assert vm(plan, "s-vm")["qemuMemMiB"] == 1024  # system VMs: mem
    assert vm(plan, "q-vm")["qemuMemMiB"] == 3072


def test_balloon_ratio_from_defaults_applies_to_app_vms_only(tmp_path: Path) -> None:
    text = HOST + (
        "defaults: {balloonRatio: 3}\nvms:\n"
        "  a-vm: {kind: app, mem: 1000}\n  s-vm: {kind: system, mem: 1000}\n"
    )
    plan = plan_of(tmp_path, text)
    assert vm(plan, "a-vm")["qemuMemMiB"] == 4000  # 1000 * (3 + 1)
    assert vm(plan, "s-vm")["qemuMemMiB"] == 1000


# --- host totals ------------------------------------------------------------------------


def test_passthrough_pins_the_whole_allocation(tmp_path: Path) -> None:
    text = "version: 1\nhost: {ram: 16GiB, reserved: 512}\nvms:\n" + (
        "  gpu-vm: {kind: system, mem: 2000, passthrough: true}\n"
        "  odd-vm: {kind: app, mem: 1000, passthrough: true}\n"
        "  free-vm: {kind: app, mem: 1000}\n"
    )
    host = plan_of(tmp_path, text)["host"]
    # VFIO pins all of microvm.mem: 2000 + 1000 * 3; free-vm is not pinned
    assert host["pinnedMiB"] == 5000
    assert host["steadyMiB"] == 512 + 2000 + 1000 + 1000
    assert host["worstCaseMiB"] == 512 + 2000 + 3000 + 3000
    assert host["largestDeflationMiB"] == 2000  # 3000 - 1000, app VMs only


def test_auto_swap_is_the_required_swap(tmp_path: Path) -> None:
    text = "version: 1\nhost: {ram: 8GiB, swap: {size: auto}}\nvms:\n" + (
        "  a-vm: {kind: app, mem: 3000}\n  b-vm: {kind: system, mem: 4000}\n"
    )
    host = plan_of(tmp_path, text)["host"]
    # steady 1024 + 3000 + 4000 = 8024; largest deflation 6000; 8024 + 6000 - 8192 = 5832
    # -> rounded up to 6 GiB
    assert host["requiredSwapMiB"] == 6144
    assert host["swapMiB"] == 6144
    # without a swap block at all, size is auto too
    default = plan_of(tmp_path, text.replace(", swap: {size: auto}", ""))["host"]
    assert default["swapMiB"] == 6144


def test_no_swap_needed_is_zero(tmp_path: Path) -> None:
    text = "version: 1\nhost: {ram: 8GiB}\nvms:\n  a-vm: {kind: system, mem: 3072}\n"
    host = plan_of(tmp_path, text)["host"]
    assert host["steadyMiB"] == 4096  # 1024 reserved + 3072
    assert host["largestDeflationMiB"] == 0  # no app VMs
    assert (host["requiredSwapMiB"], host["swapMiB"]) == (0, 0)  # max(0, 4096 - 8192)
    assert host["overcommitRatio"] == 0.5  # 4096 / 8192


@pytest.mark.parametrize(
    ("steady", "deflation", "ram", "hibernation", "required"),
    [
        (1000, 0, 8192, False, 0),  # fits: nothing required
        (8193, 0, 8192, False, 1024),  # 1 MiB short -> a whole GiB
        (8192, 1024, 8192, False, 1024),  # exactly one GiB
        (8192, 1025, 8192, False, 2048),
        (1000, 0, 8192, True, 8192),  # hibernation: at least RAM
        (1000, 0, 1536, True, 2048),  # 1.5 GiB of RAM to hibernate -> 2 GiB of swap
        # need 9000 + 3000 - 8192 = 3808, but hibernation needs RAM: 8192
        (9000, 3000, 8192, True, 8192),
    ],
)
def test_required_swap(
    steady: int, deflation: int, ram: int, hibernation: bool, required: int
) -> None:
    found = required_swap_mib(
        steady=steady, largest_deflation=deflation, ram=ram, hibernation=hibernation
    )
    assert found == required


def test_hibernation_with_more_need_than_ram(tmp_path: Path) -> None:
    text = "version: 1\nhost: {ram: 4GiB, hibernation: true}\nvms:\n" + (
        "  a-vm: {kind: app, mem: 2000}\n  b-vm: {kind: system, mem: 2000}\n"
    )
    host = plan_of(tmp_path, text)["host"]
    # steady 1024 + 4000 = 5024; + deflation 4000 - 4096 = 4928 > RAM 4096 -> 5 GiB
    assert host["requiredSwapMiB"] == 5120


def test_profile_plan_is_tagged_and_base_is_null(tmp_path: Path) -> None:
    text = "version: 1\nhost: {ram: 8GiB}\nvms:\n  a-vm: {kind: system, mem: 1024}\n" + (
        "profiles:\n  big:\n    host: {ram: 16GiB}\n    vms: {a-vm: {mem: 2048}}\n"
    )
    base, big = plan_of(tmp_path, text), plan_of(tmp_path, text, "big")
    assert (base["profile"], big["profile"]) == (None, "big")
    assert (base["host"]["ramMiB"], big["host"]["ramMiB"]) == (8192, 16384)
    assert vm(big, "a-vm")["memMiB"] == 2048


def test_disabled_vm_is_not_planned(tmp_path: Path) -> None:
    text = "version: 1\nhost: {ram: 8GiB}\nvms:\n" + (
        "  a-vm: {kind: system, mem: 1024}\n  b-vm: {kind: system, mem: 4096, enable: false}\n"
    )
    plan = plan_of(tmp_path, text)
    assert [v["name"] for v in plan["vms"]] == ["a-vm"]
    assert plan["host"]["steadyMiB"] == 2048
