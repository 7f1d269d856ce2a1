"""render: the generated Nix, proven by the real evaluator; goldens; the output set on disk.

What Ghaf makes of the output (every VM, ghaf-mem-manager, the swap LV, against the plan) is
proven inside Ghaf's real modules by tests/upstream/. Here tests/module_harness.nix, a
stand-in for the few nixpkgs `lib` functions used plus a tiny module evaluator, covers only
what those do not: the disko modules of the lvm and gpt layouts (the pinned disko tree cannot
be evaluated alone), a swap of 0, the app VM table refusing an unknown VM, and that a hostile
fleet file name never becomes code.

Goldens: tests/golden/<base|profile>/<file>. After an intended change to the output, run
`GHAFMEMGEN_UPDATE_GOLDEN=1 pytest tests/unit/emit/test_nix.py` and review the diff in git.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ghafmemgen import __version__, pipeline
from ghafmemgen.emit import files as writer
from ghafmemgen.emit import fileset as output
from ghafmemgen.emit import nix as render
from ghafmemgen.emit.nixlit import NixLiteralError, nix_string, to_nix
from ghafmemgen.emit.swap import swap_rationale
from ghafmemgen.errors import UsageError

from support import LAPTOP, ROOT, fleet_file
from support import run_ghafmemgen as cli

GOLDEN = ROOT / "tests" / "golden"
HARNESS = ROOT / "tests" / "module_harness.nix"
UPDATE_GOLDEN = os.environ.get("GHAFMEMGEN_UPDATE_GOLDEN") == "1"
NIX_FILES = [name for name in render.OUTPUT_FILES if name.endswith(".nix")]
GHAF_VM_BASE = "{ ghaf.virtualization.microvm.swap.enable = true; }"  # as Ghaf's VM bases set it

NixEval = Callable[..., Any]
Profile = str | None


# -- helpers ----------------------------------------------------------------------------


def variant_of(fleet: Path, profile: Profile = None) -> pipeline.Variant:
    return pipeline.variant(pipeline.load(fleet), profile)


def render_to(out: Path, fleet: Path, profile: Profile = None) -> pipeline.Variant:
    """Render without the checks (the API, not the command), into `out`."""
    var = variant_of(fleet, profile)
    output.write_set(out, render.render_variant(var))
    return var


def nix_path(path: Path) -> str:
    return f"(/. + {nix_string(str(path.resolve()))})"


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def golden_dir(profile: Profile) -> Path:
    return GOLDEN / (profile or "base")


def all_profiles() -> list[Profile]:
    return [None, *pipeline.load(LAPTOP).profiles]


PROFILES = all_profiles()


@pytest.fixture(scope="module")
def laptop_out(tmp_path_factory: pytest.TempPathFactory) -> dict[Profile, Path]:
    """The bundled fleet rendered once per variant (base and every profile)."""
    dirs = {}
    for profile in PROFILES:
        out = tmp_path_factory.mktemp(profile or "base")
        render_to(out, LAPTOP, profile)
        dirs[profile] = out
    return dirs


# -- evaluation helpers -----------------------------------------------------------------


def eval_app_vms(nix_eval: NixEval, out: Path, names: list[str]) -> dict[str, Any]:
    """appvm-base.nix with vm-swap.nix and Ghaf's VM base, once per app VM name."""
    expr = f"""
      let
        h = import {nix_path(HARNESS)};
        dir = {nix_path(out)};
      in
      builtins.mapAttrs (name: _: h.evalModules {{
        modules = [ (dir + "/vm-swap.nix") (dir + "/appvm-base.nix") {GHAF_VM_BASE} ];
        args.hostConfig.appvm.name = name;
      }}) {to_nix(dict.fromkeys(names, True))}
    """
    result = nix_eval(expr)
    assert isinstance(result, dict)
    return result


def harness_expr(*modules: str, args: str = "{ }") -> str:
    return (
        f"(import {nix_path(HARNESS)}).evalModules"
        f" {{ modules = [ {' '.join(modules)} ]; args = {args}; }}"
    )


def app_vm_named(name: str) -> str:
    return to_nix({"hostConfig": {"appvm": {"name": name}}})


def nix_error(nix_instantiate: str, expr: str) -> str:
    """stderr of an evaluation that must fail."""
    proc = subprocess.run(
        [nix_instantiate, "--eval", "--strict", "--json", "-E", expr],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0, proc.stdout
    return proc.stderr


def eval_module(nix_eval: NixEval, *modules: str, args: str = "{ }") -> dict[str, Any]:
    result = nix_eval(harness_expr(*modules, args=args))
    assert isinstance(result, dict)
    return result


@pytest.mark.parametrize("profile", PROFILES)
def test_every_rendered_nix_file_parses(
    laptop_out: dict[Profile, Path], nix_parse: Callable[[Path], None], profile: Profile
) -> None:
    for name in NIX_FILES:
        nix_parse(laptop_out[profile] / name)


def test_unknown_app_vm_stops_evaluation_naming_it_and_the_known_ones(
    laptop_out: dict[Profile, Path], nix_instantiate: str
) -> None:
    module = nix_path(laptop_out[None] / "appvm-base.nix")
    stderr = nix_error(nix_instantiate, harness_expr(module, args=app_vm_named("chromium")))
    assert 'app VM "chromium" is not in the fleet ghaf-laptop.yaml' in stderr
    assert "known app VMs: business, chrome, comms, flatpak, media" in stderr


def test_memory_plan_json_is_what_plan_prints(laptop_out: dict[Profile, Path]) -> None:
    for profile in PROFILES:
        args = ["plan", LAPTOP, "--format", "json"] + (["--profile", profile] if profile else [])
        proc = cli(*args)
        assert proc.returncode == 0, proc.stderr
        assert (laptop_out[profile] / "memory-plan.json").read_text() == proc.stdout


# -- goldens and layout ------------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_golden(profile: Profile) -> None:
    files = render.render_variant(variant_of(LAPTOP, profile))
    directory = golden_dir(profile)
    if UPDATE_GOLDEN:
        directory.mkdir(parents=True, exist_ok=True)
        for stale in set(os.listdir(directory)) - set(files):
            (directory / stale).unlink()
        for name, text in files.items():
            (directory / name).write_text(text, encoding="utf-8")
    assert sorted(os.listdir(directory)) == sorted(files)
    for name, text in files.items():
        assert text == (directory / name).read_text(encoding="utf-8"), (
            f"{name} differs from its golden; if intended, run "
            "GHAFMEMGEN_UPDATE_GOLDEN=1 pytest tests/unit/emit/test_nix.py"
        )


@pytest.mark.parametrize("profile", PROFILES)
def test_layout_is_nixfmt_style(laptop_out: dict[Profile, Path], profile: Profile) -> None:
    for name in NIX_FILES:
        text = (laptop_out[profile] / name).read_text()
        assert text.endswith("}\n") and not text.endswith("\n\n")
        for number, line in enumerate(text.splitlines(), 1):
            where = f"{name}:{number}"
            assert line == line.rstrip(), f"{where}: trailing whitespace"
            assert "\t" not in line, f"{where}: tab"
            indent = len(line) - len(line.lstrip(" "))
            assert indent % 2 == 0, f"{where}: indent {indent}"


def test_header_names_generator_source_and_profile(laptop_out: dict[Profile, Path]) -> None:
    for profile, out in laptop_out.items():
        label = " (base fleet)" if profile is None else f', profile "{profile}"'
        for name in NIX_FILES:
            first = (out / name).read_text().splitlines()[0]
            assert first.startswith(output.GENERATED_MARK)
            assert f'ghafmemgen {__version__} from "ghaf-laptop.yaml"{label}. Do not edit' in first


def test_header_keeps_a_hostile_file_name_inside_the_comment(
    tmp_path: Path, nix_parse: Callable[[Path], None], nix_eval: NixEval
) -> None:
    name = 'evil"\n${throw "x"}\r.yaml'
    fleet = fleet_file(tmp_path, {}, name=name)
    out = tmp_path / "out"
    render_to(out, fleet)
    for nix in NIX_FILES:
        text = (out / nix).read_text()
        nix_parse(out / nix)
        assert text.splitlines()[0].startswith(output.GENERATED_MARK)
        assert nix_string(name) in text.splitlines()[0]
    # The app VM table still evaluates: the name never became code.
    assert eval_app_vms(nix_eval, out, ["media"])["media"]["config"]["microvm"]["mem"] == 3072


def test_token_filter_refuses_anything_but_a_plain_token() -> None:
    assert render.token("0.1.0+dev") == "0.1.0+dev"
    for bad in ["", "1.0\n# x", "a b", "${x}", 3]:
        with pytest.raises(NixLiteralError):
            render.token(bad)


def test_output_does_not_depend_on_where_the_fleet_lives(tmp_path: Path) -> None:
    for sub in ("a", "deeper/b"):
        (tmp_path / sub).mkdir(parents=True)
        (tmp_path / sub / "ghaf-laptop.yaml").write_bytes(LAPTOP.read_bytes())
    first = render.render_variant(variant_of(tmp_path / "a" / "ghaf-laptop.yaml"))
    second = render.render_variant(variant_of(tmp_path / "deeper/b" / "ghaf-laptop.yaml"))
    assert first == second == render.render_variant(variant_of(LAPTOP))


# -- other fleets: zram off and overrides, lvm/gpt layouts, no swap ----------------------

LAYOUTS = {
    "lvm": (
        {
            "layout": "lvm",
            "volumeGroup": "vg.main",
            "randomEncryption": True,
            "resumeDevice": False,
        },
        ["disko", "devices", "lvm_vg", "vg.main", "lvs", "swap"],
        {"volumeGroup": "vg.main"},
    ),
    "gpt": (
        {"layout": "gpt", "disk": "nvme0", "size": "16GiB"},
        ["disko", "devices", "disk", "nvme0", "content", "partitions", "swap"],
        {"disk": "nvme0"},
    ),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_disko_layouts(
    tmp_path: Path, nix_eval: NixEval, nix_parse: Callable[[Path], None], layout: str
) -> None:
    swap, path, extra = LAYOUTS[layout]
    out = tmp_path / "out"
    var = render_to(out, fleet_file(tmp_path, {"host": {"swap": {"size": "auto", **swap}}}))
    nix_parse(out / "host-swap.nix")
    config = eval_module(nix_eval, nix_path(out / "host-swap.nix"))["config"]
    for part in path:
        config = config[part]
    size = var.plan.host.swap_mib
    assert config["size"] == f"{size}M"
    assert config["content"] == {
        "type": "swap",
        "resumeDevice": var.fleet.host.swap.resume_device,
        "randomEncryption": var.fleet.host.swap.random_encryption,
    }
    if layout == "gpt":
        assert size == 16384 and config["type"] == "8200"
    else:
        assert size == var.plan.host.required_swap_mib  # auto
    spec = json.loads((out / "host-swap.json").read_text())
    assert spec == {
        "generator": f"ghafmemgen {__version__}",
        "layout": layout,
        "sizeMiB": size,
        "resumeDevice": var.fleet.host.swap.resume_device,
        "randomEncryption": var.fleet.host.swap.random_encryption,
        "requiredSwapMiB": var.plan.host.required_swap_mib,
        "rationale": swap_rationale(var.fleet, var.plan),
        **extra,
    }


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ({"swap": {"size": 0}}, "host.swap.size is 0"),
        ({"ram": "256GiB", "swap": {"size": "auto"}}, "auto and the memory plan requires none"),
    ],
)
def test_no_swap_writes_a_module_that_adds_none(
    tmp_path: Path, nix_eval: NixEval, host: dict[str, Any], why: str
) -> None:
    out = tmp_path / "out"
    var = render_to(out, fleet_file(tmp_path, {"host": host}))
    assert var.plan.host.swap_mib == 0
    text = (out / "host-swap.nix").read_text()
    assert why in text
    assert eval_module(nix_eval, nix_path(out / "host-swap.nix"))["config"] == {}
    assert json.loads((out / "host-swap.json").read_text())["sizeMiB"] == 0


def test_two_vms_with_one_ghaf_key_are_refused(tmp_path: Path) -> None:
    patch = {"vms": {"ne-t-vm": {"kind": "system", "mem": 512}, "net-vm": {"mem": 512}}}
    fleet = fleet_file(tmp_path, patch)
    with pytest.raises(render.RenderError, match="ne-t-vm and net-vm both become"):
        render.render_variant(variant_of(fleet))
    proc = cli("render", fleet, "--out", tmp_path / "out")
    assert proc.returncode == 1 and "netvm" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_fleet_without_app_vms(tmp_path: Path, nix_instantiate: str) -> None:
    apps = ["business-vm", "chrome-vm", "comms-vm", "flatpak-vm", "media-vm"]
    patch = {"vms": dict.fromkeys(apps), "profiles": None}
    out = tmp_path / "out"
    render_to(out, fleet_file(tmp_path, patch))
    module = nix_path(out / "appvm-base.nix")
    stderr = nix_error(nix_instantiate, harness_expr(module, args=app_vm_named("chrome")))
    assert "known app VMs: none" in stderr


# -- the render command ------------------------------------------------------------------


def test_render_twice_is_byte_identical_and_check_passes(tmp_path: Path) -> None:
    out = tmp_path / "gen"
    first = cli("render", LAPTOP, "--out", out)
    assert first.returncode == 0, first.stderr
    assert "GMG032 warning" in first.stderr  # warnings are shown and do not block
    assert sorted(os.listdir(out)) == sorted(render.OUTPUT_FILES)
    before = snapshot(out)
    second = cli("render", LAPTOP, "--out", out)
    assert second.returncode == 0 and "wrote 0, unchanged 6" in second.stdout
    assert snapshot(out) == before
    check = cli("render", LAPTOP, "--out", out, "--check")
    assert check.returncode == 0 and check.stdout.endswith("up to date (6 files)\n")
    assert before == {n: t.encode() for n, t in render.render_variant(variant_of(LAPTOP)).items()}


def test_check_fails_with_a_unified_diff_after_a_hand_edit(tmp_path: Path) -> None:
    out = tmp_path / "gen"
    assert cli("render", LAPTOP, "--out", out).returncode == 0
    target = out / "vm-config.nix"
    edited = target.read_text().replace("mem = 6144;", "mem = 8192;", 1)
    target.write_text(edited)
    before = snapshot(out)
    proc = cli("render", LAPTOP, "--out", out, "--check")
    assert proc.returncode == 1
    assert f"--- {target}\n+++ {target} (generated)\n@@ " in proc.stdout
    assert "-        mem = 8192;\n+        mem = 6144;\n" in proc.stdout
    assert "out of date" in proc.stderr
    assert snapshot(out) == before  # --check writes nothing


def test_check_of_a_missing_directory_fails(tmp_path: Path) -> None:
    proc = cli("render", LAPTOP, "--out", tmp_path / "none", "--check")
    assert proc.returncode == 1
    assert proc.stdout.count("--- /dev/null\n") == len(render.OUTPUT_FILES)
    assert not (tmp_path / "none").exists()


def test_errors_block_render_unless_ignored(tmp_path: Path) -> None:
    out = tmp_path / "low"
    proc = cli("render", LAPTOP, "--out", out, "--profile", "low")
    assert proc.returncode == 1
    assert "GMG031 error" in proc.stderr and "nothing was written" in proc.stderr
    assert not out.exists()
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert cli("render", LAPTOP, "--out", out, "-p", "low", "--select", "GMG031").returncode == 1
    assert os.listdir(out) == ["keep.txt"]
    proc = cli("render", LAPTOP, "--out", out, "--profile", "low", "--ignore", "GMG031")
    assert proc.returncode == 0, proc.stderr
    assert "GMG031" not in proc.stderr and "GMG035 warning" in proc.stderr
    assert (out / "keep.txt").read_text() == "mine"  # other files are left alone
    assert snapshot(out) == {
        "keep.txt": b"mine",
        **{n: t.encode() for n, t in render.render_variant(variant_of(LAPTOP, "low")).items()},
    }


def test_render_usage_errors(tmp_path: Path) -> None:
    assert cli("render", LAPTOP).returncode == 2  # --out is required
    proc = cli("render", LAPTOP, "--out", tmp_path, "--profile", "nope")
    assert proc.returncode == 2 and "no profile 'nope'" in proc.stderr
    afile = tmp_path / "file"
    afile.write_text("")
    proc = cli("render", LAPTOP, "--out", afile)
    assert proc.returncode == 2 and "must be a directory" in proc.stderr


# -- the output set: refusals and atomicity -----------------------------------------------


@pytest.fixture
def previous(tmp_path: Path) -> Iterator[tuple[Path, dict[str, bytes]]]:
    """--out holding the base fleet's output and a file of the user's."""
    out = tmp_path / "gen"
    render_to(out, LAPTOP)
    (out / "notes.txt").write_text("mine")
    yield out, snapshot(out)


def minimal_files() -> dict[str, str]:
    files = dict(render.render_variant(variant_of(LAPTOP, "minimal")))
    assert all(files[n] != t for n, t in render.render_variant(variant_of(LAPTOP)).items())
    return files


@pytest.mark.parametrize("fail_at", [1, 3, 6])
def test_a_failed_rename_restores_the_previous_output(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch, fail_at: int
) -> None:
    out, before = previous
    real_replace = os.replace
    calls: list[str] = []

    def flaky_replace(src: Any, dst: Any, **dir_fds: Any) -> None:
        calls.append(str(dst))
        if len(calls) == fail_at:
            raise OSError(5, "Input/output error")
        real_replace(src, dst, **dir_fds)

    monkeypatch.setattr(output.os, "replace", flaky_replace)
    with pytest.raises(UsageError, match="cannot replace it"):
        output.write_set(out, minimal_files())
    assert len(calls) >= fail_at
    assert snapshot(out) == before  # byte-identical, and no temporary files left


def test_an_interrupt_between_renames_restores_the_previous_output(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = previous
    real_replace = os.replace
    calls = [0]

    def interrupted(src: Any, dst: Any, **dir_fds: Any) -> None:
        calls[0] += 1
        if calls[0] == 4:
            raise KeyboardInterrupt
        real_replace(src, dst, **dir_fds)

    monkeypatch.setattr(output.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        output.write_set(out, minimal_files())
    assert snapshot(out) == before


def test_a_failed_write_changes_nothing(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = previous
    opened = [0]

    def disk_full(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, int) and args[:1] == ("wb",):  # a new file's descriptor
            opened[0] += 1
            if opened[0] == 4:
                os.close(file)
                raise OSError(28, "No space left on device")
        return open(file, *args, **kwargs)

    monkeypatch.setattr(writer, "open", disk_full, raising=False)
    with pytest.raises(UsageError, match="No space left on device"):
        output.write_set(out, minimal_files())
    assert snapshot(out) == before


def test_read_only_directory(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A directory that refuses new files: as non-root a real chmod; root ignores modes,
    so there the refusal is the one the kernel would give (EACCES from creating a file)."""
    out, before = previous
    if os.geteuid() == 0:
        real_open = os.open

        def refuse(path: Any, flags: int, *args: Any, **kwargs: Any) -> Any:
            if flags & os.O_CREAT:
                raise PermissionError(13, "Permission denied")
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", refuse)
    else:
        out.chmod(0o555)
    try:
        with pytest.raises(UsageError, match="Permission denied"):
            output.write_set(out, minimal_files())
    finally:
        out.chmod(0o755)
    assert snapshot(out) == before


def test_read_only_directory_via_the_command() -> None:
    """The real thing: a 0555 directory and a user the kernel holds to it (root is not, so
    as root the command runs as nobody through setpriv, in a directory nobody can reach)."""
    base = Path(tempfile.mkdtemp(prefix="ghafmemgen-ro-"))
    try:
        base.chmod(0o755)
        (base / "ro").mkdir(mode=0o555)
        fleet = base / "fleet.yaml"
        fleet.write_bytes(LAPTOP.read_bytes())
        fleet.chmod(0o644)
        prefix: list[str] = []
        if os.geteuid() == 0:
            prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
            probe = subprocess.run([*prefix, sys.executable, "-c", "import ghafmemgen"])
            if probe.returncode != 0:
                pytest.skip("cannot run ghafmemgen as an unprivileged user here")
        command = [*prefix, sys.executable, "-m", "ghafmemgen", "render", str(fleet)]
        proc = subprocess.run(
            [*command, "--out", str(base / "ro")], capture_output=True, text=True, check=False
        )
        assert proc.returncode == 2, proc.stderr
        assert "Permission denied" in proc.stderr
        assert os.listdir(base / "ro") == []
    finally:
        (base / "ro").chmod(0o755)
        shutil.rmtree(base)


@pytest.mark.parametrize(
    ("name", "foreign"),
    [
        ("vm-swap.nix", "{ zramSwap.enable = true; }\n"),
        ("host-swap.json", '{"layout": "mine"}\n'),
        ("memory-plan.json", '{"generator": "someone else"}\n'),
        ("memory-plan.json", "not json"),
    ],
)
def test_foreign_files_are_refused_without_force(tmp_path: Path, name: str, foreign: str) -> None:
    out = tmp_path / "gen"
    out.mkdir()
    (out / name).write_text(foreign)
    proc = cli("render", LAPTOP, "--out", out)
    assert proc.returncode == 2
    assert f"{out / name}: not written by ghafmemgen" in proc.stderr and "--force" in proc.stderr
    assert os.listdir(out) == [name]  # nothing else written either
    assert (out / name).read_text() == foreign
    proc = cli("render", LAPTOP, "--out", out, "--force")
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(out)) == sorted(render.OUTPUT_FILES)


def test_a_directory_in_place_of_an_output_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "gen"
    (out / "vm-config.nix").mkdir(parents=True)
    proc = cli("render", LAPTOP, "--out", out, "--force")
    assert proc.returncode == 2 and "not a regular file" in proc.stderr
    assert os.listdir(out) == ["vm-config.nix"]


def test_a_symlink_in_place_of_an_output_file_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.nix"
    outside.write_text(output.GENERATED_MARK + "\n")
    out = tmp_path / "gen"
    out.mkdir()
    (out / "vm-swap.nix").symlink_to(outside)
    proc = cli("render", LAPTOP, "--out", out, "--force")
    assert proc.returncode == 2 and "not a regular file" in proc.stderr
    assert outside.read_text() == output.GENERATED_MARK + "\n"


def test_names_outside_out_are_refused(tmp_path: Path) -> None:
    for name in ["../x.nix", "a/b.nix", "..", ""]:
        with pytest.raises(ValueError, match="plain base names"):
            output.write_set(tmp_path, {name: "x"})
    assert os.listdir(tmp_path) == []


def test_is_generated() -> None:
    assert output.is_generated("a.nix", b"# Generated by ghafmemgen 9.9 from x\n{ }\n")
    assert not output.is_generated("a.nix", b"{ }\n# Generated by ghafmemgen 9.9\n")
    assert output.is_generated("a.json", b'{"generator": "ghafmemgen 0.0.1"}')
    assert not output.is_generated("a.json", b'["generator"]')
    assert not output.is_generated("a.txt", b"# Generated by ghafmemgen 1\n")


# -- packaging -------------------------------------------------------------------------


def test_flake_parses(nix_parse: Callable[[Path], None]) -> None:
    nix_parse(ROOT / "flake.nix")


def test_flake_exposes_what_the_issue_lists(nix_instantiate: str) -> None:
    """Evaluate the flake's outputs function against stand-in inputs: the attribute names
    per system, and lib.generate's arguments."""
    expr = f"""
      let
        flake = import {nix_path(ROOT / "flake.nix")};
        lib.genAttrs = names: f:
          builtins.listToAttrs (map (n: {{ name = n; value = f n; }}) names);
        nixpkgs = {{ inherit lib; legacyPackages = builtins.throw "not needed"; }};
        outputs = flake.outputs {{ self = outputs; inherit nixpkgs; }};
      in
      {{
        top = builtins.attrNames outputs;
        perSystem = map (n: builtins.attrNames outputs.${{n}})
          [ "packages" "apps" "checks" "devShells" ];
        generate = builtins.functionArgs outputs.lib.generate;
      }}
    """
    proc = subprocess.run(
        [nix_instantiate, "--eval", "--strict", "--json", "-E", expr],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert {"packages", "apps", "checks", "devShells", "lib"} <= set(got["top"])
    for systems in got["perSystem"]:
        assert "x86_64-linux" in systems
    assert got["generate"]["pkgs"] is False and got["generate"]["fleet"] is False
    assert got["generate"]["profile"] is True


def test_pre_commit_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"ghafmemgen-check", "ghafmemgen-render-check"}
    assert hooks["ghafmemgen-check"]["entry"] == "ghafmemgen check"
    assert hooks["ghafmemgen-render-check"]["entry"] == "ghafmemgen render --check"
    assert hooks["ghafmemgen-render-check"]["pass_filenames"] is False
    for hook in hooks.values():
        assert hook["language"] == "python"
        command = hook["entry"].split()[1]
        proc = cli(command, "--help")
        assert proc.returncode == 0, proc.stderr
