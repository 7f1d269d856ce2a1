"""The bad-input corpus: `python -m ghafmemgen check FILE` on every case of tests/bad/expected.yaml.

Each run is a real subprocess limited to 2 GiB of address space and 120 s, so a case that
tried to expand a billion laughs or read 70 MB into a tree would fail here instead of
swapping the machine. The runs of the selected cases start together (two at a time per
CPU) when the first of them is needed; each test then checks one result.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from support import ROOT, TESTS, run_ghafmemgen

BAD = TESTS / "bad"
ADDRESS_SPACE = 2 * 1024**3
TIMEOUT = 120


def _manifest() -> dict[str, dict[str, dict[str, Any]]]:
    from ruamel.yaml import YAML

    loaded: dict[str, dict[str, dict[str, Any]]] = YAML(typ="safe").load(
        (BAD / "expected.yaml").read_text(encoding="utf-8")
    )
    return loaded


MANIFEST = _manifest()
CASES: dict[str, dict[str, Any]] = {**MANIFEST["files"], **MANIFEST["generated"]}


# -- generated cases: name -> path to check -------------------------------------------------

CLEAN = "version: 1\nhost:\n  ram: 16GiB\nvms:\n  net-vm:\n    kind: system\n    mem: 512\n"


def huge_file(where: Path, name: str) -> Path:
    """A clean fleet followed by 70 MB of comments: over the 64 MiB default, under 80 MB."""
    path = where / name
    line = "# " + "x" * 1021 + "\n"  # 1 KiB
    with path.open("w", encoding="utf-8") as handle:
        handle.write(CLEAN)
        for _ in range(70):
            handle.write(line * 1000)
    return path


def dev_zero(where: Path, name: str) -> Path:
    """A file that never ends: only the first --max-size + 1 bytes may be read."""
    return Path("/dev/zero")


def _one_line(where: Path, name: str, prefix: str, line: str, suffix: str = "") -> Path:
    path = where / name
    path.write_text(prefix + line + "\n" + suffix, encoding="utf-8")
    return path


def long_name_line(where: Path, name: str) -> Path:
    body = "# a 10 MB host name\nversion: 1\nhost:\n  ram: 16GiB\n"
    return _one_line(where, name, body, "  name: " + "a" * 10_000_000, "vms: {}\n")


def long_comment_line(where: Path, name: str) -> Path:
    return _one_line(where, name, CLEAN, "# " + "lol " * 2_500_000)


def long_flow_line(where: Path, name: str) -> Path:
    """170,000 valid list items on one 1 MB line: all of them are parsed and validated."""
    return _one_line(where, name, CLEAN, "lint: {ignore: [" + "GMG07, " * 170_000 + "GMG07]}")


def deep_flow_lists(where: Path, name: str) -> Path:
    return _one_line(where, name, "", "[" * 10_000 + "]" * 10_000)


def deep_flow_maps(where: Path, name: str) -> Path:
    return _one_line(where, name, "", "{a: " * 10_000 + "}" * 10_000)


def deep_block_lists(where: Path, name: str) -> Path:
    return _one_line(where, name, "", "- " * 10_000 + "x")


def quadratic_aliases(where: Path, name: str) -> Path:
    uses = int(re.search(r"aliases-(\d+)-nodes", name).group(1)) // 10_001  # type: ignore[union-attr]
    path = where / name
    path.write_text(
        f"# one anchor of 10,001 nodes, used {uses} times\n"
        "anchor: &a [" + ", ".join(["1"] * 10_000) + "]\n"
        "use: [" + ", ".join(["*a"] * uses) + "]\n",
        encoding="utf-8",
    )
    return path


def wide_laughs(where: Path, name: str) -> Path:
    """Fan-out 100 instead of 9: 10^8 nodes after four levels."""
    rows = ["# billion laughs, fan-out 100", "a: &a [" + ", ".join(["lol"] * 100) + "]"]
    rows += [
        f"{c}: &{c} [" + ", ".join([f"*{p}"] * 100) + "]" for p, c in zip("abc", "bcd", strict=True)
    ]
    path = where / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def missing(where: Path, name: str) -> Path:
    return where / "no-such-dir" / name


def dangling_symlink(where: Path, name: str) -> Path:
    path = where / name
    path.symlink_to(where / "nowhere.yaml")
    return path


def parent_is_a_file(where: Path, name: str) -> Path:
    """open() fails with ENOTDIR for everyone, root included (chmod 000 does not stop root)."""
    parent = where / "plain-file"
    parent.write_text(CLEAN, encoding="utf-8")
    return parent / name


def proc_self_mem(where: Path, name: str) -> Path:
    """Exists, is a regular file to stat(), opens fine, and read() fails with EIO (page 0 of
    the reading process is never mapped)."""
    return Path("/proc/self/mem")


def directory(where: Path, name: str) -> Path:
    return BAD


def non_utf8_name(where: Path, name: str) -> Path:
    """A file name with a Latin-1 byte: the findings name it with U+FFFD, on a strict stdout."""
    path = Path(os.fsdecode(os.fsencode(where / name).replace(b"NAME", b"caf\xe9")))
    path.write_text("# host is null\nversion: 1\nhost:\nvms: {}\n", encoding="utf-8")
    return path


GENERATORS: dict[str, Callable[[Path, str], Path]] = {
    f.__name__: f
    for f in (
        huge_file,
        dev_zero,
        long_name_line,
        long_comment_line,
        long_flow_line,
        deep_flow_lists,
        deep_flow_maps,
        deep_block_lists,
        quadratic_aliases,
        wide_laughs,
        missing,
        dangling_symlink,
        parent_is_a_file,
        proc_self_mem,
        directory,
        non_utf8_name,
    )
}


# -- running --------------------------------------------------------------------------------


def _limit_resources() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_check(path: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    # A strict stdout, as in an en_US.UTF-8 terminal (C.UTF-8 would hide encoding errors).
    env = {
        "PYTHONPATH": str(ROOT),
        "NO_COLOR": "1",
        "PYTHONIOENCODING": "utf-8:strict",
        "GHAFMEMGEN_DEBUG": None,
    }
    return run_ghafmemgen(
        "check",
        path,
        *args,
        errors="replace",
        env=env,
        cwd=ROOT,
        preexec_fn=_limit_resources,
        timeout=TIMEOUT,
    )


def _path_for(name: str, where: Path) -> Path:
    case = CASES[name]
    if "generator" not in case:
        return BAD / name
    return GENERATORS[case["generator"]](where, name)


@pytest.fixture(scope="session")
def corpus_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], tuple[Path, subprocess.CompletedProcess[str]]]]:
    """Starts the runs of every selected case at once; returns name -> (path, result)."""
    selected = [
        item.callspec.params["name"]
        for item in request.session.items
        if item.originalname == "test_bad_input" and hasattr(item, "callspec")
    ]
    where = tmp_path_factory.mktemp("generated")
    workers = 2 * (os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures: dict[str, Future[tuple[Path, subprocess.CompletedProcess[str]]]] = {}

        def start(name: str) -> Future[tuple[Path, subprocess.CompletedProcess[str]]]:
            if name not in futures:
                path = _path_for(name, where)
                futures[name] = pool.submit(
                    lambda: (path, run_check(path, [str(a) for a in CASES[name].get("args", [])]))
                )
            return futures[name]

        # Big files first, so that they do not all end up on the same worker at the end.
        for name in sorted(selected, key=lambda n: "generator" not in CASES[n]):
            start(name)
        yield lambda name: start(name).result()


# -- the tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input(
    name: str, corpus_runs: Callable[[str], tuple[Path, subprocess.CompletedProcess[str]]]
) -> None:
    case = CASES[name]
    path, proc = corpus_runs(name)
    output = proc.stdout + proc.stderr
    where = (
        f"{name}: exit {proc.returncode}\nout:\n{proc.stdout[:2000]}\nerr:\n{proc.stderr[:2000]}"
    )
    assert "Traceback" not in output, where
    assert proc.returncode == case["exit"], where
    if proc.returncode != 0:
        assert output.strip(), where
    assert case["message"] in output, where
    if "rule" in case:
        findings = [line for line in proc.stdout.splitlines() if re.match(r".*:\d+:\d+: GMG", line)]
        first = findings[0] if findings else ""
        shown = os.fsencode(path).decode("utf-8", errors="replace")
        assert first.startswith(f"{shown}:{case['line']}:"), where
        assert f": {case['rule']} " in first, where
    if case["exit"] == 2:
        assert proc.stderr.startswith("ghafmemgen: "), where
        assert not re.search(r":\d+:\d+: GMG", proc.stdout), where


def test_every_corpus_file_has_an_expectation() -> None:
    on_disk = {p.name for p in BAD.iterdir()} - {"expected.yaml"}
    assert on_disk == set(MANIFEST["files"])
    assert len(CASES) >= 40
    assert not set(MANIFEST["files"]) & set(MANIFEST["generated"])
    assert {case["generator"] for case in MANIFEST["generated"].values()} == set(GENERATORS)


def test_committed_corpus_is_small() -> None:
    assert max(p.stat().st_size for p in BAD.iterdir()) < 16 * 1024


def test_every_case_says_what_it_is() -> None:
    for name in MANIFEST["files"]:
        data = (BAD / name).read_bytes()
        if data:
            assert data.lstrip(b"\xef\xbb\xbf").startswith(b"# "), name


def test_merge_keys_and_aliases_are_expanded() -> None:
    """Merge keys follow YAML's rules: explicit keys win, then earlier merged mappings."""
    proc = subprocess.run(
        [sys.executable, "-m", "ghafmemgen", "plan", "--format", "json",
         str(BAD / "anchors-and-merge-keys-ok.yaml")],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
        preexec_fn=_limit_resources, timeout=TIMEOUT, check=True,
    )  # fmt: skip
    vms = {vm["name"]: vm for vm in json.loads(proc.stdout)["vms"]}
    # admin-vm: <<: *system, mem: 768 -> a system VM, its own mem, the anchored zram (50%)
    assert (vms["admin-vm"]["kind"], vms["admin-vm"]["memMiB"]) == ("system", 768)
    assert vms["admin-vm"]["zramDiskMiB"] == 768 // 2
    # comms-vm: <<: [*app, *system] -> the first mapping wins: an app VM with app's mem
    assert (vms["comms-vm"]["kind"], vms["comms-vm"]["memMiB"]) == ("app", 1024)
    assert vms["chrome-vm"]["zramDiskMiB"] == vms["chrome-vm"]["qemuMemMiB"] // 2


@pytest.mark.parametrize("name", sorted(MANIFEST["files"]))
def test_plan_and_render_fail_as_cleanly_as_check(name: str, tmp_path: Path) -> None:
    """The same files through `plan` and `render` (in-process): a file `check` cannot load
    stops them too, with exit 1 and the same first finding; nothing is written."""
    from inprocess import assert_clean_exit, run_cli

    case = CASES[name]
    out = tmp_path / "out"
    plan = run_cli("plan", BAD / name)
    render = run_cli("render", BAD / name, "--out", out)
    for result in (plan, render):
        assert_clean_exit(result)
    if case.get("rule") == "GMG001":
        for result in (plan, render):
            assert result.code == 1, result.output
            assert f"{BAD / name}:{case['line']}:" in result.output
            assert case["message"] in result.output
        assert not out.exists()
    if case["exit"] == 0:
        assert (plan.code, render.code) == (0, 0)
