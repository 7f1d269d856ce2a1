"""Deterministic benchmark inputs: fleet YAML written as text (a fixed seed, no YAML library).

Every fleet is valid and renders: VM names stay short enough for tap interfaces (GMG010),
host RAM covers the steady state, and swap is `auto`, so only warnings and GMG070 (more VMs
than Ghaf's address plan allows, which the benchmark ignores) can fire on the big fleets.
"""

from __future__ import annotations

import random
from pathlib import Path

SEED = 20240611
_MEMS = ("256MiB", "384", "512MiB", "768", "1GiB", "640MiB")
_HYPERVISORS = ("qemu", "crosvm")
_ALGORITHMS = ("lzo-rle", "zstd", "lz4")


def _vm_lines(rng: random.Random, name: str) -> list[str]:
    """One 4-field VM: kind, mem, vcpu, hypervisor."""
    kind = "system" if rng.random() < 0.2 else "app"
    return [
        f"  {name}:",
        f"    kind: {kind}",
        f"    mem: {rng.choice(_MEMS)}",
        f"    vcpu: {rng.randint(1, 8)}",
        f"    hypervisor: {rng.choice(_HYPERVISORS)}",
    ]


def big_fleet(vms: int, *, seed: int = SEED) -> str:
    """A fleet of `vms` 4-field VMs (names v0000001-vm: 11 characters, under the tap limit)."""
    rng = random.Random(seed + vms)
    lines = [
        "# ghafmemgen benchmark fleet (generated)",
        "version: 1",
        "host:",
        "  name: bench-host",
        "  ram: 64TiB",
        "  reserved: 2GiB",
        "  swap:",
        "    size: auto",
        "defaults:",
        "  hypervisor: qemu",
        "  balloonRatio: 2",
        "  zram:",
        "    algorithm: zstd",
        "vms:",
    ]
    for index in range(vms):
        lines += _vm_lines(rng, f"v{index:07d}-vm")
    return "\n".join(lines) + "\n"


def small_fleet(index: int, *, seed: int = SEED) -> str:
    """Fleet number `index` of the many-files benchmark: 10 VMs and 2 profiles."""
    rng = random.Random(seed * 7 + index)
    names = sorted(
        rng.sample(
            (
                "net",
                "gui",
                "audio",
                "admin",
                "chrome",
                "comms",
                "media",
                "flatpak",
                "business",
                "zathura",
                "ids",
                "docs",
                "mail",
            ),
            10,
        )
    )
    lines = [
        f"# product variant {index}",
        "version: 1",
        "host:",
        f"  name: product-{index}",
        f"  ram: {rng.choice((32, 48, 64))}GiB",
        "  reserved: 1GiB",
        "  swap:",
        "    size: auto",
        "    layout: ghaf",
        "defaults:",
        f"  hypervisor: {rng.choice(_HYPERVISORS)}",
        "  balloonRatio: 2",
        "  zram:",
        f"    algorithm: {rng.choice(_ALGORITHMS)}",
        "    memoryPercent: 50",
        "vms:",
    ]
    for name in names:
        lines += _vm_lines(rng, f"{name}-vm")
    lines += [
        "profiles:",
        "  low:",
        "    host:",
        "      ram: 16GiB",
        "    vms:",
        f"      {names[0]}-vm: {{ mem: 512MiB }}",
        "  large:",
        "    defaults:",
        "      balloonRatio: 3",
        "    vms:",
        f"      {names[1]}-vm: {{ mem: 2GiB, vcpu: 4 }}",
    ]
    return "\n".join(lines) + "\n"


def write_small_fleets(directory: Path, count: int) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = directory / f"fleet-{index:04d}.yaml"
        path.write_text(small_fleet(index), encoding="utf-8")
        paths.append(path)
    return paths


def write_big_fleet(directory: Path, vms: int) -> Path:
    path = directory / f"fleet-{vms}.yaml"
    path.write_text(big_fleet(vms), encoding="utf-8")
    return path
