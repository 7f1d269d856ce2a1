"""The one text-table style of `plan` and `simulate`: plain aligned columns under a dashed
rule, numbers right-aligned, fitted to a width (the terminal's, or $COLUMNS).

Too wide for the width, a table first wraps its headers at spaces, then splits its columns
into blocks that fit, each block repeating the first column so every row stays readable.
Numbers are never cut. Piped or written to a file without $COLUMNS, nothing is fitted, so
the text stays the same wherever it goes.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence
from typing import TextIO

from ghafmemgen.findings import variant_name
from ghafmemgen.memory.plan import Plan, VmPlan
from ghafmemgen.memory.simulate import Simulation

VM_COLUMNS = (
    "VM",
    "kind",
    "vmm",
    "mem",
    "microvm.mem",
    "balloon",
    "deflate",
    "zram disk",
    "zram gain",
    "eff. min",
    "eff. max",
)


def vm_cells(vm: VmPlan) -> tuple[str, ...]:
    """One VM's plan figures as text, in VM_COLUMNS order (the text table and the HTML page)."""
    return (
        vm.name,
        vm.kind,
        vm.hypervisor,
        str(vm.mem_mib),
        str(vm.qemu_mem_mib),
        "yes" if vm.balloon else "no",
        "yes" if vm.deflate_on_oom else "no",
        str(vm.zram_disk_mib),
        f"{vm.zram_gain_mib:.1f}",
        f"{vm.effective_min_mib:.1f}",
        f"{vm.effective_max_mib:.1f}",
    )


def _vm_rows(plan: Plan) -> list[tuple[str, ...]]:
    return [vm_cells(vm) for vm in plan.vms]


def host_rows(plan: Plan) -> list[tuple[str, str]]:
    h = plan.host
    return [
        ("RAM", f"{h.ram_mib} MiB"),
        ("reserved for the host", f"{h.reserved_mib} MiB"),
        ("pinned (passthrough)", f"{h.pinned_mib} MiB"),
        ("steady state (balloons inflated)", f"{h.steady_mib} MiB"),
        ("worst case (balloons deflated)", f"{h.worst_case_mib} MiB"),
        ("largest single deflation", f"{h.largest_deflation_mib} MiB"),
        ("required swap", f"{h.required_swap_mib} MiB"),
        ("swap", f"{h.swap_mib} MiB"),
        ("overcommit ratio", f"{h.overcommit_ratio:.1f}"),
    ]


GAP = "  "


def output_width(stream: TextIO | None) -> int | None:
    """The width a table must fit: $COLUMNS when set, else the terminal's; None when the
    text goes to a pipe or a file (no width to fit, so the output stays the same)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if stream is not None and stream.isatty():
        try:
            return os.get_terminal_size(stream.fileno()).columns
        except OSError:
            return None
    return None


def _is_number(text: str) -> bool:
    return text.replace(".", "", 1).replace("-", "", 1).isdigit()


def _render(
    heads: Sequence[Sequence[str]], rows: Sequence[Sequence[str]], numeric: Sequence[bool]
) -> list[str]:
    widths = [
        max([*map(len, head), *(len(row[i]) for row in rows)]) for i, head in enumerate(heads)
    ]
    depth = max(len(head) for head in heads)
    head_lines = [[""] * (depth - len(head)) + list(head) for head in heads]  # bottom-aligned

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(width) if num else cell.ljust(width)
            for cell, width, num in zip(cells, widths, numeric, strict=True)
        ]
        return GAP.join(parts).rstrip()

    header = [line([head[level] for head in head_lines]) for level in range(depth)]
    return [*header, line(["-" * w for w in widths]), *map(line, rows)]


def _wrapped(header: str, values: Sequence[str]) -> list[str]:
    room = max([len(v) for v in values] + [len(word) for word in header.split()] or [1])
    return textwrap.wrap(header, room) or [header]


def _span(lines: Sequence[str]) -> int:
    return max(map(len, lines), default=0)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], *, width: int | None = None) -> str:
    """Rows under a header, as lines ending in a newline, no wider than `width` if it can."""
    numeric = [bool(rows) and all(_is_number(row[i]) for row in rows) for i in range(len(header))]
    plain = _render([[h] for h in header], rows, numeric)
    if width is None or _span(plain) <= width:
        return "\n".join(plain) + "\n"
    heads = [_wrapped(h, [row[i] for row in rows]) for i, h in enumerate(header)]
    wrapped = _render(heads, rows, numeric)
    if _span(wrapped) <= width or len(header) <= 2:
        return "\n".join(wrapped) + "\n"
    blocks: list[list[int]] = []
    for index in range(1, len(header)):
        trial = [0, *(blocks[-1][1:] if blocks else []), index]
        fits = blocks and _span(_block(heads, rows, numeric, trial)) <= width
        if fits:
            blocks[-1] = trial
        else:
            blocks.append([0, index])
    return "\n".join("\n".join(_block(heads, rows, numeric, b)) + "\n" for b in blocks)


def _block(
    heads: Sequence[Sequence[str]],
    rows: Sequence[Sequence[str]],
    numeric: Sequence[bool],
    columns: Sequence[int],
) -> list[str]:
    return _render(
        [heads[i] for i in columns],
        [[row[i] for i in columns] for row in rows],
        [numeric[i] for i in columns],
    )


def plan_table(plan: Plan, *, width: int | None = None) -> str:
    host = table(("host", "value"), host_rows(plan), width=width)
    vms = table(VM_COLUMNS, _vm_rows(plan), width=width)
    return f"Memory plan ({variant_name(plan.profile)}), MiB\n\n{vms}\n{host}"


RESUME_COLUMNS = (
    "VM",
    "spike",
    "free",
    "zram room",
    "balloon room",
    "absorbed by",
    "zram",
    "balloon",
    "shortfall",
    "margin",
)


def _out_of_memory(sim: Simulation) -> list[str]:
    return [vm.name for vm in sim.vms if not vm.survived] + ([] if sim.host.survived else ["host"])


def simulation_table(sim: Simulation, *, width: int | None = None) -> str:
    """One variant's simulation: a row per VM, the host, and a verdict naming the variant."""
    where = variant_name(sim.profile)
    vms = [
        (
            vm.name,
            str(vm.spike_mib),
            f"{vm.free_mib:.1f}",
            f"{vm.zram_room_mib:.1f}",
            str(vm.balloon_room_mib),
            vm.absorbed_by.upper() if vm.absorbed_by == "oom" else vm.absorbed_by,
            f"{vm.zram_mib:.1f}",
            f"{vm.balloon_mib:.1f}",
            f"{vm.shortfall_mib:.1f}",
            f"{vm.margin_mib:.1f}",
        )
        for vm in sim.vms
    ]
    h = sim.host
    host = [
        ("demand (reserved + what the VMs hold)", f"{h.demand_mib:.1f} MiB"),
        ("RAM", f"{h.ram_mib} MiB"),
        ("swap", f"{h.swap_mib} MiB"),
        ("swap used", f"{h.swap_used_mib:.1f} MiB"),
        ("outcome", h.outcome.upper() if h.outcome == "oom" else h.outcome),
        ("margin (RAM + swap - demand)", f"{h.margin_mib:.1f} MiB"),
    ]
    failed = _out_of_memory(sim)
    verdict = (
        f"out of memory on resume: {', '.join(failed)}."
        if failed
        else "every VM and the host survive resume."
    )
    return (
        f"S3-resume simulation ({where}), MiB\n\n{table(RESUME_COLUMNS, vms, width=width)}\n"
        f"{table(('host', 'value'), host, width=width)}\n"
        f"{_fill(f'{where.capitalize()}: {verdict}', width)}"
    )


def simulation_summary(sims: Sequence[Simulation], *, width: int | None = None) -> str:
    """The last line of `simulate`: what ran out of memory where, and how many variants were
    simulated (the base fleet and every profile, as `check` counts the ones it checked)."""
    scope = f"{len(sims)} profile{'s' * (len(sims) != 1)} simulated"
    failed = [
        name + (f" [profile {sim.profile}]" if sim.profile is not None else "")
        for sim in sims
        for name in _out_of_memory(sim)
    ]
    if failed:
        return _fill(f"Out of memory on resume: {', '.join(failed)} ({scope}).", width)
    return _fill(f"Every VM and the host survive resume ({scope}).", width)


def simulation_text(sims: Sequence[Simulation], *, width: int | None = None) -> str:
    """`simulate`'s text: each variant's tables, then the summary."""
    parts = [simulation_table(sim, width=width) for sim in sims]
    return "\n".join([*parts, simulation_summary(sims, width=width)])


def _fill(text: str, width: int | None) -> str:
    return (textwrap.fill(text, width) if width else text) + "\n"
