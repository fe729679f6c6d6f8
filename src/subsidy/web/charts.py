"""Bar charts drawn on the server as SVG geometry, so they show without any JavaScript.

The functions here only compute positions and labels; ``templates/charts.html`` draws them.
Each chart is also given as a table on the page, for screen readers and for exact figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Format = Callable[[int], str]

ROW_HEIGHT = 28
LABEL_WIDTH = 150
PLOT_WIDTH = 420
VALUE_WIDTH = 130
COLUMN_PLOT_HEIGHT = 220
AXIS_WIDTH = 90
GROUP_WIDTH = 150
TOP = 12


@dataclass(frozen=True)
class Bar:
    """One bar: its box, its series (for the colour) and the text read out for it."""

    x: float
    y: float
    width: float
    height: float
    series: int
    label: str


@dataclass(frozen=True)
class Tick:
    """A gridline and its label."""

    position: float
    label: str


@dataclass(frozen=True)
class Caption:
    """A category's label and where it is written."""

    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    """Everything the template needs to draw one chart."""

    width: int
    height: int
    bars: tuple[Bar, ...]
    captions: tuple[Caption, ...]
    values: tuple[Caption, ...]
    ticks: tuple[Tick, ...]
    series: tuple[str, ...]
    horizontal: bool


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ at or above ``value`` (1 for nothing), for the axis."""
    if value <= 1:
        return 1
    power = int(10 ** math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def horizontal_bars(items: Sequence[tuple[str, int]], fmt: Format) -> Chart:
    """One bar per item, labelled on the left, its value written at its end."""
    top = nice_ceiling(max((value for _, value in items), default=0))
    bars, captions, values = [], [], []
    for index, (label, value) in enumerate(items):
        y = TOP + index * ROW_HEIGHT
        width = PLOT_WIDTH * value / top
        bars.append(Bar(LABEL_WIDTH, y + 4, width, ROW_HEIGHT - 8, 0, f"{label}: {fmt(value)}"))
        captions.append(Caption(LABEL_WIDTH - 8, y + ROW_HEIGHT / 2, label))
        values.append(Caption(LABEL_WIDTH + width + 6, y + ROW_HEIGHT / 2, fmt(value)))
    height = TOP * 2 + max(len(items), 1) * ROW_HEIGHT
    return Chart(
        width=LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH,
        height=height,
        bars=tuple(bars),
        captions=tuple(captions),
        values=tuple(values),
        ticks=(),
        series=(),
        horizontal=True,
    )


def grouped_columns(
    groups: Sequence[str],
    series: Sequence[str],
    values: Sequence[Sequence[int]],
    fmt: Format,
    axis_fmt: Format,
) -> Chart:
    """Columns per group (a fiscal year), one per series, on a shared axis with ticks."""
    top = nice_ceiling(max((max(row, default=0) for row in values), default=0))
    column = (GROUP_WIDTH - 20) / max(len(series), 1)
    bars = []
    captions = []
    for g, (group, row) in enumerate(zip(groups, values, strict=True)):
        left = AXIS_WIDTH + g * GROUP_WIDTH + 10
        for s, value in enumerate(row):
            height = COLUMN_PLOT_HEIGHT * max(value, 0) / top
            y = TOP + COLUMN_PLOT_HEIGHT - height
            label = f"{group} {series[s]}: {fmt(value)}"
            bars.append(Bar(left + s * column, y, column - 2, height, s, label))
        captions.append(
            Caption(left + (GROUP_WIDTH - 20) / 2, TOP + COLUMN_PLOT_HEIGHT + 18, group)
        )
    ticks = tuple(
        Tick(TOP + COLUMN_PLOT_HEIGHT * (1 - share), axis_fmt(round(top * share)))
        for share in (0, 0.5, 1)
    )
    return Chart(
        width=AXIS_WIDTH + max(len(groups), 1) * GROUP_WIDTH + 10,
        height=TOP + COLUMN_PLOT_HEIGHT + 32,
        bars=tuple(bars),
        captions=tuple(captions),
        values=(),
        ticks=ticks,
        series=tuple(series),
        horizontal=False,
    )
