"""Structural validation against schemas/fleet.schema.json, as located GMG001 findings.

The JSON Schema is the single source of truth for structure. fastschema gives the verdict;
only an invalid document pays for jsonschema, whose errors this module turns into
`file:line:col` plus the JSON path and a readable message.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ghafmemgen.findings import DataPath, Finding
from ghafmemgen.resources import fleet_schema, target_schema
from ghafmemgen.source.document import SHOWN_CHARS, Document, json_path, yaml_type
from ghafmemgen.source.document import shown as shown  # schema.shown: how messages quote
from ghafmemgen.source.fastschema import ecma_pattern, is_valid

_SCHEMAS = {"fleet": fleet_schema, "target": target_schema}


@cache
def _validator(schema: str = "fleet") -> Any:
    """A validator of the fleet schema, or of the target schema (`import`/`verify` input)."""
    from jsonschema import Draft202012Validator, validators

    # YAML 2.0 is a float: JSON Schema would call it an integer, Nix would not.
    checker = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
    )
    extend: Any = validators.extend  # untyped in the stubs
    strict = extend(
        Draft202012Validator, type_checker=checker, validators={"pattern": _pattern_keyword}
    )
    return strict(_SCHEMAS[schema]())


def _pattern_keyword(_validator: Any, pattern: str, instance: Any, _schema: Any) -> Any:
    """jsonschema's `pattern` with ECMA-262's `$`: "net-vm\\n" is not a VM name."""
    from jsonschema.exceptions import ValidationError

    if isinstance(instance, str) and ecma_pattern(pattern)(instance) is None:
        yield ValidationError(f"{shown(instance)} does not match {pattern!r}")


class _Quoted(str):
    """A long string as jsonschema sees it. jsonschema writes `repr(instance)` into the
    message of every error it raises, whole, although we never print that message: one 1 MB
    scalar behind 6,000 aliases made 6 GB of them. This repr quotes a bounded prefix."""

    __slots__ = ()

    def __repr__(self) -> str:
        return shown(self[: SHOWN_CHARS + 1])


def _quoted_strings(data: Any) -> Any:
    """`data` with every string longer than SHOWN_CHARS (keys too) as a _Quoted, each
    distinct string object wrapped once however many aliases share it."""
    wrapped: dict[int, _Quoted] = {}

    def walk(node: Any) -> Any:
        kind = type(node)
        if kind is str:
            if len(node) <= SHOWN_CHARS:
                return node
            found = wrapped.get(id(node))
            return found if found is not None else wrapped.setdefault(id(node), _Quoted(node))
        if kind is dict:
            return {walk(key): walk(value) for key, value in node.items()}
        if kind is list:
            return [walk(item) for item in node]
        return node

    return walk(data)


_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "null": "null",
}


def describe(error: Any) -> tuple[str, DataPath, bool]:
    """-> (message, path to point at, point at the key rather than the value)."""
    path: DataPath = tuple(error.absolute_path)
    instance, validator, value = error.instance, error.validator, error.validator_value
    schema_node = error.schema if isinstance(error.schema, dict) else {}
    if validator == "additionalProperties":
        allowed = schema_node.get("properties", {})
        extra = sorted(key for key in instance if key not in allowed)
        known = ", ".join(sorted(allowed)) or "none"
        return (f"unknown key {shown(extra[0])}; allowed here: {known}", (*path, extra[0]), True)
    if validator == "required":
        missing = [key for key in value if key not in instance]
        return (f"missing required key {shown(missing[0])}", path, True)
    if "propertyNames" in error.relative_schema_path:
        # the pattern's hint says nothing about length: a long, well-formed name needs its own
        hints = {
            "pattern": schema_node.get("patternErrorMessage") or f"it must match {value}",
            "maxLength": f"at most {value} characters",
        }
        hint = hints.get(validator, error.message)
        return (f"name {shown(instance)} is not allowed: {hint}", (*path, instance), True)
    if validator == "type":
        wanted = value if isinstance(value, list) else [value]
        words = " or ".join(_TYPE_WORDS.get(str(name), str(name)) for name in wanted)
        found = yaml_type(instance)
        if not isinstance(instance, dict | list) and instance is not None:
            found += f" {shown(instance)}"
        return (f"expected {words}, found {found}", path, False)
    if validator in ("anyOf", "oneOf"):
        # A const branch ("auto") would win jsonschema's ranking and hide the size hint that
        # "12GB" needs: explain the other branch and name the constant as the alternative.
        branches = list(error.context or ())
        consts = [e.validator_value for e in branches if e.validator == "const"]
        detail = _best([e for e in branches if e.validator != "const"] or branches)
        alternative = f" (or {' or '.join(map(shown, consts))})" if consts else ""
        if detail is not None and detail.validator == "type":
            hint = schema_node.get("description") or detail.message
            return (f"{shown(instance)} is not valid here: {hint}{alternative}", path, False)
        if detail is not None and detail.validator != "const":
            message, where, at_key = describe(detail)
            return (message + alternative, where, at_key)
        if detail is not None:
            return describe(detail)
    if validator == "pattern":
        hint = schema_node.get("patternErrorMessage") or f"it must match {value}"
        return (f"{shown(instance)} is not valid: {hint}", path, False)
    if validator == "enum":
        return (f"{shown(instance)} is not one of: {', '.join(map(str, value))}", path, False)
    if validator == "const":
        return (f"{shown(instance)} is not allowed: must be {shown(value)}", path, False)
    if validator == "minimum" and "minimumErrorMessage" in schema_node:
        # a size where 0 makes no sense says so for -4096 as for 0 ("more than 0")
        return (
            f"{shown(instance)} is out of range: {schema_node['minimumErrorMessage']}",
            path,
            False,
        )
    if validator in ("minimum", "maximum", "maxLength", "minLength"):
        bound = {
            "minimum": "at least",
            "maximum": "at most",
            "minLength": "at least",
            "maxLength": "at most",
        }[validator]
        unit = " characters long" if "Length" in validator else ""
        return (f"{shown(instance)} is out of range: must be {bound} {value}{unit}", path, False)
    return (error.message[:200], path, False)


def _best(errors: Any) -> Any:
    """Among an anyOf's branch errors, prefer one whose branch has the instance's type."""
    from jsonschema.exceptions import best_match

    errors = list(errors or ())
    typed = [e for e in errors if e.validator != "type"]
    return best_match(typed or errors) if errors else None


def explain(data: Any, *, schema: str) -> list[tuple[str, DataPath, bool]]:
    """Every way `data` breaks the named schema ("fleet" or "target"), described as for a
    finding: (message, path, point at the key rather than the value)."""
    return [describe(error) for error in _validator(schema).iter_errors(_quoted_strings(data))]


def validate(document: Document) -> list[Finding]:
    if is_valid(document.data):  # the common case: no jsonschema import, no error objects
        return []
    findings: dict[tuple[int, int, str], Finding] = {}
    # Only an invalid document comes here: the copy costs nothing on the common path.
    for error in _validator().iter_errors(_quoted_strings(document.data)):
        message, path, at_key = describe(error)
        line, column = document.locate(path, at_key=at_key)
        finding = Finding(
            rule="GMG001",
            severity="error",
            message=f"{json_path(path)}: {message}",
            file=document.file,
            line=line,
            column=column,
            path=json_path(path),
        )
        findings.setdefault((line, column, finding.message), finding)
    return sorted(findings.values(), key=Finding.sort_key)
