"""What every chart of the report shares: the canvas and its plot area, the value axis
(a linear scale from 0 with round ticks), axis lines and titles, tick labels, legends.

The line chart and the bar chart draw their vertical axis with ValueAxis; all three
charts (the heatmap too) place their tick labels, axis titles and legend through Plot,
so they look alike and a fix to one axis is a fix to all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tikdb.outputs.report.formats import fmt_compact
from tikdb.outputs.report.markup import Html, lines, raw, start, tag, void
from tikdb.outputs.report.style import FONT

INK, TICK_INK, NOTE_INK = "#111", "#333", "#555"


def nice_ticks(high: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least high (1, 2, 2.5 or 5 times a power of ten):
    the last tick is the first at or above high, so the data fills the axis."""
    if high <= 0:
        return [0.0, 1.0]
    raw_step = high / count
    power = 10 ** math.floor(math.log10(raw_step))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw_step)
    ticks = [0.0]
    while ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


@dataclass(frozen=True)
class Plot:
    """An SVG chart of width x height pixels; the plot area lies inside the margins, the
    legend to its right."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def x0(self) -> int:
        return self.left

    @property
    def x1(self) -> int:
        return self.width - self.right

    @property
    def y0(self) -> int:
        return self.top

    @property
    def y1(self) -> int:
        return self.height - self.bottom

    def open(self, title: str) -> list[Html]:
        """The opening <svg> tag, with title as its accessible name, and its <title>."""
        return [
            start(
                "svg",
                class_="chart",
                role="img",
                aria_label=title,
                viewBox=f"0 0 {self.width} {self.height}",
                width=self.width,
                height=self.height,
                xmlns="http://www.w3.org/2000/svg",
                font_family=raw(FONT),
                font_size=12,
            ),
            tag("title", title),
        ]

    def x_axis(self) -> Html:
        """The horizontal axis line along the bottom of the plot area."""
        return void(
            "line", class_="axis", x1=self.x0, x2=self.x1, y1=self.y1, y2=self.y1, stroke=TICK_INK
        )

    def x_label(self, x: float, text: str, below: int = 18) -> Html:
        """A tick label centred under x."""
        return tag(
            "text",
            text,
            class_="tick",
            x=f"{x:.1f}",
            y=self.y1 + below,
            text_anchor="middle",
            fill=TICK_INK,
        )

    def y_label(self, y: float, text: str) -> Html:
        """A tick label left of the plot area, centred on y."""
        return tag(
            "text",
            text,
            class_="tick",
            x=self.x0 - 8,
            y=f"{y + 4:.1f}",
            text_anchor="end",
            fill=TICK_INK,
        )

    def x_title(self, text: str) -> Html:
        return tag(
            "text",
            text,
            class_="axis-title",
            x=(self.x0 + self.x1) / 2,
            y=self.height - 10,
            text_anchor="middle",
            fill=INK,
            font_weight=600,
        )

    def y_title(self, text: str) -> Html:
        """The vertical axis title, turned to read bottom to top."""
        return tag(
            "text",
            text,
            class_="axis-title",
            transform=f"translate(16,{(self.y0 + self.y1) / 2:.1f}) rotate(-90)",
            text_anchor="middle",
            fill=INK,
            font_weight=600,
        )

    def legend(self, entries: list[Html]) -> list[Html]:
        """The legend right of the plot area, and the end of the chart."""
        return [
            start("g", class_="legend", transform=f"translate({self.x1 + 24},{self.y0 + 4})"),
            *entries,
            raw("</g></svg>"),
        ]

    def no_data(self, title: str) -> Html:
        """The whole chart when there is nothing to draw."""
        middle = tag(
            "text",
            "No data",
            x=self.width / 2,
            y=self.height / 2,
            text_anchor="middle",
            fill=NOTE_INK,
        )
        return lines(*self.open(title), middle, raw("</svg>"))


def swatch(y: float, fill: str, label: str, stroke: str | None = None) -> list[Html]:
    """A legend entry at height y: a colour square and its label."""
    return [
        void("rect", x=0, y=y, width=14, height=14, fill=fill, stroke=stroke),
        tag("text", label, x=22, y=y + 12, fill=INK),
    ]


def legend_note(y: float, text: str, fill: str = NOTE_INK) -> Html:
    """A line of text in a legend."""
    return tag("text", text, x=0, y=y, fill=fill)


@dataclass(frozen=True)
class ValueAxis:
    """The vertical axis of amounts in a Plot: 0 at the bottom, round ticks up to the first
    at or above the largest value, grid lines across the plot, labels such as 2.5k or 1.2M."""

    plot: Plot
    ticks: list[float]

    @classmethod
    def covering(cls, plot: Plot, high: float) -> ValueAxis:
        """The axis whose ticks run from 0 to at least high."""
        return cls(plot, nice_ticks(high))

    def y(self, value: float) -> float:
        """The vertical pixel position of value."""
        p = self.plot
        return p.y1 - (p.y1 - p.y0) * value / self.ticks[-1]

    def draw(self, title: str) -> list[Html]:
        """Grid lines and labels at the ticks, the axis line, the axis title."""
        p = self.plot
        parts = []
        for t in self.ticks:
            y = f"{self.y(t):.1f}"
            parts.append(
                void("line", class_="grid", x1=p.x0, x2=p.x1, y1=y, y2=y, stroke="#e3e3e3")
            )
            parts.append(p.y_label(self.y(t), fmt_compact(t)))
        parts.append(
            void("line", class_="axis", x1=p.x0, x2=p.x0, y1=p.y0, y2=p.y1, stroke=TICK_INK)
        )
        parts.append(p.y_title(title))
        return parts
