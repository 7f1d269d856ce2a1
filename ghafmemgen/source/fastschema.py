"""A valid/invalid verdict for the fleet schema without importing jsonschema.

jsonschema (with referencing, rpds and attrs) costs more to import than a whole `check` of a
small fleet, and its error objects cost time per node. Valid fleets are the common case, so
`schema.validate` asks this module first and imports jsonschema only to explain a failure.

The schema is compiled once per process into nested closures. Only the subset of JSON Schema
2020-12 the fleet schema uses is known; any other keyword raises UnsupportedSchema at compile
time, so the schema cannot grow a rule this module silently skips. Semantics follow
jsonschema's keyword functions (`const`/`enum` use its `equal`, where `1 == 1.0` but
`True != 1`), with two project rules that schema.py applies to jsonschema too: bool and 2.0
are not integers, and `pattern` is a search with ECMA-262's `$` (see ecma_pattern).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from ghafmemgen.resources import fleet_schema

Check = Callable[[Any], bool]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# Keywords with no effect on validity (patternErrorMessage and minimumErrorMessage are our own
# message hints).
_META = ("$schema", "$id", "$comment", "$defs")
ANNOTATIONS = frozenset(
    (
        *_META,
        "title",
        "description",
        "default",
        "examples",
        "patternErrorMessage",
        "minimumErrorMessage",
    )
)
_OBJECT = ("properties", "additionalProperties", "required", "propertyNames")
_STRING = ("pattern", "minLength", "maxLength")
_NUMBER = ("minimum", "maximum")
ASSERTIONS = frozenset(
    ("type", "enum", "const", "anyOf", "items", "$ref", *_OBJECT, *_STRING, *_NUMBER)
)
SUPPORTED = ANNOTATIONS | ASSERTIONS


@cache
def ecma_pattern(pattern: str) -> Callable[[str], re.Match[str] | None]:
    """`pattern` searched with ECMA-262's `$` (end of input), which editors use too.

    Python's `$` also matches before a final newline, so `^[a-z-]*-vm$` would accept
    "net-vm\n" and let a newline into a VM name.
    """
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern).search


class UnsupportedSchema(ValueError):
    """The schema uses something this validator does not implement."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def equal(one: Any, two: Any) -> bool:
    """jsonschema's `equal`: JSON equality, so True is not 1 but 1 is 1.0."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(equal(one[k], two[k]) for k in one)
    if isinstance(one, bool) or isinstance(two, bool):
        return False  # `one is two` already caught the equal booleans
    return bool(one == two)


def _always(_value: Any) -> bool:
    return True


def _never(_value: Any) -> bool:
    return False


def _all_of(checks: list[Check]) -> Check:
    checks = [c for c in checks if c is not _always]
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)

    def every(value: Any) -> bool:
        return all(check(value) for check in checks)

    return every


class _Compiler:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self._root = root
        self._defs: Mapping[str, Any] = root.get("$defs", {})
        self._compiled: dict[str, Check] = {}

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise UnsupportedSchema(f"a schema must be an object or a boolean, not {schema!r}")
        unknown = sorted(set(schema) - SUPPORTED)
        if unknown:
            raise UnsupportedSchema(f"unsupported keyword(s): {', '.join(unknown)}")
        if schema is not self._root and any(key in schema for key in ("$schema", "$id", "$defs")):
            raise UnsupportedSchema("$schema, $id and $defs belong at the top of the schema only")
        checks = [
            self._type(schema),
            self._values(schema),
            self._string(schema),
            self._number(schema),
            self._object(schema),
            self._array(schema),
        ]
        if "anyOf" in schema:
            branches = [self.compile(branch) for branch in schema["anyOf"]]
            checks.append(lambda v: any(branch(v) for branch in branches))
        if "$ref" in schema:
            checks.append(self._ref(schema["$ref"]))
        return _all_of(checks)

    def _ref(self, ref: str) -> Check:
        prefix = "#/$defs/"
        name = ref[len(prefix) :]
        if not ref.startswith(prefix) or "/" in name or name not in self._defs:
            raise UnsupportedSchema(f"unsupported $ref {ref!r}: only #/$defs/NAME")
        if name not in self._compiled:
            late: list[Check] = []  # a recursive reference reaches the check once it exists
            self._compiled[name] = lambda v: late[0](v)
            late.append(self.compile(self._defs[name]))
            self._compiled[name] = late[0]
        return self._compiled[name]

    @staticmethod
    def _type(schema: Mapping[str, Any]) -> Check:
        if "type" not in schema:
            return _always
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        unknown = [name for name in names if name not in _TYPES]
        if unknown:
            raise UnsupportedSchema(f"unknown type {unknown[0]!r}")
        checks = [_TYPES[name] for name in names]
        return checks[0] if len(checks) == 1 else lambda v: any(check(v) for check in checks)

    @staticmethod
    def _values(schema: Mapping[str, Any]) -> Check:
        checks: list[Check] = []
        if "const" in schema:
            const = schema["const"]
            checks.append(lambda v: equal(v, const))
        if "enum" in schema:
            options = list(schema["enum"])
            if all(isinstance(option, str) for option in options):
                strings = frozenset(options)
                checks.append(lambda v: isinstance(v, str) and v in strings)
            else:
                checks.append(lambda v: any(equal(option, v) for option in options))
        return _all_of(checks)

    @staticmethod
    def _string(schema: Mapping[str, Any]) -> Check:
        pattern = ecma_pattern(schema["pattern"]) if "pattern" in schema else None
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        if pattern is None and low == 0 and high is None:
            return _always

        def string(value: Any) -> bool:
            if not isinstance(value, str):
                return True
            if len(value) < low or (high is not None and len(value) > high):
                return False
            return pattern is None or pattern(value) is not None

        return string

    @staticmethod
    def _number(schema: Mapping[str, Any]) -> Check:
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is None and high is None:
            return _always

        def number(value: Any) -> bool:
            if not _is_number(value):
                return True
            return (low is None or value >= low) and (high is None or value <= high)

        return number

    def _object(self, schema: Mapping[str, Any]) -> Check:
        if not any(key in schema for key in _OBJECT):
            return _always
        properties = {name: self.compile(sub) for name, sub in schema.get("properties", {}).items()}
        extra = self.compile(schema.get("additionalProperties", True))
        required = tuple(schema.get("required", ()))
        names = self.compile(schema.get("propertyNames", True))
        check_names = names is not _always

        def mapping(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            for key in required:
                if key not in value:
                    return False
            for key, item in value.items():
                if not properties.get(key, extra)(item):
                    return False
                if check_names and not names(key):
                    return False
            return True

        return mapping

    def _array(self, schema: Mapping[str, Any]) -> Check:
        if "items" not in schema:
            return _always
        item_check = self.compile(schema["items"])

        def array(value: Any) -> bool:
            return not isinstance(value, list) or all(item_check(item) for item in value)

        return array


def compile_schema(schema: Mapping[str, Any]) -> Check:
    """A JSON Schema (the supported subset) -> a function that says valid (True) or not."""
    dialect = schema.get("$schema", DIALECT)
    if dialect != DIALECT:
        raise UnsupportedSchema(f"unsupported $schema {dialect!r}: only draft 2020-12")
    compiler = _Compiler(schema)
    for name in schema.get("$defs", {}):  # unused definitions must be supported too
        compiler.compile({"$ref": f"#/$defs/{name}"})
    return compiler.compile(schema)


@cache
def fleet_check() -> Check:
    """The compiled fleet schema, built once per process."""
    return compile_schema(fleet_schema())


def is_valid(data: Any) -> bool:
    return fleet_check()(data)
