"""fastschema must give jsonschema's verdict (with the project's integer rule) on every fleet.

Valid fleets come from hypothesis-jsonschema's `from_schema` on the fleet schema; invalid and
borderline ones from mutating those fleets and the bundled fixture at random paths, with
random JSON and with values taken from the schema's own bounds, enums and patterns.
GHAFMEMGEN_LONG_PROPERTIES=1 (CI) runs four times more examples (from_schema draws ~50 ms
per fleet on a CI runner, so each generated property costs about two minutes there).
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import utils as conjecture_utils
from hypothesis_jsonschema import _from_schema, from_schema

from ghafmemgen.resources import fleet_schema as schema
from ghafmemgen.source import fastschema, loader
from ghafmemgen.source.schema import _validator, validate

from support import LAPTOP

LONG = os.environ.get("GHAFMEMGEN_LONG_PROPERTIES") == "1"
PROPERTY = settings(
    max_examples=1200 if LONG else 300,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


# -- hypothesis-jsonschema 0.23.1 on hypothesis 6.170 -----------------------------------
# The pinned hypothesis-jsonschema still calls `many.more()`, which hypothesis replaced by
# `with many(...) as elements: for _ in elements:`; `more()` below drives the new protocol.
# It also rebuilds the strategy of every sub-schema on every draw, which makes one fleet
# cost ~0.7 s; memoizing those pure builders by the schema's JSON makes it ~0.08 s.

_DONE = object()


def _more(self: Any) -> bool:
    if getattr(self, "_steps", None) is None:
        self.__enter__()
        self._steps = iter(self)
    if next(self._steps, _DONE) is _DONE:
        self.__exit__(None)
        return False
    return True


def _memoized(build: Callable[..., Any]) -> Callable[..., Any]:
    memo: dict[str, Any] = {}

    def cached(schema: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            key = json.dumps([schema, repr(args), repr(sorted(kwargs.items()))], sort_keys=True)
        except TypeError:
            return build(schema, *args, **kwargs)
        if key not in memo:
            memo[key] = build(schema, *args, **kwargs)
        return memo[key]

    return cached


if not hasattr(conjecture_utils.many, "more"):
    conjecture_utils.many.more = _more  # type: ignore[attr-defined]
    vars(_from_schema)["__from_schema"] = _memoized(vars(_from_schema)["__from_schema"])
    _from_schema.merged_as_strategies = _memoized(_from_schema.merged_as_strategies)


# -- the two validators ---------------------------------------------------------------


def assert_agree(document: Any) -> bool:
    fast = fastschema.is_valid(document)
    reference = _validator().is_valid(document)
    assert fast == reference, (
        f"fastschema says {fast}, jsonschema {reference}: {json.dumps(document)[:3000]}"
    )
    return fast


# from_schema mutates the schema it is given: hand it a copy, never the cached one.
FLEETS = st.deferred(lambda: from_schema(copy.deepcopy(schema())))
FIXTURE = loader.load(LAPTOP).data


# -- edits aimed at the schema's edges ---------------------------------------------------


def _expand(node: Any) -> list[dict[str, Any]]:
    """A schema node and every node its $ref and anyOf branches apply, flattened."""
    if not isinstance(node, dict):
        return []
    nodes = [node]
    if "$ref" in node:
        nodes += _expand(schema()["$defs"][node["$ref"].rsplit("/", 1)[1]])
    for branch in node.get("anyOf", ()):
        nodes += _expand(branch)
    return nodes


def _applicable(path: tuple[Any, ...]) -> list[dict[str, Any]]:
    """The schema nodes that judge the value at `path` of a fleet."""
    nodes = _expand(schema())
    for step in path:
        below: list[dict[str, Any]] = []
        for node in nodes:
            if isinstance(step, str):
                below += _expand(
                    node.get("properties", {}).get(step, node.get("additionalProperties"))
                )
            else:
                below += _expand(node.get("items"))
        nodes = below
    return nodes


def _stretch(text: str, pattern: str, length: int) -> str:
    """`text` grown (by repeating one of its characters) or cut to `length`, still matching
    `pattern` where that is possible: how a name of exactly maxLength + 1 is made."""
    if length <= len(text):
        return text[:length]
    for index in range(len(text) + 1):
        for char in {text[index - 1 : index], text[index : index + 1]} - {""}:
            candidate = text[:index] + char * (length - len(text)) + text[index:]
            if re.search(pattern, candidate):
                return candidate
    return text + "a" * (length - len(text))


def _tweak(text: str, how: str | int, pattern: str) -> str:
    if isinstance(how, int):
        return _stretch(text, pattern, how)
    return {"upper": text.upper(), "cut": text[:-1], "same": text}.get(how, text + how)


def _near(node: dict[str, Any]) -> st.SearchStrategy[str]:
    """Strings that match the node's pattern, or almost do, at and around its lengths."""
    pattern = node["pattern"]
    hows = st.sampled_from([*TWEAKS, *_lengths(node)])
    return st.builds(_tweak, st.from_regex(pattern, fullmatch=True), hows, st.just(pattern))


# Values of the wrong type that a careless checker might let through.
_CONFUSERS: dict[str, list[Any]] = {
    "integer": [True, 2.0, "2", None],
    "number": [True, False, "0.5", None],
    "string": [1, True, None, ["x"]],
    "boolean": [0, 1, "true", None],
    "object": [[], None, "x"],
    "array": [{}, "GMG010", None],
}
TWEAKS = ("same", "\n", "x", "-", " ", "upper", "cut")


def _lengths(node: dict[str, Any]) -> list[int]:
    return [node[key] + d for key in ("minLength", "maxLength") if key in node for d in (-1, 0, 1)]


@functools.cache
def _simplest(pattern: str) -> str:
    """The simplest string matching `pattern`, as hypothesis shrinks it (deterministic)."""
    return find(
        st.from_regex(pattern, fullmatch=True), lambda _: True, settings=settings(database=None)
    )


def _all_patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        for value in node.values():
            yield from _all_patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _all_patterns(value)


@pytest.fixture(scope="module", autouse=True)
def _simplest_strings_found() -> None:
    """`find` inside a @given is a nested test: find every pattern's simplest match first."""
    for pattern in _all_patterns(schema()):
        _simplest(pattern)


def _fixed_edges(node: dict[str, Any]) -> list[Any]:
    edges: list[Any] = [*node.get("enum", ())]
    for key in ("minimum", "maximum"):
        if key in node:
            bound = node[key]
            edges += [bound, bound - 1, bound + 1, float(bound), bound - 0.5, bound + 0.5]
    if "const" in node:
        const = node["const"]
        edges += [const, True, str(const), *([float(const)] if isinstance(const, int) else [])]
    types = node.get("type", [])
    for name in types if isinstance(types, list) else [types]:
        edges += _CONFUSERS.get(name, [])
    return edges


def _strings(node: dict[str, Any], current: Any = None) -> list[str]:
    """Tweaks of the simplest match of the node's pattern, and of `current` if a string."""
    pattern = node["pattern"]
    seeds = [_simplest(pattern), *([current] if isinstance(current, str) else [])]
    return [_tweak(seed, how, pattern) for seed in seeds for how in (*TWEAKS, *_lengths(node))]


def edge_values(path: tuple[Any, ...], current: Any = None) -> list[Any]:
    """Values on the edges of what the schema accepts at `path`."""
    nodes = _applicable(path)
    values = [edge for node in nodes for edge in _fixed_edges(node)]
    return values + [
        text for node in nodes if "pattern" in node for text in _strings(node, current)
    ]


def edge_keys(path: tuple[Any, ...], current: str | None = None) -> list[str]:
    """Keys worth trying in the mapping at `path`: its properties and near-miss names."""
    nodes = _applicable(path)
    keys = sorted({name for node in nodes for name in node.get("properties", {})})
    for node in nodes:
        for sub in _expand(node.get("propertyNames")):
            keys += _strings(sub, current) if "pattern" in sub else []
    return keys


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def values_for(path: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    nodes = _applicable(path)
    near = [_near(node) for node in nodes if "pattern" in node]
    return st.one_of(JSON, *near, st.sampled_from(edge_values(path) or [None]))


def keys_for(path: tuple[Any, ...]) -> st.SearchStrategy[str]:
    nodes = _applicable(path)
    near = [
        _near(sub)
        for node in nodes
        for sub in _expand(node.get("propertyNames"))
        if "pattern" in sub
    ]
    return st.one_of(st.text(max_size=8), *near, st.sampled_from(edge_keys(path) or ["x"]))


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*path, index))


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


ACTIONS = ("replace", "insert", "delete", "rename")


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[Any]) -> Any:
    """`base` after 1-3 edits at random paths: a value replaced, a key or item inserted, a key
    deleted or renamed; new keys and values come from the schema that judges that spot."""
    document = copy.deepcopy(draw(base))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(list(_paths(document))))
        action = draw(st.sampled_from(ACTIONS))
        if action in ("replace", "delete", "rename") and not path:
            action = "insert"
        if action == "insert":
            target = _at(document, path)
            if isinstance(target, dict):
                key = draw(keys_for(path))
                target[key] = copy.deepcopy(draw(values_for((*path, key))))
            elif isinstance(target, list):
                index = draw(st.integers(0, len(target)))
                target.insert(index, copy.deepcopy(draw(values_for((*path, 0)))))
            continue
        parent, step = _at(document, path[:-1]), path[-1]
        if action == "replace":
            # Drawn values can be shared objects (st.just, sampled_from): later edits must
            # not reach back into the strategy, or Hypothesis sees inconsistent generation.
            parent[step] = copy.deepcopy(draw(values_for(path)))
        elif action == "delete":
            del parent[step]
        elif isinstance(parent, dict):  # rename: the value stays, the key changes
            parent[draw(keys_for(path[:-1]))] = parent.pop(step)
    return document


# -- the properties -------------------------------------------------------------------


@PROPERTY
@given(FLEETS)
def test_generated_fleets_agree(fleet: Any) -> None:
    assert_agree(fleet)


@PROPERTY
@given(mutated(FLEETS))
def test_mutated_generated_fleets_agree(fleet: Any) -> None:
    assert_agree(fleet)


@PROPERTY
@given(mutated(st.just(FIXTURE)))
def test_mutated_fixture_agrees(fleet: Any) -> None:
    assert_agree(fleet)


def neighbours(document: dict[str, Any]) -> Iterator[Any]:
    """Every document one edit away from `document` on the schema's edges: each value
    replaced by each edge value of its spot, each missing property added with each edge
    value, each key renamed to near-miss names, each key deleted."""
    for path in list(_paths(document)):
        node = _at(document, path)
        if path:
            for value in edge_values(path, current=node):
                yield _edited(
                    document, path, lambda parent, step, v=value: parent.__setitem__(step, v)
                )
            yield _edited(document, path, lambda parent, step: parent.__delitem__(step))
        if not isinstance(node, dict):
            continue
        for key in edge_keys(path):
            if key not in node:
                for value in edge_values((*path, key)):
                    yield _edited(document, (*path, key), lambda p, s, v=value: p.__setitem__(s, v))
        for key in list(node):
            for new in edge_keys(path, current=key):
                yield _edited(
                    document, (*path, key), lambda p, s, n=new: p.__setitem__(n, p.pop(s))
                )


def _edited(document: Any, path: tuple[Any, ...], edit: Callable[[Any, Any], None]) -> Any:
    copied = copy.deepcopy(document)
    edit(_at(copied, path[:-1]), path[-1])
    return copied


def test_every_single_edge_edit_of_the_fixture_agrees() -> None:
    verdicts = [assert_agree(document) for document in neighbours(FIXTURE)]
    assert len(verdicts) > 1000
    assert set(verdicts) == {True, False}


def test_the_fixture_is_valid_and_mutations_reach_both_verdicts() -> None:
    """Guards the properties above against testing only one side."""
    assert assert_agree(FIXTURE) is True
    verdicts = set()

    @settings(max_examples=200, database=None, suppress_health_check=list(HealthCheck))
    @given(mutated(st.just(FIXTURE)))
    def collect(fleet: Any) -> None:
        verdicts.add(assert_agree(fleet))

    collect()
    assert verdicts == {True, False}


def _vm(**fields: Any) -> dict[str, Any]:
    return {"version": 1, "host": {"ram": 4096}, "vms": {"net-vm": {"kind": "system", **fields}}}


# Worked by hand from the schema and jsonschema's keyword rules.
EDGE_CASES = [
    (_vm(mem=512), True),
    (_vm(mem=512.0), False),  # the project's integer rule: 512.0 is not an integer
    (_vm(mem=True), False),  # nor is a boolean
    (_vm(mem="512MiB"), True),
    (_vm(mem="512MB"), False),
    (_vm(mem=67108864), True),
    (_vm(mem=67108865), False),
    (_vm(mem=512, vcpu=2.0), False),
    (_vm(mem=512, vcpu=0), False),
    (_vm(mem=512, resume={"idle": 1}), True),  # a share is a number: 1 and 1.0 both pass
    (_vm(mem=512, resume={"idle": 1.5}), False),
    (_vm(mem=512, resume={"idle": True}), False),
    (_vm(mem=512, resume={"idle": "100%"}), True),
    (_vm(mem=512, zram={"algorithm": "842"}), True),
    (_vm(mem=512, zram={"algorithm": 842}), False),
    (_vm(mem=512, extra=1), False),
    ({**_vm(mem=512), "version": 1.0}, True),  # const uses JSON equality: 1.0 == 1
    ({**_vm(mem=512), "version": True}, False),  # ...but true is not 1
    ({**_vm(mem=512), "host": {"ram": 4096, "swap": {"size": "auto"}}}, True),
    ({**_vm(mem=512), "host": {"reserved": 1}}, False),  # host requires ram
    ({"version": 1, "host": {"ram": 1}, "vms": {"Net-vm": {"kind": "app", "mem": 1}}}, False),
    (
        {"version": 1, "host": {"ram": 1}, "vms": {"a" * 62 + "-vm": {"kind": "app", "mem": 1}}},
        False,
    ),
    (
        {"version": 1, "host": {"ram": 1}, "vms": {"a" * 61 + "-vm": {"kind": "app", "mem": 1}}},
        True,
    ),
    ({"version": 1, "host": {"ram": 1}, "vms": {}, "lint": {"ignore": ["GMG03", "x"]}}, False),
    (
        {"version": 1, "host": {"ram": 1}, "vms": {}, "profiles": {"low": {"vms": {"x-vm": {}}}}},
        True,
    ),
    ([], False),
]


@pytest.mark.parametrize(("document", "valid"), EDGE_CASES)
def test_edge_cases(document: Any, valid: bool) -> None:
    assert assert_agree(document) is valid


# -- the compiler refuses what it does not know -----------------------------------------


def _keywords(node: Any) -> Iterator[str]:
    """Every keyword used in a schema position (property names are not keywords)."""
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        yield key
        if key in ("properties", "$defs"):
            for sub in value.values():
                yield from _keywords(sub)
        elif key in ("anyOf",):
            for sub in value:
                yield from _keywords(sub)
        elif key in ("additionalProperties", "propertyNames", "items"):
            yield from _keywords(value)


def test_every_keyword_of_the_fleet_schema_is_supported() -> None:
    used = set(_keywords(schema()))
    assert used <= fastschema.SUPPORTED, used - fastschema.SUPPORTED
    assert used & fastschema.ASSERTIONS  # the walk did reach the assertions
    assert callable(fastschema.compile_schema(schema()))


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "object", "minProperties": 1},
        {"properties": {"a": {"format": "email"}}},
        {"$defs": {"x": {"oneOf": [True]}}},  # unused definitions are compiled too
        {"$ref": "other.json#/$defs/x"},
        {"$ref": "#/$defs/missing"},
        {"$schema": "http://json-schema.org/draft-07/schema#"},
        {"properties": {"a": {"$defs": {}}}},
        {"type": "float"},
        {"items": 3},
    ],
)
def test_unknown_constructs_are_refused_at_compile_time(bad: dict[str, Any]) -> None:
    with pytest.raises(fastschema.UnsupportedSchema):
        fastschema.compile_schema(bad)


def test_recursive_references_compile_and_agree() -> None:
    from jsonschema import Draft202012Validator

    tree = {
        "$defs": {"node": {"type": "object", "additionalProperties": {"$ref": "#/$defs/node"}}},
        "$ref": "#/$defs/node",
    }
    check = fastschema.compile_schema(tree)
    for document in ({}, {"a": {"b": {}}}, {"a": {"b": 1}}, [], {"a": []}):
        assert check(document) == Draft202012Validator(tree).is_valid(document)


# -- jsonschema is imported only to explain an invalid fleet ------------------------------

_PROBE = """
import sys
from pathlib import Path
from ghafmemgen.source import loader
from ghafmemgen.source import schema
document = loader.load(Path(sys.argv[1]))
findings = schema.validate(document)
print(len(findings), "jsonschema" in sys.modules)
"""


def _probe(path: Any) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path)], capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def test_a_valid_fleet_never_imports_jsonschema() -> None:
    assert _probe(LAPTOP) == "0 False"


def test_an_invalid_fleet_still_gets_located_findings(tmp_path: Any) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nhost: {ram: 1}\nvms:\n  net-vm: {kind: system, mem: 1.5}\n")
    assert _probe(bad) == "1 True"
    (finding,) = validate(loader.load(bad))
    assert (finding.line, finding.column, finding.path) == (4, 31, "$.vms.net-vm.mem")
