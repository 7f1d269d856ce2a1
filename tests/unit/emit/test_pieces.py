"""The render set is written piece by piece: no output text is ever made whole on the way to
--out, which keeps a 100,000-VM render's peak memory near the model's (benchmark B6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ghafmemgen import pipeline
from ghafmemgen.emit import fileset
from ghafmemgen.emit import nix as render
from ghafmemgen.emit.json import plan_json_chunks, plan_json_text

from support import LAPTOP, fleet_file


def _variant(fleet: Path) -> pipeline.Variant:
    return pipeline.variant(pipeline.load(fleet), None)


def test_pieces_join_to_the_text() -> None:
    files = render.render_variant(_variant(LAPTOP))
    assert list(files) == list(render.OUTPUT_FILES)
    for name in files:
        assert "".join(files.pieces(name)) == files[name]


def test_a_big_table_comes_in_bounded_pieces(tmp_path: Path) -> None:
    vms = {f"a{i:04d}-vm": {"kind": "app", "mem": 512} for i in range(3000)}
    variant = _variant(fleet_file(tmp_path, {"vms": vms}))
    files = render.render_variant(variant)
    for name in ("appvm-base.nix", "vm-config.nix", "memory-plan.json"):
        sizes = [len(piece) for piece in files.pieces(name)]
        assert len(sizes) > 3, name
        assert max(sizes) < 4 * render._PIECE, name
    assert "".join(plan_json_chunks(variant.plan)) == plan_json_text(variant.plan)


def test_write_set_never_makes_a_text_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = render.render_variant(_variant(LAPTOP))
    expected = {name: files[name].encode() for name in files}
    out = tmp_path / "out"

    def whole(self: render.RenderedSet, name: str) -> str:
        raise AssertionError(f"{name} was made whole")

    monkeypatch.setattr(render.RenderedSet, "__getitem__", whole)
    first = fileset.write_set(out, files)
    assert first.written == tuple(render.OUTPUT_FILES)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == expected
    # Compared piece by piece: unchanged files stay, a changed one is written again.
    (out / "vm-swap.nix").write_bytes(expected["vm-swap.nix"][:-1])
    again = fileset.write_set(out, files)
    assert again.written == ("vm-swap.nix",)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == expected
