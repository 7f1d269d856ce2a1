"""jsontext.dumps must be json.dumps(obj, indent=...) byte for byte."""

from __future__ import annotations

import json
import math
import os
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ghafmemgen import pipeline
from ghafmemgen.emit import jsontext
from ghafmemgen.emit.json import plan_json, plan_json_text

from support import LAPTOP

LONG = os.environ.get("GHAFMEMGEN_LONG_PROPERTIES") == "1"

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # NaN and the infinities too: both encoders spell them alike
    st.text(),
)
KEYS = st.one_of(st.text(max_size=6), st.sampled_from(["a", "b", "\n", "é", '"', "\\"]))
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(KEYS, inner, max_size=4),
        # non-string keys take the standard encoder's path
        st.dictionaries(st.one_of(st.integers(), st.booleans(), st.none()), inner, max_size=2),
    ),
    max_leaves=25,
)


@settings(max_examples=3000 if LONG else 500, deadline=None)
@given(JSON, st.integers(min_value=0, max_value=4))
def test_same_text_as_json_dumps(value: Any, indent: int) -> None:
    assert jsontext.dumps(value, indent=indent) == json.dumps(value, indent=indent)


TRICKY = st.sampled_from(["}", "{", "},", "}, {", "}\n{", '"', "\\", "\u2028"])
RECORDS = st.dictionaries(
    st.one_of(KEYS, TRICKY), st.one_of(SCALARS, TRICKY), min_size=0, max_size=4
)


@settings(max_examples=1000 if LONG else 150, deadline=None)
@given(
    st.lists(st.one_of(RECORDS, RECORDS, JSON), max_size=700),  # crosses the 256-record batch
    st.integers(min_value=0, max_value=4),
)
def test_arrays_of_records(value: list[Any], indent: int) -> None:
    assert jsontext.dumps(value, indent=indent) == json.dumps(value, indent=indent)
    assert jsontext.dumps({"k": value}, indent=indent) == json.dumps({"k": value}, indent=indent)
    lazy = jsontext.LazyArray(value, lambda item: item)
    assert jsontext.dumps({"k": lazy}, indent=indent) == json.dumps({"k": value}, indent=indent)


@pytest.mark.parametrize("odd_one", [None, 0, 255, 256, 599])
def test_many_records_across_batches(odd_one: int | None) -> None:
    records: list[Any] = [
        {"name": f"v{i}-vm", "s": "}, {" if i % 7 else "}\n{", "f": i / 3, "b": i % 2 == 0}
        for i in range(600)
    ]
    if odd_one is not None:
        records[odd_one] = {"nested": {"x": [1, {}]}} if odd_one % 2 else {}
    for value in (records, {"generator": "x", "vms": records, "host": {"ramMiB": 1}}):
        assert jsontext.dumps(value) == json.dumps(value, indent=2)


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        {"a": {}},
        {"a": [[], {}]},
        [{"x": 1.5, "y": math.inf}, {"z": None}],
        {"vms": [{"name": "a-vm", "mem": 1}]},
        {"k": [1, [2, [3]]]},
        {"a\nb": "c\nd"},
    ],
)
def test_edge_shapes(value: Any) -> None:
    assert jsontext.dumps(value) == json.dumps(value, indent=2)


@settings(max_examples=1000 if LONG else 200, deadline=None)
@given(st.lists(JSON, max_size=5), st.dictionaries(KEYS, JSON, max_size=3))
def test_a_lazy_array_reads_as_the_list_of_its_items(items: list[Any], around: Any) -> None:
    lazy = jsontext.LazyArray(items, lambda item: {"item": item})
    eager = [{"item": item} for item in items]
    assert jsontext.dumps({**around, "lazy": lazy}) == json.dumps(
        {**around, "lazy": eager}, indent=2
    )
    assert jsontext.dumps(lazy) == json.dumps(eager, indent=2)


def test_the_laptop_plan() -> None:
    loaded = pipeline.load(LAPTOP)
    for profile in pipeline.all_variants(loaded, None):
        plan = pipeline.variant(loaded, profile).plan
        document = plan_json(plan)
        assert jsontext.dumps(document) == json.dumps(document, indent=2)
        assert plan_json_text(plan) == json.dumps(document, indent=2) + "\n"
