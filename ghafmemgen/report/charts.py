"""Chart geometry for the HTML report and `plan --format svg`, computed from the data.

The templates only draw what this module places. Every scale derives from the largest figure
a chart shows (rounded up to a power-of-two MiB step, so ticks fall on 1, 2, 4, 8 ... GiB);
the few layout constants (font size, bar heights, padding) are named below. Label widths are
estimated from the font size, so text never runs over the chart's edges, and no marker line
runs through a label. A scale whose ticks are whole GiB counts in GiB (0, 16, 32 ... 80 GiB),
a finer one in MiB; hover titles always give the exact MiB.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 960.0  # viewBox width; the page scales the SVG to its column
FONT_PX = 13.0
CHAR_EM = 0.62  # average advance of DejaVu/Helvetica-like sans text, in em
CHAR_EM_BOLD = 0.7  # the same in bold (marker and in-bar labels)
PAD = 16.0  # outer padding
GAP = 8.0  # between neighbouring labels and shapes
LANE = FONT_PX * 1.7  # one line of text
BAR = 42.0  # the stacked host bar
ROW = 20.0  # one bar in a row chart
TICK = 5.0
SWATCH = 14.0
MAX_TICKS = 8


def text_width(text: str, *, bold: bool = False) -> float:
    return len(text) * FONT_PX * (CHAR_EM_BOLD if bold else CHAR_EM)


def mib_text(value: float) -> str:
    """12288 -> "12288", 1945.60001 -> "1945.6": MiB as the plan prints them."""
    rounded = round(value, 1) + 0.0  # + 0.0: never "-0"
    return str(int(rounded)) if rounded.is_integer() else f"{rounded:.1f}"


GIB = 1024


def size_text(value: float, *, unit: str) -> str:
    """A figure as a chart counts: whole GiB on a GiB axis (32768 -> "32 GiB"), exact MiB
    otherwise (28032 -> "28032 MiB", 256 -> "256 MiB"), so no label is rounded."""
    if unit == "GiB" and float(value).is_integer() and int(value) % GIB == 0:
        return f"{int(value) // GIB} GiB"
    return f"{mib_text(value)} MiB"


@dataclass(frozen=True, slots=True, kw_only=True)
class Tick:
    x: float
    label: str
    anchor: str  # the end ticks align inwards so their labels stay on the chart


@dataclass(frozen=True, slots=True, kw_only=True)
class Scale:
    """MiB -> x for one chart: 0 at `left`, `maximum` at `left + width`."""

    left: float
    width: float
    maximum: int
    step: int

    def x(self, value: float) -> float:
        return self.left + self.width * min(max(value, 0.0), self.maximum) / self.maximum

    def span(self, start: float, value: float) -> float:
        return self.x(start + value) - self.x(start)

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def unit(self) -> str:
        """GiB when every tick is a whole GiB: 16384, 32768, 49152 read as 16, 32, 48 GiB."""
        return "GiB" if self.step % GIB == 0 else "MiB"

    def text(self, value: float) -> str:
        return size_text(value, unit=self.unit)

    def _label(self, value: int, *, last: bool) -> str:
        shown = value // GIB if self.unit == "GiB" else value
        return f"{shown} {self.unit}" if last else str(shown)

    @property
    def end_label(self) -> str:
        """The last tick's label ("80 GiB"), without making every tick."""
        return self._label(self.maximum, last=True)

    @property
    def ticks(self) -> tuple[Tick, ...]:
        count = self.maximum // self.step
        anchors = {0: "start", count: "end"}
        return tuple(
            Tick(
                x=self.x(i * self.step),
                label=self._label(i * self.step, last=i == count),
                anchor=anchors.get(i, "middle"),
            )
            for i in range(count + 1)
        )


def scale_for(largest: float, *, left: float, width: float) -> Scale:
    """The smallest power-of-two step giving at most MAX_TICKS intervals up to `largest`,
    spaced widely enough that the last, end-aligned label ("80 GiB") and the centred one
    before it never touch. The axis ends at the first tick at or past `largest`."""
    step = 1
    while True:
        maximum = max(1, math.ceil(largest / step)) * step
        spacing = width * step / maximum
        last = Scale(left=left, width=width, maximum=maximum, step=step).end_label
        roomy = spacing >= 1.5 * text_width(last) + GAP
        if step >= largest or (maximum <= step * MAX_TICKS and roomy):
            return Scale(left=left, width=width, maximum=maximum, step=step)
        step *= 2


@dataclass(frozen=True, slots=True, kw_only=True)
class Part:
    """One input slice of a bar: `key` names its style (CSS class and pattern)."""

    key: str
    label: str
    mib: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Segment:
    key: str
    label: str
    mib: float
    x: float
    y: float
    width: float
    height: float
    text: str  # drawn inside the segment; "" when it does not fit (the legend has it)
    text_x: float = 0.0  # the text's centre: the widest stretch no marker line crosses
    clipped: bool = False  # runs past the scale (drawn with a break mark)

    @property
    def title(self) -> str:  # hover text
        return f"{self.label}: {mib_text(self.mib)} MiB"


@dataclass(frozen=True, slots=True, kw_only=True)
class Marker:
    key: str
    label: str
    x: float
    top: float
    bottom: float
    text_y: float  # the label's baseline
    anchor: str  # SVG text-anchor: centred on the line, or beside it
    text_x: float = 0.0  # where the label is anchored: x, or a gap right or left of the line


@dataclass(frozen=True, slots=True, kw_only=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    key: str = "row"  # CSS class suffix


@dataclass(frozen=True, slots=True, kw_only=True)
class Legend:
    key: str
    label: str
    x: float  # the swatch's top-left corner
    y: float

    @property
    def size(self) -> float:
        return SWATCH

    @property
    def text_x(self) -> float:
        return self.x + SWATCH + GAP / 2

    @property
    def text_y(self) -> float:
        return self.y + SWATCH - FONT_PX / 5


@dataclass(frozen=True, slots=True, kw_only=True)
class Chart:
    """Everything a chart template draws, in viewBox units."""

    prefix: str  # unique id prefix for this chart's patterns and markers
    title: str
    description: str
    width: float
    height: float
    scale: Scale
    axis_y: float  # baseline of the axis (ticks hang below it)
    grid_top: float
    segments: tuple[Segment, ...]
    markers: tuple[Marker, ...]
    texts: tuple[Text, ...]
    legend: tuple[Legend, ...]

    @property
    def font_px(self) -> float:
        return FONT_PX

    @property
    def tick_bottom(self) -> float:
        return self.axis_y + TICK

    @property
    def tick_label_y(self) -> float:
        return self.axis_y + TICK + FONT_PX * 1.2


def _text_centre(x: float, width: float, text: str, lines: Sequence[float]) -> float | None:
    """Where `text` sits inside [x, x + width] without touching a marker line: the centre of
    the widest stretch between lines, or None when the text fits in none."""
    cuts = sorted(line for line in lines if x < line < x + width)
    edges = [x, *cuts, x + width]
    stretches = [
        (start + (GAP / 2 if index else 0), end - (GAP / 2 if index < len(cuts) else 0))
        for index, (start, end) in enumerate(itertools.pairwise(edges))
    ]
    start, end = max(stretches, key=lambda s: s[1] - s[0])
    return (start + end) / 2 if text_width(text, bold=True) + 2 * GAP <= end - start else None


def _segments(
    parts: Sequence[Part],
    *,
    scale: Scale,
    y: float,
    height: float,
    inside: bool = True,
    lines: Sequence[float] = (),
) -> list[Segment]:
    out: list[Segment] = []
    at = 0.0
    for part in parts:
        if part.mib > 0:
            x, width = scale.x(at), scale.span(at, part.mib)
            text = f"{part.label} {scale.text(part.mib)}"
            centre = _text_centre(x, width, text, lines) if inside else None
            clipped = at + part.mib > scale.maximum
            out.append(
                Segment(
                    key=part.key,
                    label=part.label,
                    mib=part.mib,
                    x=x,
                    y=y,
                    width=width,
                    height=height,
                    text=text if centre is not None else "",
                    text_x=centre if centre is not None else x + width / 2,
                    clipped=clipped,
                )
            )
        at += part.mib
    return out


def _anchor(x: float, width: float, *, scale: Scale) -> tuple[str, float, float]:
    """Centre a label on x unless that runs past an edge: (anchor, start, end)."""
    if x - width / 2 < scale.left:
        return "start", x, x + width
    if x + width / 2 > scale.right:
        return "end", x - width, x
    return "middle", x - width / 2, x + width / 2


def _placements(x: float, width: float, *, scale: Scale) -> list[tuple[str, float, float, float]]:
    """Where a marker's label may go: (anchor, text x, begin, end), centred on the line first,
    then beside it (a gap right, then left of the line), wherever it stays on the chart."""
    options = [
        ("middle", x, x - width / 2, x + width / 2),
        ("start", x + GAP, x + GAP, x + GAP + width),
        ("end", x - GAP, x - GAP - width, x - GAP),
    ]
    return [o for o in options if o[2] >= scale.left and o[3] <= scale.right]


def _markers(
    marks: Sequence[Part], *, scale: Scale, top: float, bottom: float
) -> tuple[list[Marker], int]:
    """Marker lines with labels stacked in lanes above `top`, so that no two labels overlap
    and no line runs through a label: a line rises to its own lane, so a label in a lower lane
    must keep clear of it, and a label in a higher lane of the lines that rise past it. A label
    sits centred on its line, or beside it when that is what keeps it clear.

    Returns the markers and the number of lanes used; lane 0 is the lowest (nearest the bars).
    """
    out: list[Marker] = []
    placed: list[tuple[int, float, float, float]] = []  # lane, label begin, label end, line x

    def free(lane: int, begin: float, end: float, x: float) -> bool:
        for other, b, e, ox in placed:
            if other == lane and begin <= e + GAP and b <= end + GAP:
                return False
            if other < lane and b - GAP / 2 <= x <= e + GAP / 2:  # this line crosses it
                return False
            if other > lane and begin - GAP / 2 <= ox <= end + GAP / 2:  # its line crosses
                return False
        return True

    for mark in sorted(marks, key=lambda m: m.mib):
        label, x = f"{mark.label} {scale.text(mark.mib)}", scale.x(mark.mib)
        width = text_width(label, bold=True)
        choices = [
            (lane, *place)
            for lane in range(len(placed) + 1)
            for place in _placements(x, width, scale=scale)
        ]
        # A label wider than the chart allows no placement: clamp it to an edge, on a new lane.
        fallback = (len(placed), *_clamped(x, width, scale=scale))
        lane, anchor, text_x, begin, end = next(
            (c for c in choices if free(c[0], c[3], c[4], x)), fallback
        )
        placed.append((lane, begin, end, x))
        lift = lane * LANE
        out.append(
            Marker(
                key=mark.key,
                label=label,
                x=x,
                top=top - lift - LANE / 4,
                bottom=bottom,
                text_y=top - lift - LANE / 2,
                anchor=anchor,
                text_x=text_x,
            )
        )
    return out, 1 + max((lane for lane, *_ in placed), default=-1)


def _clamped(x: float, width: float, *, scale: Scale) -> tuple[str, float, float, float]:
    anchor, begin, end = _anchor(x, width, scale=scale)
    return anchor, x, begin, end


def _legend(
    parts: Sequence[Part], *, top: float, left: float, right: float
) -> tuple[list[Legend], float]:
    """Swatch + label items flowing left to right, wrapping at `right`; returns the bottom."""
    items: list[Legend] = []
    x, y = left, top
    for part in parts:
        width = SWATCH + GAP / 2 + text_width(part.label) + 3 * GAP
        if x > left and x + width > right:
            x, y = left, y + LANE
        items.append(Legend(key=part.key, label=part.label, x=x, y=y))
        x += width
    return items, (y + LANE if parts else top)


def stacked_bar(
    *,
    prefix: str,
    title: str,
    description: str,
    parts: Sequence[Part],
    marks: Sequence[Part],
) -> Chart:
    """One horizontal stacked bar (`parts`, left to right) against vertical `marks`.

    The scale covers the bar and every mark. Labels sit inside a segment when they fit;
    the legend below always names every part with its value.
    """
    largest = max([sum(p.mib for p in parts), *(m.mib for m in marks)])
    scale = scale_for(largest, left=PAD, width=WIDTH - 2 * PAD)
    # Lay the marker labels out first: their lane count decides where the bar starts.
    _, lanes = _markers(marks, scale=scale, top=0.0, bottom=0.0)
    bar_y = PAD + lanes * LANE
    markers, _ = _markers(marks, scale=scale, top=bar_y, bottom=bar_y + BAR + TICK)
    axis_y = bar_y + BAR
    legend_parts = [
        Part(key=p.key, label=f"{p.label} {scale.text(p.mib)}", mib=p.mib) for p in parts
    ]
    legend, legend_bottom = _legend(
        legend_parts, top=axis_y + TICK + 2 * LANE, left=PAD, right=WIDTH - PAD
    )
    return Chart(
        prefix=prefix,
        title=title,
        description=description,
        width=WIDTH,
        height=legend_bottom + PAD / 2,
        scale=scale,
        axis_y=axis_y,
        grid_top=bar_y,
        segments=tuple(
            _segments(parts, scale=scale, y=bar_y, height=BAR, lines=[m.x for m in markers])
        ),
        markers=tuple(markers),
        texts=(),
        legend=tuple(legend),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One labelled row of a row chart: stacked `parts`, optional marks, text at the end."""

    label: str
    parts: tuple[Part, ...]
    overlay: tuple[Part, ...] = ()  # drawn thinner on top of `parts`, from 0
    marks: tuple[Part, ...] = ()
    end_text: str = ""
    end_key: str = ""


def row_chart(
    *,
    prefix: str,
    title: str,
    description: str,
    groups: Sequence[Sequence[Row]],
    largest: float,
    legend: Sequence[Part] = (),
) -> Chart:
    """Groups of horizontal bars sharing one scale, a label gutter left and a text column
    right of the plot (so markers never cross the text).

    A group's marks span all of its rows, their labels stacked in lanes above the group.

    `largest` is the figure the scale must reach; parts running past it are clipped and
    marked, so one huge balloon does not flatten every other bar.
    """
    rows = [row for group in groups for row in group]
    gutter = max(text_width(text) for text in [*(r.label for r in rows), ""]) + GAP
    end_room = max(text_width(r.end_text) for r in rows) + 2 * GAP if rows else 0.0
    scale = scale_for(largest, left=PAD + gutter, width=WIDTH - 2 * PAD - gutter - end_room)
    segments: list[Segment] = []
    markers: list[Marker] = []
    texts: list[Text] = []
    y = PAD
    for group in groups:
        marks = [m for row in group for m in row.marks]
        _, lanes = _markers(marks, scale=scale, top=0.0, bottom=0.0)
        y += lanes * LANE
        group_top = y
        for row in group:
            baseline = y + ROW * 0.7
            if row.label:
                texts.append(Text(x=scale.left - GAP, y=baseline, text=row.label, anchor="end"))
            segments += _segments(row.parts, scale=scale, y=y, height=ROW, inside=False)
            segments += _segments(
                row.overlay, scale=scale, y=y + ROW / 4, height=ROW / 2, inside=False
            )
            texts.append(Text(x=scale.right + GAP, y=baseline, text=row.end_text, key=row.end_key))
            y += ROW + GAP / 2
        group_markers, _ = _markers(marks, scale=scale, top=group_top, bottom=y - GAP / 2)
        markers += group_markers
        y += 2 * GAP
    legend_items, legend_bottom = _legend(
        legend, top=y + TICK + 2 * LANE, left=PAD, right=WIDTH - PAD
    )
    return Chart(
        prefix=prefix,
        title=title,
        description=description,
        width=WIDTH,
        height=legend_bottom + PAD / 2,
        scale=scale,
        axis_y=y,
        grid_top=PAD,
        segments=tuple(segments),
        markers=tuple(markers),
        texts=tuple(texts),
        legend=tuple(legend_items),
    )
