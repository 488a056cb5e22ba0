"""The report's charts tell the truth: the points drawn are the rows given, a week
without posts is a gap (never a 0, never a line across it), an unknown slide count or
median is not drawn as 0, date labels never overlap whatever the span, and text from
the data is escaped in the SVG."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from itertools import combinations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from tikdb.outputs.report import sections
from tikdb.outputs.report.charts import (
    Bar,
    Series,
    colour_bounds,
    hours_chart,
    hours_figure,
    slide_count_chart,
    slide_count_figure,
    to_svg,
    week_grid,
    weekly_chart,
    weekly_figure,
)
from tikdb.outputs.report.data import SlideCount
from tikdb.outputs.report.markup import svg

MONDAY = date(2025, 5, 5)


def weeks(n: int, start: date = MONDAY) -> list[date]:
    return [start + timedelta(weeks=i) for i in range(n)]


def drawn_lines(fig) -> dict[str, list[tuple[date, float]]]:
    """Each line's label and its points (date, value); NaN where the line breaks."""
    out = {}
    for line in fig.axes[0].get_lines():
        xs = [x if isinstance(x, date) else x.date() for x in line.get_xdata()]
        out[line.get_label()] = list(zip(xs, [float(y) for y in line.get_ydata()], strict=True))
    return out


def test_week_grid_is_every_monday_of_the_span():
    assert week_grid(date(2025, 5, 9), date(2025, 5, 26)) == [
        date(2025, 5, 5),
        date(2025, 5, 12),
        date(2025, 5, 19),
        date(2025, 5, 26),
    ]
    assert week_grid(date(2025, 5, 11), date(2025, 5, 11)) == [date(2025, 5, 5)]


def test_the_points_drawn_are_the_rows_and_a_week_without_posts_is_a_gap():
    # Carla posted in May and again in late September (a 20-week gap), Kent only twice.
    carla = [(w, 100.0 * (i + 1)) for i, w in enumerate(weeks(3))]
    carla += [(w, 900.0) for w in weeks(2, date(2025, 9, 22))]
    kent = [(date(2025, 5, 12), 50.0), (date(2025, 9, 29), 70.0)]
    fig = weekly_figure([Series("Carla", carla), Series("Kent", kent)], MONDAY, date(2025, 9, 29))
    lines = drawn_lines(fig)
    assert set(lines) == {"Carla", "Kent"}
    for label, rows in (("Carla", carla), ("Kent", kent)):
        points = [(d, v) for d, v in lines[label] if not math.isnan(v)]
        assert points == rows  # exactly the rows, nothing added (no 0 for a missing week)
        gaps = [d for d, v in lines[label] if math.isnan(v)]
        # every other week of the grid is a NaN: matplotlib breaks the line there
        assert sorted(gaps + [d for d, _ in rows]) == week_grid(MONDAY, date(2025, 9, 29))
    # The shaded weeks are those where neither VA posted: from 2025-05-26 to 2025-09-15.
    spans = [p for p in fig.axes[0].patches if p.get_label() != "_nolegend_"]
    assert len(spans) == 1


def test_a_week_whose_views_are_unknown_is_a_gap_not_zero():
    fig = weekly_figure(
        [Series("Carla", [(MONDAY, 10.0), (weeks(2)[1], None)])], MONDAY, weeks(2)[1]
    )
    ((_, ys),) = [(k, [v for _, v in pts]) for k, pts in drawn_lines(fig).items()]
    assert ys[0] == 10.0 and math.isnan(ys[1])


def date_labels(fig):
    """The visible x tick labels of a drawn figure, with their boxes in pixels."""
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]
    x0, x1 = ax.get_xlim()
    inside = [t for t in labels if x0 <= t.get_position()[0] <= x1]
    return [(t.get_text(), t.get_window_extent(renderer)) for t in inside], fig.bbox


@pytest.mark.parametrize(
    ("span_weeks", "at_least"),
    [(2, 2), (26, 4), (156, 3)],
    ids=["2 weeks", "6 months", "3 years"],
)
def test_date_labels_never_overlap_whatever_the_span(span_weeks, at_least):
    grid = weeks(span_weeks)
    series = [
        Series(f"VA {i}", [(w, float(1000 + i * j)) for j, w in enumerate(grid)]) for i in range(6)
    ]
    labels, page = date_labels(weekly_figure(series, grid[0], grid[-1]))
    texts = [t for t, _ in labels]
    assert len(labels) >= at_least, texts
    for (a, box_a), (b, box_b) in combinations(labels, 2):
        assert not box_a.overlaps(box_b), (a, b)
    for text, box in labels:  # and none is cut off at the edge of the chart
        assert page.x0 <= box.x0 and box.x1 <= page.x1, text


def test_bars_are_the_known_slide_counts_and_their_medians():
    bars = [Bar(2, 1416, 710.0), Bar(3, 355, 759.0), Bar(11, 2, 42500.0)]
    fig = slide_count_figure(bars)
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights == [710.0, 759.0, 42500.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2\nn=1,416", "3\nn=355", "11\nn=2"]


def test_the_slide_section_draws_known_slide_counts_only():
    rows = [
        SlideCount(2, 10, 500.0, ["current_metrics"]),
        SlideCount(3, 4, 800.0, ["current_metrics"]),
        SlideCount(4, 2, None, ["current_metrics"]),
        SlideCount(None, 7, 300.0, ["oct_scrape", "sept_scrape"]),
    ]
    page = sections.slide_counts(rows)
    texts = svg_texts(page)
    assert [t for t in texts if t.startswith("n=")] == ["n=10", "n=4"]
    assert "None" not in page and "n=7" not in page and "n=2" not in page
    assert (
        'Not drawn: <span data-metric="slides.unknown_posts">7</span> posts whose export has '
        "no slide list (sources: oct_scrape, sept_scrape), so their slide count is unknown, "
        "not 0. Not drawn: 2 posts without a view count."
    ) in page


def test_the_heatmap_colours_known_medians_only():
    cells = {(d, h): (0, None) for d in range(1, 8) for h in range(24)}
    cells[(1, 5)] = (3, 120.0)
    cells[(7, 23)] = (1, 9000.0)
    cells[(3, 0)] = (2, None)  # posts, but no view count: not coloured as 0
    fig = hours_figure(cells)
    mesh = fig.axes[0].collections[0]
    values = mesh.get_array().reshape(7, 24)
    assert values[0, 5] == 120.0 and values[6, 23] == 9000.0
    known = ~np.ma.getmaskarray(values)
    assert known.sum() == 2  # every other cell is masked: the grey "no posts" shows


@pytest.mark.parametrize(("low", "high"), [(0.0, 5.0), (15.0, 228_000.0), (700.0, 700.0)])
def test_colour_classes_cover_every_median(low, high):
    bounds = colour_bounds(low, high)
    assert bounds == sorted(bounds) and len(set(bounds)) == len(bounds)
    assert bounds[0] <= low and high < bounds[-1]


HOSTILE = "<script>$x$ & \"q\" 'a'"  # short enough to be shown whole in a legend


def svg_texts(page: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", page)


def test_text_in_charts_is_escaped_and_shown_as_typed():
    page = weekly_chart([Series(HOSTILE, [(MONDAY, 5.0)])], MONDAY, MONDAY, HOSTILE)
    assert "<script" not in page
    shown = "&lt;script&gt;$x$ &amp; &quot;q&quot; &#x27;a&#x27;"
    assert svg_texts(page) == [
        "2025-05-05",  # one week: its Monday, as a date
        "Week starting (Monday, UTC)",
        *["0", "1", "2", "3", "4", "5"],  # whole views only
        "Views per week",
        shown,  # the legend, as typed: $x$ is not read as math
    ]
    # the title is the accessible name and the first <title>
    assert page.startswith('<svg class="chart" role="img" aria-label="&lt;script&gt;')


def test_a_long_name_is_cut_in_the_legend():
    name = "A" * 80
    page = weekly_chart([Series(name, [(MONDAY, 5.0)])], MONDAY, MONDAY, "t")
    assert "A" * 27 + "…" in page and name not in page


def test_charts_are_deterministic_self_contained_svg():
    def all_charts():
        return (
            weekly_chart([Series("Carla", [(w, 1.0) for w in weeks(3)])], MONDAY, weeks(3)[-1], "w")
            + slide_count_chart([Bar(2, 3, 4.0)], "s")
            + hours_chart({(1, 1): (1, 5.0), (2, 2): (1, 50.0)}, "h")
        )

    first = all_charts()
    assert first == all_charts()
    assert not re.search(r"https?:", first)  # no namespace, DTD or font URL
    assert "<image" not in first and "<style" not in first and "<script" not in first
    ids = re.findall(r' id="([^"]+)"', first)
    assert len(ids) == len(set(ids))  # three charts, no id used twice
    for ref in re.findall(r'(?:href="#|url\(#)([^")]+)', first):
        assert ref in ids, ref


def test_svg_prefixes_ids_and_their_references():
    document = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'viewBox="0 0 10 10"><defs><path id="m1" d="M 0 0"/><clipPath id="p1"/></defs>'
        '<use xlink:href="#m1" clip-path="url(#p1)"/><text>a&lt;b</text></svg>'
    )
    out = svg(document, "T", "c-")
    assert '<path id="c-m1" d="M 0 0"/>' in out
    assert '<use xlink:href="#c-m1" clip-path="url(#c-p1)"/>' in out
    assert "<text>a&lt;b</text>" in out


def test_svg_refuses_what_a_chart_never_holds():
    with pytest.raises(ValueError, match="not an SVG document"):
        svg("<html/>", "T", "p-")
    with pytest.raises(ValueError, match="unexpected name"):
        svg('<svg xmlns="http://www.w3.org/2000/svg" xmlns:e="urn:evil"><e:x/></svg>', "T", "p-")


def test_no_data_says_so():
    for fig, words in (
        (weekly_figure([], None, None), "No posts in this period"),
        (slide_count_figure([]), "No posts with a known slide count"),
        (hours_figure({(1, 0): (0, None)}), "No posts with a view count"),
    ):
        assert words in to_svg(fig, "t", "x-")
