"""Chart geometry for the HTML report and `plan --format svg`, computed from the data.

The templates only draw what this module places, from the shapes in shapes.py. The few layout
constants (font size, bar heights, padding) are named there. Labels never run over the chart's
edges, and no marker line runs through a label.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from ghafmemgen.report.shapes import (
    BAR,
    GAP,
    LANE,
    PAD,
    ROW,
    SWATCH,
    TICK,
    WIDTH,
    Chart,
    Legend,
    Marker,
    Part,
    Scale,
    Segment,
    Text,
    scale_for,
    text_width,
)


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


def _with_legend(
    legend: Sequence[Part],
    *,
    prefix: str,
    title: str,
    description: str,
    scale: Scale,
    axis_y: float,
    grid_top: float,
    segments: Sequence[Segment],
    markers: Sequence[Marker],
    texts: Sequence[Text],
) -> Chart:
    """The chart, with the legend flowing below its axis labels; the chart ends under it."""
    items, bottom = _legend(legend, top=axis_y + TICK + 2 * LANE, left=PAD, right=WIDTH - PAD)
    return Chart(
        prefix=prefix,
        title=title,
        description=description,
        width=WIDTH,
        height=bottom + PAD / 2,
        scale=scale,
        axis_y=axis_y,
        grid_top=grid_top,
        segments=tuple(segments),
        markers=tuple(markers),
        texts=tuple(texts),
        legend=tuple(items),
    )


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
    return _with_legend(
        [Part(key=p.key, label=f"{p.label} {scale.text(p.mib)}", mib=p.mib) for p in parts],
        prefix=prefix,
        title=title,
        description=description,
        scale=scale,
        axis_y=axis_y,
        grid_top=bar_y,
        segments=_segments(parts, scale=scale, y=bar_y, height=BAR, lines=[m.x for m in markers]),
        markers=markers,
        texts=(),
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
    return _with_legend(
        legend,
        prefix=prefix,
        title=title,
        description=description,
        scale=scale,
        axis_y=y,
        grid_top=PAD,
        segments=segments,
        markers=markers,
        texts=texts,
    )
