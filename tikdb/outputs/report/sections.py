"""The report's sections, in the order they appear: each takes its named rows and returns
its HTML (a heading, a note, a chart or a table), built only through markup and tables,
so every value from the data is escaped."""

from __future__ import annotations

from tikdb.outputs.report.charts import Series, bar_chart, heatmap, line_chart
from tikdb.outputs.report.data import (
    BuildRun,
    CheckResult,
    CheckRun,
    GrowthByAge,
    GrowthSummary,
    Headline,
    HourCell,
    OcrCoverage,
    Outlier,
    RejectReason,
    RepostCandidate,
    ReusedSlide,
    ReusedText,
    SlideCount,
    TopPost,
    VaStats,
    WeeklyViews,
    top_vas,
)
from tikdb.outputs.report.formats import MISSING, fmt_float, fmt_int, fmt_pct, fmt_ts
from tikdb.outputs.report.markup import Html, lines, raw, tag
from tikdb.outputs.report.tables import cell, code, long, num, row, table, text


def va_label(va_id: str | None, display_name: str | None) -> str:
    """How a VA is named: its display name, else its id; "(no VA)" for posts without one."""
    if va_id is None:
        return "(no VA)"
    return display_name or va_id


def heading(title: str) -> Html:
    return tag("h2", title)


def note(*parts: object) -> Html:
    """A short explanation under a heading."""
    return tag("p", *parts, class_="note")


def headline_cards(h: Headline) -> Html:
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
    return tag(
        "section",
        lines(
            "",
            *(
                tag(
                    "div",
                    tag("div", label, class_="label"),
                    tag("div", value, class_="value", data_metric=metric),
                    class_="card",
                )
                for label, metric, value in cards
            ),
            "",
        ),
        class_="cards",
    )


def weekly_views(leaderboard: list[VaStats], weekly: list[WeeklyViews]) -> Html:
    series = [
        Series(
            va_label(va.va_id, va.display_name),
            [(w.week, float(w.views)) for w in weekly if w.va_id == va.va_id],
        )
        for va in top_vas(leaderboard)
    ]
    va_count = sum(1 for va in leaderboard if va.va_id is not None)
    return lines(
        heading("Views over time"),
        note(
            "Sum of the views of the posts created each week (weeks start on Monday, UTC), "
            f"for the top {len(series)} of {va_count} VAs by total views."
        ),
        line_chart(series, "Weekly views per VA", "Week starting (UTC date)", "Views per week"),
    )


def va_leaderboard(leaderboard: list[VaStats]) -> Html:
    columns = [
        text("VA"),
        num("Posts"),
        num("Accounts"),
        num("Views"),
        num("Median views"),
        num("Mean views"),
        num("Eng. rate"),
        num("≥ 10k"),
        num("Posts/active day"),
        text("First post"),
        text("Last post"),
    ]
    rows = [
        row(
            va.va_id,
            cell(va_label(va.va_id, va.display_name)),
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
        )
        for va in leaderboard
    ]
    return lines(
        heading("VA leaderboard"),
        note(
            "From the ",
            code("va_performance"),
            " view. Engagement rate = engagement / views × 100; “≥ 10k” = share of posts "
            "with at least 10,000 views.",
        ),
        table(columns, rows),
    )


def slide_counts(counts: list[SlideCount]) -> Html:
    return lines(
        heading("Slide count and views"),
        note("Median views of the posts with each number of slides."),
        bar_chart(
            [str(c.slide_count) for c in counts],
            [c.median_views for c in counts],
            [c.posts for c in counts],
            "Median views by slide count",
            "Slides per post (count)",
            "Median views per post",
            "Median views",
        ),
    )


def posting_hours(cells: list[HourCell]) -> Html:
    return lines(
        heading("When posts do well"),
        note(
            "Median views by the UTC weekday and hour a post was created (the ",
            code("posting_hours"),
            " view).",
        ),
        heatmap(
            {(c.weekday, c.hour): (c.posts, c.median_views) for c in cells},
            "Median views by weekday and hour (UTC)",
        ),
    )


def top_posts(posts: list[TopPost]) -> Html:
    columns = [
        text("Post"),
        text("Account"),
        text("VA"),
        text("Created (UTC)"),
        num("Views"),
        num("Eng. rate"),
        num("Slides"),
        text("OCR hook"),
    ]
    rows = [
        row(
            p.post_id,
            tag("a", p.post_id, href=p.post_url, rel="noreferrer"),
            cell(p.account),
            cell(va_label(p.va_id, p.display_name)),
            cell(fmt_ts(p.created_at)),
            cell(fmt_int(p.views), "post.views"),
            cell(fmt_pct(p.engagement_rate, 2)),
            cell(fmt_int(p.slide_count)),
            long(MISSING if p.hook_text is None else p.hook_text),
        )
        for p in posts
    ]
    return lines(heading("Top posts"), table(columns, rows))


def reused_slides(slides: list[ReusedSlide]) -> Html:
    columns = [
        text("Image id"),
        num("Posts"),
        text("Accounts"),
        text("VAs"),
        num("Total views"),
        num("Max views"),
        text("First use"),
        text("Last use"),
    ]
    rows = [
        row(
            s.image_id,
            code(s.image_id),
            cell(fmt_int(s.posts), "slide.posts"),
            long(", ".join(s.account_list)),
            cell(", ".join(s.va_list)),
            cell(fmt_int(s.total_views), "slide.total_views"),
            cell(fmt_int(s.max_views)),
            cell(fmt_ts(s.first_post_at.date() if s.first_post_at else None)),
            cell(fmt_ts(s.last_post_at.date() if s.last_post_at else None)),
        )
        for s in slides
    ]
    return lines(
        heading("Top reused slides"),
        note(
            "Slide images (by image id) used in more than one post (the ",
            code("slide_reuse"),
            " view), by number of posts.",
        ),
        table(columns, rows),
    )


def reused_texts(texts: list[ReusedText]) -> Html:
    """Empty when no OCR text is shared by two posts."""
    if not texts:
        return raw("")
    columns = [
        text("OCR text"),
        num("Posts"),
        text("Accounts"),
        num("Total views"),
        num("Max views"),
    ]
    rows = [
        row(
            t.text_hash,
            long(t.ocr_text),
            cell(fmt_int(t.posts)),
            long(", ".join(t.account_list)),
            cell(fmt_int(t.total_views)),
            cell(fmt_int(t.max_views)),
        )
        for t in texts
    ]
    return lines(tag("h3", "Reused OCR text"), table(columns, rows))


def growth(
    summary: GrowthSummary,
    by_age: list[GrowthByAge],
    outliers: list[Outlier],
    candidates: list[RepostCandidate],
) -> Html:
    """Growth over time: median views by age for the top VAs, the strongest outliers and
    the repost candidates; a note alone when the warehouse holds one snapshot."""
    parts = [
        heading("Growth over time"),
        note(
            fmt_int(summary.observations),
            " observations of ",
            fmt_int(summary.posts),
            " posts in ",
            cell(fmt_int(summary.snapshots), "growth.snapshots"),
            " snapshots (",
            fmt_ts(summary.first_observed_at),
            " to ",
            fmt_ts(summary.last_observed_at),
            ", the ",
            code("metrics_history"),
            " table).",
        ),
    ]
    if summary.snapshots < 2:
        parts.append(
            note(
                "Growth needs several snapshots of the same posts: add exports with ",
                code("tikdb pull"),
                " and build from them.",
            )
        )
        return lines(*parts)
    ages = ("1d", "3d", "7d", "30d")
    age_columns = [text("VA")] + [num(f"Median views at {a}") for a in ages]
    age_rows = [
        row(
            g.va_id,
            cell(va_label(g.va_id, g.display_name)),
            *(
                cell(_median_of(getattr(g, f"median_{a}"), getattr(g, f"posts_{a}")), f"growth.{a}")
                for a in ages
            ),
        )
        for g in by_age
    ]
    parts += [
        tag("h3", "Median views by age"),
        note(
            "Views 1, 3, 7 and 30 days after posting (the ",
            code("post_growth"),
            " view: the observation nearest each age, within 12 h to 2 days), for the top VAs; "
            "the number of posts with a value at that age in brackets.",
        ),
        table(age_columns, age_rows),
    ]
    outlier_columns = [
        text("Post"),
        text("Account"),
        text("VA"),
        text("Created (UTC)"),
        num("Views at 3 days"),
        num("Account median"),
        num("× usual"),
    ]
    outlier_rows = [
        row(
            o.post_id,
            tag("a", o.post_id, href=o.post_url, rel="noreferrer"),
            cell(o.account),
            cell(va_label(o.va_id, o.display_name)),
            cell(fmt_ts(o.created_at)),
            cell(fmt_int(o.views_at_age)),
            cell(fmt_int(o.baseline_median_views)),
            cell(fmt_float(o.outlier_score + 1), "outlier.times"),
        )
        for o in outliers
    ]
    parts += [
        tag("h3", "Strongest outliers"),
        note(
            "Views at 3 days against the median of the same account's posts of the 30 days "
            "before (at least 3 of them; the ",
            code("outliers"),
            " view).",
        ),
        table(outlier_columns, outlier_rows),
    ]
    candidate_columns = [
        text("Post"),
        text("Account"),
        text("VA"),
        text("Created (UTC)"),
        num("× usual"),
        num("Views"),
        text("OCR hook"),
        text("Last used elsewhere"),
    ]
    candidate_rows = [
        row(
            c.post_id,
            tag("a", c.post_id, href=c.post_url, rel="noreferrer"),
            cell(c.account),
            cell(va_label(c.va_id, c.display_name)),
            cell(fmt_ts(c.created_at)),
            cell(fmt_float(c.outlier_score + 1), "candidate.times"),
            cell(fmt_int(c.views)),
            long(MISSING if c.hook_text is None else c.hook_text),
            cell(fmt_ts(c.last_used_elsewhere_at)),
        )
        for c in candidates
    ]
    parts += [
        tag("h3", "Repost candidates"),
        note(
            "Strong outliers (at least 3× their account's usual) at least 30 days old whose "
            "images and hook no other account used in the last 30 days (the ",
            code("repost_candidates"),
            " view).",
        ),
        table(candidate_columns, candidate_rows) if candidates else note("No post qualifies yet."),
    ]
    return lines(*parts)


def _median_of(median: float | None, posts: int) -> str:
    return MISSING if median is None else f"{fmt_int(median)} ({fmt_int(posts)})"


def ocr_coverage(h: Headline, per_va: list[OcrCoverage]) -> Html:
    columns = [text("VA"), num("Posts"), num("With OCR"), num("With text"), num("Coverage")]
    rows = [
        row(
            r.va_id,
            cell(va_label(r.va_id, r.display_name)),
            cell(fmt_int(r.posts)),
            cell(fmt_int(r.with_ocr), "ocr.with_ocr"),
            cell(fmt_int(r.with_text)),
            cell(fmt_pct(100.0 * r.with_ocr / r.posts if r.posts else None)),
        )
        for r in per_va
    ]
    return lines(
        heading("OCR coverage"),
        note(
            fmt_int(h.ocr_posts),
            " of ",
            fmt_int(h.posts),
            " posts have an OCR record (",
            cell(fmt_pct(h.ocr_coverage), "ocr_coverage_note"),
            "); ",
            fmt_pct(h.ocr_text_coverage),
            " have non-empty text.",
        ),
        table(columns, rows),
    )


def rejects(reasons: list[RejectReason]) -> Html:
    columns = [
        text("Input"),
        text("Entity"),
        text("Reason"),
        num("Records"),
        text("Example file"),
        text("Example message"),
    ]
    rows = [
        row(
            f"{r.input}/{r.entity}/{r.reason}",
            cell(r.input),
            cell(r.entity),
            cell(r.reason),
            cell(fmt_int(r.records), "rejects.count"),
            long(r.source_file),
            long(r.message),
        )
        for r in reasons
    ]
    return lines(
        heading("Rejects by reason"),
        note(
            "Input records that were not loaded (the ",
            code("rejects"),
            " table), with the first example of each reason.",
        ),
        table(columns, rows),
    )


def latest_checks(run: CheckRun | None, checks: list[CheckResult]) -> Html:
    columns = [
        text("Rule"),
        text("Severity"),
        text("Result"),
        num("Offending rows"),
        text("Description"),
    ]
    rows = []
    for c in checks:
        css = "pass" if c.passed else ("fail" if c.severity == "error" else "warn")
        rows.append(
            row(
                c.rule,
                cell(c.rule),
                cell(c.severity),
                tag("span", "pass" if c.passed else "FAIL", class_=css),
                cell(fmt_int(c.offending_rows), "check.offending_rows"),
                long(c.description),
            )
        )
    parts = [heading("Latest checks")]
    if run:
        parts.append(
            note("Build ", code(run.run_id), ", checked ", fmt_ts(run.checked_at), " UTC.")
        )
    return lines(*parts, table(columns, rows))


def build_history(builds: list[BuildRun]) -> Html:
    columns = [
        text("Run"),
        text("Started (UTC)"),
        num("Seconds"),
        text("Version"),
        text("CSV"),
        num("CSV records"),
        num("Loaded"),
        num("Duplicates"),
        num("Rejected"),
        num("Slides"),
        num("Slide rejects"),
        num("OCR records"),
        num("OCR loaded"),
        num("OCR rejects"),
        num("Warnings"),
    ]
    rows = [
        row(
            b.run_id,
            code(b.run_id),
            cell(fmt_ts(b.started_at)),
            cell(fmt_float((b.finished_at - b.started_at).total_seconds(), 1)),
            cell(b.tikdb_version),
            long(b.csv_path),
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
        )
        for b in builds
    ]
    return lines(
        heading("Build history"),
        note("The latest builds from ", code("import_log"), "."),
        table(columns, rows),
    )
