"""Render Python values as Nix literals: the only path from data into generated Nix.

Every string goes through `nix_string`, so user text can never end a string early or start
an antiquotation; code fragments are `Call`/`Expr`, validated as dotted identifiers.
Layout follows nixfmt (RFC 166): non-empty sets and lists put one entry per line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "FILTERS",
    "Call",
    "Expr",
    "NixLiteralError",
    "attrs_body",
    "call",
    "nix_attr_name",
    "nix_attr_path",
    "nix_string",
    "to_nix",
]


class NixLiteralError(TypeError):
    """A value that has no faithful Nix literal (or a code fragment that is not trusted-shaped)."""


_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
_IDENT = r"[A-Za-z_][A-Za-z0-9_'-]*"
_IDENT_RE = re.compile(rf"{_IDENT}\Z")
_DOTTED_RE = re.compile(rf"{_IDENT}(?:\.{_IDENT})*\Z")
# Keywords are syntax errors as bare attribute names; `or` happens to parse but is quoted
# anyway, since its treatment has varied between Nix versions.
_KEYWORDS = frozenset({"if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or"})
# `${` is escaped as a pair: a lone `$` is literal in Nix, and `$${` needs no special case
# because escaping its `${` yields `$\${`, which reads back as `$${`.
_ESCAPE_RE = re.compile(r'\\|"|\$\{|\n|\r|\t')
_ESCAPES = {"\\": "\\\\", '"': '\\"', "${": "\\${", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Nix strings are NUL-terminated C strings; lone surrogates cannot be written as UTF-8.
_UNREPRESENTABLE_RE = re.compile("[\x00\ud800-\udfff]")


def nix_string(s: str) -> str:
    """A double-quoted Nix string literal that evaluates to exactly `s`."""
    if not isinstance(s, str):
        raise NixLiteralError(f"expected str, got {type(s).__name__}")
    bad = _UNREPRESENTABLE_RE.search(s)
    if bad:
        raise NixLiteralError(f"Nix strings cannot hold {bad.group()!r} (at index {bad.start()})")
    return '"' + _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group()], s) + '"'


def nix_attr_name(name: str) -> str:
    """An attribute name: bare when it is a plain identifier, quoted otherwise."""
    if isinstance(name, str) and _IDENT_RE.match(name) and name not in _KEYWORDS:
        return name
    return nix_string(name)


def nix_attr_path(parts: Sequence[str]) -> str:
    """A dotted attribute path such as `a.b."c-d"`."""
    if isinstance(parts, str) or not parts:
        raise NixLiteralError("an attribute path needs a non-empty sequence of names")
    return ".".join(nix_attr_name(p) for p in parts)


def _check_dotted(text: object, what: str) -> None:
    # Only code ghafmemgen writes itself reaches here, but the regex keeps it honest: no
    # spaces, quotes, operators or keywords, so a fragment can never smuggle in syntax.
    if not (
        isinstance(text, str)
        and _DOTTED_RE.match(text)
        and not _KEYWORDS.intersection(text.split("."))
    ):
        raise NixLiteralError(f"{what} must be a dotted Nix identifier path, got {text!r}")


@dataclass(frozen=True)
class Expr:
    """A trusted reference such as `hostConfig.appvm.name`, emitted verbatim."""

    text: str

    def __post_init__(self) -> None:
        _check_dotted(self.text, "Expr")


@dataclass(frozen=True)
class Call:
    """A function application such as `lib.mkDefault 18432`; args are rendered as literals."""

    func: str
    args: tuple[object, ...] = ()

    def __post_init__(self) -> None:
        _check_dotted(self.func, "Call.func")
        if not isinstance(self.args, tuple):
            raise NixLiteralError(f"Call.args must be a tuple, got {type(self.args).__name__}")


def call(func: str, *args: object) -> Call:
    return Call(func, args)


def _atom(value: object, indent: int) -> str:
    """Render `value` where only a selection-level expression may stand (list element or
    function argument): applications there must be parenthesised, or `[ f x ]` is two items."""
    text = to_nix(value, indent=indent)
    return f"({text})" if isinstance(value, Call) and value.args else text


def to_nix(value: object, *, indent: int = 0) -> str:
    """A Nix expression for `value`; continuation lines are indented relative to `indent`."""
    # bool before int: bool is an int subclass.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if not _INT_MIN <= value <= _INT_MAX:
            raise NixLiteralError(f"integer {value} is outside Nix's signed 64-bit range")
        if value == _INT_MIN:  # the literal 9223372036854775808 itself overflows the lexer
            return f"({_INT_MIN + 1} - 1)"
        # Parenthesised because `f -1` is subtraction and `[ 1 -1 ]` a syntax error.
        return f"({value})" if value < 0 else str(value)
    if isinstance(value, str):
        return nix_string(value)
    if isinstance(value, Expr):
        return value.text
    if isinstance(value, Call):
        return " ".join([value.func, *(_atom(a, indent) for a in value.args)])
    if isinstance(value, list | tuple):
        if not value:
            return "[ ]"
        pad = " " * (indent + 2)
        items = "".join(f"{pad}{_atom(v, indent + 2)}\n" for v in value)
        return "[\n" + items + " " * indent + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{ }"
        # One join over every line and both braces: a 100,000-entry set is never copied twice.
        return "\n".join(["{", *_attr_lines(value, indent=indent + 2), " " * indent + "}"])
    raise NixLiteralError(f"cannot render a {type(value).__name__} as a Nix literal")


def attrs_body(mapping: Mapping[str, object], *, indent: int) -> str:
    """The `name = value;` lines of an attribute set, sorted, for templates that open the
    braces themselves; sorting keeps the generated files stable across runs."""
    return "\n".join(_attr_lines(mapping, indent=indent))


def _attr_lines(mapping: Mapping[str, object], *, indent: int) -> list[str]:
    bad = [k for k in mapping if not isinstance(k, str)]
    if bad:
        raise NixLiteralError(f"attribute names must be str, got {type(bad[0]).__name__}")
    pad = " " * indent
    return [
        f"{pad}{nix_attr_name(k)} = {to_nix(mapping[k], indent=indent)};" for k in sorted(mapping)
    ]


def _nix_filter(value: object, indent: int = 0) -> str:
    return to_nix(value, indent=indent)


# The template filters every value leaves a .nix template through.
FILTERS: dict[str, Callable[..., str]] = {
    "nix": _nix_filter,
    "nixstr": nix_string,
    "nixattr": nix_attr_name,
    "nixpath": nix_attr_path,
}
