"""The report's charts, drawn by matplotlib and inlined as SVG: weekly views per VA, median
views by slide count, and a weekday x hour heatmap.

Each chart has a ``*_figure`` function (the matplotlib Figure, which tests read back: the
points drawn, the gaps, the tick labels) and a function that returns it as inline SVG
through markup.svg, which escapes every text in it. What the charts promise:

- a week in which a VA created no posts, or none with a view count, is a break in its
  line, never a value of 0 nor a straight line drawn across it; weeks in which none of
  the VAs shown posted are shaded and named in the legend;
- an unknown value is never drawn as 0: bars and cells exist only for known medians;
- date axes pick their ticks for the span shown (days, months or years), so the labels
  never run into each other.

The output is deterministic (a fixed id salt, no date in the file): the same warehouse
gives the same bytes, and text stays text (no font is embedded or loaded).
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import matplotlib
import numpy as np
from cycler import cycler
from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from tikdb.outputs.report.formats import fmt_compact, fmt_int
from tikdb.outputs.report.markup import Html, svg
from tikdb.outputs.report.style import PALETTE, SEQUENTIAL

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LEGEND_LABEL_CHARS = 28  # longer series labels are cut with an ellipsis
WIDTH_INCHES = 9.0  # drawn at 648 x ... pt, scaled by the page to its width
NO_POSTS_FILL = "#ececec"  # weeks (shaded) and heatmap cells without posts

RC = {
    "svg.fonttype": "none",  # text stays text: searchable, and escaped by markup.svg
    "svg.hashsalt": "tikdb-report",  # ids from a fixed salt: same data, same bytes
    "text.parse_math": False,  # a VA named "$x$" is shown as typed, never as math
    "text.usetex": False,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],  # shipped with matplotlib: its text widths are real
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "axes.prop_cycle": cycler(color=PALETTE),
    "legend.frameon": False,
    "path.simplify": False,  # every point drawn where the data puts it
}
SVG_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}


@contextmanager
def _style():
    with matplotlib.rc_context(RC):
        yield


def to_svg(fig: Figure, title: str, id_prefix: str) -> Html:
    """The figure as an inline <svg class="chart"> named title."""
    buffer = io.StringIO()
    with _style(), warnings.catch_warnings():
        # Text stays text, drawn by the reader's browser with its own fonts: an emoji
        # that matplotlib's font lacks is shown there; only its measured width is a guess.
        warnings.filterwarnings("ignore", r"Glyph \d+ .* missing from font", UserWarning)
        fig.savefig(buffer, format="svg", metadata=SVG_METADATA)
    return svg(buffer.getvalue(), title, id_prefix)


def short(label: str) -> str:
    """A legend label of at most LEGEND_LABEL_CHARS characters."""
    if len(label) <= LEGEND_LABEL_CHARS:
        return label
    return label[: LEGEND_LABEL_CHARS - 1] + "…"


def _no_data(ax, text: str) -> None:
    ax.figure.set_size_inches(WIDTH_INCHES, 0.8)
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#555")


# --- weekly views -------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One VA's line: its weeks with posts, and their views (None: no view count known)."""

    label: str
    points: Sequence[tuple[date, float | None]]


def week_grid(first: date, last: date) -> list[date]:
    """Every Monday from the week of first to the week of last."""
    start = first - timedelta(days=first.weekday())
    end = last - timedelta(days=last.weekday())
    return [start + timedelta(weeks=i) for i in range((end - start).days // 7 + 1)]


def _runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """The (first, last) index of each run of True in flags."""
    runs, begin = [], None
    for i, flag in enumerate([*flags, False]):
        if flag and begin is None:
            begin = i
        elif not flag and begin is not None:
            runs.append((begin, i - 1))
            begin = None
    return runs


def weekly_figure(series: Sequence[Series], first: date | None, last: date | None) -> Figure:
    """Lines of weekly views over every week from first to last (None: no posts)."""
    with _style():
        fig = Figure(figsize=(WIDTH_INCHES, 3.6), layout="constrained")
        ax = fig.add_subplot()
        if first is None or last is None or not any(s.points for s in series):
            _no_data(ax, "No posts in this period")
            return fig
        weeks = week_grid(first, last)
        index = {w: i for i, w in enumerate(weeks)}
        drawn = [False] * len(weeks)
        for s in series:
            y = np.full(len(weeks), np.nan)
            for week, views in s.points:
                if views is not None:
                    y[index[week]] = views
                    drawn[index[week]] = True
            # NaN breaks the line: a week without a known value is a gap, never a 0.
            ax.plot(weeks, y, marker="o", markersize=3.5, linewidth=1.8, label=short(s.label))
        handles, labels = ax.get_legend_handles_labels()
        half = timedelta(days=3.5)
        for a, b in _runs([not d for d in drawn]):
            ax.axvspan(weeks[a] - half, weeks[b] + half, color=NO_POSTS_FILL, zorder=0, lw=0)
        if not all(drawn):
            handles.append(Patch(color=NO_POSTS_FILL))
            labels.append("weeks with no posts (or no view count) shown")
        ax.set_xlim(weeks[0] - half, weeks[-1] + half)
        if len(weeks) <= 12:  # a few weeks: each Monday (or every other), as a date
            ax.xaxis.set_major_locator(
                mdates.WeekdayLocator(byweekday=mdates.MO, interval=len(weeks) // 7 + 1)
            )
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
        else:  # months or years: ticks on month or year starts, never crowded
            locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(ticker.MaxNLocator(integer=True))  # views are whole
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: fmt_compact(v)))
        ax.grid(axis="y", color="#e3e3e3", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.set_xlabel("Week starting (Monday, UTC)")
        ax.set_ylabel("Views per week")
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 3))
    return fig


def weekly_chart(
    series: Sequence[Series], first: date | None, last: date | None, title: str
) -> Html:
    return to_svg(weekly_figure(series, first, last), title, "weekly-")


# --- slide counts -------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    slide_count: int
    posts: int
    median_views: float


def slide_count_figure(bars: Sequence[Bar]) -> Figure:
    """One bar per known slide count: its median views; its post count under it."""
    with _style():
        fig = Figure(figsize=(WIDTH_INCHES, 3.2), layout="constrained")
        ax = fig.add_subplot()
        if not bars:
            _no_data(ax, "No posts with a known slide count and view count")
            return fig
        positions = range(len(bars))
        drawn = ax.bar(positions, [b.median_views for b in bars], color=PALETTE[0], width=0.6)
        ax.bar_label(drawn, labels=[fmt_compact(b.median_views) for b in bars], padding=2)
        ax.set_xticks(list(positions), [f"{b.slide_count}\nn={fmt_int(b.posts)}" for b in bars])
        ax.set_ylim(bottom=0)
        ax.margins(y=0.12)
        ax.yaxis.set_major_locator(ticker.MaxNLocator(integer=True))  # views are whole
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: fmt_compact(v)))
        ax.grid(axis="y", color="#e3e3e3", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.set_xlabel("Slides per post (n = number of posts)")
        ax.set_ylabel("Median views per post")
    return fig


def slide_count_chart(bars: Sequence[Bar], title: str) -> Html:
    return to_svg(slide_count_figure(bars), title, "slides-")


# --- posting hours ------------------------------------------------------------------


def colour_bounds(low: float, high: float, classes: int = len(SEQUENTIAL)) -> list[float]:
    """Class boundaries from low to just above high, evenly spaced on a log scale (views
    are heavy-tailed: one viral hour would flatten a linear scale)."""
    top = math.nextafter(max(high, low), math.inf)
    base = max(low, 1.0)
    if high <= base:  # one value (or all below one view): one class
        return [low, top]
    bounds = list(np.geomspace(base, top, classes + 1))
    bounds[0] = min(low, bounds[0])
    return bounds


def hours_figure(cells: Mapping[tuple[int, int], tuple[int, float | None]]) -> Figure:
    """Weekday x hour grid coloured by median views; cells without a known median grey.

    cells maps (ISO weekday 1-7, hour 0-23) to (posts, median views or None).
    """
    with _style():
        fig = Figure(figsize=(WIDTH_INCHES, 3.0), layout="constrained")
        ax = fig.add_subplot()
        grid = np.full((7, 24), np.nan)
        for (weekday, hour), (_posts, median) in cells.items():
            if median is not None:
                grid[weekday - 1, hour] = median
        known = grid[~np.isnan(grid)]
        if known.size == 0:
            _no_data(ax, "No posts with a view count in this period")
            return fig
        bounds = colour_bounds(float(known.min()), float(known.max()))
        cmap = ListedColormap(SEQUENTIAL[-(len(bounds) - 1) :])
        # A masked cell is not drawn: the grey axes behind it shows "no posts".
        mesh = ax.pcolormesh(
            np.ma.masked_invalid(grid),
            cmap=cmap,
            norm=BoundaryNorm(bounds, cmap.N),
            edgecolors="#ffffff",
            linewidth=0.6,
        )
        ax.set_facecolor(NO_POSTS_FILL)
        ax.invert_yaxis()
        ax.set_yticks([i + 0.5 for i in range(7)], WEEKDAYS)
        ax.set_xticks([h + 0.5 for h in range(0, 24, 2)], [f"{h:02d}" for h in range(0, 24, 2)])
        ax.tick_params(length=0)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.set_xlabel("Hour of posting (UTC, 00–23); grey: no posts with a view count")
        ax.set_ylabel("Weekday (UTC)")
        bar = fig.colorbar(mesh, ax=ax, ticks=bounds, pad=0.01, fraction=0.05)
        bar.ax.set_yticklabels([fmt_compact(b) for b in bounds])
        bar.set_label("Median views per post (log classes)")
    return fig


def hours_chart(cells: Mapping[tuple[int, int], tuple[int, float | None]], title: str) -> Html:
    return to_svg(hours_figure(cells), title, "hours-")
