"""ghafmemgen benchmark suite (`make bench`): B1-B6 as ratios measured in the same run.

Every measurement is a whole process (start-up included), the compared commands alternate
run by run so that machine noise hits both sides alike, and each figure is the median of
--runs runs after one warm-up. Results go to stdout as a Markdown table (docs/performance.md
carries it) and to benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import inputs

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "ghaf-laptop.yaml"
SCHEMA = ROOT / "schemas" / "fleet.schema.json"
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
BIN = Path(sys.executable).parent
FLOOR = "import sys, yaml; yaml.compose(open(sys.argv[1], 'rb'), Loader=yaml.CSafeLoader)"


@dataclass(slots=True)
class Command:
    label: str
    argv: list[str]
    ok: frozenset[int] = frozenset({0})
    walls: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)  # peak resident set, bytes

    def median(self) -> float:
        return statistics.median(self.walls)


# Children run as installed code would: pip byte-compiles a wheel at install time, so
# ghafmemgen's modules must not be recompiled on every start-up just because this
# environment sets PYTHONDONTWRITEBYTECODE (prepare() compiles them once, up front).
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def prepare(py: str, scratch: Path) -> str:
    """Byte-compile the ghafmemgen package the children will import; returns its folder.
    (Run from `scratch`: `python -c` would put the current directory first on sys.path.)"""
    where = subprocess.run(
        [py, "-c", "import ghafmemgen, os; print(os.path.dirname(ghafmemgen.__file__))"],
        cwd=scratch,
        capture_output=True,
        text=True,
        check=True,
        env=ENV,
    ).stdout.strip()
    subprocess.run([py, "-m", "compileall", "-q", where], check=True, env=ENV)
    return where


def run_once(command: Command, scratch: Path) -> tuple[float, int]:
    """Wall time and peak RSS of one run; "{out}" in argv becomes a fresh, absent directory."""
    out = scratch / f"out-{len(command.walls)}"
    argv = [arg.replace("{out}", str(out)) for arg in command.argv]
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT, env=ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in command.ok:
            err.seek(0)
            detail = err.read().decode(errors="replace")[-2000:]
            shown = " ".join(argv[:6])
            sys.exit(f"bench: {command.label} exited {proc.returncode}: {shown} ...\n{detail}")
    shutil.rmtree(out, ignore_errors=True)
    return wall, usage.ru_maxrss * 1024  # Linux reports kilobytes


def measure(commands: Sequence[Command], *, runs: int, scratch: Path) -> None:
    """One warm-up each, then `runs` rounds that run every command once, in turn."""
    for command in commands:
        run_once(command, scratch)
    for round_ in range(runs):
        for command in commands:
            wall, rss = run_once(command, scratch)
            command.walls.append(wall)
            command.rss.append(rss)
        print(
            f"  round {round_ + 1}/{runs}: "
            + ", ".join(f"{c.label} {c.walls[-1]:.3f}s" for c in commands),
            file=sys.stderr,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Result:
    id: str
    title: str
    ours: str
    baseline: str
    ratio: float | None
    goal: float
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.ratio is None:
            return "SKIP"
        return "PASS" if self.ratio <= self.goal else "FAIL"


def timed(id_: str, title: str, ours: Command, base: Command, goal: float) -> Result:
    return Result(
        id=id_,
        title=title,
        ours=f"{ours.median() * 1000:.0f} ms",
        baseline=f"{base.median() * 1000:.0f} ms",
        ratio=ours.median() / base.median(),
        goal=goal,
    )


def skipped(id_: str, title: str, goal: float, why: str) -> Result:
    return Result(id=id_, title=title, ours="-", baseline="-", ratio=None, goal=goal, note=why)


def has_command(gmg: str, name: str) -> bool:
    probe = subprocess.run([gmg, name, "--help"], capture_output=True, check=False, env=ENV)
    return probe.returncode == 0


def machine() -> dict[str, object]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def big_argv(gmg: str, big: str, fleet: Path) -> list[str]:
    if big == "render":
        return [gmg, "render", str(fleet), "--out", "{out}", "--ignore", "GMG070"]
    return [gmg, "check", str(fleet), "--ignore", "GMG070"]


def benchmarks(args: argparse.Namespace, scratch: Path) -> list[Result]:
    gmg, cjs, py = str(BIN / "ghafmemgen"), str(BIN / "check-jsonschema"), sys.executable
    results: list[Result] = []
    runs = args.runs
    print(f"ghafmemgen from {prepare(py, scratch)}", file=sys.stderr)

    print("B1/B2: cold start", file=sys.stderr)
    check = Command("check", [gmg, "check", str(FIXTURE)], ok=frozenset({0, 1}))
    cjs_one = Command("check-jsonschema", [cjs, "--schemafile", str(SCHEMA), str(FIXTURE)])
    version = Command("--version", [gmg, "--version"])
    bare = Command("python -c pass", [py, "-c", "pass"])
    measure([check, cjs_one, version, bare], runs=runs, scratch=scratch)
    results.append(
        timed("B1", "cold `check` of the laptop fleet vs check-jsonschema", check, cjs_one, 0.5)
    )
    results.append(timed("B2", "cold `--version` vs `python -c pass`", version, bare, 6.0))

    print(f"B3: {args.files} files", file=sys.stderr)
    files = [str(p) for p in inputs.write_small_fleets(scratch / "many", args.files)]
    many = Command("check", [gmg, "check", *files], ok=frozenset({0, 1}))
    cjs_many = Command("check-jsonschema", [cjs, "--schemafile", str(SCHEMA), *files])
    measure([many, cjs_many], runs=runs, scratch=scratch)
    results.append(
        timed("B3", f"`check` of {args.files} fleet files vs check-jsonschema", many, cjs_many, 1.0)
    )

    b4, b5a, b5b = "B4", "B5a", "B5b"
    title4 = f"`{args.big} --ignore GMG070`, 10,000 VMs, vs C compose of the file"
    if args.big == "render" and not has_command(gmg, "render"):
        why = "no `render` command in this build"
        results += [
            skipped(b4, title4, 3.0, why),
            skipped(b5a, "scaling 100,000 / 10,000 VMs", 11.0, why),
            skipped(b5b, "scaling 10,000 / 1,000 VMs", 11.0, why),
            skipped("B6", "peak RSS at 100,000 VMs / YAML file size", 30.0, why),
        ]
        return results
    sizes = (1_000, 10_000, args.max_vms)
    fleets = {n: inputs.write_big_fleet(scratch, n) for n in sizes}
    print(f"B4-B6: {args.big} of {', '.join(map(str, sizes))} VMs", file=sys.stderr)
    big = {
        n: Command(f"{n} VMs", big_argv(gmg, args.big, fleets[n]), ok=frozenset({0, 1}))
        for n in sizes
    }
    floor = Command("compose 10000", [py, "-c", FLOOR, str(fleets[10_000])])
    measure([floor, *big.values()], runs=runs, scratch=scratch)
    results.append(timed(b4, title4, big[10_000], floor, 3.0))
    top = f"{args.max_vms:,}"
    results.append(
        timed(
            b5a,
            f"scaling {top} / 10,000 VMs",
            big[args.max_vms],
            big[10_000],
            1.1 * args.max_vms / 10_000,
        )
    )
    results.append(timed(b5b, "scaling 10,000 / 1,000 VMs", big[10_000], big[1_000], 11.0))
    peak = max(big[args.max_vms].rss)
    size = fleets[args.max_vms].stat().st_size
    results.append(
        Result(
            id="B6",
            title=f"peak RSS at {top} VMs / YAML file size",
            ours=f"{peak / 2**20:.0f} MiB",
            baseline=f"{size / 2**20:.1f} MiB",
            ratio=peak / size,
            goal=30.0,
        )
    )
    return results


def table(results: Sequence[Result]) -> str:
    rows = [
        "| | benchmark | ghafmemgen | baseline | ratio | goal | |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}"
        verdict = f"{r.verdict} ({r.note})" if r.note else r.verdict
        rows.append(
            f"| {r.id} | {r.title} | {r.ours} | {r.baseline} | {ratio} | "
            f"<= {r.goal:g} | {verdict} |"
        )
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="measured runs per command (>= 1)")
    parser.add_argument("--files", type=int, default=1000, help="fleet files in B3")
    parser.add_argument("--max-vms", type=int, default=100_000, help="largest fleet of B5/B6")
    parser.add_argument(
        "--big",
        choices=("render", "check"),
        default="render",
        help="command of B4-B6 (check: a stand-in for builds without render)",
    )
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the results")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ghafmemgen-bench-") as tmp:
        results = benchmarks(args, Path(tmp))
    info = machine()
    date = datetime.now(UTC).strftime("%Y-%m-%d")
    print(
        f"\nghafmemgen benchmarks, {date}: {info['nproc']} CPUs ({info['cpu']}), Python "
        f"{info['python']}, medians of {args.runs} runs\n"
    )
    print(table(results))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "date": date,
        "machine": info,
        "runs": args.runs,
        "big": args.big,
        "seconds": round(time.perf_counter() - started, 1),
        "results": [
            {
                "id": r.id,
                "title": r.title,
                "ghafmemgen": r.ours,
                "baseline": r.baseline,
                "ratio": r.ratio,
                "goal": r.goal,
                "verdict": r.verdict,
                "note": r.note,
            }
            for r in results
        ],
    }
    args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.json} ({document['seconds']} s)", file=sys.stderr)
    if any(r.verdict == "FAIL" for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
