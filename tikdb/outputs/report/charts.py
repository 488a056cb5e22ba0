"""The report's charts, drawn as inline SVG: weekly lines, bars per slide count, and a
weekday x hour heatmap. Axes, labels and legends come from axes.py."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from tikdb.outputs.report.axes import Plot, ValueAxis, legend_note, swatch
from tikdb.outputs.report.formats import fmt_compact, fmt_int
from tikdb.outputs.report.markup import Html, lines, tag, void
from tikdb.outputs.report.style import PALETTE, SEQUENTIAL

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LEGEND_LABEL_CHARS = 22  # longer series labels are cut with an ellipsis


@dataclass(frozen=True)
class Series:
    label: str
    points: list[tuple[date, float]]


def line_chart(
    series: Sequence[Series],
    title: str,
    x_title: str,
    y_title: str,
    width: int = 900,
    height: int = 360,
) -> Html:
    """Lines over dates, with axes, ticks, axis titles and a legend on the right."""
    plot = Plot(width, height, left=76, right=200, top=16, bottom=56)
    points = [p for s in series for p in s.points]
    if not points:
        return plot.no_data(title)
    axis = ValueAxis.covering(plot, max(p[1] for p in points))
    first = min(p[0] for p in points)
    last = max(p[0] for p in points)
    span = max((last - first).days, 1)

    def x_of(d: date) -> float:
        if last == first:
            return (plot.x0 + plot.x1) / 2
        return plot.x0 + (plot.x1 - plot.x0) * (d - first).days / span

    parts = [*plot.open(title), *axis.draw(y_title), plot.x_axis()]
    dates = sorted({p[0] for p in points})
    step = max(1, math.ceil(len(dates) / 7))  # at most 7 date labels
    for d in dates[::step]:
        x = f"{x_of(d):.1f}"
        parts.append(void("line", x1=x, x2=x, y1=plot.y1, y2=plot.y1 + 5, stroke="#333"))
        parts.append(plot.x_label(x_of(d), d.isoformat()))
    parts.append(plot.x_title(x_title))
    for i, s in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        points_in_order = sorted(s.points)
        coords = [(x_of(d), axis.y(v)) for d, v in points_in_order]
        path = " ".join(
            f"{'M' if j == 0 else 'L'}{x:.1f},{y:.1f}" for j, (x, y) in enumerate(coords)
        )
        parts.append(
            tag(
                "path",
                tag("title", s.label),
                class_="series",
                d=path,
                fill="none",
                stroke=color,
                stroke_width=2.2,
                stroke_linejoin="round",
            )
        )
        for (x, y), (d, v) in zip(coords, points_in_order, strict=True):
            tip = f"{s.label}, week of {d.isoformat()}: {fmt_int(v)} views"
            parts.append(
                tag("circle", tag("title", tip), cx=f"{x:.1f}", cy=f"{y:.1f}", r=2.6, fill=color)
            )
    entries = []
    for i, s in enumerate(series):
        label = s.label
        if len(label) > LEGEND_LABEL_CHARS:
            label = label[: LEGEND_LABEL_CHARS - 1] + "…"
        entries += swatch(i * 22, PALETTE[i % len(PALETTE)], label)
    parts += plot.legend(entries)
    return lines(*parts)


def bar_chart(
    categories: Sequence[str],
    values: Sequence[float | None],
    counts: Sequence[int],
    title: str,
    x_title: str,
    y_title: str,
    legend: str,
    width: int = 900,
    height: int = 340,
) -> Html:
    """Vertical bars per category; the number under each category is its post count."""
    plot = Plot(width, height, left=76, right=200, top=24, bottom=66)
    known = [v for v in values if v is not None]
    if not known:
        return plot.no_data(title)
    axis = ValueAxis.covering(plot, max(known))
    parts = [*plot.open(title), *axis.draw(y_title), plot.x_axis()]
    band = (plot.x1 - plot.x0) / len(categories)
    bar = min(band * 0.7, 60)
    for i, (category, value, n) in enumerate(zip(categories, values, counts, strict=True)):
        cx = plot.x0 + band * (i + 0.5)
        if value is not None:
            y = axis.y(value)
            tip = f"{category} slides: median {fmt_int(value)} views over {fmt_int(n)} posts"
            parts.append(
                tag(
                    "rect",
                    tag("title", tip),
                    class_="bar",
                    x=f"{cx - bar / 2:.1f}",
                    y=f"{y:.1f}",
                    width=f"{bar:.1f}",
                    height=f"{plot.y1 - y:.1f}",
                    fill=PALETTE[0],
                )
            )
            parts.append(
                tag(
                    "text",
                    fmt_compact(value),
                    class_="value",
                    x=f"{cx:.1f}",
                    y=f"{y - 5:.1f}",
                    text_anchor="middle",
                    fill="#111",
                    font_size=11,
                )
            )
        parts.append(plot.x_label(cx, category, below=16))
        parts.append(
            tag(
                "text",
                f"n={fmt_int(n)}",
                x=f"{cx:.1f}",
                y=plot.y1 + 30,
                text_anchor="middle",
                fill="#666",
                font_size=10,
            )
        )
    parts.append(plot.x_title(x_title))
    parts += plot.legend(
        [
            *swatch(0, PALETTE[0], legend),
            legend_note(34, "n (under each bar) ="),
            legend_note(50, "number of posts"),
        ]
    )
    return lines(*parts)


def heatmap(
    cells: Mapping[tuple[int, int], tuple[int, float | None]],
    title: str,
    width: int = 900,
    height: int = 300,
) -> Html:
    """Weekday x hour grid coloured by median views; empty cells are white.

    cells maps (ISO weekday 1-7, hour 0-23) to (posts, median views or None).
    """
    plot = Plot(width, height, left=96, right=200, top=16, bottom=56)
    known = [v for _, v in cells.values() if v is not None]
    if not known:
        return plot.no_data(title)
    cw, ch = (plot.x1 - plot.x0) / 24, (plot.y1 - plot.y0) / 7
    low, high = min(known), max(known)

    # A log scale: views are heavy-tailed, and one viral hour would flatten a linear one.
    log_low, log_high = math.log1p(low), math.log1p(high)

    def color(v: float) -> str:
        share = 0.0 if high == low else (math.log1p(v) - log_low) / (log_high - log_low)
        return sequential(share)

    parts = plot.open(title)
    for (weekday, hour), (posts, value) in sorted(cells.items()):
        tip = f"{WEEKDAYS[weekday - 1]} {hour:02d}:00 UTC: {fmt_int(posts)} posts"
        if value is not None:
            tip += f", median {fmt_int(value)} views"
        parts.append(
            tag(
                "rect",
                tag("title", tip),
                class_="cell",
                x=f"{plot.x0 + cw * hour:.1f}",
                y=f"{plot.y0 + ch * (weekday - 1):.1f}",
                width=f"{cw:.1f}",
                height=f"{ch:.1f}",
                fill="#ffffff" if value is None else color(value),
                stroke="#ddd",
            )
        )
    for i, name in enumerate(WEEKDAYS):
        parts.append(plot.y_label(plot.y0 + ch * (i + 0.5), name))
    for hour in range(0, 24, 2):
        parts.append(plot.x_label(plot.x0 + cw * (hour + 0.5), f"{hour:02d}"))
    parts.append(plot.x_title("Hour of posting (UTC, 00–23)"))
    parts.append(plot.y_title("Weekday (UTC)"))
    entries = [
        legend_note(12, "Median views per post", fill="#111"),
        legend_note(28, "(log scale)"),
    ]
    steps = 5
    for i in range(steps):
        value = math.expm1(log_low + (log_high - log_low) * i / (steps - 1))
        entries += swatch(40 + i * 20, color(value), fmt_compact(value), stroke="#ccc")
    entries += swatch(40 + steps * 20, "#fff", "no posts", stroke="#ccc")
    parts += plot.legend(entries)
    return lines(*parts)


def sequential(share: float) -> str:
    """The colour at share (0..1) along the sequential scale."""
    share = min(max(share, 0.0), 1.0) * (len(SEQUENTIAL) - 1)
    i = min(int(share), len(SEQUENTIAL) - 2)
    frac = share - i
    a, z = SEQUENTIAL[i], SEQUENTIAL[i + 1]
    rgb = (
        round(int(a[k : k + 2], 16) + (int(z[k : k + 2], 16) - int(a[k : k + 2], 16)) * frac)
        for k in (1, 3, 5)
    )
    return "#" + "".join(f"{c:02x}" for c in rgb)
