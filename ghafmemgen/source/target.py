"""Read a target: the JSON the extractor (`ghafmemgen extractor`) makes of a Ghaf build.

The JSON is read by the fleet loader (JSON is YAML 1.2), so every value keeps its source
position and every problem is a located GMG099 finding in the JSON file. Structure is checked
against schemas/target.schema.json; keys this version does not know are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ghafmemgen.errors import FleetError
from ghafmemgen.findings import DataPath, Finding
from ghafmemgen.source import loader, schema
from ghafmemgen.source.document import Document, json_path
from ghafmemgen.source.positions import Positions

FORMAT = "ghafmemgen-target"
FORMAT_VERSION = 1
RULE = "GMG099"
_HOW = (
    "make it with `nix eval --json <flake>#nixosConfigurations.<target>.config "
    '--apply "import $(ghafmemgen extractor)"`'
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetVm:
    name: str
    kind: str
    mem: int  # microvm.mem
    vcpu: int
    balloon: bool
    deflate_on_oom: bool
    hypervisor: str
    vmdef_mem: int | None  # app VMs: the balloon floor
    balloon_ratio: int | None
    zram: Mapping[str, Any] | None  # enable, algorithm, memoryPercent, priority
    swappiness: int | None
    passthrough: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SwapVolume:
    path: str
    size: str | int | None
    resume_device: bool | None
    random_encryption: bool | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    document: Document  # positions for messages about the JSON itself
    swap_size: int | None  # ghaf.partitioning.disko.swapSize
    swap_volumes: tuple[SwapVolume, ...]
    vms: tuple[TargetVm, ...]  # sorted by name

    def vm(self, name: str) -> TargetVm | None:
        return next((vm for vm in self.vms if vm.name == name), None)

    def locate(self, path: DataPath) -> tuple[int, int]:
        return self.document.locate(path, at_key=True)


def _finding(document: Document, message: str, path: DataPath, *, at_key: bool) -> Finding:
    line, column = document.locate(path, at_key=at_key)
    return Finding(
        rule=RULE,
        severity="error",
        message=message,
        file=document.file,
        line=line,
        column=column,
        path=json_path(path),
    )


def _version_problem(data: Any) -> tuple[str, DataPath, bool] | None:
    """A file of another kind or another format version is said so, before any type check."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        where: DataPath = ("format",) if isinstance(data, dict) and "format" in data else ()
        return (f'not a ghafmemgen target (no "format": "{FORMAT}"): {_HOW}', where, False)
    version = data.get("formatVersion")
    if version != FORMAT_VERSION:
        where = ("formatVersion",) if "formatVersion" in data else ("format",)
        return (
            f"format version {json.dumps(version)} is not one this ghafmemgen reads "
            f"({FORMAT_VERSION}): extract again with this version's extractor "
            "(`ghafmemgen extractor` prints its path)",
            where,
            False,
        )
    return None


def _memory_problems(data: Mapping[str, Any]) -> list[tuple[str, DataPath]]:
    problems: list[tuple[str, DataPath]] = []
    for name, vm in data["vms"].items():
        microvm = vm["microvm"]
        if microvm is None or microvm.get("mem") is None:
            problems.append(
                (
                    f"{name} has no memory settings (no guest config with microvm.mem): "
                    "the fleet cannot describe it",
                    ("vms", name),
                )
            )
        elif vm["kind"] == "app" and not vm.get("vmDef"):
            problems.append(
                (f"app VM {name} has no vmDef (mem, balloonRatio)", ("vms", name, "kind"))
            )
    return problems


def parse(text: str, *, file: str) -> Target:
    """JSON text -> Target. Raises FleetError with GMG099 findings located in the JSON."""
    if not text.strip():
        raise FleetError(
            [_finding(_empty_document(file), f"the file is empty: {_HOW}", (), at_key=False)]
        )
    try:
        document = loader.parse(text, file=file)
    except FleetError as exc:  # syntax: the loader's located finding, under this file's rule
        message = exc.findings[0].message.replace("YAML syntax", "JSON syntax")
        raise FleetError([replace(exc.findings[0], rule=RULE, message=message)]) from None
    data = document.data
    version = _version_problem(data)
    if version is not None:
        message, where, at_key = version
        raise FleetError([_finding(document, message, where, at_key=at_key)])
    problems = schema.explain(data, schema="target")
    if problems:
        findings = {
            _finding(document, f"{json_path(path)}: {message}", path, at_key=at_key)
            for message, path, at_key in problems
        }
        raise FleetError(sorted(findings, key=Finding.sort_key))
    memory = _memory_problems(data)
    if memory:
        raise FleetError([_finding(document, m, p, at_key=True) for m, p in memory])
    return _build(document)


def _empty_document(file: str) -> Document:
    return Document(file=file, data=None, positions=Positions())


def _build(document: Document) -> Target:
    data = document.data
    host = data["host"]
    vms = []
    for name, vm in sorted(data["vms"].items()):
        microvm, vmdef = vm["microvm"], vm.get("vmDef") or {}
        vms.append(
            TargetVm(
                name=name,
                kind=vm["kind"],
                mem=microvm["mem"],
                vcpu=microvm["vcpu"],
                balloon=microvm["balloon"],
                deflate_on_oom=microvm["deflateOnOOM"],
                hypervisor=microvm["hypervisor"],
                vmdef_mem=vmdef.get("mem") if vm["kind"] == "app" else None,
                balloon_ratio=vmdef.get("balloonRatio") if vm["kind"] == "app" else None,
                zram=vm.get("zramSwap"),
                swappiness=vm.get("swappiness"),
                passthrough=bool(vm.get("passthrough")),
            )
        )
    return Target(
        document=document,
        swap_size=host["swapSize"],
        swap_volumes=tuple(
            SwapVolume(
                path=volume["path"],
                size=volume["size"],
                resume_device=volume.get("resumeDevice"),
                random_encryption=volume.get("randomEncryption"),
            )
            for volume in host["swapVolumes"]
        ),
        vms=tuple(vms),
    )


def load(path: Path, *, limits: loader.Limits = loader.DEFAULT_LIMITS) -> Target:
    """Read and parse a target file; unreadable files raise UsageError (exit 2)."""
    try:
        text = loader.read_source(path, limits=limits)
    except FleetError as exc:  # too large, not UTF-8: located, under this file's rule
        raise FleetError([replace(f, rule=RULE) for f in exc.findings]) from None
    return parse(text, file=loader.display_name(path))
