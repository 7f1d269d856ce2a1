"""Render the output set of `ghafmemgen render` for one Variant: file name -> text.

templates/*.nix.j2 hold the module skeletons; every value reaches them as a Python value and
leaves through a nixlit filter (nix, nixstr, nixattr, nixpath), so no fleet string is ever
pasted into Nix. The only other filter, `token`, passes the generator's own version after
checking it is a plain token. The contexts are built here, one function per file; the host
swap's, and host-swap.json, in emit/swap.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache, partial
from typing import TYPE_CHECKING, Any

from ghafmemgen import __version__
from ghafmemgen.emit import templates
from ghafmemgen.emit.json import plan_json_chunks
from ghafmemgen.emit.nixlit import FILTERS, NixLiteralError, call
from ghafmemgen.emit.swap import host_swap_context, host_swap_json
from ghafmemgen.errors import GhafmemgenError
from ghafmemgen.findings import variant_name
from ghafmemgen.memory import ghaf
from ghafmemgen.memory.model import Fleet, Vm, Zram
from ghafmemgen.memory.plan import Plan

if TYPE_CHECKING:
    import jinja2

    from ghafmemgen.pipeline import Variant

NIX_TEMPLATES = {
    "vm-swap.nix": "vm-swap.nix.j2",
    "appvm-base.nix": "appvm-base.nix.j2",
    "vm-config.nix": "vm-config.nix.j2",
    "host-swap.nix": "host-swap.nix.j2",
}
OUTPUT_FILES = (*NIX_TEMPLATES, "host-swap.json", "memory-plan.json")

# Ghaf's vmConfig groups: sysvms are keyed gui-vm -> guivm, appvms chrome-vm -> chrome.
_VM_CONFIG_GROUP = {"app": "appvms", "system": "sysvms"}
_TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+_-]*\Z")


class RenderError(GhafmemgenError):
    """The fleet is valid but cannot be expressed in Ghaf's terms (exit 1)."""


def token(value: object) -> str:
    """Let a value into a Nix comment verbatim only if it is a plain token such as 0.1.0."""
    if isinstance(value, str) and _TOKEN_RE.match(value):
        return value
    raise NixLiteralError(f"{value!r} is not a plain token (letters, digits, '.', '+', '_', '-')")


# -- contexts ---------------------------------------------------------------------------


def _header(fleet: Fleet) -> dict[str, Any]:
    return {"version": __version__, "source": fleet.source, "profile": fleet.profile}


def _fleet_label(fleet: Fleet) -> str:
    return (
        fleet.source if fleet.profile is None else f"{fleet.source}, {variant_name(fleet.profile)}"
    )


def _zram_defaults(zram: Zram) -> dict[str, Any]:
    return {
        "algorithm": zram.algorithm,
        "memoryPercent": zram.memory_percent,
        "priority": zram.priority,
        "swappiness": zram.swappiness,
    }


def swap_settings(vm: Vm) -> dict[str, Any]:
    """ghaf.virtualization.microvm.swap for one app VM in appvm-base.nix (the fork way, with
    vm-swap.nix's options): its own zram overrides, and enable forced off when zram is off,
    because Ghaf's VM bases set it to true as a plain definition."""
    settings: dict[str, Any] = dict(sorted(vm.zram_overrides.items()))
    if not vm.zram.enable:
        settings["enable"] = call("lib.mkForce", False)
    return settings


# zram field -> (its attribute path in the VM, the Zram attribute), for the overrides
_ZRAM_PATHS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("zramSwap", "algorithm"), "algorithm"),
    (("zramSwap", "memoryPercent"), "memory_percent"),
    (("zramSwap", "priority"), "priority"),
    (("boot", "kernel", "sysctl", "vm.swappiness"), "swappiness"),
)


def ghaf_overrides(vm: Vm) -> list[tuple[tuple[str, ...], Any]]:
    """What vm-config.nix puts into the VM's extraModules, as (attribute path, value): the
    settings vmConfig has no option for, where the fleet differs from what Ghaf does
    (ghafmemgen.memory.ghaf), each with lib.mkForce because Ghaf sets them as plain
    definitions. Empty for a VM that is Ghaf's."""
    overrides: list[tuple[tuple[str, ...], Any]] = []
    if not vm.zram.enable:
        overrides.append((("ghaf", "virtualization", "microvm", "swap", "enable"), False))
    else:
        overrides += [
            (path, getattr(vm.zram, field))
            for path, field in _ZRAM_PATHS
            if getattr(vm.zram, field) != getattr(ghaf.ZRAM, field)
        ]
    deflate = ghaf.microvm_deflate_on_oom(vm)
    if vm.kind == "app" and deflate != ghaf.APP_VM_DEFLATE_ON_OOM:
        overrides.append((("microvm", "deflateOnOOM"), deflate))
    return [(path, call("lib.mkForce", value)) for path, value in sorted(overrides)]


def _keyed(vms: list[Vm], what: str) -> dict[str, Vm]:
    """VMs by Ghaf key; two names that collapse to one key would silently lose a VM."""
    keyed: dict[str, Vm] = {}
    for vm in vms:
        other = keyed.setdefault(vm.short_name, vm)
        if other is not vm:
            raise RenderError(
                f"{what} {other.name} and {vm.name} both become Ghaf's key {vm.short_name!r}; "
                "rename one of them"
            )
    return dict(sorted(keyed.items()))


class _Entries(Mapping[str, dict[str, Any]]):
    """A table of per-VM attribute sets, each built when a template reads it and dropped
    after: a 100,000-VM fleet's tables never exist whole (they would take ~50 MB)."""

    __slots__ = ("_build", "_vms")

    def __init__(self, vms: dict[str, Vm], build: Callable[[Vm], dict[str, Any]]) -> None:
        self._vms = vms
        self._build = build

    def __getitem__(self, key: str) -> dict[str, Any]:
        return self._build(self._vms[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._vms)

    def __len__(self) -> int:
        return len(self._vms)


def _by_ghaf_key(fleet: Fleet) -> dict[str, dict[str, Vm]]:
    """Each kind's VMs by Ghaf key, sorted; two VMs of a kind with one key are refused."""
    return {
        kind: _keyed([vm for vm in fleet.vms if vm.kind == kind], f"{kind} VMs")
        for kind in _VM_CONFIG_GROUP
    }


def _app_vms(app_vms: dict[str, Vm], plan: Plan) -> Mapping[str, dict[str, Any]]:
    plans = {vm_plan.name: vm_plan for vm_plan in plan.vms}

    def entry(vm: Vm) -> dict[str, Any]:
        vm_plan = plans[vm.name]
        return {
            "balloon": vm_plan.balloon,
            "deflateOnOOM": ghaf.microvm_deflate_on_oom(vm),
            "hypervisor": vm.hypervisor,
            "mem": vm_plan.qemu_mem_mib,
            "swap": {"enable": True, **swap_settings(vm)},
            "vcpu": vm.vcpu,
        }

    return _Entries(app_vms, entry)


def _vm_config_entry(vm: Vm) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "mem": vm.mem_mib,
        "overrides": ghaf_overrides(vm),
        "vcpu": vm.vcpu,
        "vmm": vm.hypervisor,
    }
    if vm.kind == "app":
        entry["balloonRatio"] = vm.balloon_ratio
    return entry


def _vm_config(keyed: dict[str, dict[str, Vm]]) -> dict[str, Mapping[str, dict[str, Any]]]:
    return {
        group: _Entries(keyed[kind], _vm_config_entry)
        for kind, group in sorted(_VM_CONFIG_GROUP.items(), key=lambda item: item[1])
    }


def context_builders(
    fleet: Fleet, plan: Plan, keyed: dict[str, dict[str, Vm]]
) -> dict[str, Callable[[], dict[str, Any]]]:
    """How to make the template context of each .nix file (`keyed`: _by_ghaf_key's), made
    when the file is read, so a 100,000-VM fleet's appvm-base and vmConfig tables never
    exist together."""
    header = _header(fleet)
    return {
        "vm-swap.nix": lambda: {**header, "zram": _zram_defaults(fleet.zram)},
        "appvm-base.nix": lambda: {
            **header,
            "app_vms": _app_vms(keyed["app"], plan),
            "fleet_label": _fleet_label(fleet),
        },
        "vm-config.nix": lambda: {**header, "vm_config": _vm_config(keyed)},
        "host-swap.nix": lambda: {**header, **host_swap_context(fleet, plan)},
    }


# -- rendering --------------------------------------------------------------------------


@cache
def environment() -> jinja2.Environment:
    # The output is Nix, not HTML: nixlit's filters do the escaping.
    return templates.environment(autoescape=False, filters={**FILTERS, "token": token})


_PIECE = 1 << 16  # characters per piece of a rendered text (jinja2 yields ~10 per VM line)


def _pieces(chunks: Iterable[str]) -> Iterator[str]:
    """`chunks` joined into pieces of about _PIECE characters: few writes, no whole text."""
    batch: list[str] = []
    size = 0
    for chunk in chunks:
        batch.append(chunk)
        size += len(chunk)
        if size >= _PIECE:
            yield "".join(batch)
            batch.clear()
            size = 0
    if batch:
        yield "".join(batch)


class RenderedSet(Mapping[str, str]):
    """The output set, base name -> text, in OUTPUT_FILES order. A text is made each time it
    is read and not kept; `pieces` gives it without ever making it whole, which is how
    emit.fileset writes it: a 100,000-VM set is ~65 MB of text."""

    __slots__ = ("_makers",)

    def __init__(self, makers: Mapping[str, Callable[[], Iterable[str]]]) -> None:
        self._makers = makers

    def pieces(self, name: str) -> Iterator[str]:
        return _pieces(self._makers[name]())

    def __getitem__(self, name: str) -> str:
        return "".join(self._makers[name]())

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


def render_set(fleet: Fleet, plan: Plan) -> RenderedSet:
    """Every output file. Two VMs with one Ghaf key are refused here, before any is read."""
    keyed = _by_ghaf_key(fleet)
    env = environment()
    builders = context_builders(fleet, plan, keyed)
    makers: dict[str, Callable[[], Iterable[str]]] = {
        name: partial(_generate, env.get_template(template), builders[name])
        for name, template in NIX_TEMPLATES.items()
    }
    makers["host-swap.json"] = lambda: (
        json.dumps(host_swap_json(fleet, plan), indent=2, sort_keys=True) + "\n",
    )
    # memory-plan.json: byte for byte what `ghafmemgen plan --format json` prints
    makers["memory-plan.json"] = partial(plan_json_chunks, plan)
    return RenderedSet(makers)


def _generate(template: jinja2.Template, context: Callable[[], Mapping[str, Any]]) -> Iterator[str]:
    # generate(), not render(): render() joins a list of every chunk, about ten per VM line.
    return template.generate(context())


def render_variant(variant: Variant) -> RenderedSet:
    return render_set(variant.fleet, variant.plan)
