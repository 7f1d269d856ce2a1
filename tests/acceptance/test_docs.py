"""The manual holds together without building it: every page under docs/ is in the nav of
mkdocs.yml, every nav entry exists, and every relative link of the manual and of the README
names a file that exists. (`make docs` builds it with mkdocs --strict, which also checks
anchors; CI runs that. This test is the quick part every `pytest` run sees.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from support import ROOT

DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def nav_pages(entries: Any) -> Iterator[str]:
    for entry in entries:
        if isinstance(entry, str):
            yield entry
        else:
            for value in entry.values():
                yield from [value] if isinstance(value, str) else nav_pages(value)


def relative_links(page: Path) -> Iterator[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    for target in LINK.findall(text):
        if not re.match(r"[a-z]+:|#", target):
            yield target.split("#", 1)[0]


def test_every_page_is_in_the_nav_and_every_nav_entry_exists() -> None:
    config = YAML(typ="safe").load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = set(nav_pages(config["nav"]))
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    assert sorted(pages - nav) == [], "pages missing from the nav of mkdocs.yml"
    assert sorted(nav - pages) == [], "nav entries without a page"


@pytest.mark.parametrize(
    "page", [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))], ids=lambda p: p.name
)
def test_relative_links_name_files_that_exist(page: Path) -> None:
    broken = [t for t in relative_links(page) if not (page.parent / t).exists()]
    assert broken == []


def test_the_readme_stays_short() -> None:
    """Issue 15: a README a user reads in five minutes; details belong in docs/."""
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 250
