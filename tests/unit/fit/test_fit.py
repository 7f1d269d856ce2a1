"""`ghafmemgen fit`: the smallest change that makes a fleet variant meet a goal.

Patches are checked independently of the search: pasted into the fleet by the test (or
written by --write), re-loaded through the whole pipeline and judged by its findings and
the S3 simulation, exactly as `check` and `simulate` would.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from ghafmemgen import pipeline
from ghafmemgen.findings import Selection
from ghafmemgen.fit.options import DEFAULT_ADJUST, GOALS, KINDS, Options, patch_tree
from ghafmemgen.fit.search import fit as run_fit
from ghafmemgen.memory.model import deep_merge
from ghafmemgen.memory.simulate import simulate
from ghafmemgen.units import format_mib

from inprocess import run_cli
from support import LAPTOP

FAILING = {"errors": {"error"}, "warnings": {"error", "warning"}, "simulate": {"error"}}
Cli = tuple[int, str, str]


def raw(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return data


def paste(data: dict[str, Any], profile: str | None, tree: dict[str, Any]) -> dict[str, Any]:
    """What a user does with the YAML output: put it under profiles.NAME (or the top level)."""
    return deep_merge(data, {"profiles": {profile: tree}} if profile is not None else tree)


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
    return path


def meets(path: Path, profile: str | None, goal: str, ignore: tuple[str, ...] = ()) -> bool:
    """The goal, judged by the pipeline's findings and the simulation (not by fit)."""
    var = pipeline.variant(pipeline.load(path), profile)
    findings = pipeline.check_variant(var, Selection(ignore=ignore))
    if any(f.severity in FAILING[goal] for f in findings):
        return False
    return goal != "simulate" or simulate(var.fleet, var.plan).survived


def effective_mems(profile: str | None) -> dict[str, tuple[str, int]]:
    fleet = pipeline.variant(pipeline.load(LAPTOP), profile).fleet
    return {vm.name: (vm.kind, vm.mem_mib) for vm in fleet.vms}


# -- the acceptance cases on the bundled laptop fleet, profile low -------------------------


def test_swap_alone_raises_swap_to_16gib(tmp_path: Path) -> None:
    code, out, _ = run_cli("fit", LAPTOP, "--profile", "low", "--adjust", "swap")
    assert code == 0
    assert YAML(typ="safe").load(out) == {"host": {"swap": {"size": "16GiB"}}}
    assert "# host.swap.size 12GiB -> 16GiB: at 15GiB, the steady state of 32768 MiB" in out
    assert "# paste under profiles.low:" in out
    fleet = write(tmp_path / "fleet.yaml", paste(raw(LAPTOP), "low", YAML(typ="safe").load(out)))
    assert not meets(LAPTOP, "low", "errors")
    assert meets(fleet, "low", "errors")
    code, out, _ = run_cli("check", fleet, "--profile", "low")
    assert code == 0, out


def test_swap_alone_cannot_clear_the_steady_state_and_vm_size_warnings() -> None:
    args: list[str | Path] = ["fit", LAPTOP, "-p", "low", "--adjust", "swap", "--goal", "warnings"]
    code, out, err = run_cli(*args)
    assert (code, out) == (1, "")
    assert "cannot fit profile low (goal warnings) with --adjust swap" in err
    blocks = dict(re.findall(r"ghafmemgen: (GMG03\d) .*\nghafmemgen:   (.*)", err))
    assert set(blocks) == {"GMG032", "GMG034"}  # GMG033 and GMG035 are swap's to clear
    assert "swap does not change the steady state" in blocks["GMG032"]
    assert "swap does not change it" in blocks["GMG034"]
    assert all("--adjust swap cannot change that" in why for why in blocks.values())
    code, out, _ = run_cli(*args, "--format", "json")
    doc = json.loads(out)
    assert (code, doc["status"], doc["patch"], doc["written"]) == (1, "impossible", {}, False)


def test_app_mem_scales_app_vms_until_the_steady_state_fits_ram_plus_swap(tmp_path: Path) -> None:
    args: list[str | Path] = ["fit", LAPTOP, "-p", "low", "--adjust", "app-mem", "-f", "json"]
    code, out, _ = run_cli(*args)
    doc = json.loads(out)
    assert (code, doc["status"]) == (0, "patched")
    before = effective_mems("low")
    new = {name: fields["mem"] for name, fields in doc["patch"]["vms"].items()}
    assert new and all(set(fields) == {"mem"} for fields in doc["patch"]["vms"].values())
    (factor,) = (
        float(m) for m in re.findall(r"app VMs' mem x ([0-9.]+)", "".join(doc["explanation"]))
    )
    for name, mem in new.items():
        kind, old = before[name]
        assert kind == "app" and 512 <= mem < old and mem % 256 == 0
        assert mem == max(512, int(old * factor) // 256 * 256)  # one common factor
    after = {name: new.get(name, mem) for name, (_, mem) in before.items()}
    ram, swap, reserved = 16 * 1024, 12 * 1024, 1024
    assert reserved + sum(mem for _, mem in before.values()) > ram + swap  # it did not fit
    assert reserved + sum(after.values()) <= ram + swap  # now it does
    fleet = write(tmp_path / "fleet.yaml", paste(raw(LAPTOP), "low", doc["patch"]))
    code, out, _ = run_cli("check", fleet, "--profile", "low")
    assert code == 0, out
    for name in new:  # no VM was shrunk for nothing
        reverted = paste(raw(fleet), "low", {"vms": {name: {"mem": before[name][1]}}})
        assert not meets(write(tmp_path / "reverted.yaml", reverted), "low", "errors")


PASSTHROUGH = """\
version: 1
host: {ram: 4GiB, reserved: 512MiB, swap: {size: 8GiB}}
vms:
  gui-vm: {kind: system, mem: 3GiB, passthrough: true}
  net-vm: {kind: system, mem: 2GiB, passthrough: true}
  chrome-vm: {kind: app, mem: 2GiB}
"""


@pytest.mark.parametrize("adjust", ["swap,balloon,app-mem", "swap,balloon,app-mem,sys-mem"])
def test_passthrough_vms_alone_exceeding_ram_cannot_fit(
    adjust: str,
    tmp_path: Path,
) -> None:
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(PASSTHROUGH, encoding="utf-8")
    code, out, err = run_cli("fit", fleet, "--adjust", adjust, "--write")
    assert (code, out) == (1, "")
    assert "cannot fit the base fleet (goal errors)" in err
    assert "pinned memory alone (5120 MiB of passthrough VMs) exceeds RAM (4096 MiB)" in err
    assert "GMG030 pinned passthrough memory 5120 MiB" in err
    assert fleet.read_text(encoding="utf-8") == PASSTHROUGH


def test_simulate_goal_raises_swap_for_the_resume_cascade(tmp_path: Path) -> None:
    # The balloon takes back ~2099 MiB on resume: 1024 reserved + 4147 held > 4 GiB + 1 GiB.
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(
        textwrap.dedent("""\
        version: 1
        host: {ram: 4GiB, reserved: 1GiB, swap: {size: 1GiB}}
        vms:
          app-vm: {kind: app, mem: 2048, balloonRatio: 2, resume: {spike: 3000}}
        """),
        encoding="utf-8",
    )
    code, out, _ = run_cli("fit", fleet)
    assert code == 0 and "already meets goal errors: nothing to change" in out
    code, out, _ = run_cli("fit", fleet, "--goal", "simulate", "--write")
    assert code == 0 and "GMG080" in out
    assert YAML(typ="safe").load(out) == {"host": {"swap": {"size": "2GiB"}}}
    assert "size: 2GiB}" in fleet.read_text(encoding="utf-8")
    assert run_cli("simulate", fleet).code == 0


def test_nothing_to_change_is_said_and_written_nowhere(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.yaml"
    shutil.copy(LAPTOP, fleet)
    code, out, _ = run_cli("fit", fleet, "--write")
    assert code == 0
    assert out == "# the base fleet already meets goal errors: nothing to change\n{}\n"
    assert fleet.read_bytes() == LAPTOP.read_bytes()


@pytest.mark.parametrize(
    "args",
    [
        ["--adjust", "swap,ram"],
        ["--adjust", ","],
        ["--goal", "perfect"],
        ["--format", "toml"],
        ["--min-mem", "0"],
        ["--step", "1MB"],
        ["--profile", "huge"],
        ["--select", "XYZ"],
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    code, out, err = run_cli("fit", LAPTOP, *args)
    assert (code, out) == (2, "")
    assert err.startswith("ghafmemgen: ") and "Traceback" not in err


# -- --write ---------------------------------------------------------------------------------


def edited_and_inserted(before: list[str], after: list[str]) -> tuple[list[str], list[str]]:
    """`after` must be `before` with some lines edited in place and others inserted, every
    other line kept byte for byte and in order: (the original lines edited, the new lines)."""
    import difflib

    edited: list[str] = []
    new: list[str] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        assert op in {"equal", "insert", "replace"}, (op, before[i1:i2])
        assert j2 - j1 >= i2 - i1, ("lines lost", before[i1:i2])
        if op != "equal":
            edited += before[i1:i2]
            new += after[j1:j2]
    return edited, new


SWAP_COMMENT = "# ghaf.partitioning.disko.swapSize default (12 * 1024)"
VM_LINE = re.compile(r"      [a-z]+-vm: \{ mem: [0-9]+ \}\n")


@pytest.mark.parametrize(
    ("args", "edited", "new"),
    [
        (["-p", "low", "--adjust", "swap"], [], ["      swap:\n", "        size: 16GiB\n"]),
        (["-p", "low", "--adjust", "app-mem"], ["      flatpak-vm: { mem: 5120 }\n"], None),
        (
            ["--adjust", "swap", "--goal", "warnings", "--ignore", "GMG032"],
            [f"    size: 12GiB             {SWAP_COMMENT}\n"],
            [f"    size: 13GiB             {SWAP_COMMENT}\n"],
        ),
    ],
)
def test_write_changes_only_the_patched_lines(
    args: list[str],
    edited: list[str],
    new: list[str] | None,
    tmp_path: Path,
) -> None:
    fleet = tmp_path / "ghaf-laptop.yaml"
    shutil.copy(LAPTOP, fleet)
    code, _, err = run_cli("fit", fleet, *args, "--write")
    assert code == 0 and f"wrote the patch into {fleet}" in err
    before = LAPTOP.read_text(encoding="utf-8").splitlines(keepends=True)
    after = fleet.read_text(encoding="utf-8").splitlines(keepends=True)
    got_edited, got_new = edited_and_inserted(before, after)
    assert got_edited == edited
    if new is not None:
        assert got_new == new
    else:  # app-mem: the flatpak-vm pin is edited in place, the other app VMs are added
        assert got_new and all(VM_LINE.fullmatch(line) for line in got_new)
    profile = "low" if "low" in args else None
    goal = "warnings" if "warnings" in args else "errors"
    ignore = tuple(a for a in args if a.startswith("GMG"))
    assert not meets(LAPTOP, profile, goal, ignore)
    assert meets(fleet, profile, goal, ignore)


def test_write_keeps_every_comment_and_blank_line_of_the_fixture(tmp_path: Path) -> None:
    fleet = tmp_path / "ghaf-laptop.yaml"
    shutil.copy(LAPTOP, fleet)
    args: list[str | Path] = [
        "fit",
        fleet,
        "-p",
        "low",
        "--adjust",
        "swap,app-mem",
        "--goal",
        "warnings",
        "--write",
    ]
    assert run_cli(*args).code == 0
    before = LAPTOP.read_text(encoding="utf-8").splitlines(keepends=True)
    after = fleet.read_text(encoding="utf-8").splitlines(keepends=True)
    edited, _ = edited_and_inserted(before, after)
    assert edited == ["      flatpak-vm: { mem: 5120 }\n"]
    kept = [line for line in before if not line.strip() or "#" in line]
    assert len(kept) > 20 and all(line not in edited for line in kept)
    assert run_cli("check", fleet, "--profile", "low", "--strict").code == 0


def test_write_refuses_when_the_edit_would_reach_an_alias(tmp_path: Path) -> None:
    text = textwrap.dedent("""\
        version: 1
        host: {ram: 16GiB, swap: {size: 1GiB}}
        vms:
          chrome-vm: {kind: app, mem: 8GiB, balloonRatio: 0}
          net-vm: {kind: system, mem: 1GiB}
        profiles:
          low:
            host: &small
              ram: 8GiB
          tiny:
            host: *small
        """)
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(text, encoding="utf-8")
    code, _, err = run_cli("fit", fleet, "-p", "low", "--adjust", "swap", "--write")
    assert code == 1 and f"ghafmemgen: {fleet} not written:" in err
    assert "paste the patch by hand" in err
    assert fleet.read_text(encoding="utf-8") == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fleet.yaml"]  # no temp file left


# -- the property: every patch meets the goal and is minimal ------------------------------

LONG = os.environ.get("GHAFMEMGEN_LONG_PROPERTIES") == "1"
GIB = 1024


@st.composite
def fleets(draw: st.DrawFn) -> tuple[dict[str, Any], str | None]:
    """Small fleets, mostly too big for their host: 1-5 VMs of 256 MiB to 6 GiB on 2-8 GiB."""
    vms: dict[str, Any] = {}
    for i in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["app", "system"]))
        vm: dict[str, Any] = {
            "kind": kind,
            "mem": draw(st.integers(2, 48)) * 128 - draw(st.sampled_from([0, 0, 1])),
        }
        if kind == "app":
            vm["balloonRatio"] = draw(st.integers(0, 3))
        vm["passthrough"] = kind == "system" and draw(st.integers(0, 3)) == 0
        vm["hypervisor"] = draw(st.sampled_from(["qemu", "crosvm"]))
        vms[f"v{i}-vm"] = vm
    swap = draw(st.sampled_from([0, 1, 2, 4, 8])) * GIB if draw(st.integers(0, 5)) else "auto"
    host = {
        "ram": draw(st.sampled_from([2, 4, 4, 8, 8])) * GIB,
        "reserved": draw(st.sampled_from([256, 1024])),
        "swap": {"size": swap},
        "hibernation": draw(st.integers(0, 7)) == 0,
    }
    data: dict[str, Any] = {"version": 1, "host": host, "vms": vms}
    if not draw(st.booleans()):
        return data, None
    name = draw(st.sampled_from(sorted(vms)))
    data["profiles"] = {
        "p": {
            "host": {"ram": draw(st.sampled_from([2, 4, 8])) * GIB},
            "vms": {name: {"mem": draw(st.integers(2, 24)) * 256}},
        }
    }
    return data, "p"


def kind(path: tuple[str, ...], vms: dict[str, Any]) -> str:
    if path == ("host", "swap", "size"):
        return "swap"
    if path[-1] == "balloonRatio":
        return "balloon"
    vm = vms[path[1]]
    assert not (vm.kind == "system" and vm.passthrough)  # sized for their devices
    return "app-mem" if vm.kind == "app" else "sys-mem"


def at(
    data: dict[str, Any], profile: str | None, path: tuple[str, ...], value: Any
) -> dict[str, Any]:
    tree: dict[str, Any] = {path[-1]: value}
    for key in reversed(path[:-1]):
        tree = {key: tree}
    return paste(data, profile, tree)


@settings(
    max_examples=1000 if LONG else 100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    case=fleets(),
    adjust=st.lists(st.sampled_from(KINDS), min_size=1, unique=True),
    goal=st.sampled_from(GOALS),
)
def test_every_patch_meets_the_goal_and_no_field_can_be_reverted(
    case: tuple[dict[str, Any], str | None], adjust: list[str], goal: str
) -> None:
    data, profile = case
    with tempfile.TemporaryDirectory() as tmp:
        fleet = write(Path(tmp) / "fleet.yaml", data)
        options = Options(adjust=tuple(adjust), goal=goal)
        result = run_fit(pipeline.load(fleet), profile=profile, options=options)
        event(f"{goal}: {result.status} {len(result.changes)}")
        assert meets(fleet, profile, goal) == (result.status == "fits")
        if result.status == "impossible":  # it says so, and names what stays in the way
            assert result.lines[0].startswith("cannot fit"), result.lines
            assert any(re.match(r"GMG\d{3} ", line) for line in result.lines), result.lines
        if result.status != "patched":
            return
        tree = patch_tree(
            {
                c.path: (c.new if c.path[-1] == "balloonRatio" else format_mib(c.new))
                for c in result.changes
            }
        )
        patched = paste(data, profile, tree)
        assert meets(write(Path(tmp) / "patched.yaml", patched), profile, goal), result.lines
        fleet_vms = {
            vm.name: vm for vm in pipeline.variant(pipeline.load(fleet), profile).fleet.vms
        }
        for change in result.changes:
            assert kind(change.path, fleet_vms) in adjust
            reverted = at(patched, profile, change.path, change.old)
            assert not meets(write(Path(tmp) / "reverted.yaml", reverted), profile, goal), change


def test_the_command_line_lists_the_same_kinds_and_goals_as_the_search() -> None:
    from ghafmemgen.cli import fit as command

    assert (command.KINDS, command.GOALS) == (KINDS, GOALS)
    assert ",".join(DEFAULT_ADJUST) == "swap,balloon,app-mem"


CRLF = (
    "version: 1\r\n# keep me\r\nhost:\r\n  ram: 4GiB\r\n  swap:\r\n    size: 1GiB   # s\r\n"
    "vms:\r\n  a-vm: {kind: app, mem: 3GiB, balloonRatio: 1}\r\n"
    "  b-vm: {kind: system, mem: 2047}\r\n"
    "profiles:\r\n  p:\r\n    host: {}\r\n  q:\r\n    host: {ram: 4GiB}  # q\r\n"
    "  r:\r\n    vms: {a-vm: {mem: 3GiB}}"
)


@pytest.mark.parametrize(
    ("profile", "before", "after"),
    [
        ("p", "    host: {}\r\n", "    host: {swap: {size: 2GiB}}\r\n"),
        (
            "q",
            "    host: {ram: 4GiB}  # q\r\n",
            "    host: {ram: 4GiB, swap: {size: 2GiB}}  # q\r\n",
        ),
    ],
)
def test_write_fills_flow_mappings_and_keeps_crlf(
    profile: str,
    before: str,
    after: str,
    tmp_path: Path,
) -> None:
    fleet = tmp_path / "fleet.yaml"
    fleet.write_bytes(CRLF.encode())
    code, _, _ = run_cli("fit", fleet, "-p", profile, "--adjust", "swap", "--write")
    assert code == 0
    assert fleet.read_bytes() == CRLF.replace(before, after, 1).encode()
    assert meets(fleet, profile, "errors")


def test_write_refuses_to_guess_inside_a_nested_flow_mapping(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.yaml"
    fleet.write_bytes(CRLF.encode())
    args: list[str | Path] = ["fit", fleet, "-p", "r", "--adjust", "app-mem,sys-mem", "--write"]
    code, out, err = run_cli(*args)
    assert code == 1 and "not written" in err and "paste the patch by hand" in err
    assert fleet.read_bytes() == CRLF.encode()
    assert YAML(typ="safe").load(out) == {"vms": {"b-vm": {"mem": "1GiB"}}}  # still printed
    code, out, err = run_cli(*args, "--format", "json")
    assert (code, json.loads(out)["written"]) == (1, False)


def block_yaml(node: dict[str, Any], indent: int = 0) -> list[str]:
    """Block YAML with a comment line before every mapping and after every scalar: a fleet
    as a person writes it, so --write has comments and blank lines to keep."""
    lines = []
    for key, value in node.items():
        pad = " " * indent
        if isinstance(value, dict):
            lines += [f"{pad}# {key} follows\n", f"{pad}{key}:\n", *block_yaml(value, indent + 2)]
        else:
            shown = json.dumps(value) if isinstance(value, bool | str) else str(value)
            lines += [f"{pad}{key}: {shown}    # was {shown}\n"]
    return [*lines, "\n"] if indent == 2 else lines


@settings(
    max_examples=600 if LONG else 60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(case=fleets(), adjust=st.lists(st.sampled_from(KINDS), min_size=1, unique=True))
def test_write_puts_exactly_the_patch_into_a_commented_file(
    case: tuple[dict[str, Any], str | None], adjust: list[str]
) -> None:
    from ghafmemgen.fit.write import rewrite

    data, profile = case
    before = block_yaml(data)
    with tempfile.TemporaryDirectory() as tmp:
        fleet = Path(tmp) / "fleet.yaml"
        fleet.write_text("".join(before), encoding="utf-8")
        options = Options(adjust=tuple(adjust), goal="warnings")
        result = run_fit(pipeline.load(fleet), profile=profile, options=options)
        event(result.status)
        if result.status != "patched":
            return
        patch = {c.path: c.new for c in result.changes}
        after = rewrite("".join(before), profile=profile, patch=patch)
        edited, _ = edited_and_inserted(before, after.splitlines(keepends=True))
        assert not [line for line in edited if line.lstrip().startswith("#") or not line.strip()]
        pasted = write(Path(tmp) / "pasted.yaml", paste(data, profile, patch_tree(patch)))
        fleet.write_text(after, encoding="utf-8")
        assert pipeline.load(fleet).data == pipeline.load(pasted).data


BALLOONS = """\
version: 1
host: {{ram: 4GiB, swap: {{size: {swap}}}}}
defaults: {{hypervisor: crosvm}}
vms:
  a-vm: {{kind: app, mem: 2GiB, balloonRatio: 3}}
  b-vm: {{kind: app, mem: 1GiB, balloonRatio: 3}}
"""


def test_balloon_steps_lower_the_largest_allocation_first(tmp_path: Path) -> None:
    # a-vm may grow to 8 GiB on a 4 GiB host (GMG034); b-vm's 4 GiB is fine. One step brings
    # a-vm to 6 GiB (still the largest), the second to 4 GiB: two steps, one field, and no
    # base memory taken (app-mem would need a-vm at 1 GiB).
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(BALLOONS.format(swap="16GiB"), encoding="utf-8")
    code, out, _ = run_cli("fit", fleet, "--goal", "warnings")
    assert code == 0
    assert YAML(typ="safe").load(out) == {"vms": {"a-vm": {"balloonRatio": 1}}}
    assert "# vms.a-vm.balloonRatio 3 -> 1: at 2, a-vm could grow to microvm.mem = 6144 MiB" in out
    assert "# merge into the top level of the fleet" in out


def test_an_auto_swap_size_is_left_alone(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(BALLOONS.format(swap="auto"), encoding="utf-8")
    code, out, err = run_cli("fit", fleet, "--goal", "warnings", "--adjust", "swap")
    assert (code, out) == (1, "")
    assert "host.swap.size is auto (the required swap): fit does not replace it" in err
    assert "--adjust swap cannot change that; it needs balloon or app-mem" in err


def test_write_puts_a_nested_key_before_a_new_sibling_that_follows_the_same_line() -> None:
    # Found by the property above: both insertions land after `mem: 512`, the inner one first.
    from ghafmemgen.fit.write import rewrite

    head = "version: 1\nhost: {ram: 2GiB}\nvms:\n  a-vm: {kind: app, mem: 1GiB}\n"
    head += "  b-vm: {kind: app, mem: 1GiB}\nprofiles:\n  p:\n    vms:\n"
    text = head + "      b-vm:\n        mem: 512    # pinned\n"
    patch = {("vms", "a-vm", "mem"): 512, ("vms", "b-vm", "balloonRatio"): 1}
    assert rewrite(text, profile="p", patch=patch) == (
        head + "      b-vm:\n        mem: 512    # pinned\n        balloonRatio: 1\n"
        "      a-vm:\n        mem: 512MiB\n"  # the file writes mem both ways: a unit is clearer
    )
