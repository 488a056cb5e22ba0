"""``tikdb report``: one self-contained HTML file about the warehouse.

Everything is inline (CSS, SVG charts drawn here), so the file opens offline and can be
mailed around. Every text that comes from the data (VA names, OCR text, reasons,
messages, file paths) goes through ``html.escape``; a Content-Security-Policy forbids
scripts and remote content as a second line of defence. Numbers shown carry a
``data-metric`` attribute (and ``data-key`` for table rows) so tests can find them.
"""

from __future__ import annotations

import contextlib
import html
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from tikdb import __version__
from tikdb.errors import NO_SPACE, DiskFullError, InputError, TikdbError, is_disk_full, one_line
from tikdb.outputs.warehouse import connect_read_only

TOP_VAS = 6
TOP_ROWS = 10
# Okabe-Ito: distinguishable with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', 'Liberation Sans', sans-serif"


def e(value: object) -> str:
    """HTML-escaped text of a value from the data (quotes too, so it is safe in attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


# ---- number formats ----


def fmt_int(n: int | float | None) -> str:
    return "–" if n is None else f"{round(n):,}"


def fmt_float(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def fmt_pct(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:.{digits}f}%"


def fmt_compact(x: float) -> str:
    """Axis tick labels: 0, 250, 1.5k, 20k, 1.2M."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:.3g}{suffix}"
    return f"{x:.3g}" if x != int(x) else str(int(x))


def fmt_ts(value: datetime | date | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def nice_ticks(high: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least high (1, 2, 2.5 or 5 times a power of ten)."""
    if high <= 0:
        return [0.0, 1.0]
    raw = high / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    ticks = [0.0]
    while ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


# ---- charts (inline SVG) ----


@dataclass(frozen=True)
class Series:
    label: str
    points: list[tuple[date, float]]


def _svg_open(width: int, height: int, title: str) -> list[str]:
    return [
        f'<svg class="chart" role="img" aria-label="{e(title)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="{FONT}" font-size="12">',
        f"<title>{e(title)}</title>",
    ]


def _no_data(width: int, height: int, title: str) -> str:
    parts = _svg_open(width, height, title)
    parts.append(
        f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="#555">No data</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _y_axis(
    parts: list[str],
    ticks: list[float],
    x0: float,
    x1: float,
    y_of,
    title: str,
    top: float,
    bottom: float,
) -> None:
    for t in ticks:
        y = y_of(t)
        parts.append(
            f'<line class="grid" x1="{x0}" x2="{x1}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e3e3"/>'
        )
        parts.append(
            f'<text class="tick" x="{x0 - 8}" y="{y + 4:.1f}" text-anchor="end" fill="#333">'
            f"{e(fmt_compact(t))}</text>"
        )
    parts.append(f'<line class="axis" x1="{x0}" x2="{x0}" y1="{top}" y2="{bottom}" stroke="#333"/>')
    mid = (top + bottom) / 2
    parts.append(
        f'<text class="axis-title" transform="translate(16,{mid:.1f}) rotate(-90)" '
        f'text-anchor="middle" fill="#111" font-weight="600">{e(title)}</text>'
    )


def line_chart(
    series: Sequence[Series],
    title: str,
    x_title: str,
    y_title: str,
    width: int = 900,
    height: int = 360,
) -> str:
    """Lines over dates, with axes, ticks, axis titles and a legend on the right."""
    points = [p for s in series for p in s.points]
    if not points:
        return _no_data(width, height, title)
    left, right, top, bottom = 76, 200, 16, 56
    x0, x1, y0, y1 = left, width - right, top, height - bottom
    first = min(p[0] for p in points)
    last = max(p[0] for p in points)
    span = max((last - first).days, 1)
    ticks = nice_ticks(max(p[1] for p in points))

    def x_of(d: date) -> float:
        if last == first:
            return (x0 + x1) / 2
        return x0 + (x1 - x0) * (d - first).days / span

    def y_of(v: float) -> float:
        return y1 - (y1 - y0) * v / ticks[-1]

    parts = _svg_open(width, height, title)
    _y_axis(parts, ticks, x0, x1, y_of, y_title, y0, y1)
    parts.append(f'<line class="axis" x1="{x0}" x2="{x1}" y1="{y1}" y2="{y1}" stroke="#333"/>')
    dates = sorted({p[0] for p in points})
    step = max(1, math.ceil(len(dates) / 7))
    for d in dates[::step]:
        x = x_of(d)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y1}" y2="{y1 + 5}" stroke="#333"/>')
        parts.append(
            f'<text class="tick" x="{x:.1f}" y="{y1 + 18}" text-anchor="middle" fill="#333">'
            f"{e(d.isoformat())}</text>"
        )
    parts.append(
        f'<text class="axis-title" x="{(x0 + x1) / 2}" y="{height - 10}" text-anchor="middle" '
        f'fill="#111" font-weight="600">{e(x_title)}</text>'
    )
    for i, s in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        coords = [(x_of(d), y_of(v)) for d, v in sorted(s.points)]
        path = " ".join(
            f"{'M' if j == 0 else 'L'}{x:.1f},{y:.1f}" for j, (x, y) in enumerate(coords)
        )
        parts.append(
            f'<path class="series" d="{path}" fill="none" stroke="{color}" stroke-width="2.2" '
            f'stroke-linejoin="round"><title>{e(s.label)}</title></path>'
        )
        for (x, y), (d, v) in zip(coords, sorted(s.points), strict=True):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{color}">'
                f"<title>{e(s.label)}, week of {e(d.isoformat())}: {e(fmt_int(v))} views</title>"
                "</circle>"
            )
    parts.append(f'<g class="legend" transform="translate({x1 + 24},{y0 + 4})">')
    for i, s in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        y = i * 22
        parts.append(f'<rect x="0" y="{y}" width="14" height="14" fill="{color}"/>')
        label = s.label if len(s.label) <= 22 else s.label[:21] + "…"
        parts.append(f'<text x="22" y="{y + 12}" fill="#111">{e(label)}</text>')
    parts.append("</g></svg>")
    return "\n".join(parts)


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
) -> str:
    """Vertical bars per category; the number above each bar is its post count."""
    known = [v for v in values if v is not None]
    if not known:
        return _no_data(width, height, title)
    left, right, top, bottom = 76, 200, 24, 66
    x0, x1, y0, y1 = left, width - right, top, height - bottom
    ticks = nice_ticks(max(known))

    def y_of(v: float) -> float:
        return y1 - (y1 - y0) * v / ticks[-1]

    parts = _svg_open(width, height, title)
    _y_axis(parts, ticks, x0, x1, y_of, y_title, y0, y1)
    parts.append(f'<line class="axis" x1="{x0}" x2="{x1}" y1="{y1}" y2="{y1}" stroke="#333"/>')
    band = (x1 - x0) / len(categories)
    bar = min(band * 0.7, 60)
    for i, (cat, value, n) in enumerate(zip(categories, values, counts, strict=True)):
        cx = x0 + band * (i + 0.5)
        if value is not None:
            y = y_of(value)
            parts.append(
                f'<rect class="bar" x="{cx - bar / 2:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                f'height="{y1 - y:.1f}" fill="{PALETTE[0]}"><title>{e(cat)} slides: median '
                f"{e(fmt_int(value))} views over {e(fmt_int(n))} posts</title></rect>"
            )
            parts.append(
                f'<text class="value" x="{cx:.1f}" y="{y - 5:.1f}" text-anchor="middle" '
                f'fill="#111" font-size="11">{e(fmt_compact(value))}</text>'
            )
        parts.append(
            f'<text class="tick" x="{cx:.1f}" y="{y1 + 16}" text-anchor="middle" fill="#333">'
            f"{e(cat)}</text>"
        )
        parts.append(
            f'<text x="{cx:.1f}" y="{y1 + 30}" text-anchor="middle" fill="#666" '
            f'font-size="10">n={e(fmt_int(n))}</text>'
        )
    parts.append(
        f'<text class="axis-title" x="{(x0 + x1) / 2}" y="{height - 10}" text-anchor="middle" '
        f'fill="#111" font-weight="600">{e(x_title)}</text>'
    )
    parts.append(f'<g class="legend" transform="translate({x1 + 24},{y0 + 4})">')
    parts.append(f'<rect x="0" y="0" width="14" height="14" fill="{PALETTE[0]}"/>')
    parts.append(f'<text x="22" y="12" fill="#111">{e(legend)}</text>')
    parts.append('<text x="0" y="34" fill="#555">n (under each bar) =</text>')
    parts.append('<text x="0" y="50" fill="#555">number of posts</text>')
    parts.append("</g></svg>")
    return "\n".join(parts)


def heatmap(
    cells: dict[tuple[int, int], tuple[int, float | None]],
    title: str,
    width: int = 900,
    height: int = 300,
) -> str:
    """Weekday x hour grid coloured by median views; empty cells are white."""
    known = [v for _, v in cells.values() if v is not None]
    if not known:
        return _no_data(width, height, title)
    left, right, top, bottom = 96, 200, 16, 56
    x0, x1, y0, y1 = left, width - right, top, height - bottom
    cw, ch = (x1 - x0) / 24, (y1 - y0) / 7
    low, high = min(known), max(known)
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

    # A log scale: views are heavy-tailed, and one viral hour would flatten a linear one.
    log_low, log_high = math.log1p(low), math.log1p(high)

    def color(v: float) -> str:
        share = 0.0 if high == low else (math.log1p(v) - log_low) / (log_high - log_low)
        return _sequential(share)

    parts = _svg_open(width, height, title)
    for (weekday, hour), (posts, value) in sorted(cells.items()):
        x, y = x0 + cw * hour, y0 + ch * (weekday - 1)
        fill = "#ffffff" if value is None else color(value)
        tip = f"{names[weekday - 1]} {hour:02d}:00 UTC: {fmt_int(posts)} posts"
        if value is not None:
            tip += f", median {fmt_int(value)} views"
        parts.append(
            f'<rect class="cell" x="{x:.1f}" y="{y:.1f}" width="{cw:.1f}" height="{ch:.1f}" '
            f'fill="{fill}" stroke="#ddd"><title>{e(tip)}</title></rect>'
        )
    for i, name in enumerate(names):
        parts.append(
            f'<text class="tick" x="{x0 - 8}" y="{y0 + ch * (i + 0.5) + 4:.1f}" '
            f'text-anchor="end" fill="#333">{name}</text>'
        )
    for hour in range(0, 24, 2):
        parts.append(
            f'<text class="tick" x="{x0 + cw * (hour + 0.5):.1f}" y="{y1 + 18}" '
            f'text-anchor="middle" fill="#333">{hour:02d}</text>'
        )
    parts.append(
        f'<text class="axis-title" x="{(x0 + x1) / 2}" y="{height - 10}" text-anchor="middle" '
        f'fill="#111" font-weight="600">Hour of posting (UTC, 00–23)</text>'
    )
    parts.append(
        f'<text class="axis-title" transform="translate(16,{(y0 + y1) / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle" fill="#111" font-weight="600">Weekday (UTC)</text>'
    )
    parts.append(f'<g class="legend" transform="translate({x1 + 24},{y0 + 4})">')
    parts.append('<text x="0" y="12" fill="#111">Median views per post</text>')
    parts.append('<text x="0" y="28" fill="#555">(log scale)</text>')
    steps = 5
    for i in range(steps):
        value = math.expm1(log_low + (log_high - log_low) * i / (steps - 1))
        y = 40 + i * 20
        parts.append(
            f'<rect x="0" y="{y}" width="14" height="14" fill="{color(value)}" stroke="#ccc"/>'
        )
        parts.append(f'<text x="22" y="{y + 12}" fill="#111">{e(fmt_compact(value))}</text>')
    y = 40 + steps * 20
    parts.append(f'<rect x="0" y="{y}" width="14" height="14" fill="#fff" stroke="#ccc"/>')
    parts.append(f'<text x="22" y="{y + 12}" fill="#111">no posts</text>')
    parts.append("</g></svg>")
    return "\n".join(parts)


# ColorBrewer YlGnBu: light to dark, ordered in lightness, readable in grey.
_SEQUENTIAL = ("#ffffd9", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84")


def _sequential(share: float) -> str:
    """The colour at share (0..1) along the sequential scale."""
    share = min(max(share, 0.0), 1.0) * (len(_SEQUENTIAL) - 1)
    i = min(int(share), len(_SEQUENTIAL) - 2)
    frac = share - i
    a, z = _SEQUENTIAL[i], _SEQUENTIAL[i + 1]
    rgb = (
        round(int(a[k : k + 2], 16) + (int(z[k : k + 2], 16) - int(a[k : k + 2], 16)) * frac)
        for k in (1, 3, 5)
    )
    return "#" + "".join(f"{c:02x}" for c in rgb)


# ---- HTML pieces ----


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: Sequence[bool],
    row_keys: Sequence[str] | None = None,
) -> str:
    """An HTML table; cells are already-escaped HTML (use cell() to build them)."""
    head = "".join(
        f'<th class="{"num" if num else ""}">{e(h)}</th>'
        for h, num in zip(headers, numeric, strict=True)
    )
    body = []
    for i, row in enumerate(rows):
        key = f' data-key="{e(row_keys[i])}"' if row_keys else ""
        cells = "".join(
            f'<td class="{"num" if num else ""}">{c}</td>'
            for c, num in zip(row, numeric, strict=True)
        )
        body.append(f"<tr{key}>{cells}</tr>")
    if not rows:
        body.append(f'<tr><td colspan="{len(headers)}" class="empty">none</td></tr>')
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def cell(text: str, metric: str | None = None) -> str:
    attr = f' data-metric="{e(metric)}"' if metric else ""
    return f"<span{attr}>{e(text)}</span>"


def _va_label(va_id: str | None, display: str | None) -> str:
    if va_id is None:
        return "(no VA)"
    return display or va_id


CSS = f"""
body {{ font-family: {FONT}; color: #111; background: #fafafa; margin: 0; }}
main {{ max-width: 1000px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }}
h1 {{ font-size: 26px; margin: 0 0 4px; }}
h2 {{ font-size: 19px; margin: 36px 0 6px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }}
p.note {{ color: #555; margin: 4px 0 12px; font-size: 13px; }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr));
  gap: 10px; margin-top: 16px; }}
.card {{ border: 1px solid #ddd; border-radius: 6px; padding: 10px 12px; }}
.card .label {{ font-size: 12px; color: #555; }}
.card .value {{ font-size: 22px; font-weight: 650; margin-top: 2px; }}
table {{ border-collapse: collapse; width: 100%; font-size: 13px; margin-top: 6px; }}
th, td {{ border-bottom: 1px solid #e5e5e5; padding: 4px 8px; text-align: left; vertical-align: top;
  white-space: nowrap; }}
.scroll {{ overflow-x: auto; }}
th {{ background: #f2f2f2; font-weight: 600; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
td.empty {{ color: #777; text-align: center; }}
td .long {{ display: block; min-width: 160px; max-width: 360px; white-space: normal;
  overflow-wrap: anywhere; }}
.fail {{ color: #b00020; font-weight: 600; }}
.warn {{ color: #8a5300; font-weight: 600; }}
.pass {{ color: #1b7a33; }}
svg.chart {{ max-width: 100%; height: auto; display: block; margin-top: 8px; }}
code {{ font-size: 12px; }}
"""


@dataclass
class ReportData:
    headline: dict[str, float | int | None]
    weekly: list[Series]
    va_count: int
    leaderboard: list[tuple]
    slide_bars: list[tuple]
    heat: dict[tuple[int, int], tuple[int, float | None]]
    top_posts: list[tuple]
    reused_slides: list[tuple]
    reused_texts: list[tuple]
    ocr_by_va: list[tuple]
    rejects: list[tuple]
    checks: list[tuple]
    checks_run: tuple | None
    history: list[tuple]


def collect(con: duckdb.DuckDBPyConnection) -> ReportData:
    """Everything the report shows, read from the warehouse's tables and views."""

    def rows(sql: str, params: list | None = None) -> list[tuple]:
        return con.execute(sql, params or []).fetchall()

    (posts, views, engagement_rate, slides, vas, accounts, ocr_posts, ocr_text_posts) = rows(
        """
        SELECT
            (SELECT count(*) FROM posts),
            (SELECT CAST(coalesce(sum(views), 0) AS BIGINT) FROM posts),
            (SELECT 100.0 * sum(engagement) FILTER (WHERE views IS NOT NULL)
                / nullif(sum(views) FILTER (WHERE engagement IS NOT NULL), 0) FROM posts),
            (SELECT count(*) FROM slides),
            (SELECT count(*) FROM vas),
            (SELECT count(*) FROM accounts),
            (SELECT count(*) FROM post_ocr),
            (SELECT count(*) FROM post_ocr WHERE trim(ocr_text) <> '')
        """
    )[0]
    headline = {
        "posts": posts,
        "vas": vas,
        "accounts": accounts,
        "slides": slides,
        "views": views,
        "engagement_rate": engagement_rate,
        "ocr_posts": ocr_posts,
        "ocr_coverage": 100.0 * ocr_posts / posts if posts else None,
        "ocr_text_coverage": 100.0 * ocr_text_posts / posts if posts else None,
    }
    leaderboard = rows(
        """
        SELECT va_id, display_name, posts, accounts, total_views, median_views, mean_views,
            engagement_rate, pct_posts_10k, posts_per_active_day, first_post_at, last_post_at
        FROM va_performance
        ORDER BY total_views DESC, va_id NULLS LAST
        """
    )
    top = [r for r in leaderboard if r[0] is not None][:TOP_VAS]
    weekly_rows = rows(
        """
        WITH weeks AS (
            SELECT CAST(date_trunc('week', created_at) AS DATE) AS week FROM posts GROUP BY 1
        ),
        per_va AS (
            SELECT va_id, CAST(date_trunc('week', created_at) AS DATE) AS week,
                CAST(coalesce(sum(views), 0) AS BIGINT) AS views
            FROM post_performance
            WHERE va_id IN (SELECT unnest(?::VARCHAR[]))
            GROUP BY ALL
        )
        SELECT v.va_id, weeks.week, coalesce(per_va.views, 0)
        FROM weeks CROSS JOIN (SELECT unnest(?::VARCHAR[]) AS va_id) AS v
        LEFT JOIN per_va ON per_va.week = weeks.week AND per_va.va_id = v.va_id
        ORDER BY 1, 2
        """,
        [[r[0] for r in top], [r[0] for r in top]],
    )
    weekly = [
        Series(_va_label(va_id, display), [(w, float(v)) for k, w, v in weekly_rows if k == va_id])
        for va_id, display, *_ in top
    ]
    slide_bars = rows(
        "SELECT slide_count, count(*), median(views) FROM posts GROUP BY 1 ORDER BY 1"
    )
    heat = {
        (weekday, hour): (n, median)
        for weekday, hour, n, median in rows(
            "SELECT weekday, hour, posts, median_views FROM posting_hours"
        )
    }
    top_posts = rows(
        f"""
        SELECT p.post_id, p.post_url, p.account, p.va_id, vas.display_name, p.created_at,
            p.views, p.engagement_rate, p.slide_count, p.hook_text
        FROM post_performance AS p LEFT JOIN vas USING (va_id)
        ORDER BY p.views DESC NULLS LAST, p.post_id
        LIMIT {TOP_ROWS}
        """
    )
    reused_slides = rows(
        f"""
        SELECT image_id, posts, account_list, va_list, total_views, max_views, first_used_at,
            last_used_at
        FROM slide_reuse ORDER BY posts DESC, total_views DESC, image_id LIMIT {TOP_ROWS}
        """
    )
    reused_texts = rows(
        f"""
        SELECT text_hash, ocr_text, posts, account_list, total_views, max_views
        FROM ocr_text_reuse ORDER BY posts DESC, total_views DESC, text_hash LIMIT {TOP_ROWS}
        """
    )
    ocr_by_va = rows(
        """
        SELECT p.va_id, any_value(vas.display_name), count(*) AS posts,
            count(o.post_id) AS with_ocr,
            count(*) FILTER (WHERE trim(o.ocr_text) <> '') AS with_text
        FROM post_performance AS p
        LEFT JOIN post_ocr AS o USING (post_id)
        LEFT JOIN vas USING (va_id)
        GROUP BY p.va_id
        ORDER BY posts DESC, p.va_id NULLS LAST
        """
    )
    rejects = rows(
        """
        SELECT input, entity, reason, count(*) AS n, min(source_file),
            arg_min(message, coalesce(line, record_index, 0))
        FROM rejects GROUP BY input, entity, reason ORDER BY n DESC, input, entity, reason
        """
    )
    latest = rows(
        "SELECT run_id, max(checked_at) FROM check_results GROUP BY run_id "
        "ORDER BY 2 DESC, 1 DESC LIMIT 1"
    )
    checks_run = latest[0] if latest else None
    checks = rows(
        """
        SELECT rule, severity, passed, offending_rows, description FROM check_results
        WHERE run_id = ? ORDER BY passed, severity, rule
        """,
        [checks_run[0] if checks_run else ""],
    )
    history = rows(
        f"""
        SELECT run_id, started_at, finished_at, tikdb_version, csv_path, csv_records,
            csv_loaded, csv_duplicates, csv_rejected, slides_loaded, slides_rejected,
            ocr_records, ocr_loaded, ocr_rejected, len(warnings)
        FROM import_log ORDER BY started_at DESC, run_id DESC LIMIT {TOP_ROWS * 2}
        """
    )
    return ReportData(
        headline,
        weekly,
        sum(1 for r in leaderboard if r[0] is not None),
        leaderboard,
        slide_bars,
        heat,
        top_posts,
        reused_slides,
        reused_texts,
        ocr_by_va,
        rejects,
        checks,
        checks_run,
        history,
    )


def render(data: ReportData, db: Path, generated_at: datetime) -> str:
    """The report as one HTML document."""
    h = data.headline
    cards = [
        ("Posts", "posts", fmt_int(h["posts"])),
        ("VAs", "vas", fmt_int(h["vas"])),
        ("Accounts", "accounts", fmt_int(h["accounts"])),
        ("Slides", "slides", fmt_int(h["slides"])),
        ("Views", "views", fmt_int(h["views"])),
        ("Engagement rate", "engagement_rate", fmt_pct(h["engagement_rate"], 2)),
        ("Posts with OCR", "ocr_posts", fmt_int(h["ocr_posts"])),
        ("OCR coverage", "ocr_coverage", fmt_pct(h["ocr_coverage"])),
    ]
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>tikdb report – {e(db.name)}</title>",
        f"<style>{CSS}</style></head><body><main>",
        "<h1>tikdb warehouse report</h1>",
        f'<p class="note">From <code>{e(db)}</code>, generated {e(fmt_ts(generated_at))} UTC '
        f"by tikdb {e(__version__)}. Times are UTC. A post counts for its account's VA.</p>",
        '<section class="cards">',
    ]
    for label, metric, value in cards:
        out.append(
            f'<div class="card"><div class="label">{e(label)}</div>'
            f'<div class="value" data-metric="{metric}">{e(value)}</div></div>'
        )
    out.append("</section>")

    shown = len(data.weekly)
    out.append("<h2>Views over time</h2>")
    out.append(
        f'<p class="note">Sum of the views of the posts created each week (weeks start on '
        f"Monday, UTC), for the top {shown} of {data.va_count} VAs by total views.</p>"
    )
    out.append(
        line_chart(data.weekly, "Weekly views per VA", "Week starting (UTC date)", "Views per week")
    )

    out.append("<h2>VA leaderboard</h2>")
    out.append(
        '<p class="note">From the <code>va_performance</code> view. Engagement rate = '
        "engagement / views × 100; “≥ 10k” = share of posts with at least 10,000 views.</p>"
    )
    board_rows, board_keys = [], []
    for (
        va_id,
        display,
        n,
        accounts,
        views,
        median,
        mean,
        rate,
        pct10k,
        per_day,
        first,
        last,
    ) in data.leaderboard:
        key = va_id if va_id is not None else ""
        board_keys.append(key)
        board_rows.append(
            [
                cell(_va_label(va_id, display)),
                cell(fmt_int(n), "va.posts"),
                cell(fmt_int(accounts), "va.accounts"),
                cell(fmt_int(views), "va.total_views"),
                cell(fmt_int(median), "va.median_views"),
                cell(fmt_int(mean), "va.mean_views"),
                cell(fmt_pct(rate, 2), "va.engagement_rate"),
                cell(fmt_pct(pct10k), "va.pct_posts_10k"),
                cell(fmt_float(per_day), "va.posts_per_active_day"),
                cell(fmt_ts(first)),
                cell(fmt_ts(last)),
            ]
        )
    out.append(
        _table(
            [
                "VA",
                "Posts",
                "Accounts",
                "Views",
                "Median views",
                "Mean views",
                "Eng. rate",
                "≥ 10k",
                "Posts/active day",
                "First post",
                "Last post",
            ],
            board_rows,
            [False, True, True, True, True, True, True, True, True, False, False],
            board_keys,
        )
    )

    out.append("<h2>Slide count and views</h2>")
    out.append('<p class="note">Median views of the posts with each number of slides.</p>')
    out.append(
        bar_chart(
            [str(n) for n, _, _ in data.slide_bars],
            [m for _, _, m in data.slide_bars],
            [c for _, c, _ in data.slide_bars],
            "Median views by slide count",
            "Slides per post (count)",
            "Median views per post",
            "Median views",
        )
    )

    out.append("<h2>When posts do well</h2>")
    out.append(
        '<p class="note">Median views by the UTC weekday and hour a post was created '
        "(the <code>posting_hours</code> view).</p>"
    )
    out.append(heatmap(data.heat, "Median views by weekday and hour (UTC)"))

    out.append("<h2>Top posts</h2>")
    out.append(
        _table(
            ["Post", "Account", "VA", "Created (UTC)", "Views", "Eng. rate", "Slides", "OCR hook"],
            [
                [
                    f'<a href="{e(url)}" rel="noreferrer">{e(post_id)}</a>',
                    cell(account),
                    cell(_va_label(va_id, display)),
                    cell(fmt_ts(created)),
                    cell(fmt_int(views), "post.views"),
                    cell(fmt_pct(rate, 2)),
                    cell(fmt_int(slides)),
                    f'<span class="long">{e(hook) if hook is not None else "–"}</span>',
                ]
                for post_id, url, account, va_id, display, created, views, rate, slides, hook in (
                    data.top_posts
                )
            ],
            [False, False, False, False, True, True, True, False],
            [str(r[0]) for r in data.top_posts],
        )
    )

    out.append("<h2>Top reused slides</h2>")
    out.append(
        '<p class="note">Slide images (by image id) used in more than one post '
        "(the <code>slide_reuse</code> view), by number of posts.</p>"
    )
    out.append(
        _table(
            [
                "Image id",
                "Posts",
                "Accounts",
                "VAs",
                "Total views",
                "Max views",
                "First use",
                "Last use",
            ],
            [
                [
                    f"<code>{e(image_id)}</code>",
                    cell(fmt_int(n), "slide.posts"),
                    f'<span class="long">{e(", ".join(accounts))}</span>',
                    cell(", ".join(vas)),
                    cell(fmt_int(total), "slide.total_views"),
                    cell(fmt_int(top)),
                    cell(fmt_ts(first.date() if first else None)),
                    cell(fmt_ts(last.date() if last else None)),
                ]
                for image_id, n, accounts, vas, total, top, first, last in data.reused_slides
            ],
            [False, True, False, False, True, True, False, False],
            [r[0] for r in data.reused_slides],
        )
    )
    if data.reused_texts:
        out.append("<h3>Reused OCR text</h3>")
        out.append(
            _table(
                ["OCR text", "Posts", "Accounts", "Total views", "Max views"],
                [
                    [
                        f'<span class="long">{e(text)}</span>',
                        cell(fmt_int(n)),
                        f'<span class="long">{e(", ".join(accounts))}</span>',
                        cell(fmt_int(total)),
                        cell(fmt_int(top)),
                    ]
                    for _, text, n, accounts, total, top in data.reused_texts
                ],
                [False, True, False, True, True],
                [r[0] for r in data.reused_texts],
            )
        )

    out.append("<h2>OCR coverage</h2>")
    out.append(
        f'<p class="note">{e(fmt_int(h["ocr_posts"]))} of {e(fmt_int(h["posts"]))} posts have an '
        f'OCR record (<span data-metric="ocr_coverage_note">{e(fmt_pct(h["ocr_coverage"]))}'
        f"</span>); {e(fmt_pct(h['ocr_text_coverage']))} have non-empty text.</p>"
    )
    out.append(
        _table(
            ["VA", "Posts", "With OCR", "With text", "Coverage"],
            [
                [
                    cell(_va_label(va_id, display)),
                    cell(fmt_int(n)),
                    cell(fmt_int(with_ocr), "ocr.with_ocr"),
                    cell(fmt_int(with_text)),
                    cell(fmt_pct(100.0 * with_ocr / n if n else None)),
                ]
                for va_id, display, n, with_ocr, with_text in data.ocr_by_va
            ],
            [False, True, True, True, True],
            [r[0] or "" for r in data.ocr_by_va],
        )
    )

    out.append("<h2>Rejects by reason</h2>")
    out.append(
        '<p class="note">Input records that were not loaded (the <code>rejects</code> table), '
        "with the first example of each reason.</p>"
    )
    out.append(
        _table(
            ["Input", "Entity", "Reason", "Records", "Example file", "Example message"],
            [
                [
                    cell(i),
                    cell(ent),
                    cell(reason),
                    cell(fmt_int(n), "rejects.count"),
                    f'<span class="long">{e(source)}</span>',
                    f'<span class="long">{e(message)}</span>',
                ]
                for i, ent, reason, n, source, message in data.rejects
            ],
            [False, False, False, True, False, False],
            [f"{i}/{ent}/{reason}" for i, ent, reason, *_ in data.rejects],
        )
    )

    out.append("<h2>Latest checks</h2>")
    if data.checks_run:
        out.append(
            f'<p class="note">Build <code>{e(data.checks_run[0])}</code>, checked '
            f"{e(fmt_ts(data.checks_run[1]))} UTC.</p>"
        )
    check_rows = []
    for rule, severity, passed, offending, description in data.checks:
        css = "pass" if passed else ("fail" if severity == "error" else "warn")
        check_rows.append(
            [
                cell(rule),
                cell(severity),
                f'<span class="{css}">{"pass" if passed else "FAIL"}</span>',
                cell(fmt_int(offending), "check.offending_rows"),
                f'<span class="long">{e(description)}</span>',
            ]
        )
    out.append(
        _table(
            ["Rule", "Severity", "Result", "Offending rows", "Description"],
            check_rows,
            [False, False, False, True, False],
            [r[0] for r in data.checks],
        )
    )

    out.append("<h2>Build history</h2>")
    out.append('<p class="note">The latest builds from <code>import_log</code>.</p>')
    out.append(
        _table(
            [
                "Run",
                "Started (UTC)",
                "Seconds",
                "Version",
                "CSV",
                "CSV records",
                "Loaded",
                "Duplicates",
                "Rejected",
                "Slides",
                "Slide rejects",
                "OCR records",
                "OCR loaded",
                "OCR rejects",
                "Warnings",
            ],
            [
                [
                    f"<code>{e(run_id)}</code>",
                    cell(fmt_ts(started)),
                    cell(fmt_float((finished - started).total_seconds(), 1)),
                    cell(version),
                    f'<span class="long">{e(csv_path)}</span>',
                    cell(fmt_int(records), "build.csv_records"),
                    cell(fmt_int(loaded)),
                    cell(fmt_int(dups)),
                    cell(fmt_int(rejected)),
                    cell(fmt_int(slides)),
                    cell(fmt_int(slides_rejected)),
                    cell(fmt_int(ocr_records)),
                    cell(fmt_int(ocr_loaded)),
                    cell(fmt_int(ocr_rejected)),
                    cell(fmt_int(warns)),
                ]
                for (
                    run_id,
                    started,
                    finished,
                    version,
                    csv_path,
                    records,
                    loaded,
                    dups,
                    rejected,
                    slides,
                    slides_rejected,
                    ocr_records,
                    ocr_loaded,
                    ocr_rejected,
                    warns,
                ) in data.history
            ],
            [False, False, True, False, False] + [True] * 10,
            [r[0] for r in data.history],
        )
    )
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"


def build_report(db: Path, generated_at: datetime | None = None) -> str:
    """The HTML report of the warehouse at db (opened read-only)."""
    con = connect_read_only(Path(db))
    try:
        try:
            data = collect(con)
        except duckdb.CatalogException as exc:
            raise TikdbError(
                f"{db}: {one_line(exc)} The warehouse predates the analytics views; "
                "rebuild it with `tikdb build`."
            ) from exc
    finally:
        con.close()
    when = generated_at or datetime.now(UTC).replace(tzinfo=None)
    return render(data, Path(db), when)


def write_report(db: Path, out: Path) -> Path:
    """Write the report to out (atomically: a reader never sees half a file)."""
    text = build_report(db)
    out = Path(out)
    if out.is_dir():
        raise InputError(
            f"{out}: is a directory; pass a file name, e.g. --out {out / 'report.html'}."
        )
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)
    except OSError as exc:
        with contextlib.suppress(OSError):  # on a read-only disk even this fails
            tmp.unlink(missing_ok=True)
        if is_disk_full(exc):
            raise DiskFullError(
                f"{out}: the disk is full ({NO_SPACE}). Free some space there, or pass --out "
                "PATH on a disk with more room."
            ) from exc
        raise InputError(
            f"{out}: cannot be written ({exc.strerror}). Pass --out PATH in a folder you can "
            "write to."
        ) from exc
    return out
