"""The command line, run as users run it (`python -m ghafmemgen` in a subprocess): exit
codes, options, output files, and never a Python traceback."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ghafmemgen import __version__
from ghafmemgen.lint.registry import RULES

from support import LAPTOP, ROOT, run_ghafmemgen

SCHEMA = ROOT / "schemas" / "fleet.schema.json"

CLEAN = """\
version: 1
host: {ram: 16GiB}
vms:
  net-vm: {kind: system, mem: 1GiB}
"""
BAD = """\
version: 1
host: {ram: 16GiB}
vms:
  net-vm: {kind: system, mem: 1GB}
"""
# BAD: line 4, "  net-vm: {kind: system, mem: " is 30 characters: the value is at 4:31


def run(
    *args: str | Path, cwd: Path | None = None, preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    proc = run_ghafmemgen(
        *args, cwd=cwd, preexec_fn=preexec, env={"NO_COLOR": "1", "COLUMNS": "120"}
    )
    for stream in (proc.stdout, proc.stderr):
        assert "Traceback" not in stream, stream
        assert "ghafmemgen: internal error" not in stream, stream
    return proc


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    path = tmp_path / "clean.yaml"
    path.write_text(CLEAN, encoding="utf-8")
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    return path


# --- check: exit codes ----------------------------------------------------------------


def test_clean_fleet_exits_0(clean: Path) -> None:
    proc = run("check", clean)
    assert proc.returncode == 0
    assert proc.stdout == (
        "All checks passed: 1 file (1 profile checked; S3 resume not simulated: add --simulate).\n"
    )


def test_laptop_exits_1_for_the_low_profile_error() -> None:
    proc = run("check", LAPTOP)
    assert proc.returncode == 1
    assert "GMG031 error" in proc.stdout
    assert "[profile low]" in proc.stdout
    # 1 error (low: GMG031) and 6 warnings: base 2, low 4 (GMG033 is opt-in)
    assert proc.stdout.splitlines()[-1] == (
        "Found 1 error and 6 warnings in 1 file "
        "(3 profiles checked; S3 resume not simulated: add --simulate)."
    )


def test_laptop_minimal_profile_exits_0_and_strict_makes_warnings_fail() -> None:
    proc = run("check", LAPTOP, "--profile", "minimal")
    assert proc.returncode == 0
    assert "All checks passed: 1 file (1 profile checked;" in proc.stdout
    assert run("check", LAPTOP, "--profile", "minimal", "--strict").returncode == 0
    # GMG033 (opt-in) finds a warning there: exit 0, and 1 with --strict
    asked = run("check", LAPTOP, "--profile", "minimal", "--select", "GMG033")
    assert asked.returncode == 0 and "GMG033 warning" in asked.stdout
    assert "Found 1 warning in 1 file (1 profile checked;" in asked.stdout
    strict = ("check", LAPTOP, "--profile", "minimal", "--select", "GMG033", "--strict")
    assert run(*strict).returncode == 1


def test_bad_fleet_exits_1_with_a_located_gmg001(bad: Path) -> None:
    proc = run("check", bad)
    assert proc.returncode == 1
    assert proc.stdout.startswith(f"{bad}:4:31: GMG001 error: $.vms.net-vm.mem: ")
    assert "write MiB/GiB; Ghaf's MB means MiB" in proc.stdout


def test_gmg001_cannot_be_ignored(bad: Path) -> None:
    for option in (["--ignore", "GMG001"], ["--ignore", "GMG"], ["--select", "GMG03"]):
        proc = run("check", bad, *option)
        assert proc.returncode == 1, option
        assert "GMG001" in proc.stdout


def test_missing_file_exits_2(tmp_path: Path) -> None:
    proc = run("check", tmp_path / "nope.yaml")
    assert proc.returncode == 2
    assert proc.stderr == f"ghafmemgen: {tmp_path / 'nope.yaml'}: no such file\n"
    assert proc.stdout == ""


def test_directory_exits_2(tmp_path: Path) -> None:
    proc = run("check", tmp_path)
    assert proc.returncode == 2
    assert "is a directory" in proc.stderr


def _without_root_file_access() -> None:
    """Runs in the child before exec: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the
    bounding set, so that even root obeys file permissions after exec."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop = 24
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(pr_capbset_drop, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.fixture
def unprivileged() -> Callable[[], None] | None:
    # Tests run as root in CI, where chmod 000 does not stop a read; drop the capabilities
    # that let root ignore permissions instead (Linux only).
    if os.geteuid() != 0:
        return None
    try:
        subprocess.run([sys.executable, "-c", ""], preexec_fn=_without_root_file_access, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"root without CAP_SETPCAP cannot give up its file access ({exc})")
    return _without_root_file_access


def test_unreadable_file_exits_2(
    tmp_path: Path, clean: Path, unprivileged: Callable[[], None] | None
) -> None:
    clean.chmod(0)
    try:
        proc = run("check", clean, preexec=unprivileged)
    finally:
        clean.chmod(0o644)
    assert proc.returncode == 2
    assert "not readable" in proc.stderr or "Permission denied" in proc.stderr
    assert "All checks passed" not in proc.stdout


def test_unreadable_directory_exits_2(
    tmp_path: Path, unprivileged: Callable[[], None] | None
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "fleet.yaml").write_text(CLEAN, encoding="utf-8")
    locked.chmod(0)
    try:
        proc = run("check", locked / "fleet.yaml", preexec=unprivileged)
    finally:
        locked.chmod(0o755)
    assert proc.returncode == 2
    assert "Permission denied" in proc.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--profile", "nope"], "no profile 'nope' (profiles: low, minimal)"),
        (["--select", "GMG031,XYZ"], "unknown rule id or prefix: XYZ"),
        (["--ignore", "GMG9"], "unknown rule id or prefix: GMG9"),
        (["--format", "xml"], "unknown --format 'xml'; choose one of text, json, github, sarif"),
        (["--no-such-option"], "No such option"),
    ],
)
def test_usage_errors_exit_2(args: list[str], words: str) -> None:
    proc = run("check", LAPTOP, *args)
    assert proc.returncode == 2
    assert words in proc.stderr
    assert "GMG0" not in proc.stdout  # nothing is reported before the usage error


def test_no_arguments_is_a_usage_error() -> None:
    proc = run("check")
    assert proc.returncode == 2
    assert "Missing argument" in proc.stderr


# --- check: options and outputs ---------------------------------------------------------


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    proc = run("check", LAPTOP, "--format", "json", "-o", out)
    assert proc.returncode == 1
    assert proc.stdout == ""
    report = json.loads(out.read_text(encoding="utf-8"))
    assert len(report) == 7  # the 7 findings of the laptop fleet (GMG033 is opt-in)
    keys = {"rule", "severity", "message", "file", "line", "column", "path", "profile"}
    assert all(set(item) == keys for item in report)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_output_into_a_missing_directory_creates_it(tmp_path: Path) -> None:
    """-o creates missing folders, as render --out does (one rule for both)."""
    proc = run("check", LAPTOP, "-o", tmp_path / "missing" / "report.txt")
    assert proc.returncode == 1, proc.stderr  # the laptop fleet has an error
    assert "GMG031 error" in (tmp_path / "missing" / "report.txt").read_text()


def test_output_under_a_plain_file_exits_2(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    proc = run("check", LAPTOP, "-o", tmp_path / "file" / "report.txt")
    assert proc.returncode == 2
    assert "must be a directory" in proc.stderr


def test_multiple_files(tmp_path: Path, clean: Path, bad: Path) -> None:
    proc = run("check", clean, bad)
    assert proc.returncode == 1
    assert f"{bad}:4:31: GMG001" in proc.stdout
    assert "in 2 files" in proc.stdout.splitlines()[-1]
    # a missing file among them: the others are still checked, the exit code is 2
    both = run("check", clean, tmp_path / "nope.yaml", bad)
    assert both.returncode == 2
    assert f"{bad}:4:31: GMG001" in both.stdout
    assert "no such file" in both.stderr


def test_lint_ignore_in_the_file_is_honoured(tmp_path: Path) -> None:
    text = LAPTOP.read_text(encoding="utf-8").replace(
        "version: 1\n", "version: 1\nlint: {ignore: [GMG03]}\n"
    )
    path = tmp_path / "fleet.yaml"
    path.write_text(text, encoding="utf-8")
    proc = run("check", path)
    assert proc.returncode == 0
    assert proc.stdout.startswith("All checks passed")


def test_select_a_prefix_on_the_command_line() -> None:
    proc = run("check", LAPTOP, "--select", "GMG034")
    assert proc.returncode == 0  # two warnings, no error
    assert [line.split()[1] for line in proc.stdout.splitlines()[:-1]] == ["GMG034", "GMG034"]


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_every_report_format_runs(fmt: str) -> None:
    proc = run("check", LAPTOP, "--format", fmt)
    assert proc.returncode == 1
    assert "GMG031" in proc.stdout


# --- plan ---------------------------------------------------------------------------------


def test_plan_json_keys_and_figures() -> None:
    proc = run("plan", LAPTOP, "--format", "json")
    assert proc.returncode == 0  # warnings do not fail the plan
    plan = json.loads(proc.stdout)
    assert list(plan) == ["generator", "profile", "vms", "host"]
    assert plan["profile"] is None
    chrome = next(vm for vm in plan["vms"] if vm["name"] == "chrome-vm")
    assert (chrome["qemuMemMiB"], chrome["zramDiskMiB"], chrome["zramGainMiB"]) == (
        18432,
        4608,
        2764.8,
    )
    host = plan["host"]
    assert (host["steadyMiB"], host["worstCaseMiB"], host["requiredSwapMiB"]) == (
        33792,
        80896,
        13312,
    )
    assert "GMG032" in proc.stderr  # findings go to stderr


def test_plan_prints_even_when_an_error_rule_fires() -> None:
    proc = run("plan", LAPTOP, "--profile", "low", "--format", "json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["profile"] == "low"
    assert "GMG031 error" in proc.stderr


def test_plan_text_is_a_plain_table_when_piped() -> None:
    proc = run("plan", LAPTOP)
    assert proc.returncode == 0
    assert proc.stdout.startswith("Memory plan (base fleet), MiB\n")
    assert not set(proc.stdout) & set("│┃━─┏┡└╇")  # no box drawing: it is not a terminal
    assert "\x1b[" not in proc.stdout  # no colour codes
    row = next(line for line in proc.stdout.splitlines() if line.startswith("chrome-vm"))
    assert row.split() == [
        "chrome-vm", "app", "crosvm", "6144", "18432", "yes", "yes", "4608", "2764.8",
        "8908.8", "21196.8",
    ]  # fmt: skip


def test_plan_output_file(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    proc = run("plan", LAPTOP, "--format", "json", "-o", out)
    assert proc.returncode == 0
    assert proc.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["host"]["ramMiB"] == 32768


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--format", "yaml"], 2, "unknown --format 'yaml'"),
        (["--profile", "nope"], 2, "no profile 'nope'"),
        (["--select", "XYZ"], 2, "unknown rule id or prefix"),
    ],
)
def test_plan_usage_errors(args: list[str], code: int, words: str) -> None:
    proc = run("plan", LAPTOP, *args)
    assert proc.returncode == code
    assert words in proc.stderr
    assert proc.stdout == ""


def test_plan_of_a_bad_fleet_exits_1(bad: Path, tmp_path: Path) -> None:
    proc = run("plan", bad)
    assert proc.returncode == 1
    assert run("plan", tmp_path / "nope.yaml").returncode == 2


@pytest.mark.parametrize("command", [["plan", "--format", "json"], ["simulate"]])
def test_a_fleet_that_does_not_load_reports_on_stderr(bad: Path, command: list[str]) -> None:
    # stdout carries the plan (or JSON); `plan --format json > plan.json` must not get text
    proc = run(command[0], bad, *command[1:])
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"{bad}:4:31: GMG001 error: $.vms.net-vm.mem: ")


# --- rules, schema, init, version, help ---------------------------------------------------


def test_rules_lists_every_rule() -> None:
    proc = run("rules")
    assert proc.returncode == 0
    listed = [line.split()[:2] for line in proc.stdout.splitlines()]
    assert listed == [[rule.id, rule.severity] for rule in RULES.values()]
    for rule in RULES.values():
        assert rule.summary in proc.stdout


def test_schema_prints_the_schema_as_json() -> None:
    proc = run("schema")
    assert proc.returncode == 0
    printed = json.loads(proc.stdout)
    assert printed == json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_init_writes_a_fleet_and_its_schema(tmp_path: Path) -> None:
    target = tmp_path / "new" / "dir" / "fleet.yaml"
    proc = run("init", target)
    assert proc.returncode == 0
    schema = target.parent / "fleet.schema.json"
    assert json.loads(schema.read_text(encoding="utf-8")) == json.loads(SCHEMA.read_text())
    text = target.read_text(encoding="utf-8")
    # the modeline points at the schema beside the file, wherever the file lives
    assert text.splitlines()[0] == "# yaml-language-server: $schema=fleet.schema.json"
    assert "# " in text.splitlines()[2]  # commented
    # the laptop's VMs, sized to pass check --strict (tests/acceptance/test_first_hour.py)
    assert run("check", target, "--profile", "minimal").returncode == 0
    plan = json.loads(run("plan", target, "--format", "json").stdout)
    assert plan["host"]["steadyMiB"] == 32768
    assert [vm["name"] for vm in plan["vms"]][:2] == ["admin-vm", "audio-vm"]


def test_init_refuses_to_overwrite_either_file(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("mine\n", encoding="utf-8")
    proc = run("init", fleet)
    assert proc.returncode == 2
    assert "already exists" in proc.stderr
    assert fleet.read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / "fleet.schema.json").exists()
    # only the schema exists: still refused, and no fleet is written
    fleet.unlink()
    (tmp_path / "fleet.schema.json").write_text("{}", encoding="utf-8")
    proc = run("init", fleet)
    assert proc.returncode == 2
    assert "fleet.schema.json: already exists" in proc.stderr
    assert not fleet.exists()
    assert (tmp_path / "fleet.schema.json").read_text(encoding="utf-8") == "{}"


def test_version() -> None:
    proc = run("--version")
    assert proc.returncode == 0
    assert proc.stdout == f"ghafmemgen {__version__}\n"


def commands() -> list[str]:
    import typer.main

    from ghafmemgen.cli import app

    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


def test_the_documented_commands_exist() -> None:
    assert {"check", "plan", "rules", "schema", "init"} <= set(commands())


@pytest.mark.parametrize("command", [None, *commands()])
def test_help_of_every_command(command: str | None) -> None:
    args = ["--help"] if command is None else [command, "--help"]
    proc = run(*args)
    assert proc.returncode == 0
    assert proc.stdout.startswith(
        "Usage: python -m ghafmemgen" + (f" {command}" if command else "")
    )
    assert proc.stderr == ""


def test_no_command_shows_help_and_exits_2() -> None:
    proc = run()
    assert proc.returncode == 2
    assert "Usage:" in proc.stdout + proc.stderr
