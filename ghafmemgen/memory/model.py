"""Immutable, typed fleet objects, built from validated and normalized data.

Built-in defaults are Ghaf's. A profile is a deep merge over the base fleet (mappings merge,
everything else replaces), like Ghaf's vm-budgets.nix overriding vmConfig.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, Literal

Kind = Literal["system", "app"]

BUILTIN_ZRAM: dict[str, Any] = {
    "enable": True,
    "algorithm": "lzo-rle",
    "memoryPercent": 25,
    "swappiness": 10,
    "priority": 5,
}
BUILTIN_DEFAULTS: dict[str, Any] = {
    "hypervisor": "qemu",
    "balloonRatio": 2,
    "deflateOnOOM": True,
    "compressionRatio": 2.5,
    "zram": BUILTIN_ZRAM,
    "resume": {"workingSet": 0.8, "idle": 0.5},
}
BUILTIN_SPIKE_MIB = {
    ("app", False): 0,
    ("app", True): 0,
    ("system", True): 256,
    ("system", False): 128,
}
DEFAULT_RESERVED_MIB = 1024
DEFAULT_VCPU = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class Zram:
    enable: bool
    algorithm: str
    memory_percent: int
    swappiness: int
    priority: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Resume:
    spike_mib: int
    working_set: float
    idle: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Vm:
    name: str
    kind: Kind
    mem_mib: int
    vcpu: int
    hypervisor: str
    passthrough: bool
    balloon_ratio: int  # always 0 for system VMs unless (wrongly) set; rules report that
    deflate_on_oom: bool  # as configured (the plan decides whether it has an effect)
    zram: Zram
    zram_overrides: Mapping[str, Any]  # the fields this VM's own zram block sets
    resume: Resume
    written: frozenset[tuple[str, ...]]  # the fields the file sets on this VM (leaf paths)

    def writes(self, *keys: str) -> bool:
        """Whether the file sets this field on the VM itself (not in defaults)."""
        return keys in self.written

    @property
    def short_name(self) -> str:
        """Ghaf's key: `chrome` for app VM `chrome-vm`, `guivm` for system VM `gui-vm`."""
        return ghaf_key(self.name, self.kind)


# Ghaf keys its VMs in two attribute sets, vmConfig.appvms and vmConfig.sysvms.
GHAF_KEY_SPACES: dict[str, str] = {"app": "appvms", "system": "sysvms"}


def ghaf_key(name: str, kind: str) -> str:
    """The attribute name Ghaf gives a VM in its kind's set (GHAF_KEY_SPACES): app VM
    `chrome-vm` is `chrome`, system VM `gui-vm` is `guivm`. Two VMs of a kind whose names
    give the same key would be one VM to Ghaf (rule GMG011; render refuses them too)."""
    return name.removesuffix("-vm") if kind == "app" else name.replace("-", "")


@dataclass(frozen=True, slots=True, kw_only=True)
class Swap:
    size_mib: int | None  # None: "auto", the plan's required swap
    layout: str
    resume_device: bool
    random_encryption: bool
    volume_group: str
    disk: str
    written: frozenset[str]  # the keys the file sets under host.swap


@dataclass(frozen=True, slots=True, kw_only=True)
class Host:
    name: str
    ram_mib: int
    reserved_mib: int
    cpus: int | None
    hibernation: bool
    swap: Swap


@dataclass(frozen=True, slots=True, kw_only=True)
class Fleet:
    source: str  # base name of the fleet file, for headers
    profile: str | None
    host: Host
    zram: Zram  # defaults.zram after the profile
    compression_ratio: float
    vms: tuple[Vm, ...]  # enabled VMs only, sorted by name
    declared_vms: tuple[str, ...]  # every VM the file defines, enabled or not, in file order
    defaults_written: frozenset[tuple[str, ...]]  # the fields the file sets under defaults
    unknown_vms: tuple[str, ...] = ()  # VMs the profile overrides that the fleet lacks (GMG012)


def deep_merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in patch.items():
        old = merged.get(key)
        merged[key] = (
            deep_merge(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
        )
    return merged


def effective(data: Mapping[str, Any], profile: str | None) -> dict[str, Any]:
    """The fleet as a profile sees it; VMs the base fleet lacks are dropped (rule GMG012)."""
    base = {key: value for key, value in data.items() if key != "profiles"}
    if profile is None:
        return base
    patch = dict(data.get("profiles", {}).get(profile, {}))
    known = base.get("vms", {})
    patch["vms"] = {name: vm for name, vm in patch.get("vms", {}).items() if name in known}
    return deep_merge(base, patch)


def _zram(settings: Mapping[str, Any]) -> Zram:
    return Zram(
        enable=settings["enable"],
        algorithm=settings["algorithm"],
        memory_percent=settings["memoryPercent"],
        swappiness=settings["swappiness"],
        priority=settings["priority"],
    )


_NO_OVERRIDES: Mapping[str, Any] = MappingProxyType({})


def _leaves(node: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for key, value in node.items():
        if isinstance(value, Mapping):
            yield from _leaves(value, (*prefix, key))
        elif value is not None:
            yield (*prefix, key)


def _written(node: Mapping[str, Any], shared: dict[Any, Any]) -> frozenset[tuple[str, ...]]:
    """The leaf paths `node` sets, one shared frozenset per distinct set (most VMs set the
    same fields: a 100,000-VM fleet holds a handful of these, not 100,000)."""
    leaves = frozenset(_leaves(node))
    found: frozenset[tuple[str, ...]] = shared.setdefault(("written", leaves), leaves)
    return found


def _vm(
    name: str, raw: Mapping[str, Any], defaults: Mapping[str, Any], shared: dict[Any, Any]
) -> Vm:
    kind: Kind = raw["kind"]
    passthrough = raw.get("passthrough", False)
    # A VM without its own zram or resume block gets the fleet's objects, built once per
    # build (`shared`): a 100,000-VM fleet would otherwise hold 200,000 identical copies.
    zram_overrides = dict(raw["zram"]) if raw.get("zram") else _NO_OVERRIDES
    if zram_overrides:
        zram = _zram({**defaults["zram"], **zram_overrides})
    else:
        zram = shared.get("zram") or shared.setdefault("zram", _zram(defaults["zram"]))
    spike = BUILTIN_SPIKE_MIB[(kind, passthrough)]
    if raw.get("resume"):
        resume = _resume(deep_merge(defaults["resume"], raw["resume"]), spike)
    else:
        resume = shared.get(spike) or shared.setdefault(spike, _resume(defaults["resume"], spike))
    return Vm(
        name=name,
        kind=kind,
        mem_mib=raw["mem"],
        vcpu=raw.get("vcpu", DEFAULT_VCPU),
        hypervisor=raw.get("hypervisor", defaults["hypervisor"]),
        passthrough=passthrough,
        balloon_ratio=raw.get("balloonRatio", defaults["balloonRatio"] if kind == "app" else 0),
        deflate_on_oom=raw.get(
            "deflateOnOOM", defaults["deflateOnOOM"] if kind == "app" else False
        ),
        zram=zram,
        zram_overrides=zram_overrides,
        resume=resume,
        written=_written(raw, shared),
    )


def _resume(settings: Mapping[str, Any], builtin_spike: int) -> Resume:
    return Resume(
        spike_mib=settings.get("spike", builtin_spike),
        working_set=settings["workingSet"],
        idle=settings["idle"],
    )


def _host(host: Mapping[str, Any]) -> Host:
    swap = host.get("swap", {})
    layout = swap.get("layout", "ghaf")
    hibernation = host.get("hibernation", False)
    size = swap.get("size", "auto")
    return Host(
        name=host.get("name", "host"),
        ram_mib=host["ram"],
        reserved_mib=host.get("reserved", DEFAULT_RESERVED_MIB),
        cpus=host.get("cpus"),
        hibernation=hibernation,
        swap=Swap(
            size_mib=None if size == "auto" else size,
            layout=layout,
            # Ghaf's disko layout always sets resumeDevice (GMG042 refuses false there).
            resume_device=swap.get("resumeDevice", layout == "ghaf" or hibernation),
            random_encryption=swap.get("randomEncryption", False),
            volume_group=swap.get("volumeGroup", "pool"),
            disk=swap.get("disk", "disk1"),
            written=frozenset(swap),
        ),
    )


def build(
    data: Mapping[str, Any],
    *,
    source: str,
    profile: str | None,
    view: Mapping[str, Any] | None = None,
) -> Fleet:
    """Validated, normalized data -> Fleet for the base fleet or one profile. `view` is
    `effective(data, profile)` when the caller has it already (the merge runs once)."""
    view = effective(data, profile) if view is None else view
    defaults = deep_merge(BUILTIN_DEFAULTS, view.get("defaults", {}))
    shared: dict[Any, Any] = {}  # the Zram and Resume objects VMs without overrides share
    base_vms = data.get("vms", {})
    overridden = data.get("profiles", {}).get(profile, {}).get("vms", {}) if profile else {}
    unknown = tuple(name for name in overridden if name not in base_vms)
    return Fleet(
        source=source,
        profile=profile,
        host=_host(view["host"]),
        zram=_zram(defaults["zram"]),
        compression_ratio=float(defaults["compressionRatio"]),
        vms=tuple(
            _vm(name, raw, defaults, shared)
            for name, raw in sorted(view["vms"].items())
            if raw.get("enable", True)
        ),
        declared_vms=tuple(base_vms),
        defaults_written=frozenset(_leaves(view.get("defaults", {}))),
        unknown_vms=unknown,
    )


def rebuilt(
    base: Fleet,
    *,
    profile: str,
    positions: Mapping[str, int],
    base_view: Mapping[str, Any],
    view: Mapping[str, Any],
    names: Iterable[str],
) -> tuple[Fleet, tuple[int, ...]] | None:
    """A profile's Fleet from the base fleet's, for a profile that changes little of it: the
    VMs `names` (those the profile sets) built again from `view` (the profile's effective
    data), every other VM the base's own object at its place (`positions`: name -> index in
    base.vms). Returns the fleet and the indexes rebuilt, or None when the profile changes
    `defaults` or enables or disables a VM, which changes every VM or their order: then
    build() it whole."""
    if view.get("defaults", {}) != base_view.get("defaults", {}):
        return None
    raw_vms = view["vms"]
    rebuilt_at = []
    unknown = []
    for name in names:
        raw = raw_vms.get(name)
        if raw is None:
            unknown.append(name)  # not in the base fleet (rule GMG012)
            continue
        at = positions.get(name)
        if (at is not None) != raw.get("enable", True):
            return None  # the set of enabled VMs changes
        if at is not None:
            rebuilt_at.append(at)
    rebuilt_at.sort()
    defaults = deep_merge(BUILTIN_DEFAULTS, view.get("defaults", {}))
    vms = list(base.vms)
    shared: dict[Any, Any] = {}
    for at in rebuilt_at:
        vms[at] = _vm(vms[at].name, raw_vms[vms[at].name], defaults, shared)
    fleet = replace(
        base,
        profile=profile,
        host=_host(view["host"]),
        vms=tuple(vms),
        unknown_vms=tuple(unknown),
    )
    return fleet, tuple(rebuilt_at)
