"""The pipeline, top to bottom: load -> validate -> model -> plan -> rules.

Commands call these functions; nothing here prints or exits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from ghafmemgen import units
from ghafmemgen.errors import FleetError, UsageError
from ghafmemgen.findings import DataPath, Finding, Selection
from ghafmemgen.lint import registry, runner, verify
from ghafmemgen.lint.checks import Hit
from ghafmemgen.lint.context import Context
from ghafmemgen.memory.model import Fleet, build, effective, rebuilt
from ghafmemgen.memory.plan import Plan, plan_fleet, replan
from ghafmemgen.memory.simulate import Simulation, simulate
from ghafmemgen.source import loader, schema
from ghafmemgen.source.document import Document, json_path
from ghafmemgen.source.loader import DEFAULT_LIMITS, Limits
from ghafmemgen.source.target import Target


@dataclass(frozen=True, slots=True, kw_only=True)
class Loaded:
    document: Document
    data: Mapping[str, Any]  # validated, sizes in MiB, shares as floats

    @property
    def profiles(self) -> tuple[str, ...]:
        return tuple(sorted(self.data.get("profiles", {})))


@dataclass(frozen=True, kw_only=True)
class Variant:
    """The base fleet (profile None) or one profile, modelled and planned; its S3-resume
    simulation is run on first use and kept (the report shows it and GMG080 judges it)."""

    loaded: Loaded
    fleet: Fleet
    plan: Plan
    view: Mapping[str, Any]
    # A profile derived from the base fleet's variant: only the VMs at `rebuilt` differ.
    base: Variant | None = None
    rebuilt: tuple[int, ...] = ()
    memo: dict[Any, Any] = field(default_factory=dict)  # indexes rules keep across profiles

    @cached_property
    def simulation(self) -> Simulation:
        return simulate(self.fleet, self.plan)


def _finding(
    document: Document,
    *,
    rule: str,
    message: str,
    path: DataPath,
    at_key: bool,
    profile: str | None = None,
) -> Finding:
    line, column = document.locate(path, profile=profile, at_key=at_key)
    return Finding(
        rule=rule,
        severity=registry.RULES[rule].severity,
        message=message,
        file=document.file,
        line=line,
        column=column,
        path=json_path(path),
        profile=profile,
    )


def load(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> Loaded:
    """Read, parse, validate and normalize one fleet file. Raises FleetError or UsageError."""
    with loader.paused_gc():
        document = loader.load(path, limits=limits)
        problems = schema.validate(document)
        if problems:
            raise FleetError(problems)
        data, unit_problems = units.normalize(document.data)
    findings = [
        _finding(document, rule="GMG001", message=f"{json_path(p)}: {text}", path=p, at_key=False)
        for p, text in unit_problems
    ]
    findings += [
        _finding(
            document,
            rule="GMG001",
            message=f"{json_path(p)}: {schema.shown(_raw(document.data, p))} is out of range: "
            "must be more than 0",
            path=p,
            at_key=False,
        )
        for p in _zero_sizes(data)
    ]
    findings += [
        _finding(
            document,
            rule="GMG001",
            message=f"{json_path(p)}: {rule!r} names no rule (see `ghafmemgen rules`)",
            path=p,
            at_key=False,
        )
        for p, rule in _unknown_lint_rules(data)
    ]
    if findings:
        raise FleetError(findings)
    # The raw tree is not needed once normalized: keep one tree, not two (a 100,000-VM fleet's
    # raw mappings are ~25 MB). Positions stay with the document.
    return Loaded(document=replace(document, data=data), data=data)


def _unknown_lint_rules(data: Mapping[str, Any]) -> Iterable[tuple[DataPath, str]]:
    """`lint.ignore: [GMG999]` would silently ignore nothing: say so."""
    for key in ("select", "ignore"):
        for index, rule in enumerate(data.get("lint", {}).get(key, ())):
            if not runner.names_a_rule(rule):
                yield ("lint", key, index), rule


def _raw(data: Any, path: DataPath) -> Any:
    """The value as written ("0GiB"), before units were normalized."""
    for key in path:
        data = data[key]
    return data


def _zero_sizes(data: Mapping[str, Any]) -> Iterable[DataPath]:
    """host.ram and each VM's mem, in the base fleet and every profile, may not be 0."""
    sections = [
        ((), data),
        *((("profiles", name), p) for name, p in data.get("profiles", {}).items()),
    ]
    for prefix, section in sections:
        if section.get("host", {}).get("ram", 1) == 0:
            yield (*prefix, "host", "ram")
        for name, vm in section.get("vms", {}).items():
            if vm.get("mem", 1) == 0:
                yield (*prefix, "vms", name, "mem")


def variant(loaded: Loaded, profile: str | None) -> Variant:
    if profile is not None and profile not in loaded.data.get("profiles", {}):
        known = ", ".join(loaded.profiles) or "none"
        raise UsageError(f"{loaded.document.file}: no profile {profile!r} (profiles: {known})")
    # Fleet.source is shown in headers; document.file is already loader.display_name()'s
    # (U+FFFD for bytes that are not UTF-8).
    name = Path(loaded.document.file).name
    with loader.paused_gc():  # a fleet and its plan are acyclic: 2 objects per VM, or more
        view = effective(loaded.data, profile)
        fleet = build(loaded.data, source=name, profile=profile, view=view)
        return Variant(loaded=loaded, fleet=fleet, plan=plan_fleet(fleet), view=view)


def each_variant(loaded: Loaded, profiles: Iterable[str | None]) -> Iterator[Variant]:
    """variant() of each of `profiles` (None: the base fleet), but a profile that changes
    neither `defaults` nor which VMs are enabled is derived from the base fleet's variant:
    only the VMs it sets are built and planned again (model.rebuilt, plan.replan), and the
    rules look only at what changed (lint.context.Context). The base fleet and N profiles
    cost the fleet once plus what each profile changes, not N + 1 fleets (3,000 VMs and
    3,000 empty profiles took 47 s)."""
    wanted = list(profiles)
    if len(wanted) < 2:
        yield from (variant(loaded, profile) for profile in wanted)
        return
    base = variant(loaded, None)
    positions: dict[str, int] | None = None
    for profile in wanted:
        if profile is None or profile not in loaded.data.get("profiles", {}):
            yield base if profile is None else variant(loaded, profile)  # the usage error
            continue
        if positions is None:
            positions = {vm.name: at for at, vm in enumerate(base.fleet.vms)}
        view = effective(loaded.data, profile)
        with loader.paused_gc():
            derived = rebuilt(
                base.fleet,
                profile=profile,
                positions=positions,
                base_view=base.view,
                view=view,
                names=loaded.data["profiles"][profile].get("vms", {}),
            )
            if derived is None:
                yield variant(loaded, profile)
                continue
            fleet, at = derived
            plan = replan(base.plan, base.fleet, fleet, at)
        yield Variant(loaded=loaded, fleet=fleet, plan=plan, view=view, base=base, rebuilt=at)


def context(var: Variant, *, simulation: Simulation | None = None) -> Context:
    """What the checks read of a variant; a derived profile's carries its base's."""
    return Context(
        fleet=var.fleet,
        plan=var.plan,
        simulation=simulation,
        base=None if var.base is None else context(var.base),
        rebuilt=var.rebuilt,
        memo=var.memo,
    )


def selection_for(loaded: Loaded, selection: Selection) -> Selection:
    lint = loaded.data.get("lint", {})
    select = selection.select or tuple(lint.get("select", ()))
    return Selection(select=select, ignore=selection.ignore + tuple(lint.get("ignore", ())))


def variant_hits(var: Variant, selection: Selection, *, simulate: bool = False) -> list[Hit]:
    """The hits of the rule registry on one variant, rule selection and lint config applied;
    opt-in rules run when selected by id, and `simulate` adds the simulation's (GMG080). The
    one runner: check, render, report and fit all come through here."""
    wanted = selection_for(var.loaded, selection)
    asked = runner.opt_in_asked(wanted.select, simulate=simulate)
    # A derived profile's simulation would cost the whole fleet: its checks add it up.
    whole = bool(asked & runner.SIMULATION_RULES) and var.base is None
    ctx = context(var, simulation=var.simulation if whole else None)
    return [hit for hit in runner.run(ctx, opt_in=asked) if wanted.enabled(hit.rule)]


def _located(var: Variant, hits: Iterable[Hit]) -> list[Finding]:
    """Hits -> findings at their file positions (the profile's override first)."""
    return [
        _finding(
            var.loaded.document,
            rule=hit.rule,
            message=hit.message,
            path=hit.path,
            at_key=hit.at_key,
            profile=var.fleet.profile,
        )
        for hit in hits
    ]


def check_variant(var: Variant, selection: Selection, *, simulate: bool = False) -> list[Finding]:
    """The located findings of `variant_hits`."""
    return _located(var, variant_hits(var, selection, simulate=simulate))


def verify_variant(var: Variant, target: Target, selection: Selection) -> list[Finding]:
    """`verify`: each difference between the variant's plan and a build (the extractor's
    JSON) as a finding at the fleet key that sets the planned value."""
    ctx = Context(fleet=var.fleet, plan=var.plan)  # the whole variant: no base to lean on
    wanted = selection_for(var.loaded, selection)
    return _located(var, (h for h in verify.differences(ctx, target) if wanted.enabled(h.rule)))


def check(
    loaded: Loaded,
    *,
    profiles: Iterable[str | None],
    selection: Selection,
    simulate: bool = False,
) -> list[Finding]:
    """Findings for each requested variant; a profile repeating a base finding is dropped."""
    found = (
        finding
        for var in each_variant(loaded, profiles)
        for finding in check_variant(var, selection, simulate=simulate)
    )
    return unique(found)


def unique(findings: Iterable[Finding]) -> list[Finding]:
    """Each finding once: a profile repeating what the base fleet already says is dropped."""
    seen: set[tuple[str, int, int, str]] = set()
    out: list[Finding] = []
    for finding in findings:
        key = (finding.rule, finding.line, finding.column, finding.message)
        if key not in seen:
            seen.add(key)
            out.append(finding)
    return out


def all_variants(loaded: Loaded, profile: str | None) -> list[str | None]:
    """`--profile NAME` -> [NAME]; no option -> the base fleet and every profile."""
    return variants(loaded, () if profile is None else (profile,))


def variants(loaded: Loaded, profiles: Iterable[str]) -> list[str | None]:
    """The named profiles (each once, in order); none named -> the base fleet and every
    profile."""
    named: list[str | None] = [*dict.fromkeys(profiles)]
    return named or [None, *loaded.profiles]
