"""The reporters of `ghafmemgen check`: text, json, github and SARIF."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator  # type: ignore[import-untyped,unused-ignore]

from ghafmemgen import __version__
from ghafmemgen.findings import Finding, Severity
from ghafmemgen.lint import ruledocs
from ghafmemgen.lint.registry import RULES
from ghafmemgen.lint.reporters import REPORTERS, render_findings

from support import ROOT, TESTS

# The official schema ships with the tests (tests/data/README.md says where it comes from),
# so these tests run on a fresh clone.
SARIF_SCHEMA = TESTS / "data" / "sarif-schema-2.1.0.json"


def finding(
    rule: str = "GMG031",
    *,
    severity: Severity | None = None,
    message: str = "steady state 17000 MiB exceeds RAM + swap (16384 MiB)",
    file: str = "fleet.yaml",
    line: int = 12,
    column: int = 10,
    path: str = "$.host",
    profile: str | None = None,
) -> Finding:
    return Finding(
        rule=rule,
        severity=severity or RULES[rule].severity,
        message=message,
        file=file,
        line=line,
        column=column,
        path=path,
        profile=profile,
    )


MIXED = [
    finding("GMG031", profile="low"),
    finding("GMG021", message="deflateOnOOM has no effect", line=3, column=5, path="$.vms.a"),
    finding("GMG022", message="mem is 2048", file="b.yaml", line=7, column=3, path="$.vms.b.mem"),
    finding("GMG033", message="worst case", profile="high"),
    finding("GMG033", message="worst case", profile="low"),
    finding("GMG010", message="tap-name too long", file="b.yaml", line=2, column=1),
]


@pytest.fixture(scope="module")
def sarif_validator() -> Draft4Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def sarif(findings: list[Finding], validator: Draft4Validator) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(render_findings(findings, fmt="sarif", files=["fleet.yaml"]))
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    return log


# -- dispatch ---------------------------------------------------------------------------


def test_reporter_table() -> None:
    assert set(REPORTERS) == {"text", "json", "github", "sarif"}


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render_findings([], fmt="xml", files=[])


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_deterministic_and_newline_terminated(
    fmt: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    expected = render_findings(MIXED, fmt=fmt, files=["fleet.yaml", "b.yaml"], profiles_checked=3)
    assert expected.endswith("\n")
    rng = random.Random(1234)
    for _ in range(20):
        shuffled = MIXED[:]
        rng.shuffle(shuffled)
        again = render_findings(
            shuffled, fmt=fmt, files=["fleet.yaml", "b.yaml"], profiles_checked=3
        )
        assert again == expected


# -- text -------------------------------------------------------------------------------


def test_text_lines_and_summary() -> None:
    out = render_findings(MIXED, fmt="text", files=["fleet.yaml", "b.yaml"], profiles_checked=3)
    assert out.splitlines() == [
        "b.yaml:2:1: GMG010 error: tap-name too long",
        "b.yaml:7:3: GMG022 warning: mem is 2048",
        "fleet.yaml:3:5: GMG021 warning: deflateOnOOM has no effect",
        "fleet.yaml:12:10: GMG031 error: steady state 17000 MiB exceeds RAM + swap (16384 MiB)"
        " [profile low]",
        "fleet.yaml:12:10: GMG033 warning: worst case [profile high]",
        "fleet.yaml:12:10: GMG033 warning: worst case [profile low]",
        "Found 2 errors and 4 warnings in 2 files (3 profiles checked).",
    ]


@pytest.mark.parametrize(
    ("errors", "warnings", "files", "profiles", "summary"),
    [
        (0, 0, 2, 6, "All checks passed: 2 files (6 profiles checked)."),
        (0, 0, 1, 1, "All checks passed: 1 file (1 profile checked)."),
        (1, 4, 1, 3, "Found 1 error and 4 warnings in 1 file (3 profiles checked)."),
        (2, 1, 2, 1, "Found 2 errors and 1 warning in 2 files (1 profile checked)."),
        (1, 0, 1, 1, "Found 1 error in 1 file (1 profile checked)."),
        (3, 0, 1, 2, "Found 3 errors in 1 file (2 profiles checked)."),
        (0, 1, 3, 2, "Found 1 warning in 3 files (2 profiles checked)."),
        (0, 2, 1, 1, "Found 2 warnings in 1 file (1 profile checked)."),
    ],
)
def test_text_summary_wording(
    errors: int, warnings: int, files: int, profiles: int, summary: str
) -> None:
    found = [finding("GMG031", line=i + 1) for i in range(errors)]
    found += [finding("GMG032", line=i + 1) for i in range(warnings)]
    names = [f"f{i}.yaml" for i in range(files)]
    out = render_findings(found, fmt="text", files=names, profiles_checked=profiles)
    lines = out.splitlines()
    assert len(lines) == errors + warnings + 1
    assert lines[-1] == summary
    assert out == "\n".join(lines) + "\n"


def test_text_colour() -> None:
    found = [finding("GMG031", profile="low"), finding("GMG032", line=13, message="m")]
    plain = render_findings(found, fmt="text", files=["fleet.yaml"])
    assert "\x1b" not in plain
    coloured = render_findings(found, fmt="text", files=["fleet.yaml"], color=True)
    assert coloured.splitlines()[:2] == [
        "fleet.yaml:12:10: \x1b[1mGMG031\x1b[0m \x1b[31merror\x1b[0m: steady state 17000 MiB"
        " exceeds RAM + swap (16384 MiB) [profile low]",
        "fleet.yaml:13:10: \x1b[1mGMG032\x1b[0m \x1b[33mwarning\x1b[0m: m",
    ]


# -- json -------------------------------------------------------------------------------


def test_json_keys_and_values() -> None:
    rows = json.loads(render_findings(MIXED, fmt="json", files=["fleet.yaml"]))
    assert isinstance(rows, list)
    assert len(rows) == len(MIXED)
    keys = ["rule", "severity", "message", "file", "line", "column", "path", "profile"]
    assert all(list(row) == keys for row in rows)
    assert rows[0] == {
        "rule": "GMG010",
        "severity": "error",
        "message": "tap-name too long",
        "file": "b.yaml",
        "line": 2,
        "column": 1,
        "path": "$.host",
        "profile": None,
    }
    assert rows[3]["profile"] == "low"


def test_json_empty() -> None:
    assert render_findings([], fmt="json", files=["fleet.yaml"]) == "[]\n"


# -- github -----------------------------------------------------------------------------


def test_github_commands() -> None:
    out = render_findings(MIXED[:2], fmt="github", files=["fleet.yaml"])
    assert out == (
        "::warning file=fleet.yaml,line=3,col=5,title=GMG021::deflateOnOOM has no effect\n"
        "::error file=fleet.yaml,line=12,col=10,title=GMG031::steady state 17000 MiB exceeds"
        " RAM + swap (16384 MiB) [profile low]\n"
    )


def test_github_escaping() -> None:
    tricky = finding(
        "GMG010",
        message="100% used\r\nnext: a, b",
        file="dir:x,y/fleet%.yaml",
        line=3,
        column=5,
        profile="lo,w:1",
    )
    out = render_findings([tricky], fmt="github", files=["x"])
    # Data keeps ':' and ',' (only '%', CR, LF are escaped); properties escape all five.
    assert out == (
        "::error file=dir%3Ax%2Cy/fleet%25.yaml,line=3,col=5,title=GMG010"
        "::100%25 used%0D%0Anext: a, b [profile lo,w:1]\n"
    )


def test_github_empty_is_silent() -> None:
    assert render_findings([], fmt="github", files=["fleet.yaml"]) == ""


# -- sarif ------------------------------------------------------------------------------


def test_sarif_valid_with_findings(
    sarif_validator: Draft4Validator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    log = sarif(MIXED, sarif_validator)
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "ghafmemgen"
    assert driver["version"] == __version__
    assert driver["informationUri"] == ruledocs.HOME_URL  # this tool, not Ghaf
    assert [r["id"] for r in driver["rules"]] == list(RULES)
    for rule in driver["rules"]:
        entry = RULES[rule["id"]]
        assert rule["shortDescription"]["text"] == entry.summary
        assert rule["defaultConfiguration"]["level"] == entry.severity
        assert rule["name"].isalnum()
        # what GitHub code scanning requires of a rule (GH2012), from the rule's page
        page = ruledocs.page(entry, absolute_links=True)
        source = ruledocs.page(entry, absolute_links=True, rendered=False)
        assert rule["help"] == {"text": ruledocs.plain_text(source), "markdown": page}
        assert rule["fullDescription"]["text"] == ruledocs.full_description(entry)
        assert rule["helpUri"] == f"{ruledocs.DOCS_URL}rules/{rule['id']}.md"
    names = {r["id"]: r["name"] for r in driver["rules"]}
    assert names["GMG021"] == "DeflateOnOOMFalseOnABalloonedCrosvmAppVMCrosvmAlwaysDeflatesOnOOM"

    results = run["results"]
    assert [r["ruleId"] for r in results] == [
        "GMG010",
        "GMG022",
        "GMG021",
        "GMG031",
        "GMG033",
        "GMG033",
    ]
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == RULES[result["ruleId"]].severity
    low = results[3]
    assert low["message"]["text"].endswith(" [profile low]")
    assert low["properties"] == {"profile": "low"}
    assert "properties" not in results[0]
    physical = low["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "fleet.yaml", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 12, "startColumn": 10}
    # No absolute base URI: the log must not depend on the folder it was made in.
    assert "uri" not in run["originalUriBaseIds"]["%SRCROOT%"]
    assert str(tmp_path) not in json.dumps(log)


def test_sarif_help_uris_are_pages_of_the_manual() -> None:
    """helpUri is the rule's page in the repository's docs/: a rule without one fails here."""
    rules = json.loads(render_findings([], fmt="sarif", files=[]))["runs"][0]["tool"]["driver"]
    for rule in rules["rules"]:
        relative = rule["helpUri"].removeprefix(ruledocs.DOCS_URL)
        assert relative == f"rules/{rule['id']}.md"
        assert (ROOT / "docs" / relative).is_file(), rule["helpUri"]


def test_sarif_valid_without_findings(sarif_validator: Draft4Validator) -> None:
    log = sarif([], sarif_validator)
    (run,) = log["runs"]
    assert run["results"] == []
    assert len(run["tool"]["driver"]["rules"]) == len(RULES)


def test_sarif_uris(
    sarif_validator: Draft4Validator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    files = [
        "fleet.yaml",
        "./sub/../hosts/my fleet#1.yaml",
        str(work / "abs" / "fleet.yaml"),
        str(tmp_path / "outside.yaml"),
    ]
    # The message carries the file name back: results come out sorted by file.
    log = sarif([finding(file=f, message=f) for f in files], sarif_validator)
    results = log["runs"][0]["results"]
    locations = [
        next(
            r["locations"][0]["physicalLocation"]["artifactLocation"]
            for r in results
            if r["message"]["text"] == f
        )
        for f in files
    ]
    assert locations == [
        {"uri": "fleet.yaml", "uriBaseId": "%SRCROOT%"},
        {"uri": "hosts/my%20fleet%231.yaml", "uriBaseId": "%SRCROOT%"},
        {"uri": "abs/fleet.yaml", "uriBaseId": "%SRCROOT%"},
        {"uri": (tmp_path / "outside.yaml").as_uri()},
    ]


def test_sarif_fingerprints(sarif_validator: Draft4Validator) -> None:
    def prints(found: list[Finding]) -> list[str]:
        results = sarif(found, sarif_validator)["runs"][0]["results"]
        return [next(iter(r["partialFingerprints"].values())) for r in results]

    base = prints([finding(profile="low")])
    # A finding that moved (an edit above it) keeps its fingerprint ...
    assert prints([finding(profile="low", line=40, column=2, message="other numbers")]) == base
    # ... while another rule, JSON path, profile or file gives a new one.
    others = [
        finding("GMG032", profile="low"),
        finding(profile="low", path="$.vms.x"),
        finding(profile="high"),
        finding(profile=None),
        finding(profile="low", file="other.yaml"),
    ]
    fingerprints = base + [prints([o])[0] for o in others]
    assert len(set(fingerprints)) == len(fingerprints)
