"""A newcomer's first hour (issue 15), run as a user runs it: `python -m ghafmemgen` in a
subprocess, `make`, pre-commit's file filter and the report in headless Chromium.

Each test is one of the problems a new user met: the starter fleet from `init` fails the check
it recommends, `check`, `simulate` and `report` disagree, GMG033 contradicts GMG035, tables
overflow the terminal, `fit` miscounts its patch and breaks another profile, and the smaller
things (messages, positions, --help, the pre-commit hook, the report's charts, `make demo`).
"""

from __future__ import annotations

import fcntl
import html
import json
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path
from typing import Any

import pytest

from support import CHROMIUM_FLAGS, LAPTOP, ROOT, read_all, run_ghafmemgen

SCHEMA = ROOT / "schemas" / "fleet.schema.json"


def run(
    *args: str | Path, cwd: Path | None = None, columns: int = 120
) -> subprocess.CompletedProcess[str]:
    proc = run_ghafmemgen(*args, cwd=cwd, env={"NO_COLOR": "1", "COLUMNS": str(columns)})
    for stream in (proc.stdout, proc.stderr):
        assert "Traceback" not in stream, stream
    return proc


def run_on_terminal(*args: str | Path, columns: int) -> str:
    """Run with stdout on a pseudo-terminal `columns` wide (no COLUMNS variable): what a user
    sees in an 80-column window."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ghafmemgen", *map(str, args)],
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env={**env, "NO_COLOR": "1", "TERM": "dumb"},
    )
    os.close(follower)
    data = read_all(leader)
    proc.wait(timeout=60)
    os.close(leader)
    text = data.decode("utf-8").replace("\r\n", "\n")
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def summary_counts(line: str) -> tuple[int, int]:
    """'Found 1 error and 9 warnings ...' -> (1, 9)."""
    errors = re.search(r"(\d+) errors?\b", line)
    warnings = re.search(r"(\d+) warnings?\b", line)
    return (int(errors.group(1)) if errors else 0, int(warnings.group(1)) if warnings else 0)


# --- item 2: init ---------------------------------------------------------------------------


def test_the_starter_fleet_passes_the_check_init_recommends(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.yaml"
    proc = run("init", fleet)
    assert proc.returncode == 0, proc.stderr
    strict = run("check", "--strict", fleet)
    assert strict.returncode == 0, strict.stdout
    assert "All checks passed" in strict.stdout
    assert "3 profiles checked" in strict.stdout  # the base fleet and both profiles
    # ... and survives resume from S3 in every profile
    assert run("check", "--strict", "--simulate", fleet).returncode == 0
    assert run("simulate", fleet).returncode == 0


def test_init_beside_an_identical_schema_succeeds(tmp_path: Path) -> None:
    assert run("init", tmp_path / "fleet.yaml").returncode == 0
    schema = tmp_path / "fleet.schema.json"
    before = schema.stat().st_mtime_ns, schema.read_bytes()
    proc = run("init", tmp_path / "desktop.yaml")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "desktop.yaml").is_file()
    assert (schema.stat().st_mtime_ns, schema.read_bytes()) == before  # kept, not rewritten
    assert run("check", "--strict", tmp_path / "desktop.yaml").returncode == 0


def test_init_beside_a_different_schema_needs_force(tmp_path: Path) -> None:
    schema = tmp_path / "fleet.schema.json"
    schema.write_text("{}\n", encoding="utf-8")
    proc = run("init", tmp_path / "fleet.yaml")
    assert proc.returncode == 2
    assert "fleet.schema.json" in proc.stderr and "--force" in proc.stderr
    assert not (tmp_path / "fleet.yaml").exists()
    assert schema.read_text(encoding="utf-8") == "{}\n"
    forced = run("init", "--force", tmp_path / "fleet.yaml")
    assert forced.returncode == 0, forced.stderr
    assert schema.read_bytes() == SCHEMA.read_bytes()


def test_init_never_overwrites_a_fleet_without_force(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("mine\n", encoding="utf-8")
    proc = run("init", fleet)
    assert proc.returncode == 2 and "--force" in proc.stderr
    assert fleet.read_text(encoding="utf-8") == "mine\n"
    assert run("init", "--force", fleet).returncode == 0
    assert run("check", "--strict", fleet).returncode == 0


# --- item 3: check, simulate and report agree -----------------------------------------------


def test_simulate_covers_the_base_fleet_and_every_profile_like_check() -> None:
    proc = run("simulate", LAPTOP)
    assert proc.returncode == 1  # profile minimal runs audio-vm out of memory
    for variant in ("base fleet", "profile low", "profile minimal"):
        assert f"({variant})" in proc.stdout, variant
    assert "Every VM and the host survive resume." not in proc.stdout
    verdict = proc.stdout.rstrip().splitlines()[-1]
    assert "audio-vm" in verdict and "minimal" in verdict
    assert "3 profiles" in proc.stdout  # says what it covered, as check does
    # --profile still narrows it to one
    one = run("simulate", LAPTOP, "--profile", "low")
    assert one.returncode == 0
    assert "(profile low)" in one.stdout and "(base fleet)" not in one.stdout


def test_simulate_json_has_every_variant() -> None:
    doc = json.loads(run("simulate", LAPTOP, "--format", "json").stdout)
    assert [v["profile"] for v in doc["variants"]] == [None, "low", "minimal"]
    assert doc["survived"] is False
    one = json.loads(run("simulate", LAPTOP, "-p", "minimal", "-f", "json").stdout)
    assert [v["profile"] for v in one["variants"]] == ["minimal"]


def test_report_counts_what_check_counts_and_names_what_it_adds(tmp_path: Path) -> None:
    check = run("check", LAPTOP)
    simulated = run("check", "--simulate", LAPTOP)
    report = run("report", LAPTOP, "-o", tmp_path / "r.html")
    assert report.returncode == 0, report.stderr
    rules = summary_counts(check.stdout.splitlines()[-1])
    everything = summary_counts(simulated.stdout.splitlines()[-1])
    said = report.stderr
    # the report's own counts are check's, and it names the simulation's errors separately
    assert f"{rules[0]} error" in said and f"{rules[1]} warning" in said, said
    added = everything[0] - rules[0]
    assert added == 1
    assert "GMG080" in said and "--simulate" in said
    assert f"{added} " in said.split("GMG080")[0].rsplit(";", 1)[-1] or f"{added} " in said
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "check --simulate" in page  # the page says where its GMG080 findings come from


def test_check_says_when_it_did_not_simulate(tmp_path: Path) -> None:
    # a small fleet whose net-vm cannot hold its resume spike: check passes its rules, and
    # says that resume was not simulated; --simulate finds the OOM the report shows
    fleet = tmp_path / "small.yaml"
    fleet.write_text(
        "version: 1\nhost: {ram: 8GiB}\nvms:\n"
        "  net-vm: {kind: system, mem: 512, resume: {spike: 1024}}\n",
        encoding="utf-8",
    )
    plain = run("check", fleet)
    assert plain.returncode == 0
    assert "--simulate" in plain.stdout.splitlines()[-1]
    simulated = run("check", "--simulate", fleet)
    assert simulated.returncode == 1 and "GMG080" in simulated.stdout
    assert "--simulate" not in simulated.stdout.splitlines()[-1]


# --- item 4: GMG033 and GMG035 ----------------------------------------------------------------

TWO_BALLOONS = """\
version: 1
host:
  ram: 16GiB
  swap: {size: 1GiB}
defaults: {balloonRatio: 2}
vms:
  net-vm: {kind: system, mem: 1GiB}
  a-vm: {kind: app, mem: 4GiB}
  b-vm: {kind: app, mem: 4GiB}
"""


def _swap_advice(message: str) -> str:
    found = re.search(r"raise host\.swap\.size to (?:at least )?(\d+GiB)", message)
    assert found, message
    return found.group(1)


@pytest.mark.parametrize("follow", ["size", "auto"])
def test_following_gmg035_passes_strict(tmp_path: Path, follow: str) -> None:
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(TWO_BALLOONS, encoding="utf-8")
    proc = run("check", "--strict", fleet)
    assert proc.returncode == 1
    (line,) = [x for x in proc.stdout.splitlines() if "GMG035" in x]
    assert "auto" in line
    value = _swap_advice(line) if follow == "size" else "auto"
    fleet.write_text(TWO_BALLOONS.replace("size: 1GiB", f"size: {value}"), encoding="utf-8")
    after = run("check", "--strict", fleet)
    assert after.returncode == 0, after.stdout


def test_gmg033_runs_when_selected_and_its_advice_passes_strict(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(TWO_BALLOONS.replace("size: 1GiB", "size: auto"), encoding="utf-8")
    assert "GMG033" not in run("check", "--strict", fleet).stdout  # opt-in: not by default
    proc = run("check", "--strict", "--select", "GMG033", fleet)
    assert proc.returncode == 1
    (line,) = [x for x in proc.stdout.splitlines() if "GMG033" in x]
    size = _swap_advice(line)
    fleet.write_text(TWO_BALLOONS.replace("size: 1GiB", f"size: {size}"), encoding="utf-8")
    # followed: GMG033 and every default rule are clean
    for extra in ([], ["--select", "GMG033"]):
        after = run("check", "--strict", *extra, fleet)
        assert after.returncode == 0, after.stdout


# --- item 5: tables -----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["plan", "simulate"])
def test_tables_fit_an_80_column_terminal(command: str) -> None:
    text = run_on_terminal(command, LAPTOP, columns=80)
    lines = text.splitlines()
    assert any("admin-vm" in line for line in lines), text
    assert max(map(len, lines)) <= 80, "\n".join(x for x in lines if len(x) > 80)
    # every VM's figures are still there
    assert all(any(vm in line for line in lines) for vm in ("net-vm", "media-vm", "gui-vm"))


@pytest.mark.parametrize("command", ["plan", "simulate"])
def test_tables_fit_the_columns_variable_when_piped(command: str) -> None:
    lines = run(command, LAPTOP, columns=72).stdout.splitlines()
    assert max(map(len, lines)) <= 72


def test_plan_and_simulate_tables_share_one_style() -> None:
    def style(text: str) -> set[str]:
        """The characters that draw the tables (rules and borders), letters aside."""
        return {c for c in text if not c.isalnum() and c not in " .,:;()+-=%'\"/\n_"}

    plan = run_on_terminal("plan", LAPTOP, columns=200)
    sim = run_on_terminal("simulate", LAPTOP, "-p", "low", columns=200)
    assert style(plan) == style(sim)
    rule = re.compile(r"^-+( +-+)+$")  # header underlines: runs of '-' under each column
    assert any(rule.match(line) for line in plan.splitlines())
    assert any(rule.match(line) for line in sim.splitlines())


# --- item 6: fit --------------------------------------------------------------------------------

FIT_FLEET = """\
version: 1
host:
  name: box
  ram: 6GiB
  reserved: 1GiB
  swap:
    size: 1GiB
defaults:
  hypervisor: qemu
vms:
  net-vm:
    kind: system
    mem: 1024
  a-vm:
    kind: app
    mem: 1000
    balloonRatio: 2
  b-vm:
    kind: app
    mem: 1024
    balloonRatio: 2
profiles:
  small:
    vms:
      a-vm: { mem: 1024 }
"""
FIT_RULES = "GMG033,GMG022"  # the worst case (GMG033, opt-in) and QEMU's 2048 MiB (GMG022)


def test_fit_describes_its_patch_exactly(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(FIT_FLEET, encoding="utf-8")
    args = ("fit", fleet, "--goal", "warnings", "--adjust", "balloon", "--select", FIT_RULES)
    doc = json.loads(run(*args, "--format", "json").stdout)
    assert doc["status"] == "patched", doc
    steps = sum(c["from"] - c["to"] for c in doc["changes"] if c["path"].endswith(".balloonRatio"))
    said = [line for line in doc["explanation"] if "balloonRatio lowered" in line]
    assert said, doc["explanation"]
    assert f"lowered {steps} step{'s' if steps != 1 else ''}," in said[0], (steps, said)


def test_fit_never_meets_its_goal_by_breaking_another_profile(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(FIT_FLEET, encoding="utf-8")
    before = run("check", "--select", FIT_RULES, fleet).stdout
    assert "GMG022" not in before  # no variant has a 2048 MiB qemu VM yet
    proc = run(
        "fit", fleet, "--goal", "warnings", "--adjust", "balloon", "--select", FIT_RULES, "--write"
    )
    assert proc.returncode == 0, proc.stderr
    assert "goal warnings met" in proc.stdout
    after = run("check", "--select", FIT_RULES, fleet)
    # no new warning in any variant: the written fleet has none left but the ones fit could
    # not touch in other profiles, and certainly no GMG022
    assert "GMG022" not in after.stdout, after.stdout
    base = [line for line in after.stdout.splitlines() if "GMG" in line and "[profile" not in line]
    assert base == [], base


# --- item 7: the smaller things -----------------------------------------------------------------


def test_negative_and_zero_sizes_get_the_same_advice(tmp_path: Path) -> None:
    messages = []
    for value in ("-4096", "0", '"0GiB"'):
        fleet = tmp_path / "f.yaml"
        fleet.write_text(
            f"version: 1\nhost: {{ram: 16GiB}}\nvms:\n  a-vm: {{kind: system, mem: {value}}}\n",
            encoding="utf-8",
        )
        proc = run("check", fleet)
        assert proc.returncode == 1
        (line,) = [x for x in proc.stdout.splitlines() if "GMG001" in x]
        messages.append(line.split("$.vms.a-vm.mem: ", 1)[1])
    tails = {message.split(" is out of range: ")[-1] for message in messages}
    assert tails == {"must be more than 0"}, messages


def test_a_missing_colon_is_reported_on_its_own_line(tmp_path: Path) -> None:
    lines = LAPTOP.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[35].strip() == "vcpu: 6"
    lines[35] = lines[35].replace("vcpu: 6", "vcpu 6")
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("".join(lines), encoding="utf-8")
    proc = run("check", fleet)
    assert proc.returncode == 1
    assert f"{fleet}:36:5: GMG001" in proc.stdout, proc.stdout


def test_a_file_that_fails_to_load_checks_no_profile(tmp_path: Path) -> None:
    text = LAPTOP.read_text(encoding="utf-8").replace("vcpu: 6", "vcpu 6")
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(text, encoding="utf-8")
    last = run("check", fleet).stdout.splitlines()[-1]
    assert "1 profile checked" not in last, last
    assert "0 profiles checked" in last and "not loaded" in last, last
    # with a good file beside it, only the good file's profiles count
    both = run("check", LAPTOP, fleet).stdout.splitlines()[-1]
    assert "3 profiles checked" in both and "1 file not loaded" in both, both


def test_help_shows_whole_summaries_and_readable_arguments() -> None:
    top = run("--help", columns=80).stdout
    listing = top.split("Commands:")[1]
    assert "..." not in listing and "\u2026" not in listing, listing
    flat = " ".join(listing.split())
    for summary in (
        "Validate fleet files and run the memory rules on the base fleet and every profile.",
        "Write an HTML report: memory charts, the per-VM plan, findings and the S3 simulation.",
    ):
        assert summary in flat, summary
    check = run("check", "--help", columns=80).stdout
    assert "check [OPTIONS] FLEET...\n" in check, check
    assert "{" not in check.splitlines()[0]
    init = run("init", "--help", columns=80).stdout
    usage = init.splitlines()[0]
    assert "{" not in usage and "path" not in usage, usage
    assert re.search(r"\bFLEET\b", usage), usage


def test_the_pre_commit_check_hook_matches_only_fleet_files() -> None:
    yaml = pytest.importorskip("yaml")
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks["ghafmemgen-check"]
    pattern = re.compile(hook["files"])  # pre-commit applies `files` with re.search
    fleets = ("fleet.yaml", "fleets/laptop.yaml", "nix/fleet-laptop.yml", "ghaf/fleet/x.yaml")
    others = (
        ".github/workflows/ci.yaml",
        ".pre-commit-config.yaml",
        "mkdocs.yml",
        "docker-compose.yml",
        "nix/fleet.schema.json",
        "charts/values.yaml",
    )
    assert all(pattern.search(path) for path in fleets), fleets
    matched = [path for path in others if pattern.search(path)]
    assert matched == []
    assert "types" not in hook or hook["types"] == ["yaml"]


# --- item 10: the report's charts ---------------------------------------------------------------


def _svg_charts(page: str) -> dict[str, str]:
    return dict(re.findall(r'<svg class="chart" id="([^"]+)"(.*?)</svg>', page, flags=re.S))


def _tick_labels(svg: str) -> list[str]:
    axis = re.search(r'<g class="axis">(.*?)</g>', svg, flags=re.S)
    assert axis
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", axis.group(1))]


def test_large_axes_count_in_gib_and_end_at_the_first_tick_past_the_data(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    assert run("report", LAPTOP, "-o", out).returncode == 0
    charts = _svg_charts(out.read_text(encoding="utf-8"))
    compare = _tick_labels(charts["compare"])
    host = _tick_labels(charts["v0-host"])
    for labels in (compare, host):
        assert labels[-1].endswith(" GiB"), labels
        assert all(len(label.split()[0]) <= 3 for label in labels), labels  # 0, 16 ... 80 GiB
    # the laptop's worst case is 80896 MiB = 79 GiB: the axis ends at the next tick, 80 GiB
    assert compare[-1] == "80 GiB" and host[-1] == "80 GiB"
    # a small scale stays in MiB
    resume = _tick_labels(charts["v0-resume"])
    assert resume[-1].endswith(" MiB"), resume


BOXES_SCRIPT = """<script>
addEventListener('load', () => {
  const out = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    for (const el of svg.querySelectorAll('line.marker-line, text, g.segments rect.fill')) {
      const b = el.getBoundingClientRect();
      const group = el.closest('g.seg');
      out.push({chart: svg.id, tag: el.tagName, cls: el.getAttribute('class') || '',
                seg: group ? group.getAttribute('class') : '', text: el.textContent,
                x: b.x, y: b.y, w: b.width, h: b.height,
                plot: svg.getBoundingClientRect().width});
    }
  }
  const pre = document.createElement('pre');
  pre.id = 'boxes';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def _boxes(chromium: str, page: Path, work: Path) -> list[dict[str, Any]]:
    probe = work / "probe.html"
    probe.write_text(
        page.read_text(encoding="utf-8").replace("</body>", BOXES_SCRIPT + "</body>"),
        encoding="utf-8",
    )
    proc = subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={work / 'profile'}",
            "--window-size=1200,1600",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = re.search(r'<pre id="boxes">(.*?)</pre>', proc.stdout, flags=re.S)
    assert found, proc.stdout[-2000:]
    boxes: list[dict[str, Any]] = json.loads(html.unescape(found.group(1)))
    return boxes


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


@pytest.mark.browser
def test_report_charts_in_the_browser(chromium: str, tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    assert run("report", LAPTOP, "-o", page).returncode == 0
    boxes = _boxes(chromium, page, tmp_path)
    lines = [b for b in boxes if "marker-line" in b["cls"]]
    texts = [b for b in boxes if b["tag"] == "text" and b["text"].strip() and b["w"] > 0]
    assert lines and texts
    crossed = [
        (line["chart"], text["text"])
        for line in lines
        for text in texts
        if text["chart"] == line["chart"] and _overlap(line, text)
    ]
    assert crossed == [], crossed
    # each resume spike (the solid bar over a VM's room) is wide enough to see: at least 2 %
    # of the chart (about 19 px in a 960 px wide chart)
    spikes = [
        b
        for b in boxes
        if b["tag"] == "rect"
        and "-resume" in b["chart"]
        and "host" not in b["chart"]
        and re.search(r"seg-(free|zram|balloon-use|oom)\b", b["seg"])
    ]
    assert spikes, "no spike bars found"
    by_row: dict[tuple[str, float], float] = {}
    for bar in spikes:
        key = (bar["chart"], round(bar["y"]))
        by_row[key] = by_row.get(key, 0.0) + bar["w"]
    small = {key: width for key, width in by_row.items() if width < 0.02 * spikes[0]["plot"]}
    assert small == {}, small


# --- item 11: make demo / make test -------------------------------------------------------------


def _make(*args: str) -> subprocess.CompletedProcess[str]:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    return subprocess.run(
        [make, "--no-print-directory", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=300,
    )


def test_make_demo_installs_only_the_runtime_and_make_test_the_test_extras(
    tmp_path: Path,
) -> None:
    venv = tmp_path / "venv"
    demo = _make("-n", "-B", "demo", f"VENV={venv}").stdout
    installs = [line for line in demo.splitlines() if "pip install" in line and "-e" in line]
    assert installs and all("[" not in line for line in installs), installs
    test = _make("-n", "-B", "test", f"VENV={venv}").stdout
    extras = [line for line in test.splitlines() if "pip install" in line and "[" in line]
    assert extras and all('".[test]"' in line for line in extras), extras


def test_make_demo_prints_nothing_that_reads_as_a_failure(tmp_path: Path) -> None:
    venv = Path(sys.executable).parent.parent  # this test run's venv, already installed
    if not (venv / "bin" / "ghafmemgen").exists():
        pytest.skip("the test interpreter is not in a venv with ghafmemgen installed")
    proc = _make(
        "demo",
        f"VENV={venv}",
        "-o",
        str(venv / "bin" / "ghafmemgen"),  # do not reinstall into the running venv
        f"OUT={tmp_path / 'generated'}",
        f"REPORT={tmp_path / 'report.html'}",
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    for failure in ("Error", "(ignored)", "Traceback", "make:"):
        assert failure not in output, failure
    assert (tmp_path / "report.html").is_file()
