"""``tikdb report``: one self-contained HTML file about the warehouse.

Everything is inline (CSS, SVG charts drawn here), so the file opens offline and can be
mailed around. Every text that comes from the data (VA names, OCR text, reasons,
messages, file paths) goes through ``html.escape``; a Content-Security-Policy forbids
scripts and remote content as a second line of defence. Numbers shown carry a
``data-metric`` attribute (and ``data-key`` for table rows) so tests can find them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from tikdb import __version__
from tikdb.errors import InputError, TikdbError, one_line
from tikdb.outputs.report.charts import Series, bar_chart, heatmap, line_chart
from tikdb.outputs.report.data import ReportData, collect, top_vas
from tikdb.outputs.report.formats import fmt_float, fmt_int, fmt_pct, fmt_ts
from tikdb.outputs.report.markup import escape as e
from tikdb.outputs.report.style import CSS
from tikdb.outputs.warehouse import connect_read_only

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


def render(data: ReportData, db: Path, generated_at: datetime) -> str:
    """The report as one HTML document."""
    h = data.headline
    cards = [
        ("Posts", "posts", fmt_int(h.posts)),
        ("VAs", "vas", fmt_int(h.vas)),
        ("Accounts", "accounts", fmt_int(h.accounts)),
        ("Slides", "slides", fmt_int(h.slides)),
        ("Views", "views", fmt_int(h.views)),
        ("Engagement rate", "engagement_rate", fmt_pct(h.engagement_rate, 2)),
        ("Posts with OCR", "ocr_posts", fmt_int(h.ocr_posts)),
        ("OCR coverage", "ocr_coverage", fmt_pct(h.ocr_coverage)),
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

    top = top_vas(data.leaderboard)
    weekly = [
        Series(
            _va_label(va.va_id, va.display_name),
            [(w.week, float(w.views)) for w in data.weekly if w.va_id == va.va_id],
        )
        for va in top
    ]
    shown = len(weekly)
    va_count = sum(1 for r in data.leaderboard if r.va_id is not None)
    out.append("<h2>Views over time</h2>")
    out.append(
        f'<p class="note">Sum of the views of the posts created each week (weeks start on '
        f"Monday, UTC), for the top {shown} of {va_count} VAs by total views.</p>"
    )
    out.append(
        line_chart(weekly, "Weekly views per VA", "Week starting (UTC date)", "Views per week")
    )

    out.append("<h2>VA leaderboard</h2>")
    out.append(
        '<p class="note">From the <code>va_performance</code> view. Engagement rate = '
        "engagement / views × 100; “≥ 10k” = share of posts with at least 10,000 views.</p>"
    )
    board_rows, board_keys = [], []
    for va in data.leaderboard:
        key = va.va_id if va.va_id is not None else ""
        board_keys.append(key)
        board_rows.append(
            [
                cell(_va_label(va.va_id, va.display_name)),
                cell(fmt_int(va.posts), "va.posts"),
                cell(fmt_int(va.accounts), "va.accounts"),
                cell(fmt_int(va.total_views), "va.total_views"),
                cell(fmt_int(va.median_views), "va.median_views"),
                cell(fmt_int(va.mean_views), "va.mean_views"),
                cell(fmt_pct(va.engagement_rate, 2), "va.engagement_rate"),
                cell(fmt_pct(va.pct_posts_10k), "va.pct_posts_10k"),
                cell(fmt_float(va.posts_per_active_day), "va.posts_per_active_day"),
                cell(fmt_ts(va.first_post_at)),
                cell(fmt_ts(va.last_post_at)),
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
            [str(r.slide_count) for r in data.slide_counts],
            [r.median_views for r in data.slide_counts],
            [r.posts for r in data.slide_counts],
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
    out.append(
        heatmap(
            {(c.weekday, c.hour): (c.posts, c.median_views) for c in data.posting_hours},
            "Median views by weekday and hour (UTC)",
        )
    )

    out.append("<h2>Top posts</h2>")
    out.append(
        _table(
            ["Post", "Account", "VA", "Created (UTC)", "Views", "Eng. rate", "Slides", "OCR hook"],
            [
                [
                    f'<a href="{e(p.post_url)}" rel="noreferrer">{e(p.post_id)}</a>',
                    cell(p.account),
                    cell(_va_label(p.va_id, p.display_name)),
                    cell(fmt_ts(p.created_at)),
                    cell(fmt_int(p.views), "post.views"),
                    cell(fmt_pct(p.engagement_rate, 2)),
                    cell(fmt_int(p.slide_count)),
                    f'<span class="long">{e("–" if p.hook_text is None else p.hook_text)}</span>',
                ]
                for p in data.top_posts
            ],
            [False, False, False, False, True, True, True, False],
            [str(r.post_id) for r in data.top_posts],
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
                    f"<code>{e(r.image_id)}</code>",
                    cell(fmt_int(r.posts), "slide.posts"),
                    f'<span class="long">{e(", ".join(r.account_list))}</span>',
                    cell(", ".join(r.va_list)),
                    cell(fmt_int(r.total_views), "slide.total_views"),
                    cell(fmt_int(r.max_views)),
                    cell(fmt_ts(r.first_used_at.date() if r.first_used_at else None)),
                    cell(fmt_ts(r.last_used_at.date() if r.last_used_at else None)),
                ]
                for r in data.reused_slides
            ],
            [False, True, False, False, True, True, False, False],
            [r.image_id for r in data.reused_slides],
        )
    )
    if data.reused_texts:
        out.append("<h3>Reused OCR text</h3>")
        out.append(
            _table(
                ["OCR text", "Posts", "Accounts", "Total views", "Max views"],
                [
                    [
                        f'<span class="long">{e(r.ocr_text)}</span>',
                        cell(fmt_int(r.posts)),
                        f'<span class="long">{e(", ".join(r.account_list))}</span>',
                        cell(fmt_int(r.total_views)),
                        cell(fmt_int(r.max_views)),
                    ]
                    for r in data.reused_texts
                ],
                [False, True, False, True, True],
                [r.text_hash for r in data.reused_texts],
            )
        )

    out.append("<h2>OCR coverage</h2>")
    out.append(
        f'<p class="note">{e(fmt_int(h.ocr_posts))} of {e(fmt_int(h.posts))} posts have an '
        f'OCR record (<span data-metric="ocr_coverage_note">{e(fmt_pct(h.ocr_coverage))}'
        f"</span>); {e(fmt_pct(h.ocr_text_coverage))} have non-empty text.</p>"
    )
    out.append(
        _table(
            ["VA", "Posts", "With OCR", "With text", "Coverage"],
            [
                [
                    cell(_va_label(r.va_id, r.display_name)),
                    cell(fmt_int(r.posts)),
                    cell(fmt_int(r.with_ocr), "ocr.with_ocr"),
                    cell(fmt_int(r.with_text)),
                    cell(fmt_pct(100.0 * r.with_ocr / r.posts if r.posts else None)),
                ]
                for r in data.ocr_coverage
            ],
            [False, True, True, True, True],
            [r.va_id or "" for r in data.ocr_coverage],
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
                    cell(r.input),
                    cell(r.entity),
                    cell(r.reason),
                    cell(fmt_int(r.records), "rejects.count"),
                    f'<span class="long">{e(r.source_file)}</span>',
                    f'<span class="long">{e(r.message)}</span>',
                ]
                for r in data.rejects
            ],
            [False, False, False, True, False, False],
            [f"{r.input}/{r.entity}/{r.reason}" for r in data.rejects],
        )
    )

    out.append("<h2>Latest checks</h2>")
    if data.check_run:
        out.append(
            f'<p class="note">Build <code>{e(data.check_run.run_id)}</code>, checked '
            f"{e(fmt_ts(data.check_run.checked_at))} UTC.</p>"
        )
    check_rows = []
    for c in data.checks:
        css = "pass" if c.passed else ("fail" if c.severity == "error" else "warn")
        check_rows.append(
            [
                cell(c.rule),
                cell(c.severity),
                f'<span class="{css}">{"pass" if c.passed else "FAIL"}</span>',
                cell(fmt_int(c.offending_rows), "check.offending_rows"),
                f'<span class="long">{e(c.description)}</span>',
            ]
        )
    out.append(
        _table(
            ["Rule", "Severity", "Result", "Offending rows", "Description"],
            check_rows,
            [False, False, False, True, False],
            [r.rule for r in data.checks],
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
                    f"<code>{e(b.run_id)}</code>",
                    cell(fmt_ts(b.started_at)),
                    cell(fmt_float((b.finished_at - b.started_at).total_seconds(), 1)),
                    cell(b.tikdb_version),
                    f'<span class="long">{e(b.csv_path)}</span>',
                    cell(fmt_int(b.csv_records), "build.csv_records"),
                    cell(fmt_int(b.csv_loaded)),
                    cell(fmt_int(b.csv_duplicates)),
                    cell(fmt_int(b.csv_rejected)),
                    cell(fmt_int(b.slides_loaded)),
                    cell(fmt_int(b.slides_rejected)),
                    cell(fmt_int(b.ocr_records)),
                    cell(fmt_int(b.ocr_loaded)),
                    cell(fmt_int(b.ocr_rejected)),
                    cell(fmt_int(b.warnings)),
                ]
                for b in data.history
            ],
            [False, False, True, False, False] + [True] * 10,
            [r.run_id for r in data.history],
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
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out
