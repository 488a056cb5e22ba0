"""The report page: the document head, then the sections in order."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tikdb import __version__
from tikdb.outputs.report import sections
from tikdb.outputs.report.data import ReportData
from tikdb.outputs.report.formats import fmt_ts
from tikdb.outputs.report.markup import Html, lines, raw, tag
from tikdb.outputs.report.style import CSS
from tikdb.outputs.report.tables import code

# Everything is inline, so the file opens offline and can be mailed around; the policy
# forbids scripts and remote content as a second line of defence behind the escaping.
DOCUMENT_START = (
    "<!DOCTYPE html>\n"
    '<html lang="en"><head><meta charset="utf-8">\n'
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
    "style-src 'unsafe-inline'; img-src data:\">\n"
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
)


def head(db: Path, generated_at: datetime) -> Html:
    """The document head, the page title and where the report comes from."""
    return lines(
        raw(DOCUMENT_START),
        tag("title", "tikdb report – ", db.name),
        raw("<style>") + raw(CSS) + raw("</style></head><body><main>"),
        tag("h1", "tikdb warehouse report"),
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


def render(data: ReportData, db: Path, generated_at: datetime) -> str:
    """The report as one HTML document."""
    parts = [
        head(db, generated_at),
        sections.headline_cards(data.headline),
        sections.weekly_views(data.leaderboard, data.weekly),
        sections.va_leaderboard(data.leaderboard),
        sections.slide_counts(data.slide_counts),
        sections.posting_hours(data.posting_hours),
        sections.top_posts(data.top_posts),
        sections.reused_slides(data.reused_slides),
        sections.reused_texts(data.reused_texts),
        sections.growth(data.growth, data.growth_by_age, data.outliers, data.repost_candidates),
        sections.ocr_coverage(data.headline, data.ocr_coverage),
        sections.rejects(data.rejects),
        sections.latest_checks(data.check_run, data.checks),
        sections.build_history(data.history),
        raw("</main></body></html>"),
    ]
    return str(lines(*(part for part in parts if part))) + "\n"
