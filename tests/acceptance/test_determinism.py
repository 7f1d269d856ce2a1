"""Determinism: the same fleet gives byte-identical output whatever the hash seed, the time
zone, the locale, or the order of the keys in the YAML.

The bundled fleet is rendered (base fleet and every profile), checked and planned as JSON
in subprocesses under three PYTHONHASHSEED values (with different TZ and LC_ALL too), and
from a copy whose mappings were shuffled at every level (same data, different key order,
same file name so that the headers agree). Every run must produce the same bytes.
"""

from __future__ import annotations

import json
import random
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from ghafmemgen.source.loader import parse

from support import LAPTOP, ROOT, run_ghafmemgen

PROFILES = [None, "low", "minimal"]
ENVIRONMENTS = {
    "seed 0": {"PYTHONHASHSEED": "0", "TZ": "UTC", "LC_ALL": "C.UTF-8"},
    "seed 1": {"PYTHONHASHSEED": "1", "TZ": "Pacific/Kiritimati", "LC_ALL": "C"},
    "seed 4242": {"PYTHONHASHSEED": "4242", "TZ": "America/St_Johns", "LC_ALL": "POSIX"},
}


def shuffled(data: Any, rng: random.Random) -> Any:
    if isinstance(data, dict):
        keys = list(data)
        while len(keys) > 1 and keys == list(data):
            rng.shuffle(keys)
        return {key: shuffled(data[key], rng) for key in keys}
    if isinstance(data, list):
        return [shuffled(item, rng) for item in data]
    return data


def shuffled_copy(source: Path, target_dir: Path, seed: int) -> Path:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    data = yaml.load(source.read_text(encoding="utf-8"))
    stream = StringIO()
    yaml.dump(shuffled(data, random.Random(seed)), stream)
    target_dir.mkdir(parents=True)
    target = target_dir / source.name  # headers name the file: keep the name
    target.write_text(stream.getvalue(), encoding="utf-8")
    return target


def run(args: list[str | Path], env: dict[str, str], cwd: Path) -> bytes:
    proc = run_ghafmemgen(*args, env={"PYTHONPATH": str(ROOT), **env}, cwd=cwd, text=False)
    assert proc.returncode in (0, 1), proc.stderr.decode(errors="replace")
    assert b"Traceback" not in proc.stderr
    return proc.stdout


def outputs(fleet: Path, env: dict[str, str], work: Path) -> dict[str, bytes]:
    """Everything the commands produce for `fleet`: rendered files and JSON reports."""
    found: dict[str, bytes] = {}
    for profile in PROFILES:
        where = ["--profile", profile] if profile else []
        out = work / f"out-{profile or 'base'}"
        run(["render", fleet, "--out", out, "--ignore", "GMG03", *where], env, work)
        for path in sorted(out.iterdir()):
            found[f"{profile}/{path.name}"] = path.read_bytes()
        found[f"{profile}/plan.json"] = run(["plan", fleet, "--format", "json", *where], env, work)
    # check reports file names as given: give the same relative name in every run.
    found["check.json"] = run(["check", fleet.name, "--format", "json"], env, fleet.parent)
    found["check.sarif"] = run(["check", fleet.name, "--format", "sarif"], env, fleet.parent)
    return found


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return outputs(LAPTOP, ENVIRONMENTS["seed 0"], tmp_path_factory.mktemp("reference"))


def test_reference_covers_every_output(reference: dict[str, bytes]) -> None:
    from ghafmemgen.emit.nix import OUTPUT_FILES

    for profile in PROFILES:
        for name in OUTPUT_FILES:
            assert reference[f"{profile}/{name}"], f"{profile}/{name} is empty"


@pytest.mark.parametrize("environment", sorted(ENVIRONMENTS)[1:])
def test_hash_seed_time_zone_and_locale_change_nothing(
    reference: dict[str, bytes], environment: str, tmp_path: Path
) -> None:
    assert outputs(LAPTOP, ENVIRONMENTS[environment], tmp_path) == reference


@pytest.mark.parametrize("seed", [1, 2])
def test_key_order_in_the_yaml_changes_nothing(
    reference: dict[str, bytes], seed: int, tmp_path: Path
) -> None:
    copy = shuffled_copy(LAPTOP, tmp_path / "shuffled", seed)
    original = parse(LAPTOP.read_text(encoding="utf-8"), file="a").data
    moved = parse(copy.read_text(encoding="utf-8"), file="b").data
    assert moved == original  # the same data, in another order
    assert (list(moved), list(moved["vms"])) != (list(original), list(original["vms"]))
    got = outputs(copy, ENVIRONMENTS["seed 0"], tmp_path)
    # check reports positions, and the keys moved to other lines: compare everything else.
    for name in ("check.json", "check.sarif"):
        assert without_positions(got.pop(name)) == without_positions(reference[name])
    assert got == {k: v for k, v in reference.items() if not k.startswith("check.")}


def without_positions(report: bytes) -> Any:
    """A JSON or SARIF report without line and column numbers and without the directory it
    was run in (SARIF's %SRCROOT%)."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: strip(v)
                for k, v in node.items()
                if k not in ("line", "column", "startLine", "startColumn", "originalUriBaseIds")
            }
        if isinstance(node, list):
            return sorted((strip(v) for v in node), key=json.dumps)
        return node

    return strip(json.loads(report))
