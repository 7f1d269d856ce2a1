"""Every rule has one page, made from the registry and its explanation file; the manual's
copies (docs/rules/) and the recorded example outputs are current (`make rule-docs`)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ghafmemgen.lint import ruledocs
from ghafmemgen.lint.registry import RULES

from support import ROOT

GENERATOR = ROOT / "tools" / "rule_docs.py"
SECTIONS = ("## What it checks", "## Why it matters", "## Example", "## How to fix")


def generator(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(GENERATOR), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_rule_has_an_explanation_and_every_explanation_a_rule() -> None:
    written = {p.stem for p in ruledocs.EXPLANATIONS.glob("*.md")}
    assert sorted(set(RULES) - written) == [], "write ghafmemgen/lint/explanations/<id>.md"
    assert sorted(written - set(RULES)) == [], "an explanation without a registry entry"


@pytest.mark.parametrize("rule_id", list(RULES))
def test_a_page_says_what_why_an_example_and_how_to_fix(rule_id: str) -> None:
    page = ruledocs.page(RULES[rule_id], rendered=False)
    assert page.startswith(f"# {rule_id}: {RULES[rule_id].summary}\n")
    assert f"Severity: **{RULES[rule_id].severity}**" in page
    positions = [page.find(section) for section in SECTIONS]
    assert -1 not in positions and positions == sorted(positions), positions
    assert "```yaml\n" in page.partition("## Example")[2]


def test_the_generated_pages_are_current() -> None:
    """docs/rules/*.md, the nav, and each example's recorded output: `make rule-docs`."""
    proc = generator("--check")
    assert proc.returncode == 0, proc.stderr


def test_a_stale_page_fails_the_check(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    assert generator("--check", "--root", tmp_path).returncode == 0
    page = tmp_path / "docs" / "rules" / "GMG031.md"
    page.write_text(page.read_text(encoding="utf-8").replace("error", "warning", 1))
    proc = generator("--check", "--root", tmp_path)
    assert proc.returncode == 1
    assert "GMG031.md" in proc.stderr and "make rule-docs" in proc.stderr


def test_links_of_a_page_read_outside_the_manual_are_absolute() -> None:
    page = ruledocs.page(RULES["GMG060"], absolute_links=True)
    assert f"]({ruledocs.DOCS_URL}memory-model.md)" in page
    assert "](../" not in page
    text = ruledocs.plain_text(page)
    assert f"the memory model ({ruledocs.DOCS_URL}memory-model.md)" in text


def test_full_description_is_the_first_paragraph_on_one_line() -> None:
    text = ruledocs.full_description(RULES["GMG010"])
    assert text.startswith("That every VM's tap interface name")
    assert "\n" not in text and "##" not in text


def test_a_summary_with_angle_brackets_stays_text_where_markdown_is_rendered() -> None:
    assert ruledocs.page(RULES["GMG010"]).startswith("# GMG010: tap-&lt;name&gt; is longer")
    assert ruledocs.page(RULES["GMG010"], rendered=False).startswith("# GMG010: tap-<name> is")
