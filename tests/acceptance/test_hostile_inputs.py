"""Hostile inputs and conditions of issue 16 (items 8-11, 13-17), driven through the CLI.

Each class of problem has its reproducer here, run as a user would run it: a real
subprocess, limited to 2 GiB of address space and 120 s, so that an amplification that
comes back fails here instead of swapping the machine. The scaling tests count Python
function calls (a measure of work that does not depend on the machine's load) at two
sizes in one run and compare the ratio: linear work grows 4x when the fleet does, quadratic
work 16x.
"""

from __future__ import annotations

import json
import os
import pty
import re
import resource
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from support import LAPTOP, ROOT, read_all, run_ghafmemgen

ADDRESS_SPACE = 2 * 1024**3
TIMEOUT = 120
CLEAN = "version: 1\nhost:\n  ram: 16GiB\nvms:\n  net-vm:\n    kind: system\n    mem: 512\n"


def _limit_resources() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def ghafmemgen(
    *args: str | Path, cwd: Path = ROOT, env: dict[str, str | None] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """`python -m ghafmemgen ARGS` with its output as bytes (some tests look at the exact
    bytes a non-UTF-8 stdout gets), limited to 2 GiB and 120 s."""
    return run_ghafmemgen(
        *args,
        env={"NO_COLOR": "1", "GHAFMEMGEN_DEBUG": None, **(env or {})},
        cwd=cwd,
        text=False,
        preexec_fn=_limit_resources,
        timeout=TIMEOUT,
    )


def text(proc: subprocess.CompletedProcess[bytes]) -> str:
    return (proc.stdout + proc.stderr).decode("utf-8", errors="replace")


def assert_clean(proc: subprocess.CompletedProcess[bytes], code: int) -> None:
    shown = f"exit {proc.returncode}\n{text(proc)[:3000]}"
    assert proc.returncode == code, shown
    assert "Traceback" not in text(proc), shown
    assert "internal error" not in text(proc), shown


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


FINDING = re.compile(r"^(?P<file>.*):(?P<line>\d+):(?P<col>\d+): (?P<rule>GMG\d{3}) ")


def findings(proc: subprocess.CompletedProcess[bytes]) -> list[re.Match[str]]:
    lines = proc.stdout.decode("utf-8", errors="replace").splitlines()
    return [m for m in map(FINDING.match, lines) if m]


# -- item 8: a message quotes a bounded prefix of a value --------------------------------


def amplified(tmp_path: Path, use: str) -> Path:
    """One 1,000,000-character anchored scalar and 6,000 aliases to it, each where the
    schema refuses it (1.1 MB, far below the alias node limit)."""
    big = "x" * 1_000_000
    head = "# one 1,000,000-character scalar, 6,000 aliases\nversion: 1\nhost:\n  ram: 16GiB\n"
    head += f"  name: &big {big}\n"
    body = {
        "mem": "vms:\n" + "".join(f"  v{i}-vm: {{kind: system, mem: *big}}\n" for i in range(6000)),
        "kind": "vms:\n" + "".join(f"  v{i}-vm: {{kind: *big, mem: 512}}\n" for i in range(6000)),
        "lint": "vms: {}\nlint:\n  ignore: [" + ", ".join(["*big"] * 6000) + "]\n",
    }[use]
    return write(tmp_path, f"amplified-{use}.yaml", head + body)


@pytest.mark.parametrize("use", ["mem", "kind", "lint"])
def test_an_aliased_huge_scalar_gives_small_messages(tmp_path: Path, use: str) -> None:
    path = amplified(tmp_path, use)
    proc = ghafmemgen("check", path)
    assert_clean(proc, 1)
    found = findings(proc)
    assert len(found) > 6000  # one per alias, plus the host name
    longest = max(len(line) for line in proc.stdout.decode().splitlines())
    assert longest < 600, longest  # the value is quoted by a short prefix, not whole
    assert len(proc.stdout) < 6001 * 600


def test_a_huge_key_is_quoted_by_a_prefix(tmp_path: Path) -> None:
    path = write(tmp_path, "key.yaml", CLEAN + "profiles:\n  ? 0x" + "f" * 100_000 + "\n  : {}\n")
    proc = ghafmemgen("check", path)
    assert_clean(proc, 1)
    assert len(proc.stdout) < 1000, proc.stdout[:300]
    assert findings(proc)[0]["line"] == "9"


# -- item 9: work linear in VMs + profiles ----------------------------------------------


def counted_calls(*args: str | Path) -> tuple[int, int, str]:
    """Run the CLI in this process and count the Python function calls it makes."""
    from inprocess import run_cli

    count = 0

    def profile(_frame: object, event: str, _arg: object) -> None:
        nonlocal count
        if event == "call":
            count += 1

    sys.setprofile(profile)
    try:
        result = run_cli(*args)
    finally:
        sys.setprofile(None)
    return count, result.code, result.output


def grid(vms: int, profiles: int, profile: Callable[[int], str]) -> str:
    body = "".join(f"  a{i:05d}-vm: {{kind: app, mem: 512}}\n" for i in range(vms))
    patches = "".join(f"  p{i:05d}: {profile(i)}\n" for i in range(profiles))
    return f"version: 1\nhost:\n  ram: 64TiB\nvms:\n{body}profiles:\n{patches}"


PROFILE_SHAPES: dict[str, Callable[[int], str]] = {
    "empty": lambda i: "{}",
    "one VM each": lambda i: f"{{vms: {{a{i:05d}-vm: {{mem: 1024}}}}}}",
    "own host RAM": lambda i: f"{{host: {{ram: {1024 * 1024 + i}}}}}",
    "own host CPUs": lambda i: f"{{host: {{cpus: {i + 64}}}}}",
}
SMALL, LARGE = 60, 240  # VMs and profiles each: 4x the fleet, 16x the VM x profile pairs


def growth(tmp_path: Path, make: Callable[[int], str], *args: str) -> tuple[float, list[str]]:
    outputs = []
    counts = []
    write(tmp_path, "warm.yaml", make(4))
    counted_calls(*args, tmp_path / "warm.yaml")  # imports and caches happen once, here
    for size in (SMALL, LARGE):
        path = write(tmp_path, f"grid-{size}.yaml", make(size))
        count, code, output = counted_calls(*args, path)
        assert code in (0, 1), output[-2000:]
        counts.append(count)
        outputs.append(output)
    return counts[1] / counts[0], outputs


@pytest.mark.parametrize("shape", sorted(PROFILE_SHAPES))
def test_check_is_linear_in_vms_plus_profiles(tmp_path: Path, shape: str) -> None:
    ratio, outputs = growth(
        tmp_path, lambda n: grid(n, n, PROFILE_SHAPES[shape]), "check", "--ignore", "GMG07"
    )
    assert f"({LARGE + 1} profiles checked" in outputs[1]
    assert ratio < 7, f"4x the fleet cost {ratio:.1f}x the work"


def test_report_is_linear_in_vms_plus_profiles_and_says_what_it_leaves_out(
    tmp_path: Path,
) -> None:
    pages = []
    for size in (SMALL, LARGE):
        path = write(tmp_path, f"grid-{size}.yaml", grid(size, size, PROFILE_SHAPES["empty"]))
        page = tmp_path / f"report-{size}.html"
        assert_clean(ghafmemgen("report", path, "-o", page, "--ignore", "GMG07"), 0)
        pages.append(page.read_bytes())
    assert len(pages[1]) / len(pages[0]) < 7, [len(p) for p in pages]
    large = pages[1].decode()
    assert "p00239" in large  # every profile has its row in the summary ...
    assert re.search(r"\d+ profiles? (are|is) summarized", large)  # ... and the page says so
    ratio, _ = growth(
        tmp_path, lambda n: grid(n, n, PROFILE_SHAPES["empty"]), "report", "--ignore", "GMG07"
    )
    assert ratio < 7, f"4x the fleet cost {ratio:.1f}x the work"


# -- item 10: --max-size ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["30000000000", "9223372036854775807", "9223372036854775808", "1" + "0" * 40]
)
def test_any_max_size_works_without_allocating_it(value: str) -> None:
    proc = ghafmemgen("check", LAPTOP, "--max-size", value)
    assert_clean(proc, 1)  # the laptop fleet's own findings
    assert "GMG031" in text(proc)


@pytest.mark.parametrize("value", ["0", "-1", "1" + "0" * 5000, "x", "1e3"])
def test_a_max_size_that_is_no_size_is_a_usage_error(value: str) -> None:
    proc = ghafmemgen("check", LAPTOP, "--max-size", value)
    assert_clean(proc, 2)
    assert "--max-size" in text(proc)


def test_an_endless_file_stops_at_a_huge_max_size_as_too_large() -> None:
    proc = ghafmemgen("check", "/dev/zero", "--max-size", "9223372036854775807")
    assert proc.returncode in (1, 2), text(proc)
    assert "Traceback" not in text(proc)
    assert "internal error" not in text(proc)


def test_a_small_max_size_is_a_located_finding(tmp_path: Path) -> None:
    proc = ghafmemgen("check", write(tmp_path, "f.yaml", CLEAN), "--max-size", "10")
    assert_clean(proc, 1)
    assert findings(proc)[0]["rule"] == "GMG001"
    assert "10-byte limit" in text(proc)


# -- item 11: integers past Python's 4,300-digit conversion limit -----------------------

NO_VERSION = CLEAN.replace("version: 1\n", "")
HUGE_INTEGERS: dict[str, tuple[str, int]] = {  # name -> (fleet, line of the integer)
    "hex version": ("version: 0x" + "f" * 3600 + "\n" + NO_VERSION, 1),
    "octal version": ("version: 0o" + "7" * 20_000 + "\n" + NO_VERSION, 1),
    "decimal version": ("version: " + "1" * 200_000 + "\n" + NO_VERSION, 1),
    "tagged": ("version: !!int 0x" + "f" * 5000 + "\n" + NO_VERSION, 1),
    "in lint.ignore": (CLEAN + "lint:\n  ignore: [0x" + "f" * 3600 + "]\n", 9),
    "in lint.select": (CLEAN + "lint:\n  select: [0o" + "7" * 20_000 + "]\n", 9),
    "vm mem": (CLEAN.replace("mem: 512", "mem: 0x" + "1" * 5000), 7),
    "profile": (CLEAN + "profiles:\n  low:\n    host:\n      cpus: 0o" + "7" * 9000 + "\n", 11),
    "key": (CLEAN + "profiles:\n  0x" + "f" * 5000 + ": {}\n", 9),
}


def assert_huge_integer_refused(tmp_path: Path, case: str, command: str) -> None:
    content, line = HUGE_INTEGERS[case]
    path = write(tmp_path, "huge.yaml", content)
    args: list[str | Path] = [command, path]
    if command == "render":
        args += ["--out", tmp_path / "out"]
    proc = ghafmemgen(*args)
    assert_clean(proc, 1)
    assert re.search(rf"huge\.yaml:{line}:\d+: GMG001 error: ", text(proc)), text(proc)[:2000]
    assert len(text(proc)) < 2000
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("case", sorted(HUGE_INTEGERS))
def test_a_huge_integer_is_a_located_error(tmp_path: Path, case: str) -> None:
    assert_huge_integer_refused(tmp_path, case, "check")


@pytest.mark.parametrize("case", ["hex version", "in lint.ignore"])
@pytest.mark.parametrize("command", ["plan", "report", "simulate", "fit", "render"])
def test_every_command_refuses_a_huge_integer(tmp_path: Path, case: str, command: str) -> None:
    assert_huge_integer_refused(tmp_path, case, command)


# -- item 13: a stdout that cannot encode every character --------------------------------

NOT_UTF8 = {
    "C locale": {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
    "ascii": {"PYTHONIOENCODING": "ascii"},
    "latin-1": {"PYTHONIOENCODING": "latin-1"},
}


@pytest.mark.parametrize("environment", sorted(NOT_UTF8))
@pytest.mark.parametrize("fmt", ["text", "github", "json", "sarif"])
def test_a_stdout_that_is_not_utf8_gets_escapes(tmp_path: Path, environment: str, fmt: str) -> None:
    path = write(tmp_path, "f.yaml", CLEAN.replace("kind: system", "kind: systém\u2028"))
    proc = ghafmemgen("check", path, "--format", fmt, env=NOT_UTF8[environment])
    assert_clean(proc, 1)
    out = proc.stdout.decode("latin-1")
    assert "syst" in out
    if fmt in ("text", "github"):
        assert "\u2028" not in out and "\\u2028" in out


def test_plan_and_errors_survive_an_ascii_stdout(tmp_path: Path) -> None:
    bad = write(tmp_path, "b\u00e9.yaml", CLEAN.replace("kind: system", "kind: systém"))
    for args in (["plan", LAPTOP], ["plan", bad], ["simulate", bad], ["report", bad]):
        proc = ghafmemgen(*args, env=NOT_UTF8["ascii"])
        assert proc.returncode in (0, 1), text(proc)
        assert "Traceback" not in text(proc)


# -- item 14: GHAFMEMGEN_PROGRESS_DELAY --------------------------------------------------


def on_a_terminal(*args: str | Path, delay: str) -> tuple[int, str]:
    """`ghafmemgen ARGS` with stderr on a pseudo-terminal; returns (exit, stderr)."""
    main, secondary = pty.openpty()
    env = {**os.environ, "GHAFMEMGEN_PROGRESS_DELAY": delay}
    env.update(TERM="xterm", COLUMNS="100")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ghafmemgen", *map(str, args)],
        stdout=subprocess.DEVNULL,
        stderr=secondary,
        env=env,
    )
    os.close(secondary)
    err = read_all(main)
    code = proc.wait(timeout=TIMEOUT)
    os.close(main)
    return code, err.decode(errors="replace")


@pytest.mark.parametrize("delay", ["inf", "1e999", "-inf", "nan", "1e300", "garbage", "", "-5"])
def test_any_progress_delay_is_harmless(delay: str) -> None:
    code, err = on_a_terminal("check", LAPTOP, LAPTOP, delay=delay)
    assert code == 1, err
    assert "Traceback" not in err and "Exception" not in err, err


# -- item 15: names that Ghaf keys alike -------------------------------------------------

CLASH = (
    "# gui-vm and g-ui-vm are both Ghaf's sysvms.guivm\n"
    "version: 1\nhost:\n  ram: 32GiB\nvms:\n"
    "  gui-vm:\n    kind: system\n    mem: 2048\n"
    "  g-ui-vm:\n    kind: system\n    mem: 1024\n"
)


def test_a_ghaf_key_clash_is_a_located_check_error(tmp_path: Path) -> None:
    proc = ghafmemgen("check", write(tmp_path, "clash.yaml", CLASH))
    assert_clean(proc, 1)
    (clash,) = [m for m in findings(proc) if "guivm" in m.string]
    assert clash["line"] == "9"  # the second name, in file order
    assert clash["rule"] != "GMG001"
    assert "gui-vm" in clash.string and "g-ui-vm" in clash.string


def test_render_and_report_refuse_the_clash_with_the_same_location(tmp_path: Path) -> None:
    path = write(tmp_path, "clash.yaml", CLASH)
    proc = ghafmemgen("render", path, "--out", tmp_path / "out")
    assert_clean(proc, 1)
    assert re.search(r"clash\.yaml:9:\d+: GMG\d{3} error: .*guivm", text(proc)), text(proc)
    assert not (tmp_path / "out").exists()


def test_a_profile_that_makes_a_clash_is_reported_for_that_profile(tmp_path: Path) -> None:
    fleet = CLASH.replace("g-ui-vm:\n    kind: system", "g-ui-vm:\n    kind: app").replace(
        "  g-ui-vm:", "  gui-apps-vm:\n    kind: app\n    mem: 512\n  g-ui-vm:"
    )
    fleet += "profiles:\n  flip:\n    vms:\n      g-ui-vm: {kind: system}\n"
    proc = ghafmemgen("check", write(tmp_path, "flip.yaml", fleet))
    assert_clean(proc, 1)
    clashes = [m for m in findings(proc) if "guivm" in m.string]
    assert len(clashes) == 1 and "[profile flip]" in clashes[0].string


# -- item 16: YAML 1.2 line breaks, and escapes in findings ------------------------------

NOT_BREAKS = ["\u0085", "\u2028", "\u2029"]


@pytest.mark.parametrize("char", NOT_BREAKS)
def test_only_yaml_1_2_line_breaks_end_a_line(tmp_path: Path, char: str) -> None:
    comment = write(tmp_path, "c.yaml", CLEAN.replace("version: 1", f"version: 1   # a{char}b"))
    assert_clean(ghafmemgen("check", comment), 0)
    later = CLEAN.replace("version: 1", f"version: 1   # a{char}b{char}c").replace(
        "mem: 512", "mem: lots"
    )
    proc = ghafmemgen("check", write(tmp_path, "l.yaml", later))
    assert_clean(proc, 1)
    assert findings(proc)[0]["line"] == "7"


@pytest.mark.parametrize("char", NOT_BREAKS)
def test_a_quoted_value_keeps_the_character(tmp_path: Path, char: str) -> None:
    path = write(tmp_path, "q.yaml", CLEAN.replace("ram: 16GiB", f'ram: 16GiB\n  name: "a{char}b"'))
    proc = ghafmemgen("check", path, "--format", "json")
    assert_clean(proc, 1)
    (finding,) = json.loads(proc.stdout)
    assert f'"a{char}b"' in finding["message"]  # not "a b": the character is content
    assert (finding["line"], finding["column"]) == (4, 9)


HOSTILE = "a\u202eb\u0085c\u2028d\u2029e\x9bf\x1bg\nh\ti\u200fj"


def escaped_lines(proc: subprocess.CompletedProcess[bytes]) -> list[str]:
    out = proc.stdout.decode("utf-8")
    for char in out:
        category = unicodedata.category(char)
        assert char == "\n" or (category[0] != "C" and category not in ("Zl", "Zp")), repr(char)
    return out.splitlines()


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_findings_escape_controls_and_bidi_overrides(tmp_path: Path, fmt: str) -> None:
    hostile = json.dumps(HOSTILE)  # a YAML 1.2 double-quoted scalar with every character
    path = write(tmp_path, "h.yaml", CLEAN.replace("ram: 16GiB", f"ram: 16GiB\n  name: {hostile}"))
    proc = ghafmemgen("check", path, "--format", fmt)
    assert_clean(proc, 1)
    lines = escaped_lines(proc)
    assert len(lines) == (1 if fmt == "github" else 2)  # one finding (+ the summary)
    assert "\\u202e" in lines[0] and "\\u2028" in lines[0]


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_a_file_name_with_a_newline_stays_on_one_line(tmp_path: Path, fmt: str) -> None:
    path = write(tmp_path, "evil\n\u2028x.yaml", CLEAN.replace("mem: 512", "mem: lots"))
    proc = ghafmemgen("check", path.name, "--format", fmt, cwd=tmp_path)
    assert_clean(proc, 1)
    lines = escaped_lines(proc)
    assert len(lines) == (1 if fmt == "github" else 2)
    assert lines[0].startswith("evil\\n\\u2028x.yaml:7:" if fmt == "text" else "::error file=")


# -- item 17: SARIF does not depend on the working directory -----------------------------


def test_sarif_is_the_same_from_any_folder(tmp_path: Path) -> None:
    logs = []
    for where in ("one", "two/deeper"):
        folder = tmp_path / where
        (folder / "fleets").mkdir(parents=True)
        shutil.copy(LAPTOP, folder / "fleets" / "laptop.yaml")
        proc = ghafmemgen("check", "fleets/laptop.yaml", "--format", "sarif", cwd=folder)
        assert_clean(proc, 1)
        logs.append(proc.stdout)
    assert logs[0] == logs[1]
    assert str(tmp_path).encode() not in logs[0]
    log = json.loads(logs[0])
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "fleets/laptop.yaml", "uriBaseId": "%SRCROOT%"}


def test_sarif_of_a_file_above_the_folder_stays_relative(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    shutil.copy(LAPTOP, tmp_path / "laptop.yaml")
    proc = ghafmemgen("check", "../laptop.yaml", "--format", "sarif", cwd=tmp_path / "work")
    assert_clean(proc, 1)
    assert str(tmp_path).encode() not in proc.stdout
    location = json.loads(proc.stdout)["runs"][0]["results"][0]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "../laptop.yaml"
