"""The report's figures: which numbers each chart shows, as ghafmemgen.report.charts geometry.

The host memory bar (also `plan --format svg`), the S3-resume rows and the host after resume,
and the comparison of every variant. Labels carry the numbers, so no figure needs colour to
be read.
"""

from __future__ import annotations

from collections.abc import Sequence

from ghafmemgen.findings import variant_name
from ghafmemgen.memory.simulate import Simulation, VmOutcome
from ghafmemgen.pipeline import Variant
from ghafmemgen.report.charts import Row, row_chart, stacked_bar
from ghafmemgen.report.shapes import Chart, Part, mib_text

HOST_LAYERS = (
    ("reserved", "host reserve"),
    ("pinned", "pinned (passthrough)"),
    ("system", "system VMs"),
    ("app", "app VMs at base"),
    ("balloon", "balloon headroom"),
)
LAYER_NAMES = {"free": "free memory", "zram": "zram", "balloon": "balloon", "oom": "OOM"}
HOST_OUTCOMES = {
    "ram": "fits in RAM",
    "swap": "spills into swap and survives",
    "oom": "runs out of memory",
}
RESUME_LEGEND = (
    Part(key="room-free", label="room: free memory", mib=0),
    Part(key="room-zram", label="room: zram", mib=0),
    Part(key="room-balloon", label="room: balloon", mib=0),
    Part(key="free", label="spike held by free memory", mib=0),
    Part(key="zram", label="spike held by zram", mib=0),
    Part(key="balloon-use", label="spike held by the balloon", mib=0),
    Part(key="oom", label="shortfall (OOM)", mib=0),
)


def _marks(*, ram: int, swap: int) -> tuple[Part, Part]:
    return (
        Part(key="ram", label="RAM", mib=ram),
        Part(key="ram-swap", label="RAM + swap", mib=ram + swap),
    )


def host_parts(var: Variant) -> list[Part]:
    """The host's memory left to right: what is always there, then what balloons can claim.

    Passthrough VMs count whole (VFIO pins microvm.mem); the rest split into system VMs,
    app VMs at their base and the balloon headroom up to each app VM's microvm.mem.
    """
    pinned = {vm.name for vm in var.fleet.vms if vm.passthrough}
    free = [vm for vm in var.plan.vms if vm.name not in pinned]
    values = {
        "reserved": var.plan.host.reserved_mib,
        "pinned": var.plan.host.pinned_mib,
        "system": sum(vm.qemu_mem_mib for vm in free if vm.kind == "system"),
        "app": sum(vm.mem_mib for vm in free if vm.kind == "app"),
        "balloon": sum(vm.qemu_mem_mib - vm.mem_mib for vm in free if vm.kind == "app"),
    }
    return [Part(key=key, label=label, mib=values[key]) for key, label in HOST_LAYERS]


def host_chart(var: Variant, *, prefix: str) -> Chart:
    h = var.plan.host
    title = f"Host memory, {variant_name(var.fleet.profile)}"
    description = (
        f"Stacked bar: reserve, pinned, system VMs and app VMs add up to the steady state of "
        f"{h.steady_mib} MiB; with every balloon deflated the worst case is {h.worst_case_mib} "
        f"MiB. Markers: RAM {h.ram_mib} MiB, RAM + swap {h.ram_mib + h.swap_mib} MiB."
    )
    return stacked_bar(
        prefix=prefix,
        title=title,
        description=description,
        parts=host_parts(var),
        marks=_marks(ram=h.ram_mib, swap=h.swap_mib),
    )


def _resume_row(vm: VmOutcome) -> Row:
    room = (
        Part(key="room-free", label="free", mib=vm.free_mib),
        Part(key="room-zram", label="zram", mib=vm.zram_room_mib),
        Part(key="room-balloon", label="balloon", mib=vm.balloon_room_mib),
    )
    if vm.survived:
        held = (vm.spike_mib - vm.zram_mib - vm.balloon_mib, vm.zram_mib, vm.balloon_mib, 0.0)
        layer = LAYER_NAMES[vm.absorbed_by] if vm.spike_mib else "no spike"
        end = f"{layer} · margin {mib_text(vm.margin_mib)} MiB"
    else:
        held = (vm.free_mib, vm.zram_room_mib, vm.balloon_room_mib, vm.shortfall_mib)
        end = f"OOM · {mib_text(vm.shortfall_mib)} MiB short"
    keys = ("free", "zram", "balloon-use", "oom")
    labels = ("spike in free memory", "spike in zram", "spike in balloon", "shortfall")
    spike = tuple(Part(key=k, label=t, mib=v) for k, t, v in zip(keys, labels, held, strict=True))
    return Row(label=vm.name, parts=room, overlay=spike, end_text=end, end_key=vm.absorbed_by)


SPIKE_SHARE = 4  # the largest spike spans at least about a quarter of the resume chart


def resume_scale(sim: Simulation) -> float:
    """What the resume chart's axis must reach: every spike, and the VMs' own room (free +
    zram) up to SPIKE_SHARE times the largest spike. The spike is what matters, so a room
    (and a balloon) beyond that is clipped with a break mark rather than shrinking a 256 MiB
    spike to a few pixels on a 3 GiB scale."""
    spike = max((vm.spike_mib for vm in sim.vms), default=0)
    room = max((vm.free_mib + vm.zram_room_mib for vm in sim.vms), default=0.0)
    return max(spike, min(room, SPIKE_SHARE * spike)) if spike else room


def resume_chart(sim: Simulation, *, prefix: str) -> Chart:
    largest = resume_scale(sim)
    return row_chart(
        prefix=prefix,
        title=f"S3 resume, {variant_name(sim.profile)}: which layer holds each VM's spike",
        description="One bar per VM: pale segments are the room in free memory, zram and the "
        "balloon; the solid bar on top is the resume spike, split by the layer that holds it.",
        groups=[[_resume_row(vm) for vm in sim.vms]],
        largest=largest,
        legend=RESUME_LEGEND,
    )


def resume_host_chart(sim: Simulation, *, prefix: str) -> Chart:
    h = sim.host
    taken = sum(vm.balloon_mib for vm in sim.vms)
    parts = (
        Part(key="reserved", label="host reserve", mib=h.reserved_mib),
        Part(key="resident", label="VMs after resume", mib=h.demand_mib - h.reserved_mib - taken),
        Part(key="taken", label="taken back by balloons", mib=taken),
    )
    return stacked_bar(
        prefix=prefix,
        title=f"Host after S3 resume, {variant_name(sim.profile)}",
        description=f"The host must hold {mib_text(h.demand_mib)} MiB after resume: it "
        f"{HOST_OUTCOMES[h.outcome]}.",
        parts=parts,
        marks=_marks(ram=h.ram_mib, swap=h.swap_mib),
    )


def comparison_chart(variants: Sequence[Variant]) -> Chart:
    groups = []
    for var in variants:
        h = var.plan.host
        groups.append(
            [
                Row(
                    label=variant_name(var.fleet.profile),
                    parts=(Part(key="steady", label="steady state", mib=h.steady_mib),),
                    marks=_marks(ram=h.ram_mib, swap=h.swap_mib),
                    end_text=f"steady state {h.steady_mib} MiB",
                    end_key="steady",
                ),
                Row(
                    label="",
                    parts=(Part(key="worst", label="worst case", mib=h.worst_case_mib),),
                    end_text=f"worst case {h.worst_case_mib} MiB",
                    end_key="worst",
                ),
            ]
        )
    largest = max(
        max(v.plan.host.worst_case_mib, v.plan.host.ram_mib + v.plan.host.swap_mib)
        for v in variants
    )
    return row_chart(
        prefix="compare",
        title="Steady state and worst case of every profile against RAM and RAM + swap",
        description="Two bars per profile: the steady state (balloons inflated) and the worst "
        "case (every balloon deflated); markers show the profile's RAM and RAM + swap.",
        groups=groups,
        largest=largest,
    )
