"""A report of some VA or some days shows exactly what a report of a warehouse holding
only those posts shows; an empty period is an honest empty report; VA names are found
case-insensitively, unknown ones are input errors; a VA's report file is named safely
whatever the VA is called."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from agency import Post
from conftest import ocr_record, query, run_build, write_csv, write_ocr
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.errors import InputError
from tikdb.outputs.report import build_report, write_per_va
from tikdb.outputs.report.data import Scope, Va, collect, define_scope, list_vas
from tikdb.outputs.report.vas import find_va, report_file_name
from tikdb.outputs.warehouse import connect_read_only

ACCOUNTS = (("alphaacct", "Carla"), ("betaacct", "Kent"), ("gammaacct", "Zoe"), ("deltaacct", ""))
# Posting days: three weeks of May, then nothing until late September (as in the real
# export), then four weeks.
DAYS = [date(2025, 5, 5) + timedelta(days=3 * i) for i in range(7)]
DAYS += [date(2025, 9, 22) + timedelta(days=2 * i) for i in range(14)]


def agency_posts() -> list[Post]:
    posts: list[Post] = []
    for i, day in enumerate(DAYS):
        for j, (account, va) in enumerate(ACCOUNTS):
            if (i + j) % 3 == 0:  # not every account posts every posting day
                continue
            n = len(posts) + 1
            posts.append(
                Post(
                    n,
                    f"{day} {n * 5 % 24:02d}:{n % 60:02d}",
                    account,
                    va,
                    None if n % 11 == 0 else n * 7919 % 9000 + 50,
                    # images 1-5 are reused across accounts and months; none on scrape rows
                    () if n % 7 == 0 else (n % 5 + 1, 100 + n),
                    ["hook one", "hook two", ""][n % 3] if n % 4 == 0 and n % 11 else None,
                )
            )
    return posts


POSTS = agency_posts()


def build_of(tmp: Path, posts: list[Post]) -> Path:
    rows = []
    for p in posts:
        row = p.row()
        if not p.images:  # a scrape row: no slide list
            row.update(source="oct_scrape", sound="original sound")
        rows.append(row)
    csv_path = write_csv(tmp / "master.csv", rows)
    records = [ocr_record(r, p.ocr) for p, r in zip(posts, rows, strict=True) if p.ocr is not None]
    return run_build(tmp, csv_path, write_ocr(tmp / "ocr", {"Carla": records})).db_path


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return build_of(tmp_path_factory.mktemp("scope"), POSTS)


def report_data(db: Path, since=None, until=None, va: str | None = None):
    con = connect_read_only(db)
    try:
        define_scope(con)
        found = find_va(list_vas(con, Scope()), va, "db") if va else None
        return collect(con, Scope(found.va_id if found else None, since, until), found)
    finally:
        con.close()


POST_SECTIONS = (
    "period",
    "headline",
    "leaderboard",
    "accounts",
    "weekly",
    "slide_counts",
    "posting_hours",
    "top_posts",
    "reused_slides",
    "reused_texts",
    "ocr_coverage",
)


def comparable(value):
    """A section's rows as plain data, floats rounded (sums in another order agree)."""
    if dataclasses.is_dataclass(value):
        return comparable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [comparable(v) for v in value]
    return round(value, 9) if isinstance(value, float) else value


def va_of(p: Post) -> str | None:
    return p.va.lower() or None


@pytest.mark.parametrize(
    ("since", "until", "va"),
    [
        (date(2025, 9, 29), date(2025, 10, 12), None),
        (date(2025, 10, 1), None, None),
        (None, date(2025, 5, 14), None),
        (None, None, "KENT"),
        (date(2025, 5, 1), date(2025, 9, 30), "carla"),
    ],
    ids=["days", "since", "until", "va", "va-and-days"],
)
def test_a_scoped_report_is_the_report_of_only_those_posts(db, tmp_path, since, until, va):
    def kept(p: Post) -> bool:
        day = p.created.date()
        return (
            (since is None or day >= since)
            and (until is None or day <= until)
            and (va is None or va_of(p) == va.lower())
        )

    subset = [p for p in POSTS if kept(p)]
    assert 0 < len(subset) < len(POSTS)
    scoped = report_data(db, since, until, va)
    alone = report_data(build_of(tmp_path, subset), va=va)
    for section in POST_SECTIONS:
        assert comparable(getattr(scoped, section)) == comparable(getattr(alone, section)), section
    assert scoped.headline.posts == len(subset)


def test_the_unscoped_leaderboard_is_the_va_performance_view(db):
    data = report_data(db)
    view = query(
        db,
        "SELECT va_id, posts, accounts, total_views, median_views, mean_views, engagement_rate, "
        "pct_posts_10k, posts_per_active_day, first_post_at, last_post_at FROM va_performance "
        "ORDER BY total_views DESC, va_id NULLS LAST",
    )
    shown = [
        (r.va_id, r.posts, r.accounts, r.total_views, r.median_views, r.mean_views)
        + (
            r.engagement_rate,
            r.pct_posts_10k,
            r.posts_per_active_day,
            r.first_post_at,
            r.last_post_at,
        )
        for r in data.leaderboard
    ]
    assert comparable(shown) == comparable(view)


def test_reused_slides_name_the_vas_by_display_name(db):
    data = report_data(db)
    # The slide_reuse view lists VA ids; the report shows their display names.
    view = query(
        db,
        "SELECT s.image_id, s.posts, list_sort(list(v.display_name)) FROM slide_reuse AS s, "
        "unnest(s.va_list) AS u(va) JOIN vas AS v ON v.va_id = u.va "
        "GROUP BY s.image_id, s.posts, s.total_views ORDER BY s.posts DESC, s.total_views DESC, s.image_id",
    )
    shown = [(s.image_id, s.posts, s.va_names) for s in data.reused_slides]
    assert shown == view[: len(shown)]
    assert {n for s in data.reused_slides for n in s.va_names} <= {"Carla", "Kent", "Zoe"}


def test_weeks_without_posts_have_no_row(db):
    data = report_data(db)
    weeks = {w.week for w in data.weekly}
    assert weeks and all(w.weekday() == 0 for w in weeks)
    # No week from June to mid-September: the chart draws the gap, not zeros.
    assert not [w for w in weeks if date(2025, 5, 26) <= w < date(2025, 9, 22)]
    assert all(w.posts > 0 for w in data.weekly)


def test_posts_without_a_slide_list_have_an_unknown_slide_count(db):
    data = report_data(db)
    unknown = [c for c in data.slide_counts if c.slide_count is None]
    assert [c.posts for c in unknown] == [sum(1 for p in POSTS if not p.images)]
    assert unknown[0].sources == ["oct_scrape"]
    assert 0 not in [c.slide_count for c in data.slide_counts]
    page = build_report(db)
    assert re.search(
        r"Not drawn: <span data-metric=\"slides.unknown_posts\">\d+</span> posts whose export has no slide list \(sources: oct_scrape\)",
        page,
    )


def test_a_period_without_posts_is_an_honest_empty_report(db):
    page = build_report(db, since=date(2025, 7, 1), until=date(2025, 7, 31))
    assert "There are no posts in this period: every section below is empty." in page
    assert '<div class="value" data-metric="posts">0</div>' in page
    assert '<div class="value" data-metric="views">0</div>' in page
    assert "No posts in this period" in page  # the weekly chart
    assert "No posts with a view count in this period" in page  # the heatmap
    assert page.count('<td colspan="') >= 4  # the post tables say "none"
    va_page = build_report(db, va="zoe", since=date(2025, 7, 1), until=date(2025, 7, 31))
    assert "There are no posts in this period" in va_page


def test_a_first_day_after_the_last_is_an_input_error(db):
    with pytest.raises(InputError) as caught:
        build_report(db, since=date(2025, 10, 2), until=date(2025, 10, 1))
    assert str(caught.value) == (
        "--since 2025-10-02 is after --until 2025-10-01. "
        "Pass a first day on or before the last day (both are included)."
    )


# --- finding a VA ---------------------------------------------------------------------


def va(va_id: str, display_name: str) -> Va:
    return Va(va_id, display_name, [display_name], 1, 10)


VAS = [va("carla", "Carla"), va("carlos", "CARLOS"), va("kent", "Kent"), va("sweetz", "swtzl")]


@pytest.mark.parametrize("name", ["carla", "CARLA", " Carla ", "cArLa"])
def test_a_va_is_found_by_id_or_display_name_in_any_case(name):
    assert find_va(VAS, name, "db").va_id == "carla"
    assert find_va(VAS, "SWTZL", "db").va_id == "sweetz"  # display name, not id
    assert find_va(VAS, "Sweetz", "db").va_id == "sweetz"


def test_an_unknown_va_lists_close_names():
    with pytest.raises(InputError) as caught:
        find_va(VAS, "carl", "wh/tikdb.duckdb")
    assert str(caught.value) == (
        'wh/tikdb.duckdb: no VA named "carl". Close names: Carla, CARLOS. '
        'List them all with: tikdb sql "SELECT va_id, display_name FROM vas"'
    )
    with pytest.raises(InputError) as caught:
        find_va(VAS, "\x1b[31mzzz", "db")
    assert str(caught.value) == (
        'db: no VA named "\\x1b[31mzzz". VAs here: Carla, CARLOS, Kent, swtzl (sweetz). '
        'List them all with: tikdb sql "SELECT va_id, display_name FROM vas"'
    )


def test_report_va_on_the_command_line(db):
    runner = CliRunner()
    result = runner.invoke(app, ["report", "--db", str(db), "--va", "kenn"])
    assert result.exit_code == 2
    assert result.stderr == (
        f'Error: {db}: no VA named "kenn". Close names: Kent. '
        'List them all with: tikdb sql "SELECT va_id, display_name FROM vas"\n'
    )
    result = runner.invoke(
        app, ["report", "--db", str(db), "--va", "KENT", "--since", "2025-10-01"]
    )
    assert result.exit_code == 0, result.output
    target = db.parent / f"report-{report_file_name(va('kent', 'Kent'))}"
    assert result.stdout == f"wrote {target}\n"
    page = target.read_text(encoding="utf-8")
    assert "<h1>VA report: Kent</h1>" in page
    assert "Posts created from 2025-10-01 to the last post (UTC days, both included)." in page
    result = runner.invoke(
        app, ["report", "--db", str(db), "--since", "2025-10-02", "--until", "2025-10-01"]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --since 2025-10-02 is after --until 2025-10-01.")
    out = db.parent / "per-va"
    result = runner.invoke(
        app, ["report", "--db", str(db), "--per-va", str(out), "--until", "2025-05-31"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote 3 VA reports and {out / 'index.html'}\n"  # Carla, Kent, Zoe
    assert len(list(out.glob("*.html"))) == 4
    result = runner.invoke(
        app, ["report", "--db", str(db), "--per-va", str(db.parent / "x"), "--va", "kent"]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --per-va DIR writes one file per VA into DIR; leave out --out and --va.\n"
    )


# --- one file per VA ------------------------------------------------------------------

HOSTILE_NAMES = ("../evil", "CON", "💃🏽✨", "x" * 300, "Ünïcødé Name", "..", "a/b\\c:d")


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_va_report_file_name_is_safe_for_any_name(name, tmp_path):
    file_name = report_file_name(va(name.casefold(), name))
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*-[0-9a-f]{8}\.html", file_name), file_name
    assert len(file_name) <= 54
    assert (tmp_path / file_name).resolve().parent == tmp_path.resolve()
    stem = file_name.split(".")[0].upper()
    assert stem not in {"CON", "PRN", "AUX", "NUL"} and not re.fullmatch(r"(COM|LPT)\d", stem)


def test_two_vas_with_one_slug_get_two_files():
    a, b = va("carla", "Carla"), va("carla!", "Carla!")
    assert report_file_name(a) != report_file_name(b)
    assert report_file_name(a).startswith("carla-")
    assert report_file_name(va("💃", "💃")).startswith("va-")


def test_per_va_writes_a_report_per_va_and_an_index(tmp_path):
    posts = [
        Post(
            i + 1,
            f"2025-10-0{i % 7 + 1} 10:00",
            f"acct{i % len(HOSTILE_NAMES):02d}xyz",
            name,
            100 * (i + 1),
        )
        for i, name in enumerate(HOSTILE_NAMES)
    ]
    db = build_of(tmp_path / "wh", posts)
    out = tmp_path / "reports"
    written = write_per_va(db, out)
    assert written[-1] == out / "index.html"
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)
    assert all(p.parent == out for p in written)
    (count,) = query(db, "SELECT count(*) FROM vas")[0]
    assert len(written) == count + 1
    index = written[-1].read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+)"', index)
    assert sorted(links) == sorted(p.name for p in written[:-1])
    for path in written[:-1]:
        assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_the_documented_file_name_is_the_one_written():
    # README.md and vas.py give carla-8813d406.html as the example.
    assert report_file_name(va("carla", "Carla")) == "carla-8813d406.html"


def test_report_help_says_the_days_are_utc_and_included():
    text = " ".join(CliRunner().invoke(app, ["report", "--help"], terminal_width=80).stdout.split())
    assert "Only posts created on or after this UTC day (YYYY-MM-DD)." in text
    assert "Only posts created on or before this UTC day (YYYY-MM-DD, included)." in text
    assert (
        "--since and --until pick posts by the UTC day they were created (both days included)"
        in text
    )
