"""The rule catalogue: each rule fires at the expected line and column, and stays silent
when the fleet is right; selection (--select/--ignore, `lint:`); the bundled fleet."""

from __future__ import annotations

from pathlib import Path

import pytest

from ghafmemgen import pipeline
from ghafmemgen.errors import FleetError
from ghafmemgen.findings import Finding, Selection
from ghafmemgen.lint.registry import RULES
from ghafmemgen.lint.runner import SIMULATION_RULES, parse_rule_list

from support import LAPTOP

CLEAN = """\
version: 1
host:
  ram: 16GiB
  cpus: 8
  swap:
    size: auto
defaults:
  hypervisor: qemu
vms:
  net-vm:
    kind: system
    mem: 1GiB
  app-vm:
    kind: app
    mem: 1GiB
"""
# 1 version / 2 host / 3 ram / 4 cpus / 5 swap / 6 size / 7 defaults / 8 hypervisor /
# 9 vms / 10 net-vm / 11 kind / 12 mem / 13 app-vm / 14 kind / 15 mem
# steady 1024 + 1024 + 1024 = 3072, worst 1024 + 1024 + 3072 = 5120: fits in 16 GiB.


def insert(after: int, line: str, text: str = CLEAN) -> str:
    lines = text.splitlines(keepends=True)
    return "".join([*lines[:after], line + "\n", *lines[after:]])


def replace(line: int, new: str, text: str = CLEAN) -> str:
    lines = text.splitlines(keepends=True)
    lines[line - 1] = new + "\n"
    return "".join(lines)


def check(
    tmp_path: Path,
    text: str,
    *,
    profile: str | None = None,
    selection: Selection | None = None,
) -> list[Finding]:
    path = tmp_path / "fleet.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = pipeline.load(path)
    return pipeline.check_variant(pipeline.variant(loaded, profile), selection or Selection())


def located(findings: list[Finding], rule: str) -> list[tuple[int, int]]:
    hits = [f for f in findings if f.rule == rule]
    for hit in hits:
        assert hit.severity == RULES[rule].severity
    return [(f.line, f.column) for f in hits]


def test_clean_fleet_has_no_findings(tmp_path: Path) -> None:
    assert check(tmp_path, CLEAN) == []


# --- every rule: fires where expected, and stays silent --------------------------------

# (rule, fleet that makes it fire, the (line, column) of each finding, fleet where it is silent)
CASES = [
    pytest.param(
        "GMG010",
        CLEAN.replace("app-vm", "browser-x-vm"),  # tap-browser-x-vm: 16 characters
        [(13, 3)],  # the VM's name
        CLEAN.replace("app-vm", "browserx-vm"),  # tap-browserx-vm: exactly 15
        id="GMG010",
    ),
    pytest.param(
        "GMG020",
        insert(12, "    balloonRatio: 1"),  # a system VM with a balloon
        [(13, 5)],
        insert(12, "    balloonRatio: 0"),
        id="GMG020-balloonRatio",
    ),
    pytest.param(
        "GMG020",
        insert(12, "    deflateOnOOM: true"),
        [(13, 5)],
        insert(12, "    deflateOnOOM: false"),
        id="GMG020-deflateOnOOM",
    ),
    pytest.param(
        "GMG021",
        insert(15, "    deflateOnOOM: false", replace(8, "  hypervisor: crosvm")),
        [(16, 5)],
        insert(15, "    deflateOnOOM: false"),  # on qemu it does what it says
        id="GMG021-on-the-vm",
    ),
    pytest.param(
        "GMG021",
        insert(8, "  deflateOnOOM: false", replace(8, "  hypervisor: crosvm")),
        [(9, 3)],  # in defaults
        insert(8, "  deflateOnOOM: true", replace(8, "  hypervisor: crosvm")),  # true is fine
        id="GMG021-in-defaults",
    ),
    pytest.param(
        "GMG024",
        replace(10, "  foo-vm:"),  # a system VM Ghaf has no base for
        [(10, 3)],
        replace(10, "  ids-vm:"),
        id="GMG024-unknown",
    ),
    pytest.param(
        "GMG024",
        replace(10, "  gpu-vm:"),  # Orin only
        [(10, 3)],
        CLEAN,
        id="GMG024-orin-only",
    ),
    pytest.param(
        "GMG042",
        insert(6, "    layout: ghaf\n    resumeDevice: false"),
        [(8, 5)],
        insert(6, "    layout: ghaf\n    resumeDevice: true"),
        id="GMG042",
    ),
    pytest.param(
        "GMG043",
        insert(6, "    layout: ghaf\n    randomEncryption: false"),
        [(8, 5)],
        insert(6, "    layout: lvm\n    randomEncryption: false"),
        id="GMG043",
    ),
    pytest.param(
        "GMG022",
        replace(12, "    mem: 2048"),  # a system VM on qemu with microvm.mem 2048
        [(12, 5)],
        replace(12, "    mem: 2047"),
        id="GMG022-system",
    ),
    pytest.param(
        "GMG022",
        insert(15, "    balloonRatio: 1", replace(15, "    mem: 1024")),  # 1024 * (1 + 1)
        [(15, 5)],
        insert(15, "    balloonRatio: 1\n    hypervisor: crosvm", replace(15, "    mem: 1024")),
        id="GMG022-app",
    ),
    pytest.param(
        "GMG023",
        insert(15, "    passthrough: true"),  # balloonRatio 2 by default
        [(16, 5)],
        insert(15, "    passthrough: true\n    balloonRatio: 0"),
        id="GMG023",
    ),
    pytest.param(
        "GMG030",
        insert(12, "    passthrough: true", replace(12, "    mem: 15361")),
        [(3, 3)],  # host.ram: pinned 15361 + reserved 1024 = 16385 > 16384
        insert(12, "    passthrough: true", replace(12, "    mem: 15360")),  # exactly 16384
        id="GMG030",
    ),
    pytest.param(
        "GMG031",
        replace(15, "    mem: 15GiB", replace(6, "    size: 0")),
        [(6, 5)],  # host.swap.size: steady 1024 + 1024 + 15360 = 17408 > 16384 + 0
        replace(15, "    mem: 15GiB", replace(6, "    size: 1GiB")),  # 17408 = 16384 + 1024
        id="GMG031",
    ),
    pytest.param(
        "GMG032",
        replace(15, "    mem: 14337"),  # steady 1024 + 1024 + 14337 = 16385 > 16384
        [(3, 3)],  # host.ram
        replace(15, "    mem: 14336"),  # exactly 16384
        id="GMG032",
    ),
    pytest.param(
        "GMG033",
        replace(15, "    mem: 5GiB", replace(6, "    size: 0")),
        [(6, 5)],  # worst 1024 + 1024 + 3 * 5120 = 17408 > 16384 + 0
        replace(15, "    mem: 5GiB", replace(6, "    size: 1GiB")),  # 17408 = 16384 + 1024
        id="GMG033",
    ),
    pytest.param(
        "GMG034",
        replace(15, "    mem: 6GiB"),  # microvm.mem 18432 > 16384
        [(15, 5)],  # the VM's mem
        insert(15, "    balloonRatio: 1", replace(15, "    mem: 8GiB")),  # 16384, not more
        id="GMG034",
    ),
    pytest.param(
        "GMG035",
        # steady 1024 + 1024 + 6144 = 8192, largest deflation 12288: 8192 + 12288 - 16384
        # = 4096 required, 3 GiB given
        replace(15, "    mem: 6GiB", replace(6, "    size: 3GiB")),
        [(6, 5)],
        replace(15, "    mem: 6GiB", replace(6, "    size: 4GiB")),
        id="GMG035",
    ),
    pytest.param(
        "GMG040",
        insert(4, "  hibernation: true", replace(6, "    size: 8GiB")),
        [(5, 3)],  # host.hibernation: 8192 MiB of swap < 16384 MiB RAM
        insert(4, "  hibernation: true", replace(6, "    size: 16GiB")),
        id="GMG040",
    ),
    pytest.param(
        "GMG041",
        insert(4, "  hibernation: true", insert(6, "    randomEncryption: true")),
        [(5, 3)],
        insert(4, "  hibernation: true"),  # resumeDevice follows hibernation by default
        id="GMG041-randomEncryption",
    ),
    pytest.param(
        "GMG041",
        insert(4, "  hibernation: true", insert(6, "    resumeDevice: false")),
        [(5, 3)],
        insert(4, "  hibernation: true", insert(6, "    resumeDevice: true")),
        id="GMG041-resumeDevice",
    ),
    pytest.param(
        "GMG050",
        insert(15, "    vcpu: 9"),  # host.cpus is 8
        [(16, 5)],
        insert(15, "    vcpu: 8"),
        id="GMG050",
    ),
    pytest.param(
        "GMG050",
        replace(4, "  cpus: 1"),  # the default vcpu 2 is written nowhere: at each VM's name
        [(10, 3), (13, 3)],
        replace(4, "  name: no-cpus-given", insert(15, "    vcpu: 64")),
        id="GMG050-default-vcpu",
    ),
    pytest.param(
        "GMG060",
        insert(15, "    zram: {memoryPercent: 101}"),
        [(16, 12)],  # "    zram: {" is eleven characters
        insert(15, "    zram: {memoryPercent: 100}"),
        id="GMG060-on-the-vm",
    ),
    pytest.param(
        "GMG060",
        insert(8, "  zram: {memoryPercent: 150}"),
        [(9, 10)],  # one finding in defaults for both VMs; "  zram: {" is nine characters
        insert(8, "  zram: {memoryPercent: 100}"),
        id="GMG060-in-defaults",
    ),
    pytest.param(
        "GMG061",
        insert(12, "    zram: {enable: false}"),  # net-vm has no balloon
        [(13, 12)],
        insert(15, "    zram: {enable: false}"),  # app-vm still has its balloon
        id="GMG061",
    ),
    pytest.param(
        "GMG061",
        insert(8, "  zram: {enable: false}"),
        [(9, 10)],  # one finding in defaults (net-vm; app-vm has a balloon)
        insert(8, "  zram: {enable: false}", replace(11, "    kind: app")),
        id="GMG061-in-defaults",
    ),
]


@pytest.mark.parametrize(("rule", "firing", "where", "silent"), CASES)
def test_rule_fires_at_the_key_and_stays_silent(
    tmp_path: Path, rule: str, firing: str, where: list[tuple[int, int]], silent: str
) -> None:
    # an opt-in rule (GMG033) runs when --select names it; silent by default
    asked = Selection(select=(rule,)) if RULES[rule].opt_in else None
    assert sorted(located(check(tmp_path, firing, selection=asked), rule)) == where
    assert located(check(tmp_path, silent, selection=asked), rule) == []
    if asked is not None:
        assert located(check(tmp_path, firing), rule) == []


def test_gmg012_profile_names_an_unknown_vm(tmp_path: Path) -> None:
    text = CLEAN + "profiles:\n  low:\n    vms:\n      ghost-vm: {mem: 1GiB}\n"
    # 16 profiles / 17 low / 18 vms / 19 ghost-vm
    findings = check(tmp_path, text, profile="low")
    assert located(findings, "GMG012") == [(19, 7)]
    (finding,) = [f for f in findings if f.rule == "GMG012"]
    assert finding.profile == "low"
    assert "ghost-vm" in finding.message
    assert "app-vm, net-vm" in finding.message  # the names it could have meant
    assert located(check(tmp_path, text), "GMG012") == []  # not a base-fleet finding
    known = text.replace("ghost-vm", "app-vm")
    assert located(check(tmp_path, known, profile="low"), "GMG012") == []


def vm_lines(count: int, kind: str, start: int = 0) -> str:
    return "".join(f"  v{i}-vm: {{kind: {kind}, mem: 1}}\n" for i in range(start, start + count))


@pytest.mark.parametrize(
    ("systems", "apps", "fires"),
    [
        (255, 0, True),  # 255 VMs: too many
        (254, 0, False),
        (0, 155, True),  # 155 app VMs: more than 154
        (0, 154, False),
        (100, 154, False),  # 254 in all, 154 of them app VMs
        (101, 154, True),
    ],
)
def test_gmg070_vm_count(tmp_path: Path, systems: int, apps: int, fires: bool) -> None:
    text = (
        "version: 1\nhost: {ram: 64TiB}\nvms:\n"
        + vm_lines(systems, "system")
        + vm_lines(apps, "app", start=systems)
    )
    expected = [(3, 1)] if fires else []  # the vms key
    assert located(check(tmp_path, text), "GMG070") == expected


# --- details of single rules ---------------------------------------------------------


def test_gmg021_one_finding_per_place_written(tmp_path: Path) -> None:
    text = replace(8, "  hypervisor: crosvm\n  deflateOnOOM: false") + (
        "  own-vm:\n    kind: app\n    mem: 1GiB\n    deflateOnOOM: false\n"
        "  also-vm: {kind: app, mem: 1GiB}\n"
        "  flat-vm: {kind: app, mem: 1GiB, balloonRatio: 0}\n"
    )
    # 9 deflateOnOOM in defaults; own-vm at 17, its deflateOnOOM at 20. app-vm and also-vm
    # inherit from defaults: one finding there, naming both; flat-vm has no balloon.
    findings = [f for f in check(tmp_path, text) if f.rule == "GMG021"]
    assert sorted((f.line, f.column) for f in findings) == [(9, 3), (20, 5)]
    in_defaults = next(f for f in findings if f.line == 9)
    assert "also-vm, app-vm" in in_defaults.message
    assert "own-vm" not in in_defaults.message
    assert "flat-vm" not in in_defaults.message
    assert "cannot be honoured on crosvm" in in_defaults.message


def test_gmg021_not_for_qemu_or_true(tmp_path: Path) -> None:
    assert located(check(tmp_path, insert(8, "  deflateOnOOM: false")), "GMG021") == []
    crosvm_true = insert(8, "  deflateOnOOM: true", replace(8, "  hypervisor: crosvm"))
    assert located(check(tmp_path, crosvm_true), "GMG021") == []


def test_gmg024_accepts_the_system_vms_ghaf_has(tmp_path: Path) -> None:
    for name in ("admin-vm", "audio-vm", "gui-vm", "ids-vm", "net-vm"):
        assert located(check(tmp_path, replace(10, f"  {name}:")), "GMG024") == [], name


def test_gmg031_message_states_numbers_and_fix(tmp_path: Path) -> None:
    text = replace(15, "    mem: 15GiB", replace(6, "    size: 0"))
    (finding,) = [f for f in check(tmp_path, text) if f.rule == "GMG031"]
    # steady 17408, RAM 16384 + 0: at least 1024 more swap, or 1024 MiB less VM memory
    assert finding.message == (
        "steady state needs 17408 MiB, host has 16384 MiB RAM + 0 MiB swap: raise "
        "host.swap.size to at least 1GiB or lower VM memory by 1024 MiB"
    )
    assert finding.path == "$.host.swap.size"


GMG033_ONLY = Selection(select=("GMG033",))


def test_gmg033_says_how_much_deflation_the_host_absorbs(tmp_path: Path) -> None:
    text = replace(15, "    mem: 5GiB", replace(6, "    size: 0"))
    (finding,) = [f for f in check(tmp_path, text, selection=GMG033_ONLY)]
    # room 16384 - steady 7168 = 9216 of the 17408 - 7168 = 10240 MiB of deflation; the
    # worst case needs 17408 - 16384 = 1024 MiB of swap, 1 GiB
    assert "absorbs 9216 MiB of the 10240 MiB" in finding.message
    assert finding.message.endswith("raise host.swap.size to at least 1GiB or lower balloonRatio")


def test_rule_location_with_swap_size_not_written(tmp_path: Path) -> None:
    # no swap block: host.swap.size is a built-in default ("auto"); GMG033 then points at
    # the nearest key the file has, host:
    text = CLEAN.replace("  swap:\n    size: auto\n", "") + (
        "  b-vm: {kind: app, mem: 5GiB}\n  c-vm: {kind: app, mem: 5GiB}\n"
    )
    # steady 1024 + 1024 + 1024 + 5120 + 5120 = 13312; largest deflation 10240;
    # required 13312 + 10240 - 16384 = 7168; worst 1024 + 1024 + 3072 + 2 * 15360 = 35840
    # > 16384 + 7168
    assert located(check(tmp_path, text, selection=GMG033_ONLY), "GMG033") == [(2, 1)]


def test_rules_in_a_profile_point_into_the_profile(tmp_path: Path) -> None:
    text = CLEAN + "profiles:\n  small:\n    host: {ram: 2GiB}\n"
    # 18 host: {ram: 2GiB} - steady 3072 > 2048: GMG032 at the profile's host.ram key
    findings = check(tmp_path, text, profile="small")
    assert located(findings, "GMG032") == [(18, 12)]
    assert {f.profile for f in findings} == {"small"}
    # the VM-level finding that the profile does not touch stays at the base key
    assert located(findings, "GMG034") == [(15, 5)]  # 3072 > 2048


# --- selection -------------------------------------------------------------------------

NOISY = replace(15, "    mem: 15GiB", replace(6, "    size: 0"))  # GMG031..GMG035 fire
# (GMG033 only when selected by its id: it is opt-in)


def rules_of(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}


def test_noisy_fleet_fires_these_rules(tmp_path: Path) -> None:
    assert rules_of(check(tmp_path, NOISY)) == {"GMG031", "GMG032", "GMG034", "GMG035"}


@pytest.mark.parametrize(
    ("select", "ignore", "left"),
    [
        ("GMG031", None, {"GMG031"}),
        ("GMG031,GMG034", None, {"GMG031", "GMG034"}),
        ("GMG03", None, {"GMG031", "GMG032", "GMG034", "GMG035"}),  # a prefix: defaults only
        ("GMG03,GMG033", None, {"GMG031", "GMG032", "GMG033", "GMG034", "GMG035"}),
        ("GMG033", None, {"GMG033"}),  # an opt-in rule named by its id
        (None, "GMG03", set()),
        (None, "GMG033,GMG035", {"GMG031", "GMG032", "GMG034"}),
        ("GMG03,GMG033", "GMG031", {"GMG032", "GMG033", "GMG034", "GMG035"}),
        ("gmg032", None, {"GMG032"}),  # case does not matter
        (" GMG032 , ", None, {"GMG032"}),
    ],
)
def test_select_and_ignore(
    tmp_path: Path, select: str | None, ignore: str | None, left: set[str]
) -> None:
    chosen = Selection(select=parse_rule_list(select), ignore=parse_rule_list(ignore))
    assert rules_of(check(tmp_path, NOISY, selection=chosen)) == left


def test_unknown_rule_in_a_selection_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown rule id or prefix: GMG99"):
        parse_rule_list("GMG031,GMG99")
    with pytest.raises(ValueError, match="XYZ"):
        parse_rule_list("XYZ")


def test_gmg001_cannot_be_ignored_or_deselected() -> None:
    assert Selection(ignore=("GMG001",)).enabled("GMG001")
    assert Selection(ignore=("GMG",)).enabled("GMG001")
    assert Selection(select=("GMG03",)).enabled("GMG001")
    assert not Selection(ignore=("GMG",)).enabled("GMG031")


def test_lint_ignore_in_the_file(tmp_path: Path) -> None:
    text = insert(1, "lint: {ignore: [GMG033, GMG034]}", NOISY)
    assert rules_of(check(tmp_path, text)) == {"GMG031", "GMG032", "GMG035"}
    # and it adds to the command line's --ignore
    chosen = Selection(ignore=("GMG035",))
    assert rules_of(check(tmp_path, text, selection=chosen)) == {"GMG031", "GMG032"}


def test_lint_select_in_the_file_and_the_command_line_wins(tmp_path: Path) -> None:
    text = insert(1, "lint:\n  select: [GMG032]", NOISY)
    assert rules_of(check(tmp_path, text)) == {"GMG032"}
    chosen = Selection(select=("GMG034",))
    assert rules_of(check(tmp_path, text, selection=chosen)) == {"GMG034"}


# --- the bundled laptop fleet ----------------------------------------------------------


def laptop_line(text: str, prefix: str, after: str | None = None) -> int:
    """1-based number of the first line starting with `prefix` (after the line `after`)."""
    lines = text.splitlines()
    start = lines.index(after) if after is not None else 0
    return next(i for i in range(start, len(lines)) if lines[i].startswith(prefix)) + 1


@pytest.fixture(scope="module")
def laptop() -> pipeline.Loaded:
    return pipeline.load(LAPTOP)


# Every rule but the simulation's: GMG033 (opt-in) named by its id, so it runs too.
WITH_GMG033 = Selection(select=tuple(rid for rid in RULES if rid not in SIMULATION_RULES))


def summary(loaded: pipeline.Loaded, profile: str | None) -> list[tuple[str, str, int, int]]:
    findings = pipeline.check_variant(pipeline.variant(loaded, profile), WITH_GMG033)
    return sorted((f.rule, f.severity, f.line, f.column) for f in findings)


def test_laptop_base_fleet(laptop: pipeline.Loaded) -> None:
    text = LAPTOP.read_text(encoding="utf-8")
    ram = laptop_line(text, "  ram: 32GiB")
    size = laptop_line(text, "    size: 12GiB")
    # steady 33792 > RAM 32768 (GMG032 at host.ram); worst 80896 > 32768 + 12288 (GMG033);
    # 12 GiB of swap < the 13 GiB required (GMG035), both at host.swap.size
    assert summary(laptop, None) == [
        ("GMG032", "warning", ram, 3),
        ("GMG033", "warning", size, 5),
        ("GMG035", "warning", size, 5),
    ]


def test_laptop_low_profile(laptop: pipeline.Loaded) -> None:
    text = LAPTOP.read_text(encoding="utf-8")
    size = laptop_line(text, "    size: 12GiB")
    profile_ram = laptop_line(
        text, "      ram: 16GiB", after="  low:                      # machines with 16 GB or less"
    )
    business = laptop_line(text, "    mem:", after="  business-vm:")
    chrome = laptop_line(text, "    mem:", after="  chrome-vm:")
    # steady 32768 > 16384 + 12288 (GMG031); > 16384 (GMG032, at the profile's host.ram);
    # business-vm and chrome-vm may grow to 18432 > 16384 (GMG034); flatpak-vm (5120 * 3 =
    # 15360) may not
    assert summary(laptop, "low") == sorted(
        [
            ("GMG031", "error", size, 5),
            ("GMG032", "warning", profile_ram, 7),
            ("GMG033", "warning", size, 5),
            ("GMG034", "warning", business, 5),
            ("GMG034", "warning", chrome, 5),
            ("GMG035", "warning", size, 5),
        ]
    )


def test_laptop_minimal_profile(laptop: pipeline.Loaded) -> None:
    text = LAPTOP.read_text(encoding="utf-8")
    size = laptop_line(text, "    size: 12GiB")
    # steady 29183 <= 32768; required swap 9216 <= 12288; but the worst case 76287 >
    # 32768 + 12288 still does not fit
    assert summary(laptop, "minimal") == [("GMG033", "warning", size, 5)]


def test_laptop_check_of_every_variant(laptop: pipeline.Loaded) -> None:
    findings = pipeline.check(
        laptop, profiles=pipeline.all_variants(laptop, None), selection=WITH_GMG033
    )
    by_profile: dict[str | None, list[str]] = {}
    for f in findings:
        by_profile.setdefault(f.profile, []).append(f.rule)
    assert {p: sorted(r) for p, r in by_profile.items()} == {
        None: ["GMG032", "GMG033", "GMG035"],
        "low": ["GMG031", "GMG032", "GMG033", "GMG034", "GMG034", "GMG035"],
        "minimal": ["GMG033"],
    }


def test_lint_section_naming_an_unknown_rule_is_a_located_error(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(
        "version: 1\nhost: {ram: 4096}\nvms: {}\nlint:\n  ignore:\n    - GMG03\n    - GMG999\n",
        encoding="utf-8",
    )
    with pytest.raises(FleetError) as caught:
        pipeline.load(fleet)
    [finding] = caught.value.findings
    # GMG03 is a known prefix; GMG999 on line 7, column 7 names nothing.
    assert (finding.rule, finding.line, finding.column) == ("GMG001", 7, 7)
    assert "GMG999" in finding.message and finding.path == "$.lint.ignore[1]"
