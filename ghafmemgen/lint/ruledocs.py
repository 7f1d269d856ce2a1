"""Each rule's page: what it checks, why it matters, an example, how to fix it.

The prose of a rule is `explanations/<id>.md` beside this module, one file per registry entry
(`make rule-docs` records the output of its example fleet in it). A page is that text under a
heading made from the registry entry (id, summary, severity). The same page is printed by
`ghafmemgen rule ID`, generated into the manual as `docs/rules/<id>.md`, and carried by SARIF
as the rule's `help`, so the three cannot disagree.
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path

from ghafmemgen.findings import UNIGNORABLE
from ghafmemgen.lint.registry import RULES, Rule

EXPLANATIONS = Path(__file__).resolve().parent / "explanations"

# The manual is the Markdown under docs/ in ghafmemgen's repository, which GitHub renders:
# a rule's page there is SARIF's `helpUri`, and the base of the links of a page printed
# outside the manual. The path docs/rules/<id>.md is stable (tests check every id has it).
HOME_URL = "https://github.com/ghafmemgen/ghafmemgen"
DOCS_URL = f"{HOME_URL}/blob/main/docs/"

_RELATIVE_LINK = re.compile(r"\]\((?![a-z][a-z0-9+.-]*:|#)([^)\s]+)\)")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def find(rule_id: str) -> Rule | None:
    """The registry entry of an id, whatever its case (`gmg031`)."""
    return RULES.get(rule_id.strip().upper())


@cache
def explanation(rule_id: str) -> str:
    """The hand-written sections of a rule's page (What it checks ... How to fix)."""
    return (EXPLANATIONS / f"{rule_id}.md").read_text(encoding="utf-8")


def help_uri(rule_id: str) -> str:
    return f"{DOCS_URL}rules/{rule_id}.md"


def _when(rule: Rule) -> str:
    if rule.id in UNIGNORABLE:
        return "It cannot be ignored: a file that does not load has nothing else to check."
    if rule.check is None:  # not a check of the fleet alone
        runs = "It is reported by `ghafmemgen verify` (and `import`), not by `check`."
    elif rule.opt_in:
        also = " (or `check --simulate`)" if rule.id == "GMG080" else ""
        runs = f"It is opt-in: it runs only when `--select {rule.id}` names it{also}."
    else:
        runs = "It runs on the base fleet and on every profile."
    return (
        f"{runs} Silence it with `--ignore {rule.id}`, or in the fleet file with "
        f"`lint: {{ ignore: [{rule.id}] }}`."
    )


def page(
    rule: Rule, *, absolute_links: bool = False, rendered: bool = True, body: str | None = None
) -> str:
    """The rule's page in Markdown. `absolute_links` for a page read outside the manual (the
    terminal, SARIF); `rendered=False` for a reader who sees the Markdown source (the terminal):
    the summary keeps `<name>` as written instead of escaping it for HTML; `body` replaces the
    explanation file's text (the generator's draft)."""
    text = explanation(rule.id) if body is None else body
    if absolute_links:
        text = _RELATIVE_LINK.sub(lambda m: f"]({_resolve(m[1])})", text)
    title = summary_markdown(rule) if rendered else rule.summary
    return f"# {rule.id}: {title}\n\nSeverity: **{rule.severity}**. {_when(rule)}\n\n{text}"


def summary_markdown(rule: Rule) -> str:
    """The summary as Markdown text: `tap-<name>` must not become an HTML tag."""
    return html.escape(rule.summary, quote=False)


def _resolve(relative: str) -> str:
    """A link of docs/rules/<id>.md as an absolute URL (`../simulate.md` -> .../simulate.md)."""
    parts = f"{DOCS_URL}rules".split("/")
    for piece in relative.split("/"):
        if piece == "..":
            parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


def plain_text(markdown: str) -> str:
    """Markdown read as plain text: a link becomes its text and its address in parentheses."""
    return _LINK.sub(lambda m: f"{m[1]} ({m[2]})", markdown)


def full_description(rule: Rule) -> str:
    """The first paragraph under "What it checks", as plain text on one line."""
    checks = explanation(rule.id).partition("## What it checks")[2].strip()
    paragraph = checks.split("\n\n", 1)[0]
    return " ".join(
        plain_text(_RELATIVE_LINK.sub(lambda m: f"]({_resolve(m[1])})", paragraph)).split()
    )
