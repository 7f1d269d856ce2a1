"""What ships: the wheel carries the schema, the templates and the starter fleet, and an
installed copy finds them away from the checkout. The schema's own conventions hold."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support import ROOT

SCHEMA = ROOT / "schemas" / "fleet.schema.json"


def tracked(folder: str) -> list[str]:
    """Files of `folder` that git tracks (what a fresh clone has)."""
    proc = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "--", folder],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:  # not a git checkout (an sdist): everything on disk counts
        return sorted(str(p.relative_to(ROOT)) for p in (ROOT / folder).rglob("*") if p.is_file())
    return sorted(proc.stdout.split())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # with hatchling installed, build offline; otherwise pip fetches it from PyPI
    offline = ["--no-build-isolation"] if importlib.util.find_spec("hatchling") else []
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", *offline]
    proc = subprocess.run(
        [*pip, "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    (built,) = out.glob("ghafmemgen-*.whl")
    return built


def wheel_files(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_wheel_carries_the_schema(wheel: Path) -> None:
    files = wheel_files(wheel)
    assert files["ghafmemgen/schemas/fleet.schema.json"] == SCHEMA.read_bytes()


def test_wheel_carries_every_template(wheel: Path) -> None:
    templates = tracked("templates")
    assert templates, "the render templates live in templates/"
    files = wheel_files(wheel)
    for name in templates:
        assert files[f"ghafmemgen/{name}"] == (ROOT / name).read_bytes(), name


def test_wheel_carries_the_starter_fleet(wheel: Path) -> None:
    files = wheel_files(wheel)
    for name in ("ghaf-laptop.yaml", "starter.yaml"):  # the bundled fleet, init's starter
        assert files[f"ghafmemgen/fixtures/{name}"] == (ROOT / "fixtures" / name).read_bytes()


def test_wheel_carries_the_extractor_and_the_target_schema(wheel: Path) -> None:
    files = wheel_files(wheel)
    for source, packaged in (
        ("ghafmemgen/nix/extract.nix", "ghafmemgen/nix/extract.nix"),
        ("schemas/target.schema.json", "ghafmemgen/schemas/target.schema.json"),
    ):
        assert files[packaged] == (ROOT / source).read_bytes(), packaged


def test_wheel_carries_every_rule_page(wheel: Path) -> None:
    """`ghafmemgen rule` and SARIF's help read them from the installed package."""
    pages = tracked("ghafmemgen/lint/explanations")
    assert len(pages) >= 20
    files = wheel_files(wheel)
    for name in pages:
        assert files[name] == (ROOT / name).read_bytes(), name


def test_wheel_declares_the_console_script(wheel: Path) -> None:
    files = wheel_files(wheel)
    (entry_points,) = [n for n in files if n.endswith(".dist-info/entry_points.txt")]
    assert "ghafmemgen = ghafmemgen.cli:main" in files[entry_points].decode()


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    proc = subprocess.run(
        [*pip, "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return target


def run_installed(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH puts the installed copy before the editable checkout; the dependencies
    # still come from this interpreter's site-packages.
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, check=False, cwd=cwd, env=env
    )


def test_installed_copy_finds_its_data_away_from_the_checkout(
    installed: Path, tmp_path: Path
) -> None:
    where = run_installed(
        installed, tmp_path, "-c", "import ghafmemgen; print(ghafmemgen.__file__)"
    )
    assert Path(where.stdout.strip()).is_relative_to(installed)  # not the checkout
    schema = run_installed(installed, tmp_path, "-m", "ghafmemgen", "schema")
    assert schema.returncode == 0, schema.stderr
    assert json.loads(schema.stdout) == json.loads(SCHEMA.read_text(encoding="utf-8"))
    init = run_installed(installed, tmp_path, "-m", "ghafmemgen", "init", "fleet.yaml")
    assert init.returncode == 0, init.stderr
    assert (tmp_path / "fleet.schema.json").is_file()
    check = run_installed(
        installed, tmp_path, "-m", "ghafmemgen", "check", "fleet.yaml", "--profile", "minimal"
    )
    assert check.returncode == 0, check.stdout + check.stderr
    extractor = run_installed(installed, tmp_path, "-m", "ghafmemgen", "extractor")
    assert Path(extractor.stdout.strip()).is_relative_to(installed), extractor.stdout
    assert Path(extractor.stdout.strip()).is_file()


# --- the schema's own conventions ---------------------------------------------------------


def nodes(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object in the document, with a readable pointer."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from nodes(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from nodes(value, f"{where}/{index}")


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return loaded


def is_table(where: str) -> bool:
    """`properties` and `$defs` map names to schemas; they are not schemas themselves."""
    return where.endswith(("/properties", "/$defs"))


def object_schemas(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (where, node)
        for where, node in nodes(schema)
        if not is_table(where) and (node.get("type") == "object" or "properties" in node)
    ]


def test_every_object_is_closed(schema: dict[str, Any]) -> None:
    objects = object_schemas(schema)
    assert len(objects) >= 10  # root, host, swap, defaults, zram, resume, vm, profile, ...
    for where, node in objects:
        extra = node.get("additionalProperties")
        if "propertyNames" in node:
            # a map keyed by names (vms, profiles): the names are constrained and every
            # value has a schema, so no unchecked key gets through
            assert isinstance(extra, dict), where
        else:
            assert extra is False, f"{where} lacks additionalProperties: false"


def test_every_property_has_a_description(schema: dict[str, Any]) -> None:
    count = 0
    for where, node in nodes(schema):
        properties = node.get("properties")
        if is_table(where) or not isinstance(properties, dict):
            continue
        for name, prop in properties.items():
            count += 1
            assert prop.get("description", "").strip(), f"{where}/properties/{name}"
    assert count >= 40  # the format has about fifty fields
    for name, definition in schema["$defs"].items():
        assert definition.get("description", "").strip(), f"#/$defs/{name}"


def test_schema_is_valid_draft_2020_12(schema: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
