"""The report's charts share one value axis: its ticks cover the data, its labels are short,
distinct and say the tick's value, and both chart kinds draw it the same way."""

from __future__ import annotations

import re
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tikdb.outputs.report.axes import Plot, ValueAxis, nice_ticks
from tikdb.outputs.report.charts import Series, bar_chart, heatmap, line_chart
from tikdb.outputs.report.formats import fmt_compact

SUFFIX = {"": 1, "k": 1e3, "M": 1e6, "B": 1e9}


def label_value(label: str) -> float:
    """What a reader takes a tick label to mean: 2.5k is 2,500."""
    number, suffix = re.fullmatch(r"(\d+(?:\.\d+)?)([kMB]?)", label).groups()
    return float(number) * SUFFIX[suffix]


def test_a_hand_worked_axis():
    # 1,234 / 5 = 246.8 -> the round step at or above it is 250; 1,250 is the first tick >= 1,234.
    assert nice_ticks(1234) == [0, 250, 500, 750, 1000, 1250]
    assert [fmt_compact(t) for t in nice_ticks(1234)] == ["0", "250", "500", "750", "1k", "1.25k"]
    # 41 / 5 = 8.2 -> step 10; 50 is the first tick >= 41.
    assert nice_ticks(41) == [0, 10, 20, 30, 40, 50]
    assert nice_ticks(0) == [0, 1]  # an all-zero series still gets an axis


# Views in a week, a median or a sum: from half a view to 100 billion.
@given(st.floats(min_value=0.5, max_value=1e11, allow_nan=False))
def test_ticks_cover_the_data_and_their_labels_are_readable(high):
    ticks = nice_ticks(high)
    assert ticks[0] == 0
    assert ticks[-1] >= high  # the largest value is on the axis
    assert ticks[-2] < high  # and the axis ends at the first tick above it, not later
    assert 4 <= len(ticks) <= 6
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len({round(s / ticks[1], 9) for s in steps}) == 1  # evenly spaced
    labels = [fmt_compact(t) for t in ticks]
    assert len(set(labels)) == len(labels)
    assert all(len(label) <= 5 for label in labels), labels
    for tick, label in zip(ticks, labels, strict=True):
        assert abs(label_value(label) - tick) <= 1e-9 * max(tick, 1), (tick, label)


@given(st.floats(min_value=0.5, max_value=1e11, allow_nan=False), st.floats(0, 1))
def test_the_axis_maps_every_value_inside_the_plot(high, share):
    plot = Plot(900, 360, left=76, right=200, top=16, bottom=56)
    axis = ValueAxis.covering(plot, high)
    assert axis.y(0) == plot.y1  # zero at the bottom
    assert axis.y(axis.ticks[-1]) == plot.y0  # the last tick at the top
    assert plot.y0 <= axis.y(high * share) <= plot.y1
    assert axis.y(high) >= plot.y0


def y_tick_labels(svg: str) -> list[str]:
    return re.findall(r'<text class="tick" x="\d+" y="[\d.]+" text-anchor="end"[^>]*>([^<]*)<', svg)


def test_both_chart_kinds_draw_the_same_value_axis():
    week = date(2025, 10, 6)
    lines = line_chart(
        [Series("Carla", [(week, 300.0), (week + timedelta(7), 1234.0)])], "t", "x", "y"
    )
    bars = bar_chart(["1", "2"], [300.0, 1234.0], [3, 4], "t", "x", "y", "Median views")
    expected = ["0", "250", "500", "750", "1k", "1.25k"]
    assert y_tick_labels(lines) == expected
    assert y_tick_labels(bars) == expected
    for svg in (lines, bars):
        assert svg.count('class="grid"') == len(expected)
        assert svg.count('class="axis"') == 2  # the value axis and the baseline
        assert svg.count('class="axis-title"') == 2


def test_a_long_weekly_chart_labels_at_most_seven_dates():
    first = date(2025, 5, 5)
    weeks = [(first + timedelta(7 * i), float(i)) for i in range(24)]
    svg = line_chart([Series("Carla", weeks)], "t", "x", "y")
    dates = re.findall(r'text-anchor="middle" fill="#333">(\d{4}-\d\d-\d\d)<', svg)
    assert dates[0] == "2025-05-05"
    assert 4 <= len(dates) <= 7
    assert len(set(dates)) == len(dates)


def test_the_heatmap_labels_its_axes_like_the_other_charts():
    cells = {(d, h): (1, 100.0 * d) for d in range(1, 8) for h in range(24)}
    svg = heatmap(cells, "t")
    assert y_tick_labels(svg) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert svg.count('class="axis-title"') == 2
    assert svg.count('class="legend"') == 1


def test_a_chart_without_data_says_so():
    for svg in (
        line_chart([], "Weekly views", "x", "y"),
        bar_chart(["1"], [None], [0], "Bars", "x", "y", "l"),
        heatmap({(1, 0): (0, None)}, "Heat"),
    ):
        assert ">No data</text>" in svg
        assert svg.endswith("</svg>")
