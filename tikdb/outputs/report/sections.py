"""The report's sections, in the order they appear: each takes its named rows and returns
its HTML (a heading, a note, a chart or a table), built only through markup and tables,
so every value from the data is escaped. Sections do not know each other: a new one (a
growth section, say) is a function here and a line in page.py."""

from __future__ import annotations

from tikdb.outputs.report.charts import Bar, Series, hours_chart, slide_count_chart, weekly_chart
from tikdb.outputs.report.data import (
    AccountStats,
    BuildRun,
    CheckResult,
    CheckRun,
    GrowthByAge,
    GrowthSummary,
    Headline,
    HourCell,
    OcrCoverage,
    Outlier,
    Period,
    RejectReason,
    RepostCandidate,
    ReusedSlide,
    ReusedText,
    Scope,
    SlideCount,
    TopPost,
    VaStats,
    WeeklyViews,
    top_vas,
)
from tikdb.outputs.report.formats import MISSING, fmt_float, fmt_int, fmt_pct, fmt_ts
from tikdb.outputs.report.markup import Html, lines, raw, tag
from tikdb.outputs.report.tables import cell, code, link, long, num, row, stack, table, text

IMAGE_ID_CHARS = 12  # an image id is shown by its first characters (its title has it all)


def va_label(va_id: str | None, display_name: str | None) -> str:
    """How a VA is named: its display name, else its id; "(no VA)" for posts without one."""
    if va_id is None:
        return "(no VA)"
    return display_name or va_id


def heading(title: str) -> Html:
    return tag("h2", title)


def note(*parts: object, **attrs: object) -> Html:
    """A short explanation under a heading."""
    return tag("p", *parts, class_="note", **attrs)


def days(first: object, last: object) -> Html:
    """A span of dates or times, the first above the last."""
    return stack(fmt_ts(first), fmt_ts(last))


def scope_note(scope: Scope, period: Period) -> Html:
    """Which posts the report covers, and the days that actually have posts."""
    if scope.has_dates:
        asked = [
            "Posts created from ",
            "the first post" if scope.since is None else fmt_ts(scope.since),
            " to ",
            "the last post" if scope.until is None else fmt_ts(scope.until),
            " (UTC days, both included). ",
        ]
    else:
        asked = ["All posts. "]
    if period.first_day is None:
        found = ["There are no posts in this period: every section below is empty."]
    else:
        found = [
            "Posts found from ",
            fmt_ts(period.first_day),
            " to ",
            fmt_ts(period.last_day),
            ".",
        ]
    return note(*asked, *found, data_metric="scope")


def headline_cards(h: Headline, per_va: bool = False) -> Html:
    cards = [
        ("Posts", "posts", fmt_int(h.posts)),
        *([] if per_va else [("VAs", "vas", fmt_int(h.vas))]),
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


def weekly_views(
    leaderboard: list[VaStats], weekly: list[WeeklyViews], period: Period, per_va: bool = False
) -> Html:
    shown = top_vas(leaderboard)
    series = [
        Series(
            va_label(va.va_id, va.display_name),
            [(w.week, w.views) for w in weekly if w.va_id == va.va_id],
        )
        for va in shown
    ]
    va_count = sum(1 for va in leaderboard if va.va_id is not None)
    if per_va:
        whose = "of the VA's accounts. A break in the line, and a shaded week, is a week"
    else:
        whose = (
            f"for the top {len(series)} of {va_count} VAs by total views. A line breaks at a "
            "week in which that VA made no posts (no line is drawn across it); shaded weeks "
            "are weeks"
        )
    return lines(
        heading("Views over time"),
        note(
            "Sum of the views of the posts created each week (weeks start on Monday, UTC), ",
            whose,
            " without posts or without a known view count: never drawn as 0. The first and "
            "last week may be partial.",
        ),
        weekly_chart(series, period.first_day, period.last_day, "Weekly views per VA"),
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
        num("Posts per active day"),
        text("First – last post (UTC)"),
    ]
    rows = [
        row(
            va.va_id,
            long(va_label(va.va_id, va.display_name)),
            cell(fmt_int(va.posts), "va.posts"),
            cell(fmt_int(va.accounts), "va.accounts"),
            cell(fmt_int(va.total_views), "va.total_views"),
            cell(fmt_int(va.median_views), "va.median_views"),
            cell(fmt_int(va.mean_views), "va.mean_views"),
            cell(fmt_pct(va.engagement_rate, 2), "va.engagement_rate"),
            cell(fmt_pct(va.pct_posts_10k), "va.pct_posts_10k"),
            cell(fmt_float(va.posts_per_active_day), "va.posts_per_active_day"),
            days(va.first_post_at, va.last_post_at),
        )
        for va in leaderboard
    ]
    return lines(
        heading("VA leaderboard"),
        note(
            "The measures of the ",
            code("va_performance"),
            " view, over this report's posts. Engagement rate = engagement / views × 100; "
            "“≥ 10k” = share of posts with at least 10,000 views.",
        ),
        table(columns, rows),
    )


def accounts(rows_in: list[AccountStats]) -> Html:
    """A VA's accounts, by total views."""
    columns = [
        text("Account"),
        num("Posts"),
        num("Views"),
        num("Median views"),
        num("Eng. rate"),
        num("≥ 10k"),
        text("First – last post (UTC)"),
    ]
    rows = [
        row(
            a.account,
            cell(a.account),
            cell(fmt_int(a.posts), "account.posts"),
            cell(fmt_int(a.total_views), "account.total_views"),
            cell(fmt_int(a.median_views), "account.median_views"),
            cell(fmt_pct(a.engagement_rate, 2)),
            cell(fmt_pct(a.pct_posts_10k)),
            days(a.first_post_at, a.last_post_at),
        )
        for a in rows_in
    ]
    return lines(
        heading("Accounts"),
        note("The VA's accounts with posts in this report, by total views."),
        table(columns, rows),
    )


def slide_counts(counts: list[SlideCount]) -> Html:
    bars = [
        Bar(c.slide_count, c.posts, c.median_views)
        for c in counts
        if c.slide_count is not None and c.median_views is not None
    ]
    unknown = [c for c in counts if c.slide_count is None]
    no_views = sum(c.posts for c in counts if c.slide_count is not None and c.median_views is None)
    left_out: list[object] = []
    if unknown:
        (u,) = unknown
        left_out += [
            " Not drawn: ",
            cell(fmt_int(u.posts), "slides.unknown_posts"),
            " posts whose export has no slide list (sources: ",
            ", ".join(u.sources),
            "), so their slide count is unknown, not 0.",
        ]
    if no_views:
        left_out += [f" Not drawn: {fmt_int(no_views)} posts without a view count."]
    return lines(
        heading("Slide count and views"),
        note("Median views of the posts with each number of slides.", *left_out),
        slide_count_chart(bars, "Median views by slide count"),
    )


def posting_hours(cells: list[HourCell]) -> Html:
    return lines(
        heading("When posts do well"),
        note(
            "Median views by the UTC weekday and hour a post was created. Colours are "
            "classes on a log scale; a cell with few posts is a weak signal."
        ),
        hours_chart(
            {(c.weekday, c.hour): (c.posts, c.median_views) for c in cells},
            "Median views by weekday and hour (UTC)",
        ),
    )


def top_posts(posts: list[TopPost], per_va: bool = False) -> Html:
    columns = [
        text("Post, account"),
        *([] if per_va else [text("VA")]),
        text("Created (UTC)"),
        num("Views"),
        num("Eng. rate"),
        num("Slides"),
        text("OCR hook"),
    ]
    rows = [
        row(
            p.post_id,
            stack(link(p.post_id, p.post_url), p.account),
            *([] if per_va else [long(va_label(p.va_id, p.display_name))]),
            stack(fmt_ts(p.created_at.date()), p.created_at.strftime("%H:%M")),
            cell(fmt_int(p.views), "post.views"),
            cell(fmt_pct(p.engagement_rate, 2)),
            cell(fmt_int(p.slide_count) if p.slide_count else MISSING),
            long(MISSING if p.hook_text is None else p.hook_text),
        )
        for p in posts
    ]
    return lines(
        heading("Top posts"),
        note("The posts with the most views; “–” slides: the export has no slide list."),
        table(columns, rows),
    )


def reused_slides(slides: list[ReusedSlide]) -> Html:
    columns = [
        text("Image id"),
        num("Posts"),
        text("Accounts"),
        text("VAs"),
        num("Total views"),
        num("Max views"),
        text("First – last use (UTC)"),
    ]
    rows = [
        row(
            s.image_id,
            tag("code", s.image_id[:IMAGE_ID_CHARS] + "…", title=s.image_id),
            cell(fmt_int(s.posts), "slide.posts"),
            long(", ".join(s.account_list)),
            long(", ".join(s.va_names)),
            cell(fmt_int(s.total_views), "slide.total_views"),
            cell(fmt_int(s.max_views)),
            days(
                s.first_post_at.date() if s.first_post_at else None,
                s.last_post_at.date() if s.last_post_at else None,
            ),
        )
        for s in slides
    ]
    return lines(
        heading("Top reused slides"),
        note(
            "Slide images (by image id) used in more than one of this report's posts, by "
            "number of posts.",
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
            long(va_label(r.va_id, r.display_name)),
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


def whole_warehouse(scope: Scope) -> Html:
    """Said before the build's sections of a report limited to some dates."""
    if not scope.has_dates:
        return raw("")
    return note("The sections below describe the whole build, not only the dates above.")


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
            long(r.reason),
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
                long(c.rule),
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
    # Few columns, each a stack of counts: the table fits a printed page.
    columns = [
        text("Run"),
        text("CSV file"),
        num("CSV records"),
        num("Slides"),
        num("OCR records"),
        num("Warnings"),
    ]
    rows = [
        row(
            b.run_id,
            stack(
                code(b.run_id),
                fmt_ts(b.started_at),
                f"{fmt_float((b.finished_at - b.started_at).total_seconds(), 1)} s, "
                f"tikdb {b.tikdb_version}",
            ),
            long(b.csv_path),
            stack(
                tag("span", cell(fmt_int(b.csv_records), "build.csv_records"), " read"),
                f"{fmt_int(b.csv_loaded)} loaded",
                f"{fmt_int(b.csv_duplicates)} dup.",
                f"{fmt_int(b.csv_rejected)} rej.",
            ),
            stack(f"{fmt_int(b.slides_loaded)} loaded", f"{fmt_int(b.slides_rejected)} rej."),
            stack(
                f"{fmt_int(b.ocr_records)} read",
                f"{fmt_int(b.ocr_loaded)} loaded",
                f"{fmt_int(b.ocr_rejected)} rej.",
            ),
            cell(fmt_int(b.warnings)),
        )
        for b in builds
    ]
    return lines(
        heading("Build history"),
        note(
            "The latest builds from ",
            code("import_log"),
            ": records read, loaded, duplicates (dup.) and rejected (rej.).",
        ),
        table(columns, rows),
    )
