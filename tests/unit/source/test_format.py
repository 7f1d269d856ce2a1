"""The fleet format v1: every field valid and invalid, units, VM names, profiles, and
located GMG001 errors (line:col of the offending key or value, JSON path in the message).

Fleets are built from BASE by inserting one line; an error on the inserted line is
expected on that line, at the column where the offending token is written in it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ghafmemgen import pipeline
from ghafmemgen.errors import FleetError
from ghafmemgen.findings import Finding, Selection
from ghafmemgen.memory.model import build
from ghafmemgen.units import UnitError, parse_share, parse_size

from support import LAPTOP

SIZE_HINT = "write MiB/GiB; Ghaf's MB means MiB"

BASE = """\
version: 1
host:
  ram: 32GiB
vms:
  app-vm:
    kind: app
    mem: 1GiB
  sys-vm:
    kind: system
    mem: 512MiB
"""
# Insertion points: after line 1 a top-level key, after line 3 a host key, after line 7 a
# key of app-vm (indented by four spaces), after line 10 the end of the file.
TOP, HOST, VM, END = 1, 3, 7, 10


def insert(after: int, line: str, text: str = BASE) -> str:
    lines = text.splitlines(keepends=True)
    return "".join([*lines[:after], line + "\n", *lines[after:]])


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fleet.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def loaded(tmp_path: Path, text: str) -> pipeline.Loaded:
    return pipeline.load(write(tmp_path, text))


def findings(tmp_path: Path, text: str) -> list[Finding]:
    with pytest.raises(FleetError) as caught:
        loaded(tmp_path, text)
    found = caught.value.findings
    assert found, "a FleetError carries at least one finding"
    assert {f.rule for f in found} == {"GMG001"}
    assert {f.severity for f in found} == {"error"}
    return found


def dig(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def test_base_fleet_loads(tmp_path: Path) -> None:
    data = loaded(tmp_path, BASE).data
    assert data["host"]["ram"] == 32 * 1024
    assert data["vms"]["sys-vm"]["mem"] == 512


# --- every field, valid ------------------------------------------------------------------

VALID = [
    # (after, inserted line, path of the field, normalized value)
    (HOST, "  name: intel-laptop", ("host", "name"), "intel-laptop"),
    (HOST, "  reserved: 2GiB", ("host", "reserved"), 2048),
    (HOST, "  reserved: 0", ("host", "reserved"), 0),
    (HOST, "  cpus: 16", ("host", "cpus"), 16),
    (HOST, "  cpus: 4096", ("host", "cpus"), 4096),
    (HOST, "  hibernation: true", ("host", "hibernation"), True),
    (HOST, "  swap: {size: 12GiB}", ("host", "swap", "size"), 12288),
    (HOST, "  swap: {size: auto}", ("host", "swap", "size"), "auto"),
    (HOST, "  swap: {size: 0}", ("host", "swap", "size"), 0),
    (HOST, "  swap: {layout: ghaf}", ("host", "swap", "layout"), "ghaf"),
    (HOST, "  swap: {layout: lvm}", ("host", "swap", "layout"), "lvm"),
    (HOST, "  swap: {layout: gpt}", ("host", "swap", "layout"), "gpt"),
    (HOST, "  swap: {resumeDevice: true}", ("host", "swap", "resumeDevice"), True),
    (HOST, "  swap: {randomEncryption: false}", ("host", "swap", "randomEncryption"), False),
    (HOST, "  swap: {volumeGroup: vg_0.a-b}", ("host", "swap", "volumeGroup"), "vg_0.a-b"),
    (HOST, "  swap: {disk: nvme0}", ("host", "swap", "disk"), "nvme0"),
    (TOP, "defaults: {hypervisor: qemu}", ("defaults", "hypervisor"), "qemu"),
    (TOP, "defaults: {hypervisor: crosvm}", ("defaults", "hypervisor"), "crosvm"),
    (TOP, "defaults: {balloonRatio: 0}", ("defaults", "balloonRatio"), 0),
    (TOP, "defaults: {balloonRatio: 64}", ("defaults", "balloonRatio"), 64),
    (TOP, "defaults: {deflateOnOOM: false}", ("defaults", "deflateOnOOM"), False),
    (TOP, "defaults: {compressionRatio: 1}", ("defaults", "compressionRatio"), 1),
    (TOP, "defaults: {compressionRatio: 2.5}", ("defaults", "compressionRatio"), 2.5),
    (TOP, "defaults: {compressionRatio: 20}", ("defaults", "compressionRatio"), 20),
    (TOP, "defaults: {zram: {enable: false}}", ("defaults", "zram", "enable"), False),
    (TOP, "defaults: {zram: {memoryPercent: 1}}", ("defaults", "zram", "memoryPercent"), 1),
    (TOP, "defaults: {zram: {memoryPercent: 400}}", ("defaults", "zram", "memoryPercent"), 400),
    (TOP, "defaults: {zram: {swappiness: 0}}", ("defaults", "zram", "swappiness"), 0),
    (TOP, "defaults: {zram: {swappiness: 200}}", ("defaults", "zram", "swappiness"), 200),
    (TOP, "defaults: {zram: {priority: -1}}", ("defaults", "zram", "priority"), -1),
    (TOP, "defaults: {zram: {priority: 32767}}", ("defaults", "zram", "priority"), 32767),
    (TOP, "defaults: {resume: {workingSet: 80%}}", ("defaults", "resume", "workingSet"), 0.8),
    (TOP, "defaults: {resume: {idle: 0.25}}", ("defaults", "resume", "idle"), 0.25),
    (VM, "    enable: false", ("vms", "app-vm", "enable"), False),
    (VM, "    vcpu: 1", ("vms", "app-vm", "vcpu"), 1),
    (VM, "    vcpu: 1024", ("vms", "app-vm", "vcpu"), 1024),
    (VM, "    hypervisor: crosvm", ("vms", "app-vm", "hypervisor"), "crosvm"),
    (VM, "    passthrough: true", ("vms", "app-vm", "passthrough"), True),
    (VM, "    balloonRatio: 0", ("vms", "app-vm", "balloonRatio"), 0),
    (VM, "    balloonRatio: 64", ("vms", "app-vm", "balloonRatio"), 64),
    (VM, "    deflateOnOOM: false", ("vms", "app-vm", "deflateOnOOM"), False),
    (VM, "    zram: {memoryPercent: 30}", ("vms", "app-vm", "zram"), {"memoryPercent": 30}),
    (VM, "    zram: {}", ("vms", "app-vm", "zram"), {}),
    (VM, "    resume: {spike: 256MiB}", ("vms", "app-vm", "resume", "spike"), 256),
    (TOP, "lint: {ignore: [GMG035, GMG03]}", ("lint", "ignore"), ["GMG035", "GMG03"]),
    (TOP, "lint: {select: [GMG]}", ("lint", "select"), ["GMG"]),
    (TOP, "lint: {ignore: []}", ("lint", "ignore"), []),
]


@pytest.mark.parametrize(
    ("after", "line", "path", "value"), VALID, ids=[case[1].strip() for case in VALID]
)
def test_valid_field(
    tmp_path: Path, after: int, line: str, path: tuple[str, ...], value: object
) -> None:
    data = loaded(tmp_path, insert(after, line)).data
    assert dig(data, path) == value
    assert type(dig(data, path)) is type(value)


@pytest.mark.parametrize("algorithm", ["lzo", "lzo-rle", "lz4", "lz4hc", "zstd", "842", "deflate"])
def test_every_zram_algorithm(tmp_path: Path, algorithm: str) -> None:
    # 842 is a plain integer in YAML: it must be quoted, as the error below explains
    text = insert(TOP, f"defaults: {{zram: {{algorithm: '{algorithm}'}}}}")
    assert loaded(tmp_path, text).data["defaults"]["zram"]["algorithm"] == algorithm


def test_unquoted_842_is_an_integer_and_refused(tmp_path: Path) -> None:
    (finding,) = findings(tmp_path, insert(TOP, "defaults: {zram: {algorithm: 842}}"))
    assert (finding.line, finding.column) == (2, 30)  # "defaults: {zram: {algorithm: " = 29
    assert "842" in finding.message


# --- every field, invalid ------------------------------------------------------------------

INVALID = [
    # (after, inserted line, offending token in that line, JSON path, words in the message)
    (HOST, "  name: 'bad name'", "'bad name'", "$.host.name", "must match"),
    (HOST, "  name: 7", "7", "$.host.name", "expected a string"),
    (HOST, "  reserved: -1", "-1", "$.host.reserved", "at least 0"),
    (HOST, "  reserved: 1GB", "1GB", "$.host.reserved", SIZE_HINT),
    (HOST, "  cpus: 0", "0", "$.host.cpus", "at least 1"),
    (HOST, "  cpus: 4097", "4097", "$.host.cpus", "at most 4096"),
    (HOST, "  cpus: '16'", "'16'", "$.host.cpus", "expected an integer"),
    (HOST, "  cpus: 2.0", "2.0", "$.host.cpus", "expected an integer"),
    (HOST, "  hibernation: yes", "yes", "$.host.hibernation", 'found a string "yes"'),
    (HOST, "  hibernation: 0", "0", "$.host.hibernation", "expected true or false"),
    (HOST, "  swap: {size: Auto}", "Auto", "$.host.swap.size", '(or "auto")'),
    (HOST, "  swap: {size: 12GB}", "12GB", "$.host.swap.size", SIZE_HINT + ' (or "auto")'),
    (HOST, "  swap: {size: -5}", "-5", "$.host.swap.size", 'at least 0 (or "auto")'),
    (HOST, "  swap: {layout: zfs}", "zfs", "$.host.swap.layout", "ghaf, lvm, gpt"),
    (HOST, "  swap: {resumeDevice: on}", "on", "$.host.swap.resumeDevice", "true or false"),
    (HOST, "  swap: {randomEncryption: 0}", "0", "$.host.swap.randomEncryption", "true or false"),
    (HOST, "  swap: {volumeGroup: 'a b'}", "'a b'", "$.host.swap.volumeGroup", "must match"),
    (HOST, "  swap: {volumeGroup: -vg}", "-vg", "$.host.swap.volumeGroup", "must match"),
    (HOST, "  swap: {disk: a/b}", "a/b", "$.host.swap.disk", "must match"),
    (HOST, "  swap: {sise: 1GiB}", "sise", "$.host.swap.sise", 'unknown key "sise"'),
    (HOST, "  swap: 12GiB", "12GiB", "$.host.swap", "expected a mapping"),
    (HOST, "  memory: 1GiB", "memory", "$.host.memory", 'unknown key "memory"'),
    (TOP, "defaults: {hypervisor: kvm}", "kvm", "$.defaults.hypervisor", "qemu, crosvm"),
    (TOP, "defaults: {balloonRatio: 65}", "65", "$.defaults.balloonRatio", "at most 64"),
    (TOP, "defaults: {balloonRatio: -1}", "-1", "$.defaults.balloonRatio", "at least 0"),
    (TOP, "defaults: {balloonRatio: 1.5}", "1.5", "$.defaults.balloonRatio", "integer"),
    (TOP, "defaults: {deflateOnOOM: no}", "no", "$.defaults.deflateOnOOM", "true or false"),
    (TOP, "defaults: {compressionRatio: 0.9}", "0.9", "$.defaults.compressionRatio", "least 1"),
    (TOP, "defaults: {compressionRatio: 21}", "21", "$.defaults.compressionRatio", "most 20"),
    (TOP, "defaults: {compressionRatio: '2'}", "'2'", "$.defaults.compressionRatio", "number"),
    (TOP, "defaults: {zram: {enable: 1}}", "1", "$.defaults.zram.enable", "true or false"),
    (TOP, "defaults: {zram: {algorithm: gzip}}", "gzip", "$.defaults.zram.algorithm", "zstd"),
    (TOP, "defaults: {zram: {memoryPercent: 0}}", "0", "$.defaults.zram.memoryPercent", "least 1"),
    (
        TOP,
        "defaults: {zram: {memoryPercent: 401}}",
        "401",
        "$.defaults.zram.memoryPercent",
        "at most 400",
    ),
    (
        TOP,
        "defaults: {zram: {memoryPercent: 25%}}",
        "25%",
        "$.defaults.zram.memoryPercent",
        "expected an integer",
    ),
    (TOP, "defaults: {zram: {swappiness: -1}}", "-1", "$.defaults.zram.swappiness", "at least 0"),
    (TOP, "defaults: {zram: {swappiness: 201}}", "201", "$.defaults.zram.swappiness", "most 200"),
    (TOP, "defaults: {zram: {priority: -2}}", "-2", "$.defaults.zram.priority", "at least -1"),
    (TOP, "defaults: {zram: {priority: 32768}}", "32768", "$.defaults.zram.priority", "32767"),
    (TOP, "defaults: {zram: {size: 1}}", "size", "$.defaults.zram.size", 'unknown key "size"'),
    (TOP, "defaults: {resume: {idle: 101%}}", "101%", "$.defaults.resume.idle", "0% to 100%"),
    (TOP, "defaults: {resume: {workingSet: 1.5}}", "1.5", "$.defaults.resume.workingSet", ""),
    (TOP, "defaults: {mem: 1}", "mem", "$.defaults.mem", 'unknown key "mem"'),
    (VM, "    enable: no", "no", "$.vms.app-vm.enable", "true or false"),
    (VM, "    vcpu: 0", "0", "$.vms.app-vm.vcpu", "at least 1"),
    (VM, "    vcpu: 1025", "1025", "$.vms.app-vm.vcpu", "at most 1024"),
    (VM, "    hypervisor: kvm", "kvm", "$.vms.app-vm.hypervisor", "qemu, crosvm"),
    (VM, "    passthrough: yes", "yes", "$.vms.app-vm.passthrough", "true or false"),
    (VM, "    balloonRatio: 65", "65", "$.vms.app-vm.balloonRatio", "at most 64"),
    (VM, "    balloonRatio: -1", "-1", "$.vms.app-vm.balloonRatio", "at least 0"),
    (VM, "    deflateOnOOM: 1", "1", "$.vms.app-vm.deflateOnOOM", "true or false"),
    (VM, "    zram: {memoryPercent: 401}", "401", "$.vms.app-vm.zram.memoryPercent", "400"),
    (VM, "    zram: {swappiness: 201}", "201", "$.vms.app-vm.zram.swappiness", "at most 200"),
    (VM, "    zram: {algorithm: lzma}", "lzma", "$.vms.app-vm.zram.algorithm", "lzo-rle"),
    (VM, "    zram: false", "false", "$.vms.app-vm.zram", "expected a mapping"),
    (VM, "    resume: {spike: 1GB}", "1GB", "$.vms.app-vm.resume.spike", SIZE_HINT),
    (VM, "    memory: 1GiB", "memory", "$.vms.app-vm.memory", 'unknown key "memory"'),
    (TOP, "lint: {ignore: GMG035}", "GMG035", "$.lint.ignore", "expected a list"),
    (TOP, "lint: {ignore: [gmg035]}", "gmg035", "$.lint.ignore[0]", "must match"),
    (TOP, "lint: {select: [GMG0351]}", "GMG0351", "$.lint.select[0]", "must match"),
    (TOP, "lint: {fix: true}", "fix", "$.lint.fix", 'unknown key "fix"'),
    (TOP, "vm: {}", "vm", "$.vm", 'unknown key "vm"'),
]


@pytest.mark.parametrize(
    ("after", "line", "token", "json_path", "words"),
    INVALID,
    ids=[case[1].strip() for case in INVALID],
)
def test_invalid_field_is_located(
    tmp_path: Path, after: int, line: str, token: str, json_path: str, words: str
) -> None:
    (finding,) = findings(tmp_path, insert(after, line))
    # the inserted line is line after + 1; the finding points at the offending token
    assert (finding.line, finding.column) == (after + 1, line.index(token) + 1)
    assert finding.path == json_path
    assert finding.message.startswith(json_path + ": ")
    assert words in finding.message


def test_version(tmp_path: Path) -> None:
    (wrong,) = findings(tmp_path, BASE.replace("version: 1", "version: 2"))
    assert (wrong.line, wrong.column, wrong.path) == (1, 10, "$.version")
    (text,) = findings(tmp_path, BASE.replace("version: 1", "version: '1'"))
    assert (text.line, text.column) == (1, 10)
    assert "must be 1" in text.message


@pytest.mark.parametrize(
    ("text", "where", "path", "key"),
    [
        (BASE.replace("version: 1\n", ""), (1, 1), "$", "version"),  # the document
        (BASE.replace("  ram: 32GiB\n", "  name: x\n"), (2, 1), "$.host", "ram"),  # at host:
        (BASE.replace("    kind: app\n", ""), (5, 3), "$.vms.app-vm", "kind"),
        (BASE.replace("    mem: 1GiB\n", ""), (5, 3), "$.vms.app-vm", "mem"),
        ("version: 1\nvms: {}\n", (1, 1), "$", "host"),
        ("version: 1\nhost: {ram: 1}\n", (1, 1), "$", "vms"),
    ],
)
def test_missing_required_key_is_located_at_its_parent(
    tmp_path: Path, text: str, where: tuple[int, int], path: str, key: str
) -> None:
    (finding,) = findings(tmp_path, text)
    assert (finding.line, finding.column) == where
    assert finding.path == path
    assert f'missing required key "{key}"' in finding.message


def test_all_schema_errors_are_reported_in_file_order(tmp_path: Path) -> None:
    text = insert(VM, "    vcpu: 0", insert(HOST, "  cpus: 0"))
    # cpus lands on line 4; app-vm's keys move down one line, so vcpu is on line 9
    # cpus goes in first, on line 4; that moves app-vm's kind to line 7, so vcpu (inserted
    # after line 7) lands on line 8
    first, second = findings(tmp_path, text)
    assert (first.line, first.column, first.path) == (4, 9, "$.host.cpus")
    assert (second.line, second.column, second.path) == (8, 11, "$.vms.app-vm.vcpu")


def test_a_size_must_be_positive_where_zero_makes_no_sense(tmp_path: Path) -> None:
    (ram,) = findings(tmp_path, BASE.replace("ram: 32GiB", "ram: 0"))
    assert (ram.line, ram.column, ram.path) == (3, 8, "$.host.ram")
    (mem,) = findings(tmp_path, BASE.replace("mem: 1GiB", "mem: 0MiB"))
    assert (mem.line, mem.column, mem.path) == (7, 10, "$.vms.app-vm.mem")
    assert "more than 0" in mem.message


# --- units ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "mib"),
    [
        (512, 512),
        ("512MiB", 512),
        ("6GiB", 6 * 1024),
        ("1.5GiB", 1536),  # 1.5 * 1024
        ("0.5GiB", 512),
        ("2048M", 2048),
        ("6G", 6144),
        ("1024K", 1),  # 1024 KiB = 1 MiB
        ("1048576KiB", 1024),
        ("1T", 1024 * 1024),
        ("64TiB", 64 * 1024 * 1024),  # the upper bound
        ("0M", 0),
    ],
)
def test_parse_size(size: int | str, mib: int) -> None:
    assert parse_size(size) == mib


@pytest.mark.parametrize(
    ("size", "words"),
    [
        ("1.3MiB", "whole number of MiB"),
        ("1023K", "whole number of MiB"),  # 1023/1024 MiB
        ("1.0001GiB", "whole number of MiB"),  # 1024.1024 MiB
        ("65TiB", "out of range"),
        ("9999999999999999T", "out of range"),
        (64 * 1024 * 1024 + 1, "out of range"),
        (-1, "out of range"),
        ("6 GiB", "not a size"),
        ("6GB", "not a size"),
        ("", "not a size"),
        (True, "true or false"),
    ],
)
def test_parse_size_refuses(size: int | str, words: str) -> None:
    with pytest.raises(UnitError, match=words):
        parse_size(size)


@pytest.mark.parametrize(("share", "value"), [("80%", 0.8), ("0%", 0.0), (0.5, 0.5), (1, 1.0)])
def test_parse_share(share: str | float, value: float) -> None:
    assert parse_share(share) == value


@pytest.mark.parametrize(
    ("size", "words"),
    [
        ("6GB", SIZE_HINT),
        ("512MB", SIZE_HINT),
        ("6gib", SIZE_HINT),
        ("1.3MiB", "1.3MiB is 1.3 MiB: a size must be a whole number of MiB"),
        ("100T", "out of range"),
        ("67108865", "at most 67108864"),
        ("-1", "more than 0"),
        ("6.0", "not valid here"),
        ("true", "not valid here"),
    ],
)
def test_size_errors_in_a_fleet_are_located_at_the_value(
    tmp_path: Path, size: str, words: str
) -> None:
    (finding,) = findings(tmp_path, BASE.replace("mem: 1GiB", f"mem: {size}"))
    assert (finding.line, finding.column) == (7, 10)  # "    mem: " is nine characters
    assert finding.path == "$.vms.app-vm.mem"
    assert words in finding.message


@pytest.mark.parametrize(
    ("size", "mib"),
    [("512MiB", 512), ("6GiB", 6144), ("1.5GiB", 1536), ("2048M", 2048), ("6G", 6144)],
)
def test_sizes_in_a_fleet_become_mib(tmp_path: Path, size: str, mib: int) -> None:
    assert loaded(tmp_path, BASE.replace("mem: 1GiB", f"mem: {size}")).data["vms"]["app-vm"][
        "mem"
    ] == (mib)


# --- VM names ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a-vm", "net2-vm", "x-y-z-vm", "vm-vm", "a" * 61 + "-vm"])
def test_valid_vm_names(tmp_path: Path, name: str) -> None:
    assert name in loaded(tmp_path, BASE.replace("app-vm", name)).data["vms"]


@pytest.mark.parametrize(
    "name", ["chrome", "Chrome-vm", "1-vm", "-vm", "chrome_vm", "chrome-vm-", "a" * 62 + "-vm"]
)
def test_invalid_vm_name_is_located_at_the_name(tmp_path: Path, name: str) -> None:
    (finding,) = findings(tmp_path, BASE.replace("app-vm", name))
    assert (finding.line, finding.column) == (5, 3)  # "  app-vm:"
    assert finding.path == f"$.vms.{name}"
    assert finding.message.startswith(f'$.vms.{name}: name "{name[:20]}')
    assert "is not allowed" in finding.message


def test_vm_name_hints(tmp_path: Path) -> None:
    (finding,) = findings(tmp_path, BASE.replace("app-vm", "Chrome"))
    assert "lower-case letters, digits and hyphens ending in -vm" in finding.message
    (long,) = findings(tmp_path, BASE.replace("app-vm", "a" * 62 + "-vm"))  # 65 characters
    assert long.message.endswith("is not allowed: at most 64 characters")


# --- profiles --------------------------------------------------------------------------------

PROFILES = (
    BASE
    + """\
profiles:
  low:
    host: {ram: 16GiB}
    defaults: {hypervisor: crosvm}
    vms:
      app-vm: {mem: 2GiB}
      sys-vm: {enable: false}
"""
)
# line 11 profiles / 12 low / 13 host / 14 defaults / 15 vms / 16 app-vm / 17 sys-vm


def test_profile_merges_over_the_base(tmp_path: Path) -> None:
    data = loaded(tmp_path, insert(VM, "    vcpu: 3", PROFILES)).data
    base = build(data, source="fleet.yaml", profile=None)
    low = build(data, source="fleet.yaml", profile="low")
    assert (base.host.ram_mib, low.host.ram_mib) == (32768, 16384)
    (app,) = [vm for vm in low.vms if vm.name == "app-vm"]
    assert app.mem_mib == 2048  # the profile's value
    assert app.vcpu == 3  # kept from the base fleet: a mapping merges, it does not replace
    assert app.kind == "app"
    assert app.hypervisor == "crosvm"  # the profile's defaults reach the base VM
    assert {vm.hypervisor for vm in base.vms} == {"qemu"}


def test_profile_drops_a_vm_with_enable_false(tmp_path: Path) -> None:
    data = loaded(tmp_path, PROFILES).data
    assert [vm.name for vm in build(data, source="f", profile=None).vms] == ["app-vm", "sys-vm"]
    assert [vm.name for vm in build(data, source="f", profile="low").vms] == ["app-vm"]


def test_profile_can_enable_a_vm_the_base_disables(tmp_path: Path) -> None:
    text = (
        insert(7, "    enable: false", BASE)
        + "profiles:\n  full:\n    vms: {app-vm: {enable: true}}\n"
    )
    data = loaded(tmp_path, text).data
    assert [vm.name for vm in build(data, source="f", profile=None).vms] == ["sys-vm"]
    assert [vm.name for vm in build(data, source="f", profile="full").vms] == ["app-vm", "sys-vm"]


def test_profile_naming_an_unknown_vm_is_gmg012_at_that_name(tmp_path: Path) -> None:
    text = PROFILES.replace("      sys-vm: {enable: false}", "      nope-vm: {mem: 1GiB}")
    load = loaded(tmp_path, text)  # structurally valid: the rule reports it
    found = pipeline.check_variant(pipeline.variant(load, "low"), Selection())
    (gmg012,) = [f for f in found if f.rule == "GMG012"]
    assert (gmg012.line, gmg012.column) == (17, 7)  # "      nope-vm"
    assert gmg012.severity == "error"
    assert gmg012.profile == "low"
    assert "nope-vm" in gmg012.message
    # the base fleet does not have the finding
    base = pipeline.check_variant(pipeline.variant(load, None), Selection())
    assert "GMG012" not in {f.rule for f in base}


LOW = "$.profiles.low"
LOW_APP = LOW + ".vms.app-vm"


@pytest.mark.parametrize(
    ("old", "new", "where", "path", "words"),
    [
        ("{ram: 16GiB}", "{ram: 16GB}", (13, 17), LOW + ".host.ram", SIZE_HINT),
        ("{ram: 16GiB}", "{ram: 0}", (13, 17), LOW + ".host.ram", "more than 0"),
        ("{ram: 16GiB}", "{rom: 1}", (13, 12), LOW + ".host.rom", "unknown key"),
        ("{hypervisor: crosvm}", "{hypervisor: xen}", (14, 28), LOW + ".defaults.hypervisor", ""),
        ("{mem: 2GiB}", "{mem: -1}", (16, 21), LOW_APP + ".mem", "more than 0"),
        ("{mem: 2GiB}", "{mem: 1.3MiB}", (16, 21), LOW_APP + ".mem", "whole"),
        ("{mem: 2GiB}", "{vcpu: 0}", (16, 22), LOW_APP + ".vcpu", "at least 1"),
        (
            "{mem: 2GiB}",
            "{zram: {memoryPercent: 0}}",
            (16, 38),
            LOW_APP + ".zram.memoryPercent",
            "",
        ),
        ("{enable: false}", "{enable: nope}", (17, 24), LOW + ".vms.sys-vm.enable", "true or"),
        ("      sys-vm:", "      Sys-vm:", (17, 7), LOW + ".vms.Sys-vm", "not allowed"),
        ("    vms:", "    lint: {}\n    vms:", (15, 5), LOW + ".lint", "unknown key"),
        ("  low:", "  2low:", (12, 3), "$.profiles.2low", "starts with a letter"),
    ],
)
def test_schema_errors_inside_a_profile_are_located_there(
    tmp_path: Path, old: str, new: str, where: tuple[int, int], path: str, words: str
) -> None:
    (finding,) = findings(tmp_path, PROFILES.replace(old, new))
    assert (finding.line, finding.column) == where
    assert finding.path == path
    assert finding.message.startswith(path + ": ")
    assert words in finding.message


def test_nested_error_message_carries_the_json_path(tmp_path: Path) -> None:
    text = insert(VM, "    zram:\n      enable: true\n      algorithm: brotli")
    (finding,) = findings(tmp_path, text)
    # line 8 zram, 9 enable, 10 algorithm; "      algorithm: " is 17 characters
    assert (finding.line, finding.column) == (10, 18)
    assert finding.message == (
        '$.vms.app-vm.zram.algorithm: "brotli" is not one of: '
        "lzo, lzo-rle, lz4, lz4hc, zstd, 842, deflate"
    )


# --- acceptance: a copy of the fixture with `mem: -1` on line N ------------------------------


def test_mem_minus_one_on_line_n_exits_1_with_n_and_gmg001(tmp_path: Path) -> None:
    lines = LAPTOP.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("  chrome-vm:\n")
    offset = next(i for i in range(start, len(lines)) if lines[i].strip().startswith("mem:"))
    n = offset + 1  # 1-based line number of chrome-vm's mem
    lines[offset] = "    mem: -1\n"
    copy = tmp_path / "fleet.yaml"
    copy.write_text("".join(lines), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "ghafmemgen", "check", str(copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert f"{copy}:{n}:10: GMG001 error: $.vms.chrome-vm.mem" in out
    assert f":{n}:" in out and "GMG001" in out
    assert "Traceback" not in out


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('version: 1\nhost: {ram: 4096}\nvms:\n  "net-vm\\n": {kind: system, mem: 512}\n', "$.vms"),
        ('version: 1\nhost: {ram: 4096, name: "laptop\\n"}\nvms: {}\n', "$.host.name"),
        ('version: 1\nhost: {ram: "4GiB\\n"}\nvms: {}\n', "$.host.ram"),
    ],
)
def test_patterns_anchor_at_the_end_of_input_not_before_a_final_newline(
    tmp_path: Path, text: str, path: str
) -> None:
    # Python's `$` matches before a trailing newline; JSON Schema's (ECMA-262) does not.
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(text, encoding="utf-8")
    with pytest.raises(FleetError) as caught:
        pipeline.load(fleet)
    assert [f.rule for f in caught.value.findings] == ["GMG001"]
    assert caught.value.findings[0].path.startswith(path)
