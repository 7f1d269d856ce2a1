"""`ghafmemgen rule ID` prints the rule's page, as `ruff rule` does."""

from __future__ import annotations

from ghafmemgen.lint import ruledocs
from ghafmemgen.lint.registry import RULES

from support import run_ghafmemgen


def test_rule_prints_the_page_of_the_manual() -> None:
    proc = run_ghafmemgen("rule", "GMG031")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ruledocs.page(RULES["GMG031"], absolute_links=True, rendered=False)
    for section in ("What it checks", "Why it matters", "Example", "How to fix"):
        assert f"\n## {section}\n" in proc.stdout
    assert "$ ghafmemgen check fleet.yaml --select GMG031\n" in proc.stdout  # its output too
    assert proc.stderr == ""


def test_rule_ids_are_case_insensitive() -> None:
    assert run_ghafmemgen("rule", "gmg080").stdout.startswith("# GMG080: ")


def test_an_unknown_rule_is_a_usage_error() -> None:
    proc = run_ghafmemgen("rule", "GMG999")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == "ghafmemgen: unknown rule 'GMG999'; `ghafmemgen rules` lists them\n"


def test_rule_needs_an_id() -> None:
    proc = run_ghafmemgen("rule")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
