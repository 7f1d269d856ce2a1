"""Work and output that grow with the fleet, not with its square (no timings here: the
benchmark suite measures time; these tests pin the shapes that made it quadratic)."""

from __future__ import annotations

from pathlib import Path

from ghafmemgen import pipeline
from ghafmemgen.findings import Finding, Selection


def fleet(vms: int, *, ghosts: int = 0, own_zram: bool = False) -> str:
    zram = "    zram: {memoryPercent: 150}\n" if own_zram else ""
    body = "".join(f"  v{i:05d}-vm:\n    kind: app\n    mem: 512\n{zram}" for i in range(vms))
    profile = "".join(f"      ghost{i:04d}-vm: {{mem: 256}}\n" for i in range(ghosts))
    return (
        "version: 1\nhost:\n  ram: 64TiB\nvms:\n"
        + body
        + ("profiles:\n  p:\n    vms:\n" + profile if ghosts else "")
    )


def findings(tmp_path: Path, text: str, profile: str | None = None) -> list[Finding]:
    path = tmp_path / "fleet.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = pipeline.load(path)
    return pipeline.check_variant(pipeline.variant(loaded, profile), Selection(ignore=("GMG07",)))


def test_an_unknown_profile_vm_names_a_bounded_sample_of_the_known_ones(tmp_path: Path) -> None:
    small, large = (
        [f.message for f in findings(tmp_path, fleet(n, ghosts=3), "p") if f.rule == "GMG012"]
        for n in (20, 400)
    )
    assert len(small) == len(large) == 3
    # Every ghost's message used to list every known VM: output grew as ghosts x VMs.
    assert len(large[0]) == len(small[0]) + len("400") - len("20")
    assert "v00000-vm, v00001-vm" in large[0]
    assert "(400 in all)" in large[0]
    few = [f.message for f in findings(tmp_path, fleet(2, ghosts=1), "p") if f.rule == "GMG012"]
    assert few[0].endswith("(known: v00000-vm, v00001-vm)")


def test_each_vms_own_zram_percent_is_reported_with_its_value(tmp_path: Path) -> None:
    found = [f for f in findings(tmp_path, fleet(50, own_zram=True)) if f.rule == "GMG060"]
    assert len(found) == 50  # one per VM: each writes its own memoryPercent
    assert all("zram memoryPercent 150 " in f.message for f in found)
