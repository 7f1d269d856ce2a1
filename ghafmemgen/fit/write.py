"""`ghafmemgen fit --write`: put a patch into the fleet file and change nothing else.

ruamel.yaml's round-trip loader gives the position of every key and value, and after the
edit it re-reads the new text to prove that the document changed by exactly the patch. The
edit itself is spliced into the original text at those positions rather than re-emitted by
ruamel's dumper, because the dumper normalizes what it did not touch (`{ mem: 6144 }`
becomes `{mem: 6144}`, `key:   value` loses its spaces). Only the edited values and the
inserted lines differ from the original, byte for byte.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from ghafmemgen import pipeline
from ghafmemgen.emit import files
from ghafmemgen.errors import FleetError, GhafmemgenError, UsageError
from ghafmemgen.fit.options import FieldPath, Options, patch_tree
from ghafmemgen.fit.trial import goal_hits
from ghafmemgen.memory.model import deep_merge
from ghafmemgen.source.loader import Limits
from ghafmemgen.units import SIZE_KEYS, format_mib

_END = 1 << 30  # sorts an insertion after every in-line edit of the same line


class WriteError(GhafmemgenError):
    """The patch cannot be written without touching more than it changes: exit 1."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Edit:
    line: int  # 0-based
    start: int  # column; _END: insert `text` as whole lines after `line`
    end: int
    text: str
    depth: int = 0  # insertions after one line: deeper mappings' new keys come first


@dataclass(frozen=True, slots=True, kw_only=True)
class Style:
    step: int  # block indentation step
    pad: bool  # flow mappings written `{ a: 1 }` rather than `{a: 1}`
    eol: str
    int_sizes: frozenset[str]  # size keys the file writes only as plain MiB integers


def _render(key: str, value: int, *, style: Style, old: Any = None) -> int | str:
    """Sizes as the file writes them: plain MiB ints where the file uses ints, else `16GiB`."""
    if key not in SIZE_KEYS:
        return value
    as_int = key in style.int_sizes if old is None else isinstance(old, int)
    return value if as_int else format_mib(value)


# Where YAML (ruamel's reader) counts a new line; str.splitlines also splits at \v, \f and
# \x1c-\x1e, which would put every position after one of them on the wrong line.
_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
# A node's properties: an anchor and a tag, in either order, before its value.
_PROPERTIES = re.compile(r"(?:(?:&[^\s,\[\]{}]+|!<[^>]*>|![^\s,\[\]{}]*)[ \t]+)*")


def _lines(text: str) -> list[str]:
    """The lines of `text` with their breaks, numbered as the YAML reader numbers them."""
    lines, start = [], 0
    for match in _BREAK.finditer(text):
        lines.append(text[start : match.end()])
        start = match.end()
    return lines + ([text[start:]] if start < len(text) else [])


def _line_break(line: str) -> str:
    match = _BREAK.search(line)
    return match.group() if match else ""


def _scalar_end(text: str, col: int, *, flow: bool) -> int:
    quote = text[col] if col < len(text) else ""
    if quote in ("'", '"'):
        match = re.compile(r"'(?:[^']|'')*'" if quote == "'" else r'"(?:[^"\\]|\\.)*"').match(
            text, col
        )
        if match is None:
            raise WriteError("a quoted value spans several lines; paste the patch by hand")
        return match.end()
    ends = r"\s#|[\r\n\x85\u2028\u2029]" + (r"|[,}\]]" if flow else "")
    stop = re.compile(ends).search(text, col)
    return len(text[: stop.start() if stop else len(text)].rstrip())


def _key_at(node: Any, key: Any) -> tuple[int, int]:
    """Line and column of `key` in this mapping; a key that a merge key (<<) brings in is
    written somewhere else, and an edit there would change more than this mapping."""
    if key not in node.lc.data:
        raise WriteError(f"{key} comes from a merge key (<<); paste the patch by hand")
    line, col = node.lc.key(key)
    return int(line), int(col)


def _value_at(node: Any, key: Any) -> tuple[int, int]:
    """Line and column of `key`'s value in this mapping (see _key_at)."""
    _key_at(node, key)
    line, col = node.lc.value(key)
    return int(line), int(col)


def _last_line(node: Any) -> int:
    if isinstance(node, CommentedMap):
        return (
            max(max(_key_at(node, k)[0], _value_at(node, k)[0], _last_line(node[k])) for k in node)
            if node
            else int(node.lc.line)
        )
    if isinstance(node, CommentedSeq):
        items = (max(node.lc.item(i)[0], _last_line(v)) for i, v in enumerate(node))
        return max(items, default=int(node.lc.line))
    return -1


def _flow(tree: Mapping[str, Any], style: Style) -> str:
    body = ", ".join(
        f"{k}: {_flow(v, style) if isinstance(v, Mapping) else v}" for k, v in tree.items()
    )
    return f"{{ {body} }}" if style.pad else f"{{{body}}}"


def _block(key: str, value: Any, *, col: int, style: Style, flow_values: bool) -> str:
    """Lines ended by "\n"; _apply gives them the break of the line they follow."""
    if not isinstance(value, Mapping):
        return f"{' ' * col}{key}: {value}\n"
    if flow_values:
        return f"{' ' * col}{key}: {_flow(value, style)}\n"
    inner = "".join(
        _block(k, v, col=col + style.step, style=style, flow_values=False) for k, v in value.items()
    )
    return f"{' ' * col}{key}:\n{inner}"


# How a patch is printed for pasting: two-space blocks, sizes as `16GiB`.
PRINTED = Style(step=2, pad=False, eol="\n", int_sizes=frozenset())


def patch_yaml(tree: Mapping[str, Any]) -> str:
    """The patch as block YAML to paste, written by the same emitter as --write's edits."""
    rendered = _rendered(tree, PRINTED)
    return "".join(
        _block(key, value, col=0, style=PRINTED, flow_values=False)
        for key, value in rendered.items()
    )


def _rendered(tree: Mapping[str, Any], style: Style) -> dict[str, Any]:
    return {
        k: _rendered(v, style) if isinstance(v, Mapping) else _render(k, v, style=style)
        for k, v in tree.items()
    }


def _edits(
    node: Any,
    tree: Mapping[str, Any],
    *,
    lines: list[str],
    style: Style,
    flow: bool,
    out: dict[str, Any],
) -> Iterator[Edit]:
    """Edits that put `tree` into the ruamel mapping `node`; `out` collects what is written."""
    flow = flow or bool(node.fa.flow_style())
    if not node:  # `{}` (a block mapping cannot be empty): write the whole patch into it
        out.update(_rendered(tree, style))
        line, col = node.lc.line, node.lc.col
        empty = re.compile(r"\{\s*\}").match(lines[line], col)
        if empty is None:
            raise WriteError("an empty mapping spans several lines; paste the patch by hand")
        yield Edit(line=line, start=col, end=empty.end(), text=_flow(out, style))
        return
    for key, value in tree.items():
        if key in node and isinstance(value, Mapping):
            if not isinstance(node[key], CommentedMap):
                raise WriteError(f"{key} is not a mapping in the file; paste the patch by hand")
            out[key] = {}
            yield from _edits(node[key], value, lines=lines, style=style, flow=flow, out=out[key])
        elif key in node:
            line, col = _value_at(node, key)
            properties = _PROPERTIES.match(lines[line], col)  # keep `&anchor !!tag`
            col = properties.end() if properties else col
            out[key] = _render(key, value, style=style, old=node[key])
            end = _scalar_end(lines[line], col, flow=flow)
            yield Edit(line=line, start=col, end=end, text=str(out[key]))
        else:
            out[key] = (
                _rendered(value, style)
                if isinstance(value, Mapping)
                else _render(key, value, style=style)
            )
            yield _insertion(node, key, out[key], lines=lines, style=style, flow=flow)


def _insertion(
    node: Any, key: str, value: Any, *, lines: list[str], style: Style, flow: bool
) -> Edit:
    entry = f"{key}: {_flow(value, style) if isinstance(value, Mapping) else value}"
    if flow:
        last = list(node)[-1]
        if isinstance(node[last], Mapping | list):
            raise WriteError(f"cannot add {key} to a nested flow mapping; paste the patch by hand")
        line, col = _value_at(node, last)
        end = _scalar_end(lines[line], col, flow=True)
        return Edit(line=line, start=end, end=end, text=f", {entry}")
    maps = [v for v in node.values() if isinstance(v, CommentedMap)]
    flow_values = bool(maps) and all(m.fa.flow_style() for m in maps)
    col = _key_at(node, next(iter(node)))[1]
    text = _block(key, value, col=col, style=style, flow_values=flow_values)
    return Edit(line=_last_line(node), start=_END, end=_END, text=text, depth=col)


def _style(doc: Any, text: str) -> Style:
    nested = (
        v for v in doc.values() if isinstance(v, CommentedMap) and v and not v.fa.flow_style()
    )
    child = next(nested, None)
    step = _key_at(child, next(iter(child)))[1] - _key_at(doc, next(iter(doc)))[1] if child else 2
    written: dict[str, set[bool]] = {}
    for key, value in _size_values(doc):
        written.setdefault(key, set()).add(isinstance(value, int))
    breaks = Counter(match.group() for match in _BREAK.finditer(text))
    return Style(
        step=step if step > 0 else 2,
        pad=re.search(r"\{ \S", text) is not None,
        eol=max(breaks, key=breaks.__getitem__) if breaks else "\n",  # the most used
        int_sizes=frozenset(key for key, kinds in written.items() if kinds == {True}),
    )


def _size_values(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in SIZE_KEYS and not isinstance(value, Mapping | bool):
                yield key, value
            yield from _size_values(value)


def _apply(lines: list[str], edits: list[Edit], eol: str) -> str:
    """`eol` ends the last line if a line is inserted after it; inserted lines take the break
    of the line they follow, so a file with mixed breaks keeps each part's own."""
    lines = list(lines)
    # Back to front, so positions stay valid; edits at one spot keep their order.
    order = sorted(enumerate(edits), key=lambda ie: (ie[1].line, ie[1].start, -ie[1].depth, ie[0]))
    for _, edit in reversed(order):
        if edit.start == _END:
            if not _line_break(lines[edit.line]):
                lines[edit.line] += eol
            lines.insert(edit.line + 1, edit.text.replace("\n", _line_break(lines[edit.line])))
        else:
            old = lines[edit.line]
            lines[edit.line] = old[: edit.start] + edit.text + old[edit.end :]
    return "".join(lines)


def _plain(node: Any) -> Any:
    from ruamel.yaml.comments import TaggedScalar

    if isinstance(node, Mapping):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, TaggedScalar):  # `!!str 12GiB`: the value, as a plain load gives it
        return _plain(node.value)
    for kind in (bool, int, float, str):
        if isinstance(node, kind):
            return kind(node)
    return node


def rewrite(text: str, *, profile: str | None, patch: Mapping[FieldPath, int]) -> str:
    """The fleet text with `patch` applied under `profiles.<profile>` (or the base fleet)."""
    yaml = YAML(typ="rt")
    try:
        doc = yaml.load(text)
        target = doc if profile is None else doc["profiles"][profile]
        lines = _lines(text)
        style = _style(doc, text)
        written: dict[str, Any] = {}
        edits = list(
            _edits(target, patch_tree(patch), lines=lines, style=style, flow=False, out=written)
        )
        new_text = _apply(lines, edits, style.eol)
        reread = _plain(yaml.load(new_text))
    except YAMLError as exc:  # anything else is a bug, and must say so (exit 70)
        raise WriteError(
            f"cannot place the patch in the file ({exc}); paste the patch by hand"
        ) from None
    wrapped = written if profile is None else {"profiles": {profile: written}}
    if reread != deep_merge(_plain(doc), wrapped):
        raise WriteError(
            "the edited file would not read back as exactly the patch (anchors, "
            "aliases or multi-line values near it?); paste the patch by hand"
        )
    return new_text


def write_fleet(
    path: Path,
    *,
    profile: str | None,
    patch: Mapping[FieldPath, int],
    options: Options,
    limits: Limits,
) -> None:
    """Put `patch` into the file `path` names (the real file behind a link), only if the
    result still loads and meets the goal and nobody changed the file meanwhile."""
    real = Path(os.path.realpath(path))
    with files.open_folder(real.parent, create=False) as folder:
        raw = files.read_regular(folder, real.name)
    if raw is None:
        raise UsageError(f"{path}: cannot read: no such file")
    try:
        text = raw.decode("utf-8")  # no newline translation: \r\n and \r stay as they are
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None
    try:
        new_text = rewrite(text, profile=profile, patch=patch)
    except WriteError as exc:
        raise WriteError(f"{path} not written: {exc}") from None

    def verify(edited: Path) -> None:
        # The edited file is loaded and checked where it will live, before it replaces the
        # original.
        try:
            loaded = pipeline.load(edited, limits=limits)
        except FleetError as exc:
            raise WriteError(f"{path} not written: the edited file does not load: {exc}") from None
        hits = goal_hits(
            pipeline.variant(loaded, profile), goal=options.goal, selection=options.selection
        )
        if hits:
            failing = "; ".join(f"{hit.rule} {hit.message}" for hit in hits)
            raise WriteError(
                f"{path} not written: the edited file misses goal {options.goal}: {failing}"
            )

    try:
        files.update_file(path, new_text, expect=raw, check=verify)
    except files.ChangedMeanwhile as exc:  # the patch is still printed, to paste by hand
        raise WriteError(str(exc)) from None
