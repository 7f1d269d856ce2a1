"""`import`: a commented fleet from a target (what an evaluated Ghaf build runs).

The fleet says it as Ghaf does: an app VM's `mem` is its vmDef mem (the balloon floor) with
its `balloonRatio`, not microvm.mem. Values equal to the defaults are left out; a setting
most VMs share goes to `defaults`. Every value remembers where in the JSON it came from, so a
value the fleet format cannot hold is a located error in the JSON, not in the fleet.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ghafmemgen import GENERATOR
from ghafmemgen.errors import FleetError
from ghafmemgen.findings import DataPath, Finding
from ghafmemgen.memory.model import BUILTIN_DEFAULTS, BUILTIN_ZRAM, DEFAULT_VCPU
from ghafmemgen.source import schema
from ghafmemgen.source.document import json_path
from ghafmemgen.source.target import RULE, Target, TargetVm

SCHEMA_MODELINE = "# yaml-language-server: $schema=fleet.schema.json"
_GHAF_SWAP_VOLUME = "disko.devices.lvm_vg.pool.lvs.swap"
_LVM = re.compile(r"disko\.devices\.lvm_vg\.(?P<vg>[^.]+)\.lvs\.swap")
_GPT = re.compile(r"disko\.devices\.disk\.(?P<disk>[^.]+)\.content\.partitions\.swap")
_PLAIN = re.compile(r"[a-z][a-z0-9-]*").fullmatch
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


@dataclass(slots=True)
class _Fleet:
    """The fleet being written, plus where each value came from in the JSON."""

    data: dict[str, Any] = field(default_factory=dict)
    origin: dict[DataPath, DataPath] = field(default_factory=dict)
    notes: dict[DataPath, str] = field(default_factory=dict)  # trailing comments

    def put(self, path: DataPath, value: Any, source: DataPath, note: str = "") -> None:
        node = self.data
        for key in map(str, path[:-1]):
            node = node.setdefault(key, {})
        node[str(path[-1])] = value
        self.origin[path] = source
        if note:
            self.notes[path] = note


def _most_common(values: Iterable[Any], builtin: Any) -> Any:
    """The value most VMs share; a tie goes to the built-in default, then the smallest."""
    counts = Counter(values)
    if not counts:
        return builtin
    top = max(counts.values())
    tied = sorted((v for v, n in counts.items() if n == top), key=repr)
    return builtin if builtin in tied else tied[0]


def _zram_settings(vm: TargetVm) -> dict[str, Any] | None:
    """The fleet's zram keys this VM runs with, or None when zram is off."""
    zram = vm.zram or {}
    if not zram.get("enable"):
        return None
    swappiness = 60 if vm.swappiness is None else vm.swappiness
    return {
        "algorithm": zram.get("algorithm"),
        "memoryPercent": zram.get("memoryPercent"),
        "priority": zram.get("priority"),
        "swappiness": swappiness,
    }


_ZRAM_SOURCE = {
    "algorithm": ("zramSwap", "algorithm"),
    "memoryPercent": ("zramSwap", "memoryPercent"),
    "priority": ("zramSwap", "priority"),
    "swappiness": ("swappiness",),
}


def build(target: Target, *, ram: str, host_name: str | None) -> _Fleet:
    fleet = _Fleet()
    fleet.put(("version",), 1, ())
    if host_name:
        fleet.put(("host", "name"), host_name, ())
    fleet.put(("host", "ram"), ram, (), "from --ram: a Nix configuration does not say")
    _host_swap(fleet, target)
    vms = target.vms
    hypervisor = _most_common((vm.hypervisor for vm in vms), BUILTIN_DEFAULTS["hypervisor"])
    apps = [vm for vm in vms if vm.kind == "app"]
    ratio = _most_common((vm.balloon_ratio for vm in apps), BUILTIN_DEFAULTS["balloonRatio"])
    zrams = {vm.name: _zram_settings(vm) for vm in vms}
    on = [z for z in zrams.values() if z is not None]
    zram_defaults = {k: _most_common((z[k] for z in on), BUILTIN_ZRAM[k]) for k in _ZRAM_SOURCE}
    if hypervisor != BUILTIN_DEFAULTS["hypervisor"]:
        fleet.put(("defaults", "hypervisor"), hypervisor, _first(vms, "hypervisor", hypervisor))
    if ratio != BUILTIN_DEFAULTS["balloonRatio"]:
        fleet.put(("defaults", "balloonRatio"), ratio, _first(apps, "balloon_ratio", ratio))
    for key, value in zram_defaults.items():
        if value != BUILTIN_ZRAM[key]:
            holder = next(n for n, z in zrams.items() if z is not None and z[key] == value)
            fleet.put(("defaults", "zram", key), value, ("vms", holder, *_ZRAM_SOURCE[key]))
    order = sorted(vms, key=lambda vm: (vm.kind != "system", vm.name))
    for vm in order:
        _vm(fleet, vm, hypervisor=hypervisor, ratio=ratio, zram=zrams[vm.name], **zram_defaults)
    return fleet


def _first(vms: Iterable[TargetVm], attribute: str, value: Any) -> DataPath:
    name = next(vm.name for vm in vms if getattr(vm, attribute) == value)
    source = {"hypervisor": "hypervisor", "balloon_ratio": "balloonRatio"}[attribute]
    return ("vms", name, "microvm" if source == "hypervisor" else "vmDef", source)


def _host_swap(fleet: _Fleet, target: Target) -> None:
    volumes = {volume.path: volume for volume in target.swap_volumes}
    ghaf = volumes.get(_GHAF_SWAP_VOLUME)
    other = next((v for v in target.swap_volumes if v.path != _GHAF_SWAP_VOLUME), None)
    if target.swap_size is not None and (ghaf is not None or other is None):
        volume = ghaf
        fleet.put(
            ("host", "swap", "size"),
            _size(target.swap_size),
            ("host", "swapSize"),
            "ghaf.partitioning.disko.swapSize",
        )
    elif other is not None:
        volume = other
        index = target.swap_volumes.index(other)
        lvm, gpt = _LVM.fullmatch(other.path), _GPT.fullmatch(other.path)
        if lvm:
            fleet.put(("host", "swap", "layout"), "lvm", ("host", "swapVolumes", index, "path"))
            if lvm["vg"] != "pool":
                fleet.put(("host", "swap", "volumeGroup"), lvm["vg"], ("host", "swapVolumes"))
        elif gpt:
            fleet.put(("host", "swap", "layout"), "gpt", ("host", "swapVolumes", index, "path"))
            if gpt["disk"] != "disk1":
                fleet.put(("host", "swap", "disk"), gpt["disk"], ("host", "swapVolumes"))
        fleet.put(
            ("host", "swap", "size"), other.size, ("host", "swapVolumes", index, "size"), other.path
        )
    else:
        fleet.put(("host", "swap", "size"), 0, ("host",), "the build has no disko swap volume")
        return
    if volume is None or volume is ghaf:
        return  # on layout ghaf, Ghaf's disko layout decides both (GMG042, GMG043)
    index = target.swap_volumes.index(volume)
    # Defaults: resumeDevice follows host.hibernation (false); randomEncryption is false.
    for key, value in (
        ("resumeDevice", volume.resume_device),
        ("randomEncryption", volume.random_encryption),
    ):
        if value:
            fleet.put(("host", "swap", key), True, ("host", "swapVolumes", index, key))


def _size(mib: int) -> str | int:
    return f"{mib // 1024}GiB" if mib and mib % 1024 == 0 else mib


def _vm(
    fleet: _Fleet,
    vm: TargetVm,
    *,
    hypervisor: str,
    ratio: int,
    zram: Mapping[str, Any] | None,
    **zram_defaults: Any,
) -> None:
    at: DataPath = ("vms", vm.name)
    fleet.put((*at, "kind"), vm.kind, (*at, "kind"))
    if vm.kind == "app":
        total = (vm.vmdef_mem or 0) * ((vm.balloon_ratio or 0) + 1)
        note = f"vmDef mem; microvm.mem = {vm.vmdef_mem} x {(vm.balloon_ratio or 0) + 1}"
        if total != vm.mem:
            note += f" = {total}, but the build has {vm.mem}: verify will say so"
        else:
            note += f" = {total}"
        fleet.put((*at, "mem"), vm.vmdef_mem, (*at, "vmDef", "mem"), note)
    else:
        fleet.put((*at, "mem"), vm.mem, (*at, "microvm", "mem"))
    if vm.vcpu != DEFAULT_VCPU:
        fleet.put((*at, "vcpu"), vm.vcpu, (*at, "microvm", "vcpu"))
    if vm.hypervisor != hypervisor:
        fleet.put((*at, "hypervisor"), vm.hypervisor, (*at, "microvm", "hypervisor"))
    if vm.passthrough:
        fleet.put((*at, "passthrough"), True, (*at, "passthrough"), "microvm.devices")
    if vm.kind == "app" and vm.balloon_ratio != ratio:
        fleet.put((*at, "balloonRatio"), vm.balloon_ratio, (*at, "vmDef", "balloonRatio"))
    # qemu honours deflateOnOOM; crosvm always deflates on OOM (leave the default there).
    if vm.kind == "app" and vm.hypervisor == "qemu" and vm.balloon and not vm.deflate_on_oom:
        fleet.put((*at, "deflateOnOOM"), False, (*at, "microvm", "deflateOnOOM"))
    if zram is None:
        fleet.put((*at, "zram", "enable"), False, (*at, "zramSwap"))
        return
    for key, value in zram.items():
        if value != zram_defaults[key]:
            fleet.put((*at, "zram", key), value, (*at, *_ZRAM_SOURCE[key]))


def check(fleet: _Fleet, target: Target) -> None:
    """The fleet must validate: a value it cannot hold is an error located in the JSON."""
    findings = []
    for message, path, _at_key in schema.explain(fleet.data, schema="fleet"):
        source = _source(fleet, tuple(path))
        line, column = target.document.locate(source, at_key=False)
        findings.append(
            Finding(
                rule=RULE,
                severity="error",
                message=f"the fleet cannot hold this: {json_path(path)}: {message}",
                file=target.document.file,
                line=line,
                column=column,
                path=json_path(source),
            )
        )
    if findings:
        raise FleetError(sorted(set(findings), key=Finding.sort_key))


def _source(fleet: _Fleet, path: DataPath) -> DataPath:
    for cut in range(len(path), 0, -1):
        if path[:cut] in fleet.origin:
            return fleet.origin[path[:cut]]
        if len(path[:cut]) == 2 and path[0] == "vms":
            return path[:cut]  # a VM name the schema refuses: point at its key
    return ()


# -- writing ------------------------------------------------------------------------------


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if (_PLAIN(text) and text not in _YAML_WORDS) or re.fullmatch(r"[0-9]+[KMGT]i?B?", text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _comment_text(text: str) -> str:
    """A file name in a comment: one line, whatever characters it has (ASCII escapes: libyaml
    also ends a line at NEL and U+2028)."""
    return json.dumps(text)[1:-1]


_SECTION_NOTES = {
    ("vms", "system"): "System VMs: fixed memory, no balloon.",
    ("vms", "app"): "App VMs: ballooned between mem and mem * (balloonRatio + 1).",
}


def _lines(fleet: _Fleet, node: Mapping[str, Any], path: DataPath, depth: int) -> Iterable[str]:
    kinds_seen: set[str] = set()
    for key, value in node.items():
        here = (*path, key)
        pad = "  " * depth
        if path == ("vms",):
            kind = value.get("kind", "")
            if kind not in kinds_seen:
                kinds_seen.add(kind)
                note = _SECTION_NOTES.get(("vms", kind))
                if note:
                    yield f"{pad}# {note}"
        if isinstance(value, dict):
            yield f"{pad}{key}:"
            yield from _lines(fleet, value, here, depth + 1)
            if depth == 0:
                yield ""
            continue
        line = f"{pad}{key}: {_scalar(value)}"
        note = fleet.notes.get(here)
        if note:
            line = f"{line:<27} # {note}"
        yield line
        if depth == 0:
            yield ""


def text(fleet: _Fleet, *, source: str) -> str:
    header = [
        SCHEMA_MODELINE,
        "# (`ghafmemgen schema > fleet.schema.json` writes the schema beside this file.)",
        "#",
        f"# Imported by {GENERATOR} from {_comment_text(source)} (`ghafmemgen import`): what that",
        "# Ghaf build runs. Sizes are MiB. App VM mem is the vmDef mem (the balloon floor);",
        "# Ghaf gives microvm.mem = mem * (balloonRatio + 1). Values equal to ghafmemgen's",
        "# defaults are left out. Check it with `ghafmemgen verify` after every Nix change.",
    ]
    body = list(_lines(fleet, fleet.data, (), 0))
    while body and body[-1] == "":
        body.pop()
    return "\n".join([*header, *body]) + "\n"


def import_target(target: Target, *, ram: str, source: str, host_name: str | None = None) -> str:
    """Target -> the fleet file's text. Raises FleetError (GMG099, in the JSON)."""
    fleet = build(target, ram=ram, host_name=host_name)
    check(fleet, target)
    return text(fleet, source=source)
