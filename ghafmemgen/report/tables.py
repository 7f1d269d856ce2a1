"""Text tables for `plan` (and friends): rich on a terminal, plain aligned text when piped."""

from __future__ import annotations

from collections.abc import Sequence

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


def plain_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    numeric = [all(_is_number(row[i]) for row in rows) and bool(rows) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        parts = [
            c.rjust(w) if num else c.ljust(w)
            for c, w, num in zip(cells, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)]) + "\n"


def _is_number(text: str) -> bool:
    return text.replace(".", "", 1).replace("-", "", 1).isdigit()


def _title(plan: Plan) -> str:
    return f"Memory plan ({variant_name(plan.profile)}), MiB"


def plan_table(plan: Plan, *, rich: bool) -> str:
    if rich:
        return _rich_plan(plan)
    host = plain_table(("host", "value"), host_rows(plan))
    return f"{_title(plan)}\n\n{plain_table(VM_COLUMNS, _vm_rows(plan))}\n{host}"


def _rich_plan(plan: Plan) -> str:
    from rich.console import Console
    from rich.table import Table

    console = Console(record=True, width=140)
    vms = Table(title=_title(plan))
    for index, name in enumerate(VM_COLUMNS):
        vms.add_column(name, justify="left" if index < 3 else "right")
    for row in _vm_rows(plan):
        vms.add_row(*row)
    host = Table(title="Host")
    host.add_column("host")
    host.add_column("value", justify="right")
    for label, value in host_rows(plan):
        host.add_row(label, value)
    with console.capture() as capture:
        console.print(vms)
        console.print(host)
    return capture.get()


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


def simulation_table(sim: Simulation) -> str:
    title = f"S3-resume simulation ({variant_name(sim.profile)})"
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
    failed = [vm.name for vm in sim.vms if not vm.survived] + ([] if h.survived else ["host"])
    verdict = (
        f"Out of memory on resume: {', '.join(failed)}."
        if failed
        else "Every VM and the host survive resume."
    )
    return (
        f"{title}, MiB\n\n{plain_table(RESUME_COLUMNS, vms)}\n"
        f"{plain_table(('host', 'value'), host)}\n{verdict}\n"
    )
