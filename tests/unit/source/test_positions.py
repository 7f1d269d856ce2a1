"""The loader's compact positions table against positions PyYAML reports for the same text.

Positions are stored per container, small mappings sealed into one int with a shared key
layout; every key and value of a random document must still come back where PyYAML's
composer (an independent parser) puts it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ghafmemgen.findings import DataPath
from ghafmemgen.source.loader import parse
from ghafmemgen.source.positions import Positions

LONG = os.environ.get("GHAFMEMGEN_LONG_PROPERTIES") == "1"

KEYS = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
SCALARS = st.one_of(st.integers(-1000, 10**6), st.booleans(), KEYS, st.just("two words"))
DOCUMENTS = st.recursive(
    st.dictionaries(KEYS, SCALARS, min_size=1, max_size=4),
    lambda inner: st.one_of(
        st.dictionaries(KEYS, st.one_of(SCALARS, inner), min_size=1, max_size=20),
        st.lists(st.one_of(SCALARS, inner), min_size=1, max_size=3),
    ),
    max_leaves=60,
).filter(lambda doc: isinstance(doc, dict))


def expected(
    node: yaml.Node, path: DataPath = ()
) -> Iterator[tuple[DataPath, tuple[int, int], tuple[int, int]]]:
    """(path, key position, value position), 1-based, from PyYAML's node marks."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            here = (*path, key_node.value)
            yield here, _mark(key_node), _mark(value_node)
            yield from expected(value_node, here)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            here = (*path, index)
            yield here, _mark(item), _mark(item)
            yield from expected(item, here)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


@settings(max_examples=1000 if LONG else 150, deadline=None)
@given(DOCUMENTS, st.sampled_from([None, True, False]))
def test_every_key_and_value_is_where_pyyaml_puts_it(document: dict[str, Any], flow: Any) -> None:
    text = yaml.safe_dump(document, default_flow_style=flow, sort_keys=False, width=60)
    positions = parse(text, file="f.yaml").positions
    checked = 0
    for path, key, value in expected(yaml.compose(text, Loader=yaml.SafeLoader)):
        assert (positions.key(path), positions.value(path)) == (key, value), (path, text)
        checked += 1
    assert checked > 0
    assert positions.key(("no-such-key",)) is None
    assert positions.value((next(iter(document)), "no-such-key")) is None


def test_mappings_with_the_same_keys_share_one_layout() -> None:
    text = "".join(f"vm{i}:\n  kind: app\n  mem: {i}\n" for i in range(50))
    positions = parse(text, file="f.yaml").positions
    assert len(positions.layouts) == 1  # the root has 50 keys: stored as a plain table
    assert positions.value(("vm7", "mem")) == (24, 8)  # line 3 * 7 + 3
    assert positions.key(("vm49", "kind")) == (149, 3)


def test_adding_to_a_sealed_mapping_keeps_its_other_keys() -> None:
    positions = parse("a: 1\nb:\n  c: 2\n", file="f.yaml").positions
    positions.add(("b", "d"), (9, 1), (9, 4))
    assert positions.key(("b", "d")) == (9, 1)
    assert positions.value(("b", "c")) == (3, 6)
    fresh = Positions()
    fresh.add(("x",), (1, 1), (1, 4))
    assert fresh.value(("x",)) == (1, 4)
