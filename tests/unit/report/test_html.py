"""`ghafmemgen report` and `plan --format svg`: the page's content, its chart geometry, that it
is self-contained and escaped, and what headless Chromium makes of it (screenshot, DOM, network).

GHAFMEMGEN_UPDATE_SCREENSHOT=1 makes the browser test write its screenshot to docs/report.png
(the README shows it).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ghafmemgen import pipeline
from ghafmemgen.findings import Selection
from ghafmemgen.memory.simulate import simulate
from ghafmemgen.report import charts, figures, shapes
from ghafmemgen.report import html as htmlreport

from inprocess import run_cli
from support import CHROMIUM_FLAGS, LAPTOP, ROOT

SCREENSHOT = ROOT / "docs" / "report.png"
UPDATE_SCREENSHOT = os.environ.get("GHAFMEMGEN_UPDATE_SCREENSHOT") == "1"
SVG_NS = "{http://www.w3.org/2000/svg}"

# -- helpers ----------------------------------------------------------------------------

VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }
)
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "xlink:href",
        "srcset",
        "action",
        "formaction",
        "poster",
        "data",
        "background",
        "ping",
        "cite",
        "longdesc",
        "manifest",
        "codebase",
    }
)
FETCHING_TAGS = frozenset(
    {
        "script",
        "iframe",
        "frame",
        "object",
        "embed",
        "link",
        "img",
        "audio",
        "video",
        "source",
        "base",
        "image",
        "use",
        "foreignobject",
    }
)


@dataclass(frozen=True)
class TextNode:
    text: str
    ids: tuple[str, ...]  # of the node's ancestors
    classes: frozenset[str]


@dataclass
class Page(HTMLParser):
    """A parsed page: its text nodes with their ancestors' ids and classes, every URL-bearing
    attribute, every tag name and its CSS (style elements and attributes)."""

    texts: list[TextNode] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    css: list[str] = field(default_factory=list)
    stack: list[tuple[str, str | None, tuple[str, ...]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    @classmethod
    def of(cls, html: str) -> Page:
        page = cls()
        page.feed(html)
        page.close()
        return page

    def _attributes(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if value is None:
                continue
            if name in URL_ATTRIBUTES:
                self.urls.append(value)
            if name == "style" or "url(" in value:
                self.css.append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._attributes(tag, attrs)
        if tag not in VOID:
            found = dict(attrs)
            self.stack.append((tag, found.get("id"), tuple((found.get("class") or "").split())))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._attributes(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][0] == "style":
            self.css.append(data)
        elif data.strip():
            ids = tuple(i for _, i, _ in self.stack if i)
            classes = frozenset(c for _, _, cs in self.stack for c in cs)
            self.texts.append(TextNode(text=data.strip(), ids=ids, classes=classes))

    def text_in(self, section: str, *, css_class: str | None = None) -> list[str]:
        return [
            t.text
            for t in self.texts
            if section in t.ids and (css_class is None or css_class in t.classes)
        ]


def external_references(html: str) -> list[str]:
    """Everything in a page that could make the browser fetch something."""
    page = Page.of(html)
    refs = [url for url in page.urls if not url.startswith("#")]
    for css in page.css:
        refs += [u for u in re.findall(r"url\(\s*['\"]?([^'\")\s]*)", css) if not u.startswith("#")]
        refs += re.findall(r"@import[^;]*", css)
    refs += [f"<{tag}>" for tag in page.tags if tag in FETCHING_TAGS]
    return refs


def render(path: Path = LAPTOP, profiles: list[str | None] | None = None) -> str:
    loaded = pipeline.load(path)
    variants = profiles if profiles is not None else pipeline.all_variants(loaded, None)
    html, _ = htmlreport.render_report(loaded, profiles=variants, selection=Selection())
    return html


def expected(profile: str | None) -> dict[str, Any]:
    """What a variant's section must show, from the pipeline (not from the page)."""
    loaded = pipeline.load(LAPTOP)
    var = pipeline.variant(loaded, profile)
    findings = pipeline.check(loaded, profiles=[profile], selection=Selection(), simulate=True)
    h = var.plan.host
    return {
        "anchor": "fleet" if profile is None else f"profile-{profile}",
        "vms": [vm.name for vm in var.plan.vms],
        "rules": sorted({f.rule for f in findings}),
        "findings": findings,
        # the host charts count whole GiB (RAM 32768 MiB -> "RAM 32 GiB")
        "markers": {
            f"RAM {h.ram_mib // 1024} GiB",
            f"RAM + swap {(h.ram_mib + h.swap_mib) // 1024} GiB",
        },
    }


LAPTOP_PROFILES: list[str | None] = [None, "low", "minimal"]


def assert_page_shows_every_variant(html: str) -> None:
    page = Page.of(html)
    for profile in LAPTOP_PROFILES:
        want = expected(profile)
        section = want["anchor"]
        texts = page.text_in(section)
        assert texts, f"no section {section}"
        for name in want["vms"]:
            assert name in page.text_in(section, css_class="vms"), (section, name)
        assert sorted(set(page.text_in(section, css_class="rule"))) == want["rules"], section
        markers = set(page.text_in(section, css_class="marker-label"))
        assert want["markers"] <= markers, (section, markers)


# -- the page ---------------------------------------------------------------------------


def test_report_command_writes_the_page_and_summarises_on_stderr(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, stdout, err = run_cli("report", str(LAPTOP), "-o", str(out))
    assert code == 0, err
    assert stdout == ""
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert_page_shows_every_variant(html)
    # counted as check counts them (each finding once), GMG080 said apart
    findings = pipeline.unique(f for p in LAPTOP_PROFILES for f in expected(p)["findings"])
    simulated = [f for f in findings if f.rule == "GMG080"]
    rules = [f for f in findings if f.rule != "GMG080"]
    errors = sum(1 for f in rules if f.severity == "error")
    assert f"3 profiles, {errors} error and {len(rules) - errors} warnings as check" in err
    assert f"the S3-resume simulation adds {len(simulated)} error (GMG080" in err


def test_findings_show_rule_severity_message_and_location() -> None:
    page = Page.of(render())
    for profile in LAPTOP_PROFILES:
        want = expected(profile)
        texts = page.text_in(want["anchor"], css_class="findings")
        for finding in want["findings"]:
            assert finding.message in texts
            assert f"{finding.file}:{finding.line}:{finding.column}" in texts
            assert finding.severity in texts


def test_a_section_per_requested_profile_only(tmp_path: Path) -> None:
    out = tmp_path / "low.html"
    args = ["report", str(LAPTOP), "-o", str(out), "--profile", "low", "-p", "low"]
    code, _, err = run_cli(*args)
    assert code == 0, err
    page = Page.of(out.read_text(encoding="utf-8"))
    ids = {i for t in page.texts for i in t.ids}
    assert "profile-low" in ids
    assert not ids & {"fleet", "profile-minimal"}
    assert ": 1 profile, " in err


def test_unknown_profile_and_bad_fleet_write_nothing(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, _, err = run_cli("report", str(LAPTOP), "-o", str(out), "-p", "nope")
    assert code == 2 and "no profile 'nope'" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nhost: {ram: 1GiB}\nvms: {a-vm: {kind: app, mem: -1}}\n")
    code, _, err = run_cli("report", str(bad), "-o", str(out))
    assert code == 1 and "GMG001" in err
    assert list(tmp_path.iterdir()) == [bad]


def test_select_and_ignore_filter_the_findings(tmp_path: Path) -> None:
    ignored, selected = tmp_path / "ignored.html", tmp_path / "selected.html"
    run_cli("report", str(LAPTOP), "-o", str(ignored), "--ignore", "GMG03")
    run_cli("report", str(LAPTOP), "-o", str(selected), "--select", "GMG080")
    every = {t for p in LAPTOP_PROFILES for t in expected(p)["rules"]}
    assert {r for r in every if r.startswith("GMG03")} and "GMG080" in every  # both matter
    rules_ignored = {t.text for t in Page.of(ignored.read_text()).texts if "rule" in t.classes}
    rules_selected = {t.text for t in Page.of(selected.read_text()).texts if "rule" in t.classes}
    assert rules_ignored == {r for r in every if not r.startswith("GMG03")}
    assert rules_selected == {"GMG080"}


def test_page_is_self_contained() -> None:
    html = render()
    assert external_references(html) == []
    assert re.search(r"(?i)\b(?:https?|ftp)://", html) is None
    # every internal reference (nav links, fill patterns, chart labels) finds its one target
    ids = Counter(re.findall(r'\bid="([^"]+)"', html))
    assert [name for name, count in ids.items() if count > 1] == []
    refs = re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', html)
    labelled = [
        n for names in re.findall(r'aria-labelledby="([^"]+)"', html) for n in names.split()
    ]
    assert refs and labelled
    assert {name for pair in refs for name in pair if name} | set(labelled) <= set(ids)


@pytest.mark.parametrize(
    "injected",
    [
        '<img src="http://example.invalid/x.png">',
        '<link rel="stylesheet" href="https://example.invalid/x.css">',
        '<div style="background: url(//example.invalid/bg.png)"></div>',
        "<style>@import 'x.css';</style>",
        "<script>1</script>",
        '<svg><image href="pic.png"/></svg>',
    ],
)
def test_self_containment_check_catches_external_references(injected: str) -> None:
    html = render().replace("</main>", f"{injected}</main>")
    assert external_references(html)


def test_output_is_deterministic_and_has_no_timestamp() -> None:
    first, second = render(), render()
    assert first == second
    assert re.search(r"\d{4}-\d\d-\d\d|\d\d:\d\d:\d\d", first) is None


def test_fleet_strings_are_escaped(tmp_path: Path) -> None:
    path = tmp_path / 'fleet<b>&"x.yaml'
    shutil.copy(LAPTOP, path)
    html = render(path, [None])
    assert "<b>" not in html
    assert "fleet&lt;b&gt;&amp;&#34;x.yaml" in html
    chart = charts.stacked_bar(
        prefix="p",
        title="<script>alert(1)</script>",
        description='a "quote" & <tag>',
        parts=[shapes.Part(key="app", label="<i>vm</i>", mib=4096)],
        marks=[shapes.Part(key="ram", label="RAM<", mib=8192)],
    )
    svg = htmlreport.environment().get_template("chart.svg.j2").render(chart=chart)
    root = ET.fromstring(svg)  # well-formed, so nothing leaked into the markup
    texts = "".join(root.itertext())
    assert "<script>alert(1)</script>" in texts and "<i>vm</i> 4 GiB" in texts
    assert "<script>" not in svg and "<i>" not in svg


def test_print_and_dark_mode_styles() -> None:
    css = "".join(Page.of(render()).css)
    dark = re.search(
        r"@media screen and \(prefers-color-scheme: dark\)\s*\{(.*?)\}\s*\}", css, re.S
    )
    assert dark, "no dark colour scheme"
    light = re.search(r":root\s*\{(.*?)\}", css, re.S)
    assert light
    variables = set(re.findall(r"(--[\w-]+):", light.group(1)))
    assert variables == set(re.findall(r"(--[\w-]+):", dark.group(1)))  # every colour flips
    assert re.search(r"@media print\s*\{[^@]*break-inside: avoid", css)


def test_every_figure_has_a_title_labels_and_patterns() -> None:
    root_html = render()
    svgs = re.findall(r"<svg class=\"chart\".*?</svg>", root_html, re.S)
    assert len(svgs) == 1 + 3 * len(LAPTOP_PROFILES)
    for svg in svgs:
        root = ET.fromstring(svg.replace("<svg ", f'<svg xmlns="{SVG_NS[1:-1]}" ', 1))
        assert (root.findtext(f"{SVG_NS}title") or "").strip()
        assert (root.findtext(f"{SVG_NS}desc") or "").strip()
        assert any(t.text and t.text.strip() for t in root.iter(f"{SVG_NS}text"))
        keys = {
            g.get("class", "").split()[1]
            for g in root.iter(f"{SVG_NS}g")
            if g.get("class", "").startswith("seg ")
        }
        patterned = {
            g.get("class", "").split()[1]
            for g in root.iter(f"{SVG_NS}g")
            if g.find(f"{SVG_NS}rect[@class='pattern']") is not None
        }
        # at most one style per chart is plain fill; every other one carries a pattern
        assert len(keys - patterned) <= 1, keys - patterned


# -- chart geometry ---------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=2**26))
def test_scale_covers_the_data_with_readable_ticks(largest: int) -> None:
    scale = shapes.scale_for(largest, left=10, width=700)
    assert largest <= scale.maximum < largest + scale.step or scale.maximum == scale.step
    ticks = scale.ticks
    assert len(ticks) - 1 <= shapes.MAX_TICKS or scale.step >= largest
    assert ticks[0].x == 10 and ticks[-1].x == pytest.approx(710)
    if len(ticks) > 2:
        spacing = ticks[1].x - ticks[0].x
        assert spacing >= 1.5 * shapes.text_width(ticks[-1].label) + shapes.GAP


def test_host_bar_is_proportional_and_ends_at_the_worst_case() -> None:
    for profile in LAPTOP_PROFILES:
        var = pipeline.variant(pipeline.load(LAPTOP), profile)
        chart = figures.host_chart(var, prefix="t")
        h, scale = var.plan.host, chart.scale
        segments = chart.segments
        assert sum(s.mib for s in segments) == h.worst_case_mib
        assert segments[0].x == scale.left
        for before, after in itertools.pairwise(segments):
            assert after.x == pytest.approx(before.x + before.width)
        for s in segments:
            assert s.width == pytest.approx(scale.width * s.mib / scale.maximum)
        assert segments[-1].x + segments[-1].width == pytest.approx(scale.x(h.worst_case_mib))
        by_key = {m.key: m for m in chart.markers}
        assert by_key["ram"].x == pytest.approx(scale.x(h.ram_mib))
        assert by_key["ram-swap"].x == pytest.approx(scale.x(h.ram_mib + h.swap_mib))
        assert scale.maximum >= max(h.worst_case_mib, h.ram_mib + h.swap_mib)


def _extent(marker: shapes.Marker) -> tuple[float, float]:
    width = shapes.text_width(marker.label, bold=True)
    start = {"start": 0.0, "middle": width / 2, "end": width}[marker.anchor]
    return marker.text_x - start, marker.text_x - start + width


@given(st.lists(st.integers(min_value=0, max_value=100_000), min_size=1, max_size=6))
def test_marker_labels_never_overlap_and_stay_on_the_chart(values: list[int]) -> None:
    marks = [shapes.Part(key=f"m{i}", label="RAM + swap", mib=v) for i, v in enumerate(values)]
    chart = charts.stacked_bar(prefix="t", title="t", description="d", parts=[], marks=marks)
    placed = [(m.text_y, *_extent(m)) for m in chart.markers]
    for lane, begin, end in placed:
        assert begin >= 0 and end <= chart.width
        assert lane > 0
    for i, (lane_a, begin_a, end_a) in enumerate(placed):
        for lane_b, begin_b, end_b in placed[i + 1 :]:
            if lane_a == lane_b:
                assert end_a < begin_b or end_b < begin_a


def test_segment_text_only_where_it_fits() -> None:
    parts = [shapes.Part(key="app", label="app VMs", mib=v) for v in (50, 5000, 20000)]
    chart = charts.stacked_bar(prefix="t", title="t", description="d", parts=parts, marks=[])
    for s in chart.segments:
        if s.text:
            assert shapes.text_width(s.text, bold=True) < s.width
    assert [bool(s.text) for s in chart.segments] == [False, True, True]
    assert {item.label for item in chart.legend} == {f"app VMs {v} MiB" for v in (50, 5000, 20000)}


def test_resume_rows_split_the_spike_and_clip_big_balloons() -> None:
    var = pipeline.variant(pipeline.load(LAPTOP), "minimal")
    sim = simulate(var.fleet, var.plan)
    chart = figures.resume_chart(sim, prefix="t")
    scale = chart.scale
    rows = [figures._resume_row(vm) for vm in sim.vms]
    oom = [vm for vm in sim.vms if not vm.survived]
    assert oom, "the minimal profile's audio-vm runs out on resume"
    for vm, row in zip(sim.vms, rows, strict=True):
        held = sum(p.mib for p in row.overlay)
        assert held == pytest.approx(vm.spike_mib)
        shortfall = next(p.mib for p in row.overlay if p.key == "oom")
        assert shortfall == pytest.approx(vm.shortfall_mib)
        assert row.end_text.startswith("OOM") == (not vm.survived)
    # the scale is sized for the spikes: only the pale room can run past it, never a spike
    clipped = [s for s in chart.segments if s.clipped]
    assert clipped and all(s.key.startswith("room-") for s in clipped)
    assert all(s.x + s.width <= scale.right + 1e-6 for s in chart.segments)


# -- plan --format svg ------------------------------------------------------------------


def test_plan_svg_is_a_standalone_svg_file(tmp_path: Path) -> None:
    out = tmp_path / "low.svg"
    args = ["plan", str(LAPTOP), "-p", "low", "--format", "svg", "-o", str(out)]
    code, _, err = run_cli(*args)
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    root = ET.fromstring(text.encode())
    assert root.tag == f"{SVG_NS}svg"
    assert root.find(f"{SVG_NS}style") is not None
    labels = {t.text for t in root.iter(f"{SVG_NS}text")}
    assert expected("low")["markers"] <= labels
    assert external_references(text) == []


# -- in the browser ---------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    dom: str
    screenshot: bytes
    net_log: dict[str, Any]


def visit(chromium: str, page: Path, work: Path, *, size: tuple[int, int] = (1200, 1600)) -> Visit:
    """Open `page` in headless Chromium once: DOM after load, a screenshot and a net log."""
    shot, log = work / "screenshot.png", work / "net-log.json"
    proc = subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={work / 'profile'}",
            f"--window-size={size[0]},{size[1]}",
            f"--screenshot={shot}",
            f"--log-net-log={log}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return Visit(dom=proc.stdout, screenshot=shot.read_bytes(), net_log=json.loads(log.read_text()))


def page_requests(net_log: dict[str, Any]) -> list[str]:
    """URLs the page asked the network stack for. Chromium's own background requests (update
    checks, network time) have no initiator and are not keyed to the page's file:// site; a
    request the page makes has one or the other. file: and data: URLs never leave the machine."""
    start_job = net_log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in net_log["events"]:
        params = event.get("params", {})
        if event["type"] != start_job or "url" not in params:
            continue
        from_page = params.get("initiator", "not an origin") != "not an origin" or (
            "file://" in params.get("network_isolation_key", "")
        )
        if from_page and not params["url"].startswith(("file:", "data:")):
            urls.append(params["url"])
    return urls


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


PNG_PREDICTORS: dict[int, Callable[[int, int, int], int]] = {
    1: lambda a, b, c: a,
    2: lambda a, b, c: b,
    3: lambda a, b, c: (a + b) >> 1,
    4: _paeth,
}


def decode_png(data: bytes) -> tuple[int, int, list[bytes], int]:
    """8-bit RGB(A) PNG -> (width, height, rows of pixel bytes, bytes per pixel), stdlib only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, chunks, header = 8, [], b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        chunks += [body] if kind == b"IDAT" else []
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(b"".join(chunks)), width * bpp
    prev, rows = bytearray(stride), []
    for y in range(height):
        at = y * (stride + 1)
        kind, line = raw[at], bytearray(raw[at + 1 : at + 1 + stride])
        if kind == 2:  # "up", the commonest filter: one pass in C
            line = bytearray((x + b) & 0xFF for x, b in zip(line, prev, strict=True))
        elif kind:
            predict = PNG_PREDICTORS[kind]
            for i in range(stride):
                a, c = (line[i - bpp], prev[i - bpp]) if i >= bpp else (0, 0)
                line[i] = (line[i] + predict(a, prev[i], c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


def looks_blank(png: bytes) -> bool:
    """Blank: (almost) one colour. A page with text and charts has many colours, and more
    than a few percent of its pixels differ from the background."""
    width, height, rows, bpp = decode_png(png)
    colours = Counter(row[i : i + bpp] for row in rows for i in range(0, len(row), bpp))
    background = colours.most_common(1)[0][1]
    return len(colours) < 16 or 1 - background / (width * height) < 0.02


@pytest.mark.browser
def test_report_in_headless_chromium(
    chromium: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # the page names the fleet as given: fixtures/ghaf-laptop.yaml
    page = tmp_path / "report.html"
    page.write_text(render(LAPTOP.relative_to(ROOT)), encoding="utf-8")
    seen = visit(chromium, page, tmp_path)
    assert not looks_blank(seen.screenshot)
    assert_page_shows_every_variant(seen.dom)
    assert seen.net_log["events"], "the net log is empty: the check below would prove nothing"
    assert page_requests(seen.net_log) == []
    if UPDATE_SCREENSHOT:
        SCREENSHOT.write_bytes(seen.screenshot)


@pytest.mark.browser
def test_browser_checks_catch_network_requests_and_blank_pages(
    chromium: str, tmp_path: Path
) -> None:
    page = tmp_path / "leaky.html"
    page.write_text(
        "<!DOCTYPE html><title>blank</title><body style='margin:0;background:#fff'>"
        '<img src="http://ghafmemgen-probe.invalid/pixel.png" alt="">'
        '<div style="width:9px;height:9px;background:url(https://ghafmemgen-probe.invalid/bg.png)">'
        "</div></body>",
        encoding="utf-8",
    )
    seen = visit(chromium, page, tmp_path, size=(400, 300))
    assert sorted(page_requests(seen.net_log)) == [
        "http://ghafmemgen-probe.invalid/pixel.png",
        "https://ghafmemgen-probe.invalid/bg.png",
    ]
    assert looks_blank(seen.screenshot)
