"""The jinja2 environments, made one way: templates/ found through resources.data_dir,
undefined names are errors, blocks trimmed, the trailing newline kept.

`nix` output is not escaped by jinja2 (nixlit's filters do it, emit/nix.py); the HTML page
is autoescaped (report/html.py). This is also the only place that imports jinja2, and only
when a template is rendered: `check` never pays for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ghafmemgen.resources import data_dir

if TYPE_CHECKING:
    import jinja2


def _load(name: str) -> str | None:
    path = data_dir("templates") / name
    return path.read_text(encoding="utf-8") if path.is_file() else None


def environment(
    *, autoescape: bool, filters: Mapping[str, Callable[..., Any]]
) -> jinja2.Environment:
    import jinja2  # the seam: jinja2 is imported here and nowhere else

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_load),
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(filters)
    return env
