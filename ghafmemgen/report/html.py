"""`ghafmemgen report`: one self-contained HTML page with the plan, findings and S3 simulation.

Python decides what to show (the numbers, the chart geometry in report/charts.py); the
jinja2 templates only lay it out, with autoescaping on, so no fleet string reaches the page
unescaped.
The page has inline CSS and SVG only: no script, no external URL, no timestamp.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from ghafmemgen import GENERATOR
from ghafmemgen.emit import templates
from ghafmemgen.findings import Finding, Selection, variant_name
from ghafmemgen.lint.resume import resume_outcome
from ghafmemgen.memory.plan import HostPlan
from ghafmemgen.memory.simulate import Simulation
from ghafmemgen.pipeline import (
    Loaded,
    Variant,
    check_variant,
    context,
    each_variant,
    unique,
    variant,
)
from ghafmemgen.report.figures import (
    HOST_OUTCOMES,
    LAYER_NAMES,
    comparison_chart,
    host_chart,
    resume_chart,
    resume_host_chart,
)
from ghafmemgen.report.shapes import Chart, mib_text
from ghafmemgen.report.tables import VM_COLUMNS, host_rows, vm_cells

if TYPE_CHECKING:
    import jinja2


def _anchor(profile: str | None) -> str:
    return "fleet" if profile is None else f"profile-{profile}"


def _fit(value: int, ram: int, swap: int) -> str:
    if value <= ram:
        return f"fits in RAM ({ram} MiB)"
    if value <= ram + swap:
        return f"exceeds RAM ({ram} MiB) but fits in RAM + swap ({ram + swap} MiB)"
    return f"exceeds RAM + swap ({ram + swap} MiB) by {value - ram - swap} MiB"


NUMERIC_COLUMNS = frozenset(
    ("mem", "microvm.mem", "zram disk", "zram gain", "eff. min", "eff. max")
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    text: str
    numeric: bool = False


VM_HEADER = tuple(Cell(text=name, numeric=name in NUMERIC_COLUMNS) for name in VM_COLUMNS)


class _Counted:
    """A part of the page with findings: how many are errors, how many warnings."""

    __slots__ = ()
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors


@dataclass(frozen=True, slots=True, kw_only=True)
class Section(_Counted):
    """One profile's part of the page."""

    anchor: str
    title: str
    variant: Variant
    simulation: Simulation
    findings: tuple[Finding, ...]
    host_chart: Chart
    resume_chart: Chart
    resume_host_chart: Chart

    @property
    def verdict(self) -> str:
        h = self.variant.plan.host
        return (
            f"Steady state {h.steady_mib} MiB {_fit(h.steady_mib, h.ram_mib, h.swap_mib)}; "
            f"worst case {h.worst_case_mib} MiB "
            f"{_fit(h.worst_case_mib, h.ram_mib, h.swap_mib)}."
        )

    @property
    def out_of_memory(self) -> list[str]:
        """What goes OOM on resume: VM names, then "host"."""
        sim = self.simulation
        host = [] if sim.host.survived else ["host"]
        return [vm.name for vm in sim.vms if not vm.survived] + host

    @property
    def vm_rows(self) -> list[list[Cell]]:
        """The plan's columns (as `plan` prints them), one row per VM."""
        rows = []
        for vm in self.variant.plan.vms:
            texts = vm_cells(vm)
            rows.append(
                [
                    Cell(text=text, numeric=head.numeric)
                    for head, text in zip(VM_HEADER, texts, strict=True)
                ]
            )
        return rows

    @property
    def host_rows(self) -> list[tuple[str, str]]:
        return host_rows(self.variant.plan)


def _findings(var: Variant, selection: Selection) -> tuple[Finding, ...]:
    """This variant's findings, the simulation's GMG080 included (the page shows it)."""
    found = unique(check_variant(var, selection, simulate=True))
    return tuple(sorted(found, key=Finding.sort_key))


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary(_Counted):
    """One variant's row in the overview table. A variant past MAX_SECTIONS has this row
    only; its findings are those `check` reports for it, beyond the base fleet's."""

    anchor: str | None  # its section, None when it has none
    title: str
    host: HostPlan
    out_of_memory: list[str]  # what goes OOM on resume: VM names, then "host"
    host_outcome: str
    findings: tuple[Finding, ...]
    beyond_base: bool  # the findings are those check adds for this profile

    @property
    def oom_text(self) -> str:
        """The first names and how many in all: a cell stays short in a big fleet."""
        names = self.out_of_memory
        more = f" and {len(names) - SHOWN_OOM} more" if len(names) > SHOWN_OOM else ""
        return ", ".join(names[:SHOWN_OOM]) + more

    @classmethod
    def of_section(cls, section: Section) -> Summary:
        return cls(
            anchor=section.anchor,
            title=section.title,
            host=section.variant.plan.host,
            out_of_memory=section.out_of_memory,
            host_outcome=section.simulation.host.outcome,
            findings=section.findings,
            beyond_base=False,
        )


# Variants drawn in full (charts, VM, findings and resume tables). A page for thousands of
# profiles of thousands of VMs would weigh gigabytes; the others get an overview row, and
# the page says how to see one in full (--profile NAME).
MAX_SECTIONS = 12
SHOWN_OOM = 10  # VM names an overview cell lists


def _section(var: Variant, index: int, selection: Selection) -> Section:
    profile = var.fleet.profile
    if var.base is not None:  # a section shows all of a variant: build it whole
        var = variant(var.loaded, profile)
    sim = var.simulation
    prefix = f"v{index}"
    return Section(
        anchor=_anchor(profile),
        title=variant_name(profile).capitalize(),
        variant=var,
        simulation=sim,
        findings=_findings(var, selection),
        host_chart=host_chart(var, prefix=f"{prefix}-host"),
        resume_chart=resume_chart(sim, prefix=f"{prefix}-resume"),
        resume_host_chart=resume_host_chart(sim, prefix=f"{prefix}-resume-host"),
    )


def _summary(var: Variant, selection: Selection) -> Summary:
    found = check_variant(var, selection, simulate=True)
    out_of_memory, host = resume_outcome(context(var))
    return Summary(
        anchor=None,
        title=variant_name(var.fleet.profile).capitalize(),
        host=var.plan.host,
        out_of_memory=out_of_memory + ([] if host.survived else ["host"]),
        host_outcome=host.outcome,
        findings=tuple(sorted(found, key=Finding.sort_key)),
        beyond_base=var.base is not None,
    )


def build_sections(
    loaded: Loaded, *, profiles: Sequence[str | None], selection: Selection
) -> tuple[list[Section], list[Summary]]:
    """The first MAX_SECTIONS variants in full, and an overview row for every variant."""
    sections: list[Section] = []
    rows: list[Summary] = []
    for index, var in enumerate(each_variant(loaded, profiles)):
        if index < MAX_SECTIONS:
            sections.append(_section(var, index, selection))
            rows.append(Summary.of_section(sections[-1]))
        else:
            rows.append(_summary(var, selection))
    return sections, rows


@cache
def environment() -> jinja2.Environment:
    """The report's jinja2 environment: autoescape always on."""
    return templates.environment(
        autoescape=True, filters={"px": lambda value: f"{value:.1f}", "mib": mib_text}
    )


def _render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(generator=GENERATOR, **context)


def render_report(
    loaded: Loaded, *, profiles: Sequence[str | None], selection: Selection
) -> tuple[str, list[Finding]]:
    """The page, and every finding it counts (each variant's own, so a base finding that a
    profile repeats is listed under both; past MAX_SECTIONS, what check adds for it)."""
    sections, rows = build_sections(loaded, profiles=profiles, selection=selection)
    html = _render(
        "report.html.j2",
        source=loaded.document.file,
        host=sections[0].variant.fleet.host.name,
        sections=sections,
        rows=rows,
        summarized=len(rows) - len(sections),
        comparison=comparison_chart([s.variant for s in sections]),
        vm_header=VM_HEADER,
        layer_names=LAYER_NAMES,
        host_outcomes=HOST_OUTCOMES,
    )
    return html, [finding for row in rows for finding in row.findings]


def render_plan_svg(var: Variant) -> str:
    """`plan --format svg`: the host memory bar of one variant as a standalone SVG file."""
    heading = f"{var.fleet.host.name}: host memory, {variant_name(var.fleet.profile)} (MiB)"
    return _render("plan.svg.j2", chart=host_chart(var, prefix="plan"), heading=heading)
