"""What a chart is made of, in viewBox units: the layout constants, text metrics, the MiB scale
and the shapes a chart template draws (charts.py places them).

Every scale derives from the largest figure a chart shows (rounded up to a power-of-two MiB
step, so ticks fall on 1, 2, 4, 8 ... GiB). A scale whose ticks are whole GiB counts in GiB
(0, 16, 32 ... 80 GiB), a finer one in MiB; hover titles always give the exact MiB. Label
widths are estimated from the font size.
"""

from __future__ import annotations

import math
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
