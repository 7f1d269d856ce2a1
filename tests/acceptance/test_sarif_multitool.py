"""GitHub code scanning accepts our SARIF: Microsoft's SARIF Multitool, with GitHub's
ingestion rules (`--rule-kind "Sarif;Gh"`), finds nothing in the SARIF of the bundled fleet,
of the test fleets and of every rule's example (so every rule appears with results).

`.ci/run` installs the Multitool from npm into .cache/sarif-multitool; elsewhere the test
skips, saying so, unless GHAFMEMGEN_REQUIRE_SARIF_MULTITOOL=1 (CI) makes that a failure.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from ghafmemgen.lint import ruledocs
from ghafmemgen.lint.registry import RULES

from support import ROOT, run_ghafmemgen

LINUX_BINARY = Path("node_modules", "@microsoft", "sarif-multitool-linux", "Sarif.Multitool")
CACHED = ROOT / ".cache" / "sarif-multitool" / LINUX_BINARY
INSTALL = (
    "npm install --prefix .cache/sarif-multitool @microsoft/sarif-multitool@5.7.0 "
    "@microsoft/sarif-multitool-linux@5.7.0 (bash .ci/run does it)"
)


@pytest.fixture(scope="module")
def multitool() -> Path:
    given = os.environ.get("GHAFMEMGEN_SARIF_MULTITOOL")
    tool = Path(given) if given else CACHED
    if tool.is_file() and os.access(tool, os.X_OK):
        return tool
    if os.environ.get("GHAFMEMGEN_REQUIRE_SARIF_MULTITOOL") == "1":
        pytest.fail(f"the SARIF Multitool is required but {tool} is missing; {INSTALL}")
    pytest.skip(f"the SARIF Multitool is not installed at {tool}; {INSTALL}")


def sarif_of(args: list[str], *, cwd: Path, out: Path) -> Path:
    proc = run_ghafmemgen("check", *args, "--format", "sarif", "-o", out, cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    return out


def example_fleets(folder: Path) -> list[str]:
    """Every rule's example fleet (the ```yaml block of its page), as files in `folder`."""
    names = []
    for rule_id in RULES:
        match = re.search(r"```yaml\n(version: 1\n.*?)```", ruledocs.explanation(rule_id), re.S)
        if match:
            (folder / f"{rule_id}.yaml").write_text(match[1], encoding="utf-8")
            names.append(f"{rule_id}.yaml")
    return names


def validate(tool: Path, logs: list[Path], tmp: Path) -> list[str]:
    out = tmp / "multitool.sarif"
    proc = subprocess.run(
        [
            str(tool),
            "validate",
            *map(str, logs),
            "--rule-kind",
            "Sarif;Gh",
            "--output",
            str(out),
            "--log",
            "ForceOverwrite",
        ],
        capture_output=True,
        text=True,
        check=False,
        # .NET without ICU: the Multitool needs no locale data, and CI machines may lack libicu
        env={**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"},
        timeout=300,
    )
    assert proc.returncode == 0 and out.is_file(), proc.stdout + proc.stderr
    results = json.loads(out.read_text(encoding="utf-8"))["runs"][0].get("results", [])
    return [
        f"{r['ruleId']} {r['level']}: {r['message']} at "
        f"{r['locations'][0]['physicalLocation']['artifactLocation']['uri']}"
        for r in results
    ]


def test_github_code_scanning_accepts_our_sarif(multitool: Path, tmp_path: Path) -> None:
    bad = sorted(p.name for p in (ROOT / "tests" / "bad").glob("*.yaml"))
    examples = tmp_path / "examples"
    examples.mkdir()
    logs = [
        sarif_of(
            ["fixtures/ghaf-laptop.yaml", "--simulate"], cwd=ROOT, out=tmp_path / "laptop.sarif"
        ),
        sarif_of(bad, cwd=ROOT / "tests" / "bad", out=tmp_path / "bad.sarif"),
        sarif_of(
            ["--simulate", "--select", ",".join(RULES), *example_fleets(examples)],  # opt-in too
            cwd=examples,
            out=tmp_path / "ex.sarif",
        ),
    ]
    seen = {r["ruleId"] for log in logs for r in json.loads(log.read_text())["runs"][0]["results"]}
    runnable = {name.removesuffix(".yaml") for name in example_fleets(examples)}
    assert len(runnable) >= 19 and seen >= runnable, "every runnable example gives its rule"
    assert validate(multitool, logs, tmp_path) == []


def test_the_multitool_check_can_fail(multitool: Path, tmp_path: Path) -> None:
    """Without `help`, GitHub's rule GH2012 fires: the validation above is not vacuous."""
    log = sarif_of(["fixtures/ghaf-laptop.yaml"], cwd=ROOT, out=tmp_path / "laptop.sarif")
    data = json.loads(log.read_text(encoding="utf-8"))
    del data["runs"][0]["tool"]["driver"]["rules"][0]["help"]
    log.write_text(json.dumps(data), encoding="utf-8")
    found = validate(multitool, [log], tmp_path)
    assert found and all(line.startswith("GH2012 error") for line in found), found
