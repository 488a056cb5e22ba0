"""What the report shows, read from a published warehouse.

Each table or chart of the report has its query in ``sql/report/<name>.sql`` (one SELECT
over the published tables and views, with named ``$parameters``) and its row type here:
a frozen dataclass whose fields are the query's columns, matched by name (rows.fetch).

A report covers the posts of its Scope: one VA's accounts or all, created on the UTC days
from ``since`` to ``until`` (inclusive; None = open). Every section about posts reads them
from the table macro ``scoped_posts($all_vas, $va_id, $since, $until)`` of
sql/outputs/_scope.sql, which the export's sheets read too, so one filter applies to all
of them; the leaderboard and the accounts table read their measures from its
``scoped_measures``. The build's own sections (rejects, checks, build history) describe
the whole warehouse and take no scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import duckdb

from tikdb.engine.sqlfiles import read_sql
from tikdb.outputs.report.rows import fetch
from tikdb.outputs.warehouse import define_scope as define_scope  # the scoped queries' macros

TOP_VAS = 6  # lines in the weekly chart
TOP_ROWS = 10  # rows in the top posts, reused slides and reused texts tables
HISTORY_ROWS = 2 * TOP_ROWS  # builds in the build history

Row = TypeVar("Row")


@dataclass(frozen=True, slots=True)
class Scope:
    """The posts a report covers: a VA's accounts (None: every account) and the UTC days
    since .. until, both inclusive (None: no bound)."""

    va_id: str | None = None
    since: date | None = None
    until: date | None = None

    def params(self) -> dict[str, Any]:
        """The named parameters of every scoped query. A report has no scope of the
        accounts with no VA: va_id None means every VA (all_vas)."""
        return {
            "all_vas": self.va_id is None,
            "va_id": self.va_id,
            "since": self.since,
            "until": self.until,
        }

    @property
    def has_dates(self) -> bool:
        return self.since is not None or self.until is not None


@dataclass(frozen=True, slots=True)
class Va:
    va_id: str
    display_name: str
    spellings: list[str]
    posts: int  # in the report's dates
    total_views: int | None

    @property
    def label(self) -> str:
        return self.display_name or self.va_id


@dataclass(frozen=True, slots=True)
class Period:
    first_day: date | None  # the first UTC day with a post in the report; None: no posts
    last_day: date | None


@dataclass(frozen=True, slots=True)
class Headline:
    posts: int
    views: int | None  # None: posts, but none with a view count
    engagement_rate: float | None
    slides: int
    vas: int
    accounts: int
    ocr_posts: int
    ocr_text_posts: int

    @property
    def ocr_coverage(self) -> float | None:
        """Percent of posts with an OCR record."""
        return 100.0 * self.ocr_posts / self.posts if self.posts else None

    @property
    def ocr_text_coverage(self) -> float | None:
        """Percent of posts whose OCR text is not blank."""
        return 100.0 * self.ocr_text_posts / self.posts if self.posts else None


@dataclass(frozen=True, slots=True)
class VaStats:
    va_id: str | None  # None: the posts of accounts with no VA
    display_name: str | None
    posts: int
    accounts: int
    total_views: int | None
    median_views: float | None
    mean_views: float | None
    engagement_rate: float | None
    pct_posts_10k: float | None
    posts_per_active_day: float | None
    first_post_at: datetime | None
    last_post_at: datetime | None


@dataclass(frozen=True, slots=True)
class AccountStats:
    account: str
    posts: int
    total_views: int | None
    median_views: float | None
    engagement_rate: float | None
    pct_posts_10k: float | None
    first_post_at: datetime
    last_post_at: datetime


@dataclass(frozen=True, slots=True)
class WeeklyViews:
    va_id: str
    week: date  # the Monday the week starts on (UTC); only weeks with posts have a row
    posts: int
    views: int | None  # None: none of the week's posts has a view count


@dataclass(frozen=True, slots=True)
class SlideCount:
    slide_count: int | None  # None: no slide list in the export, so unknown
    posts: int
    median_views: float | None
    sources: list[str]


@dataclass(frozen=True, slots=True)
class HourCell:
    weekday: int  # ISO: 1 = Monday ... 7 = Sunday
    hour: int
    posts: int
    median_views: float | None


@dataclass(frozen=True, slots=True)
class TopPost:
    post_id: int
    post_url: str
    account: str
    va_id: str | None
    display_name: str | None
    created_at: datetime
    views: int | None
    engagement_rate: float | None
    slide_count: int
    hook_text: str | None


@dataclass(frozen=True, slots=True)
class ReusedSlide:
    image_id: str
    posts: int
    account_list: list[str]
    va_names: list[str]  # display names of the VAs whose accounts used it
    total_views: int | None
    max_views: int | None
    first_post_at: datetime | None
    last_post_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReusedText:
    text_hash: str
    ocr_text: str
    posts: int
    account_list: list[str]
    total_views: int | None
    max_views: int | None


@dataclass(frozen=True, slots=True)
class OcrCoverage:
    va_id: str | None
    display_name: str | None
    posts: int
    with_ocr: int
    with_text: int


@dataclass(frozen=True, slots=True)
class RejectReason:
    input: str
    entity: str
    reason: str
    records: int
    source_file: str | None
    message: str | None


@dataclass(frozen=True, slots=True)
class CheckRun:
    run_id: str
    checked_at: datetime


@dataclass(frozen=True, slots=True)
class CheckResult:
    rule: str
    severity: str
    passed: bool
    offending_rows: int | None
    description: str | None


@dataclass(frozen=True, slots=True)
class BuildRun:
    run_id: str
    started_at: datetime
    finished_at: datetime
    tikdb_version: str
    csv_path: str
    csv_records: int
    csv_loaded: int
    csv_duplicates: int
    csv_rejected: int
    slides_loaded: int
    slides_rejected: int
    ocr_records: int
    ocr_loaded: int
    ocr_rejected: int
    warnings: int


@dataclass(frozen=True, slots=True)
class GrowthSummary:
    snapshots: int
    observations: int
    posts: int
    first_observed_at: datetime | None
    last_observed_at: datetime | None


@dataclass(frozen=True, slots=True)
class GrowthByAge:
    va_id: str
    display_name: str | None
    posts_1d: int
    median_1d: float | None
    posts_3d: int
    median_3d: float | None
    posts_7d: int
    median_7d: float | None
    posts_30d: int
    median_30d: float | None


@dataclass(frozen=True, slots=True)
class Outlier:
    post_id: int
    post_url: str
    account: str
    va_id: str | None
    display_name: str | None
    created_at: datetime
    views_at_age: int
    baseline_median_views: float
    baseline_posts: int
    outlier_score: float


@dataclass(frozen=True, slots=True)
class RepostCandidate:
    post_id: int
    post_url: str
    account: str
    va_id: str | None
    display_name: str | None
    created_at: datetime
    outlier_score: float
    views: int | None
    hook_text: str | None
    last_used_elsewhere_at: datetime | None


@dataclass(frozen=True)
class ReportData:
    scope: Scope
    va: Va | None  # the VA of a VA's report
    period: Period
    headline: Headline
    leaderboard: list[VaStats]
    accounts: list[AccountStats]
    weekly: list[WeeklyViews]  # of the top VAs of the leaderboard (top_vas())
    slide_counts: list[SlideCount]
    posting_hours: list[HourCell]
    top_posts: list[TopPost]
    reused_slides: list[ReusedSlide]
    reused_texts: list[ReusedText]
    ocr_coverage: list[OcrCoverage]
    # The build's sections: the whole warehouse, whatever the scope.
    rejects: list[RejectReason]
    check_run: CheckRun | None  # None: no checks were recorded
    checks: list[CheckResult]
    history: list[BuildRun]
    growth: GrowthSummary
    growth_by_age: list[GrowthByAge]  # of the top VAs of the leaderboard (top_vas())
    outliers: list[Outlier]
    repost_candidates: list[RepostCandidate]


def top_vas(leaderboard: list[VaStats]) -> list[VaStats]:
    """The VAs drawn in the weekly chart: the first TOP_VAS of the leaderboard with a VA."""
    return [r for r in leaderboard if r.va_id is not None][:TOP_VAS]


def query(
    con: duckdb.DuckDBPyConnection, name: str, row_type: type[Row], **params: Any
) -> list[Row]:
    """The rows of sql/report/<name>.sql as row_type."""
    sql = read_sql("report", f"{name}.sql")
    return fetch(con, sql, row_type, params, source=f"sql/report/{name}.sql")


def list_vas(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[Va]:
    """Every VA, with its posts in the scope's dates (define_scope first)."""
    return query(con, "vas", Va, since=scope.since, until=scope.until)


def collect(con: duckdb.DuckDBPyConnection, scope: Scope, va: Va | None = None) -> ReportData:
    """Everything a report of scope shows, read from the warehouse (define_scope first).

    A VA's report (va given, scope.va_id its id) leaves out the build's sections.
    """
    on = scope.params()
    leaderboard = query(con, "leaderboard", VaStats, **on)
    top = [r.va_id for r in top_vas(leaderboard)]
    whole = va is None
    check_run = next(iter(query(con, "latest_check_run", CheckRun)), None) if whole else None
    return ReportData(
        scope=scope,
        va=va,
        period=query(con, "period", Period, **on)[0],
        headline=query(con, "headline", Headline, **on)[0],
        leaderboard=leaderboard,
        accounts=[] if whole else query(con, "accounts", AccountStats, **on),
        weekly=query(con, "weekly_views", WeeklyViews, va_ids=top, **on),
        slide_counts=query(con, "slide_counts", SlideCount, **on),
        posting_hours=query(con, "posting_hours", HourCell, **on),
        top_posts=query(con, "top_posts", TopPost, limit=TOP_ROWS, **on),
        reused_slides=query(con, "reused_slides", ReusedSlide, limit=TOP_ROWS, **on),
        reused_texts=query(con, "reused_texts", ReusedText, limit=TOP_ROWS, **on),
        ocr_coverage=query(con, "ocr_coverage", OcrCoverage, **on),
        rejects=query(con, "rejects", RejectReason) if whole else [],
        check_run=check_run,
        checks=query(con, "check_results", CheckResult, run_id=check_run.run_id)
        if check_run
        else [],
        history=query(con, "build_history", BuildRun, limit=HISTORY_ROWS) if whole else [],
        growth=query(con, "growth_summary", GrowthSummary, **on)[0],
        growth_by_age=query(con, "growth_by_age", GrowthByAge, va_ids=top, **on),
        outliers=query(con, "outliers", Outlier, limit=TOP_ROWS, **on),
        repost_candidates=query(con, "repost_candidates", RepostCandidate, limit=TOP_ROWS, **on),
    )
