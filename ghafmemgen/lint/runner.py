"""Which rules a run runs, and running them: rule ids and prefixes (`--select`, `--ignore`,
`lint:`), the opt-in rules a run asks for, and each check of the registry once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator

from ghafmemgen.lint import resume
from ghafmemgen.lint.checks import Check, Hit
from ghafmemgen.lint.context import Context
from ghafmemgen.lint.registry import RULES

SIMULATION_RULES = frozenset(
    rule.id for rule in RULES.values() if rule.check is resume.resume_survival
)


def opt_in_asked(select: Iterable[str], *, simulate: bool) -> frozenset[str]:
    """The opt-in rules a run asks for: those `select` names by full id (a prefix such as
    GMG03 selects only default rules), and the simulation's with `simulate`."""
    named = {rid for rid in select if rid in RULES and RULES[rid].opt_in}
    return frozenset(named | (SIMULATION_RULES if simulate else set()))


def checks_to_run(*, opt_in: Collection[str]) -> Iterator[Check]:
    """Each distinct check once, in registry order (a check shared by rules runs once), if
    one of its rules is on by default or asked for."""
    seen: set[Check] = set()
    for rule in RULES.values():
        if rule.check is None or rule.check in seen or (rule.opt_in and rule.id not in opt_in):
            continue
        seen.add(rule.check)
        yield rule.check


def run(ctx: Context, *, opt_in: Collection[str] = frozenset()) -> list[Hit]:
    """Every hit of one variant: the default rules, plus the opt-in rules in `opt_in`."""
    return [
        hit
        for check in checks_to_run(opt_in=opt_in)
        for hit in check(ctx)
        if not RULES[hit.rule].opt_in or hit.rule in opt_in
    ]


def parse_rule_list(text: str | None) -> tuple[str, ...]:
    """`"GMG033, GMG07"` -> ("GMG033", "GMG07"); unknown prefixes raise ValueError."""
    if not text:
        return ()
    items = tuple(part.strip().upper() for part in text.split(",") if part.strip())
    unknown = [item for item in items if not names_a_rule(item)]
    if unknown:
        raise ValueError(
            f"unknown rule id or prefix: {', '.join(unknown)} (see `ghafmemgen rules`)"
        )
    return items


def names_a_rule(prefix: str) -> bool:
    """An id or a prefix (`GMG03`) that matches at least one rule."""
    return any(rid.startswith(prefix) for rid in RULES)
