"""The rule registry: every rule ghafmemgen reports, one entry each, in `ghafmemgen rules` order.

An entry says everything about its rule: the id and severity, the one-line summary (`rules`,
SARIF `shortDescription`), the check that finds it (a function in `checks.py` or `resume.py`;
several rules may share one check that computes their common figures once), and what `fit`
says about it: the reason a stepped-back fleet would break it, and the adjustments (fit's
kinds) that can clear it. Its page (what it checks, why it matters, an example, how to fix it:
`ghafmemgen rule`, docs/rules/, SARIF `help`) is `explanations/<id>.md` beside this module,
put together by `ruledocs.py`; a test fails when an entry has no page or a page no entry.
Which rules a run runs, and running their checks, is `runner.py`.

To add a rule: write its check (yield `Hit(rule="GMGxxx", ...)`), add one `Rule(...)` here,
write `explanations/GMGxxx.md` and run `make rule-docs`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ghafmemgen.findings import Severity
from ghafmemgen.lint import checks, reach, resume
from ghafmemgen.lint.checks import Check, Hit
from ghafmemgen.memory.model import Fleet
from ghafmemgen.memory.plan import Plan

# fit's adjustment kinds that can clear a rule, and what the rule demands (one sentence).
Levers = tuple[tuple[str, ...], str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    # None: not a check of the fleet alone: raised while loading (GMG001), or by `verify`
    # comparing the plan with a build (GMG09x, lint/verify.py)
    check: Check | None
    # Runs only when asked for: by its full id in --select or `lint.select`; the simulation's
    # rules also by `check --simulate`, fit's goal simulate and the report.
    opt_in: bool = False
    # fit: what the fleet one step back would break, in its own numbers
    fit_reason: Callable[[Hit, Plan], str] | None = None
    # fit: which adjustments can move this rule (a function when it depends on the hit)
    fit_levers: Levers | Callable[[Hit, Fleet], Levers] | None = None

    def levers(self, hit: Hit, fleet: Fleet) -> Levers:
        found = self.fit_levers
        if callable(found):
            return found(hit, fleet)
        return found or ((), "fit does not adjust what this rule checks")


def _vm_too_large_reason(hit: Hit, p: Plan) -> str:
    vm = next(v for v in p.vms if v.name == hit.path[1])
    return (
        f"{vm.name} could grow to microvm.mem = {vm.qemu_mem_mib} MiB, more than "
        f"{p.host.ram_mib} MiB RAM"
    )


def _vm_too_large_levers(hit: Hit, fleet: Fleet) -> Levers:
    vm = next((vm for vm in fleet.vms if vm.name == hit.path[1]), None)
    if vm is not None and vm.kind == "system":
        kinds = () if vm.passthrough else ("sys-mem",)
        return kinds, "a system VM's memory must fit in RAM, and swap does not change it"
    return (
        ("balloon", "app-mem"),
        "an app VM's microvm.mem must fit in RAM, and swap does not change it",
    )


ALL_KINDS = ("swap", "balloon", "app-mem", "sys-mem")


def _resume_levers(hit: Hit, fleet: Fleet) -> Levers:
    if hit.path[:1] == ("vms",):
        return (
            (),
            "a VM that runs out of memory on resume needs more memory, and fit only takes "
            "memory away",
        )
    return ALL_KINDS, "the host must hold every VM after resume from S3"


# Rules of `verify`: they compare the plan with a build, so no check of the fleet alone runs
# them (check=None); lint/verify.py yields their hits.
_VERIFY_RULES = (
    Rule(
        id="GMG090",
        severity="error",
        summary="verify: a VM's memory in the build differs from the plan",
        check=None,
    ),
    Rule(
        id="GMG091",
        severity="error",
        summary="verify: a VM's hypervisor or vCPUs in the build differ from the plan",
        check=None,
    ),
    Rule(
        id="GMG092",
        severity="error",
        summary="verify: a VM's zram or vm.swappiness in the build differs from the plan",
        check=None,
    ),
    Rule(
        id="GMG093",
        severity="error",
        summary="verify: the host swap in the build differs from the plan",
        check=None,
    ),
    Rule(
        id="GMG094",
        severity="error",
        summary="verify: a VM is in the build and not in the fleet, or the reverse",
        check=None,
    ),
    Rule(
        id="GMG095",
        severity="warning",
        summary="verify: a VM's passthrough (microvm.devices) differs from the fleet",
        check=None,
    ),
    Rule(
        id="GMG099",
        severity="error",
        summary="import/verify: the target JSON is not extractor output this version reads",
        check=None,
    ),
)

RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule(
            id="GMG001",
            severity="error",
            summary="the file is not valid YAML or does not match the fleet schema",
            check=None,
        ),
        Rule(
            id="GMG010",
            severity="error",
            summary="tap-<name> is longer than 15 characters (Linux IFNAMSIZ)",
            check=checks.tap_name_length,
        ),
        Rule(
            id="GMG011",
            severity="error",
            summary="two VM names become one Ghaf key (gui-vm and g-ui-vm are both guivm)",
            check=checks.ghaf_key_clash,
        ),
        Rule(
            id="GMG012",
            severity="error",
            summary="a profile names a VM that does not exist",
            check=checks.unknown_profile_vm,
        ),
        Rule(
            id="GMG020",
            severity="error",
            summary="a system VM sets balloonRatio > 0 or deflateOnOOM (no balloon there)",
            check=checks.system_vm_balloon,
        ),
        Rule(
            id="GMG021",
            severity="warning",
            summary="deflateOnOOM: false on a ballooned crosvm app VM (crosvm always deflates "
            "on OOM)",
            check=reach.crosvm_deflate,
        ),
        Rule(
            id="GMG022",
            severity="warning",
            summary="a qemu VM's microvm.mem is exactly 2048 MiB (QEMU hangs)",
            check=checks.qemu_2048,
            fit_levers=(("app-mem", "sys-mem"), "microvm.mem must not be exactly 2048 MiB on qemu"),
        ),
        Rule(
            id="GMG023",
            severity="warning",
            summary="an app VM has both passthrough and a balloon (VFIO pins its RAM)",
            check=checks.passthrough_balloon,
        ),
        Rule(
            id="GMG024",
            severity="warning",
            summary="a system VM Ghaf has no base for (its vmConfig.sysvms entry does nothing)",
            check=reach.unknown_system_vm,
        ),
        Rule(
            id="GMG030",
            severity="error",
            summary="pinned (passthrough) memory plus the host reserve exceeds RAM",
            check=checks.host_memory,
            fit_reason=lambda hit, p: (
                f"pinned passthrough memory {p.host.pinned_mib} MiB + reserved "
                f"{p.host.reserved_mib} MiB would exceed {p.host.ram_mib} MiB RAM"
            ),
            fit_levers=(
                ("app-mem",),
                "pinned pages stay in RAM: swap cannot hold them and fit never "
                "resizes passthrough system VMs (they are sized for their devices)",
            ),
        ),
        Rule(
            id="GMG031",
            severity="error",
            summary="the steady state exceeds RAM + swap",
            check=checks.host_memory,
            fit_reason=lambda hit, p: (
                f"the steady state of {p.host.steady_mib} MiB would need RAM + swap "
                f">= {p.host.steady_mib} MiB, the host has {p.host.ram_mib + p.host.swap_mib} MiB"
            ),
            fit_levers=(("swap", "app-mem", "sys-mem"), "the steady state must fit in RAM + swap"),
        ),
        Rule(
            id="GMG032",
            severity="warning",
            summary="the steady state exceeds RAM (swap is used even at rest)",
            check=checks.host_memory,
            fit_reason=lambda hit, p: (
                f"the steady state of {p.host.steady_mib} MiB would exceed {p.host.ram_mib} MiB RAM"
            ),
            fit_levers=(
                ("app-mem", "sys-mem"),
                "swap does not change the steady state, only smaller VMs do",
            ),
        ),
        Rule(
            id="GMG033",
            severity="warning",
            summary="the worst case (every balloon deflated) exceeds RAM + swap",
            check=checks.host_memory,
            # Ghaf sizes swap for one balloon deflating, not all at once (GMG035's required
            # swap): on by default, GMG033 would contradict the advice of GMG035 on any fleet
            # with two ballooned app VMs.
            opt_in=True,
            fit_reason=lambda hit, p: (
                "with every balloon deflated the fleet would need RAM + swap >= "
                f"{p.host.worst_case_mib} MiB, the host has {p.host.ram_mib + p.host.swap_mib} MiB"
            ),
            fit_levers=(ALL_KINDS, "the worst case must fit in RAM + swap"),
        ),
        Rule(
            id="GMG034",
            severity="warning",
            summary="a single VM's microvm.mem exceeds the host's RAM",
            check=checks.vm_larger_than_host,
            fit_reason=_vm_too_large_reason,
            fit_levers=_vm_too_large_levers,
        ),
        Rule(
            id="GMG035",
            severity="warning",
            summary="an explicit swap size is below the required swap",
            check=checks.host_memory,
            fit_reason=lambda hit, p: (
                f"swap {p.host.swap_mib} MiB would be below the required "
                f"{p.host.required_swap_mib} MiB (steady state {p.host.steady_mib} + largest "
                f"deflation {p.host.largest_deflation_mib} - RAM {p.host.ram_mib})"
            ),
            fit_levers=(ALL_KINDS, "swap must reach the required swap"),
        ),
        Rule(
            id="GMG040",
            severity="error",
            summary="hibernation with swap smaller than RAM",
            check=checks.hibernation,
            fit_reason=lambda hit, p: (
                f"hibernation would need swap >= RAM = {p.host.ram_mib} MiB, swap is "
                f"{p.host.swap_mib} MiB"
            ),
            fit_levers=(("swap",), "hibernation needs swap of at least RAM"),
        ),
        Rule(
            id="GMG041",
            severity="error",
            summary="hibernation with randomEncryption or without resumeDevice",
            check=checks.hibernation,
        ),
        Rule(
            id="GMG042",
            severity="error",
            summary="layout ghaf with resumeDevice: false (Ghaf's disko layout sets true)",
            check=reach.ghaf_swap_content,
        ),
        Rule(
            id="GMG043",
            severity="warning",
            summary="layout ghaf with randomEncryption (Ghaf derives it from storage encryption)",
            check=reach.ghaf_swap_content,
        ),
        Rule(
            id="GMG050",
            severity="warning",
            summary="a VM has more vCPUs than the host has CPUs",
            check=checks.vcpus,
        ),
        Rule(
            id="GMG060",
            severity="warning",
            summary="zram memoryPercent above 100",
            check=checks.zram_settings,
        ),
        Rule(
            id="GMG061",
            severity="warning",
            summary="zram disabled on a VM without a balloon (no safety net left)",
            check=checks.zram_settings,
        ),
        Rule(
            id="GMG070",
            severity="error",
            summary="255 VMs or more, or more than 154 app VMs (Ghaf's address plan)",
            check=checks.vm_count,
        ),
        Rule(
            id="GMG080",
            severity="error",
            summary="a VM or the host runs out of memory in the S3-resume simulation",
            check=resume.resume_survival,
            opt_in=True,
            fit_levers=_resume_levers,
        ),
        *_VERIFY_RULES,
    )
}
