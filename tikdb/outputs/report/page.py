"""The report pages: the document head, then the sections in order. A warehouse report,
a VA's report, and the index page of the VA reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from tikdb import __version__
from tikdb.outputs.report import sections
from tikdb.outputs.report.data import ReportData, Scope, Va
from tikdb.outputs.report.formats import fmt_int, fmt_ts
from tikdb.outputs.report.markup import Html, lines, raw, tag
from tikdb.outputs.report.style import CSS
from tikdb.outputs.report.tables import cell, code, link, long, num, row, table, text

# Everything is inline, so the file opens offline and can be mailed around; the policy
# forbids scripts and remote content as a second line of defence behind the escaping.
DOCUMENT_START = (
    "<!DOCTYPE html>\n"
    '<html lang="en"><head><meta charset="utf-8">\n'
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
    "style-src 'unsafe-inline'; img-src data:\">\n"
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
)
DOCUMENT_END = "</main></body></html>"


def head(title: str, heading: str, db: Path, generated_at: datetime) -> Html:
    """The document head, the page heading and where the report comes from."""
    return lines(
        raw(DOCUMENT_START),
        tag("title", title),
        raw("<style>") + raw(CSS) + raw("</style></head><body><main>"),
        tag("h1", heading),
        sections.note(
            "From ",
            code(str(db)),
            ", generated ",
            fmt_ts(generated_at),
            " UTC by tikdb ",
            __version__,
            raw(". Times are UTC. A post counts for its account's VA."),
        ),
    )


def document(*parts: Html) -> str:
    return str(lines(*(part for part in parts if part), raw(DOCUMENT_END))) + "\n"


def render(data: ReportData, db: Path, generated_at: datetime) -> str:
    """The report as one HTML document: the warehouse's, or a VA's when data.va is set."""
    if data.va is not None:
        return render_va(data, data.va, db, generated_at)
    return document(
        head(f"tikdb report – {db.name}", "tikdb warehouse report", db, generated_at),
        sections.scope_note(data.scope, data.period),
        sections.headline_cards(data.headline),
        sections.weekly_views(data.leaderboard, data.weekly, data.period),
        sections.va_leaderboard(data.leaderboard),
        sections.slide_counts(data.slide_counts),
        sections.posting_hours(data.posting_hours),
        sections.top_posts(data.top_posts),
        sections.reused_slides(data.reused_slides),
        sections.reused_texts(data.reused_texts),
        sections.growth(data.growth, data.growth_by_age, data.outliers, data.repost_candidates),
        sections.ocr_coverage(data.headline, data.ocr_coverage),
        sections.whole_warehouse(data.scope),
        sections.rejects(data.rejects),
        sections.latest_checks(data.check_run, data.checks),
        sections.build_history(data.history),
    )


def render_va(data: ReportData, va: Va, db: Path, generated_at: datetime) -> str:
    """A VA's report: its accounts and posts; the build's sections are left out."""
    return document(
        head(f"tikdb report – {va.label}", "VA report: " + va.label, db, generated_at),
        sections.note("VA id ", code(va.va_id), "; spellings seen: ", ", ".join(va.spellings)),
        sections.scope_note(data.scope, data.period),
        sections.headline_cards(data.headline, per_va=True),
        sections.weekly_views(data.leaderboard, data.weekly, data.period, per_va=True),
        sections.growth(data.growth, data.growth_by_age, data.outliers, data.repost_candidates),
        sections.accounts(data.accounts),
        sections.posting_hours(data.posting_hours),
        sections.top_posts(data.top_posts, per_va=True),
        sections.slide_counts(data.slide_counts),
        sections.reused_slides(data.reused_slides),
        sections.reused_texts(data.reused_texts),
    )


def render_index(
    vas: Sequence[tuple[Va, str]], scope: Scope, db: Path, generated_at: datetime
) -> str:
    """The index of the VA reports: each VA, linked to its file name, with its posts."""
    columns = [text("VA"), text("VA id"), num("Posts"), num("Views"), text("Report")]
    rows = [
        row(
            va.va_id,
            long(link(va.label, name)),
            long(va.va_id),
            cell(fmt_int(va.posts), "index.posts"),
            cell(fmt_int(va.total_views)),
            code(name),
        )
        for va, name in vas
    ]
    dates = (
        sections.note(
            "Posts created from ",
            "the first post" if scope.since is None else fmt_ts(scope.since),
            " to ",
            "the last post" if scope.until is None else fmt_ts(scope.until),
            " (UTC days, both included).",
        )
        if scope.has_dates
        else raw("")
    )
    return document(
        head(f"tikdb VA reports – {db.name}", "VA reports", db, generated_at),
        dates,
        sections.note(
            "One report per VA. Posts of accounts without a VA are in the warehouse report only."
        ),
        table(columns, rows),
    )
