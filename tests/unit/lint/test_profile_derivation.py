"""Profiles derived from the base fleet (pipeline.variants) report exactly what profiles
built whole (pipeline.variant) report: the speed-up of issue 16 item 9 changes no finding.

Fleets are generated with every setting a rule reads (kinds, names that share a Ghaf key,
hypervisors, zram, passthrough, vCPUs, balloons) and profiles that change VMs, the host,
`defaults`, or which VMs are enabled.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ghafmemgen import pipeline
from ghafmemgen.findings import Finding, Selection

from support import LAPTOP

NAMES = ["gui-vm", "g-ui-vm", "net-vm", "chrome-vm", "comms-vm", "a-vm", "b-vm", "zz-vm"]


def reference(loaded: pipeline.Loaded, *, simulate: bool) -> list[Finding]:
    """Every variant built whole, the base fleet's findings dropped from profiles."""
    seen: set[tuple[str, int, int, str]] = set()
    out = []
    for profile in pipeline.all_variants(loaded, None):
        var = pipeline.variant(loaded, profile)
        for finding in pipeline.check_variant(var, Selection(), simulate=simulate):
            key = (finding.rule, finding.line, finding.column, finding.message)
            if key not in seen:
                seen.add(key)
                out.append(finding)
    return out


def derived(loaded: pipeline.Loaded, *, simulate: bool) -> list[Finding]:
    profiles = pipeline.all_variants(loaded, None)
    return pipeline.check(loaded, profiles=profiles, selection=Selection(), simulate=simulate)


def same_findings(path: Path) -> None:
    loaded = pipeline.load(path)
    for simulate in (False, True):
        want = sorted(reference(loaded, simulate=simulate), key=Finding.sort_key)
        got = sorted(derived(loaded, simulate=simulate), key=Finding.sort_key)
        assert got == want


def test_the_bundled_fleet(tmp_path: Path) -> None:
    same_findings(LAPTOP)


vm_settings = st.fixed_dictionaries(
    {"kind": st.sampled_from(["app", "system"]), "mem": st.sampled_from([512, 2048, 6144])},
    optional={
        "hypervisor": st.sampled_from(["qemu", "crosvm"]),
        "vcpu": st.integers(1, 12),
        "passthrough": st.booleans(),
        "balloonRatio": st.integers(0, 3),
        "deflateOnOOM": st.booleans(),
        "zram": st.fixed_dictionaries(
            {}, optional={"enable": st.booleans(), "memoryPercent": st.sampled_from([25, 150])}
        ),
    },
)
vm_patch = st.fixed_dictionaries(
    {},
    optional={
        "mem": st.sampled_from([512, 1024, 20480]),
        "kind": st.sampled_from(["app", "system"]),
        "vcpu": st.integers(1, 12),
        "enable": st.booleans(),
        "hypervisor": st.sampled_from(["qemu", "crosvm"]),
        "zram": st.fixed_dictionaries({}, optional={"memoryPercent": st.sampled_from([25, 150])}),
    },
)
profile = st.fixed_dictionaries(
    {},
    optional={
        "host": st.fixed_dictionaries(
            {},
            optional={
                "ram": st.sampled_from([4096, 16384, 65536]),
                "cpus": st.integers(2, 16),
                "reserved": st.sampled_from([512, 2048]),
            },
        ),
        "vms": st.dictionaries(st.sampled_from([*NAMES, "ghost-vm"]), vm_patch, max_size=3),
        "defaults": st.fixed_dictionaries(
            {}, optional={"hypervisor": st.sampled_from(["qemu", "crosvm"])}
        ),
    },
)
fleet = st.fixed_dictionaries(
    {
        "version": st.just(1),
        "host": st.fixed_dictionaries(
            {"ram": st.sampled_from([8192, 32768])}, optional={"cpus": st.integers(2, 16)}
        ),
        "defaults": st.fixed_dictionaries(
            {},
            optional={
                "hypervisor": st.sampled_from(["qemu", "crosvm"]),
                "deflateOnOOM": st.booleans(),
                "zram": st.fixed_dictionaries(
                    {}, optional={"enable": st.booleans(), "memoryPercent": st.just(150)}
                ),
            },
        ),
        "vms": st.dictionaries(st.sampled_from(NAMES), vm_settings, min_size=1),
        "profiles": st.dictionaries(
            st.sampled_from(["low", "high", "p1", "p2"]), profile, min_size=1
        ),
    }
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=fleet)
def test_generated_fleets(tmp_path: Path, data: dict[str, object]) -> None:
    path = tmp_path / "fleet.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
    same_findings(path)


def test_profiles_that_move_the_host_limits(tmp_path: Path) -> None:
    """Other RAM and CPU counts in each profile: the VMs over them come from the base
    fleet's sorted figures (rules.Context.over)."""
    vms = {
        f"v{i:02d}-vm": {"kind": "app" if i % 3 else "system", "mem": 512 * (i + 1), "vcpu": i}
        for i in range(1, 30)
    }
    profiles = {
        f"p{i}": {"host": {"ram": 1024 * (i + 1), "cpus": i + 1}, "vms": {"v05-vm": {"mem": 99}}}
        for i in range(0, 40, 3)
    }
    data = {"version": 1, "host": {"ram": 4096, "cpus": 8}, "vms": vms, "profiles": profiles}
    path = tmp_path / "fleet.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    same_findings(path)
