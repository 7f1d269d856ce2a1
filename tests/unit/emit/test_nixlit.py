"""nixlit: unit tests for layout and refusals, and property tests against the real evaluator.

The property tests batch ~100 values into one Nix expression per example because each
nix-instantiate call costs ~50 ms. GHAFMEMGEN_LONG_PROPERTIES=1 (set in CI) runs 5x more.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ghafmemgen.emit.nixlit import (
    FILTERS,
    Call,
    Expr,
    NixLiteralError,
    attrs_body,
    call,
    nix_attr_name,
    nix_attr_path,
    nix_string,
    to_nix,
)

NixEval = Callable[..., object]

BATCH = 100
LONG = os.environ.get("GHAFMEMGEN_LONG_PROPERTIES") == "1"
# >= 2,000 top-level values per property by default, >= 10,000 in CI.
TOTAL = 10_000 if LONG else 2_000


def property_settings(batch: int) -> settings:
    return settings(
        max_examples=TOTAL // batch,
        deadline=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


PROPERTY = property_settings(BATCH)

# Fragments that stress the escaper, mixed with arbitrary text (everything except NUL).
TRICKY = ['"', "\\", "${", "$", "$$", "$${", "\\${", "''", "''$", "'''", "}", "{", "\n", "\r"]
TRICKY += ["\r\n", "\t", "é", "ß", "中", "🎉", "👩‍👩‍👧", "\u2028", "\x7f", "\x01", "\ufeff", " "]
ANY_CHAR = st.characters(codec="utf-8", exclude_characters="\x00")  # no NUL, no surrogates
TEXT = st.one_of(
    st.text(ANY_CHAR),
    st.lists(st.sampled_from(TRICKY) | st.text(ANY_CHAR, max_size=3), max_size=12).map("".join),
)
KEYWORDS = ["if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or"]
INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)


# ---------------------------------------------------------------------------- strings


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("", '""'),
        ("plain", '"plain"'),
        ('say "hi"', r'"say \"hi\""'),
        ("a\\b", r'"a\\b"'),
        ("${x}", r'"\${x}"'),
        ("$${x}", r'"$\${x}"'),
        ("\\${x}", r'"\\\${x}"'),
        ("cost $", '"cost $"'),
        ("$", '"$"'),
        ("''", "\"''\""),
        ("a\nb\rc\td", r'"a\nb\rc\td"'),
        ("é🎉", '"é🎉"'),
    ],
)
def test_nix_string(value: str, literal: str) -> None:
    assert nix_string(value) == literal


@pytest.mark.parametrize("bad", ["a\x00b", "\x00", "x\ud800"])
def test_nix_string_refuses_unrepresentable(bad: str) -> None:
    with pytest.raises(NixLiteralError):
        nix_string(bad)


def test_nix_string_refuses_non_str() -> None:
    with pytest.raises(NixLiteralError, match="bytes"):
        nix_string(b"x")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- attribute names


@pytest.mark.parametrize(
    ("name", "rendered"),
    [
        ("zram", "zram"),
        ("_x", "_x"),
        ("a-b'c_1", "a-b'c_1"),
        ("true", "true"),
        ("null", "null"),
        ("", '""'),
        ("1abc", '"1abc"'),
        ("-a", '"-a"'),
        ("'a", '"\'a"'),
        ("a.b", '"a.b"'),
        ("a b", '"a b"'),
        ("${x}", r'"\${x}"'),
        ("é", '"é"'),
    ]
    + [(kw, f'"{kw}"') for kw in KEYWORDS],
)
def test_nix_attr_name(name: str, rendered: str) -> None:
    assert nix_attr_name(name) == rendered


def test_nix_attr_path() -> None:
    assert nix_attr_path(["a", "b", "c-d", "e.f", "in"]) == 'a.b.c-d."e.f"."in"'
    assert nix_attr_path(("x",)) == "x"


@pytest.mark.parametrize("bad", [[], "ab", ["a", "b\x00"], ["a", 1]])
def test_nix_attr_path_refusals(bad: Any) -> None:
    with pytest.raises(NixLiteralError):
        nix_attr_path(bad)


def test_keyword_names_round_trip(nix_eval: NixEval) -> None:
    names = [*KEYWORDS, "true", "null", "a-b"]
    got = nix_eval(f"builtins.attrNames {to_nix(dict.fromkeys(names, 1))}")
    assert got == sorted(names)
    path = nix_attr_path(["in", "a b", "or"])
    assert nix_eval(f"{to_nix({'in': {'a b': {'or': 7}}})}.{path}") == 7


# ---------------------------------------------------------------------------- Call and Expr


def test_call_and_expr_render() -> None:
    assert to_nix(call("lib.mkDefault", 18432)) == "lib.mkDefault 18432"
    assert to_nix(call("lib.mkForce", False)) == "lib.mkForce false"
    assert to_nix(call("f", -1, "s")) == 'f (-1) "s"'
    assert to_nix(call("f", call("g", 1), call("h"))) == "f (g 1) h"
    assert to_nix(call("f", [], {})) == "f [ ] { }"
    assert to_nix(Expr("hostConfig.appvm.name")) == "hostConfig.appvm.name"
    assert to_nix([call("g", 1), Expr("a.b")]) == "[\n  (g 1)\n  a.b\n]"
    assert Call("f", (1,)) == call("f", 1)


def test_call_with_multiline_argument() -> None:
    assert to_nix(call("lib.mkDefault", {"b": 2, "a": [1]})) == (
        "lib.mkDefault {\n  a = [\n    1\n  ];\n  b = 2;\n}"
    )
    assert to_nix({"x": call("lib.mkForce", {"a": 1})}, indent=4) == (
        "{\n      x = lib.mkForce {\n        a = 1;\n      };\n    }"
    )


@pytest.mark.parametrize(
    "bad",
    ["", "a b", "a..b", ".a", "a.", "1a", "a.if", "in", 'a"', "a;b", "a\nb", "(a)", "a/b", "${a}"],
)
def test_call_and_expr_refuse_arbitrary_text(bad: str) -> None:
    with pytest.raises(NixLiteralError):
        Expr(bad)
    with pytest.raises(NixLiteralError):
        call(bad, 1)


def test_call_args_must_be_tuple() -> None:
    with pytest.raises(NixLiteralError):
        Call("f", [1])  # type: ignore[arg-type]


def test_call_and_expr_evaluate(nix_eval: NixEval) -> None:
    expr = to_nix(
        {
            "sum": call("builtins.add", 1, -2),
            "list": [call("builtins.add", 1, 2), call("builtins.attrNames", {"b": 1, "a": 2})],
            "len": call("builtins.length", [1, 2, 3]),
            "ref": Expr("builtins.currentSystem"),
        }
    )
    got = nix_eval(f"let s = {expr}; in s // {{ ref = builtins.isString s.ref; }}")
    assert got == {"sum": -1, "list": [3, ["a", "b"]], "len": 3, "ref": True}


# ---------------------------------------------------------------------------- to_nix layout


def test_scalars() -> None:
    assert to_nix(True) == "true"
    assert to_nix(False) == "false"
    assert to_nix(0) == "0"
    assert to_nix(18432) == "18432"
    assert to_nix(-5) == "(-5)"
    assert to_nix(2**63 - 1) == "9223372036854775807"
    assert to_nix(-(2**63)) == "(-9223372036854775807 - 1)"
    assert to_nix("x") == '"x"'


def test_empty_and_nested_layout() -> None:
    assert to_nix({}) == "{ }"
    assert to_nix([]) == "[ ]"
    assert to_nix(()) == "[ ]"
    value = {"z": [1, {"k": "v"}, []], "a": {}, "m-n": {"in": True}}
    assert to_nix(value) == (
        "{\n"
        "  a = { };\n"
        "  m-n = {\n"
        '    "in" = true;\n'
        "  };\n"
        "  z = [\n"
        "    1\n"
        "    {\n"
        '      k = "v";\n'
        "    }\n"
        "    [ ]\n"
        "  ];\n"
        "}"
    )
    assert to_nix([1, (2,)], indent=2) == "[\n    1\n    [\n      2\n    ]\n  ]"


def test_attrs_body() -> None:
    assert attrs_body({"b": [1], "a": 1}, indent=4) == "    a = 1;\n    b = [\n      1\n    ];"
    assert attrs_body({}, indent=2) == ""


def test_int_extremes_evaluate(nix_eval: NixEval) -> None:
    values = [0, -1, 2**63 - 1, -(2**63), -(2**63) + 1]
    assert nix_eval(to_nix(values)) == values


class _Custom:
    pass


@pytest.mark.parametrize(
    ("bad", "type_name"),
    [
        (1.5, "float"),
        (float("nan"), "float"),
        (None, "NoneType"),
        (b"x", "bytes"),
        (bytearray(b"x"), "bytearray"),
        ({1, 2}, "set"),
        (_Custom(), "_Custom"),
        ({1: "a"}, "int"),
        ({"a": None}, "NoneType"),
        ([1, None], "NoneType"),
        (call("f", 1.0), "float"),
        ({("a",): 1}, "tuple"),
    ],
)
def test_to_nix_refusals(bad: object, type_name: str) -> None:
    with pytest.raises(NixLiteralError, match=type_name):
        to_nix(bad)


@pytest.mark.parametrize("bad", [2**63, -(2**63) - 1, 10**30])
def test_int_out_of_range(bad: int) -> None:
    with pytest.raises(NixLiteralError, match="64-bit"):
        to_nix(bad)


def test_nix_literal_error_is_type_error() -> None:
    assert issubclass(NixLiteralError, TypeError)


# ---------------------------------------------------------------------------- jinja2


def test_module_does_not_import_jinja2() -> None:
    import subprocess

    code = "import sys, ghafmemgen.emit.nixlit; print('jinja2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_filters() -> None:
    jinja2 = pytest.importorskip("jinja2")
    env = jinja2.Environment(autoescape=False)
    env.filters.update(FILTERS)
    tpl = env.from_string(
        "{ {{ k | nixattr }} = {{ v | nixstr }}; {{ p | nixpath }} = {{ d | nix(indent=2) }}; }"
    )
    out = tpl.render(k="a b", v='"${x}"', p=["x", "in"], d={"n": [1]})
    assert out == '{ "a b" = "\\"\\${x}\\""; x."in" = {\n    n = [\n      1\n    ];\n  }; }'
    assert env.from_string("{{ 3 | nix }}").render() == "3"


# ---------------------------------------------------------------------------- properties


@pytest.fixture(scope="module")
def eval_file(nix_eval: NixEval, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NixEval]:
    """Evaluate via a file, not `-E`: one argv string is capped at 128 KiB, and an expression
    starting with `-` would be read as a flag."""
    path: Path = tmp_path_factory.mktemp("nixlit") / "expr.nix"

    def run(expr: str) -> object:
        path.write_text(expr + "\n", encoding="utf-8")
        return nix_eval(file=path)

    yield run


def _same(a: object, b: object) -> bool:
    """Equality that does not let True == 1 through."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


@PROPERTY
@given(st.lists(TEXT, min_size=BATCH, max_size=BATCH))
def test_strings_round_trip(eval_file: NixEval, strings: list[str]) -> None:
    assert eval_file(to_nix(strings)) == strings


@PROPERTY
@given(st.lists(TEXT, min_size=BATCH, max_size=BATCH, unique=True))
def test_attr_names_round_trip(eval_file: NixEval, names: list[str]) -> None:
    # Nix sorts attrNames by UTF-8 bytes; the same order as Python's code-point sort.
    got = eval_file(f"builtins.attrNames {to_nix(dict.fromkeys(names, 1))}")
    assert got == sorted(names, key=lambda n: n.encode("utf-8"))
    # Names also work in select position, through nix_attr_path.
    sample = names[:5]
    nested: dict[str, object] = {"leaf": True}
    for n in reversed(sample):
        nested = {n: nested}
    assert eval_file(f"({to_nix(nested)}).{nix_attr_path([*sample, 'leaf'])}") is True


# Nested values are drawn 50 to a batch (~120 scalars): 100 deep values per example makes
# Hypothesis itself spend seconds per example generating them.
NESTED_BATCH = 50
NESTED = st.recursive(
    st.booleans() | INT64 | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=8,
)


@property_settings(NESTED_BATCH)
@given(st.lists(NESTED, min_size=NESTED_BATCH, max_size=NESTED_BATCH))
def test_nested_values_round_trip(eval_file: NixEval, values: list[object]) -> None:
    assert _same(eval_file(to_nix(values, indent=2)), values)
