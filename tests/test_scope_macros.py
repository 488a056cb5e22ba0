"""The macros of sql/outputs/_scope.sql, which every export sheet and report section reads
its posts and measures through: ``scoped_posts`` keeps exactly the posts of the window
and the VA, and ``scoped_measures`` computes the va_performance measures over them, per
VA or per account.

Held to plain Python over the hand-made agency of tests/agency.py (an account whose rows
name several VAs, an account with no VA, unknown views and engagement, tied views), to
a warehouse of posts one minute either side of midnight, and, over every post, to the
va_performance view the build computes with its own SQL.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from agency import POSTS, Post, build, engagement_rate, known, mean, median, owner, rounded, total
from conftest import run_build, write_csv

from tikdb.outputs.export.tables import EVERYONE, SHEETS, Window, scopes, sheet_reader
from tikdb.outputs.report.data import Headline, Scope, query
from tikdb.outputs.warehouse import connect_read_only, define_scope

# The measures' columns, in the order scoped_measures returns them after va_id,
# display_name and account.
MEASURES = (
    "posts",
    "accounts",
    "total_views",
    "median_views",
    "mean_views",
    "total_engagement",
    "engagement_rate",
    "posts_10k",
    "pct_posts_10k",
    "first_post_at",
    "last_post_at",
    "active_days",
    "posts_per_active_day",
)
ALL = (True, None)  # all_vas, of_va: every post
NO_VA = (False, None)  # the posts of accounts with no VA


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    con = connect_read_only(build(tmp_path_factory.mktemp("scope")).db_path)
    define_scope(con)
    yield con
    con.close()


def scoped_ids(con, all_vas, of_va, since=None, until=None) -> list[int]:
    sql = "SELECT post_id FROM scoped_posts($all_vas, $va_id, $since, $until) ORDER BY post_id"
    params = {"all_vas": all_vas, "va_id": of_va, "since": since, "until": until}
    return [r[0] for r in con.execute(sql, params).fetchall()]


def kept(posts, all_vas, of_va, since=None, until=None) -> list[Post]:
    """The posts a scope keeps, by the rules written in Python."""
    return [
        p
        for p in posts
        if (all_vas or owner(p) == of_va)
        and (since is None or p.created.date() >= since)
        and (until is None or p.created.date() <= until)
    ]


def measures(posts: list[Post]) -> tuple:
    """The measures of some posts, as scoped_measures defines them, in plain Python."""
    views = known(p.views for p in posts)
    days = {p.created.date() for p in posts}
    tenk = sum(1 for v in views if v >= 10_000)
    return (
        len(posts),
        len({p.account for p in posts}),
        total(views),
        median(views),
        mean(views),
        total(p.engagement for p in posts),
        engagement_rate(posts),
        tenk,
        100 * tenk / len(views) if views else None,
        min(p.created for p in posts),
        max(p.created for p in posts),
        len(days),
        len(posts) / len(days),
    )


def measured(con, all_vas, of_va, since, until, by_account) -> dict:
    """scoped_measures' rows, keyed by va_id (per VA) or account (per account)."""
    sql = (
        f"SELECT va_id, account, {', '.join(MEASURES)} "
        "FROM scoped_measures($all_vas, $va_id, $since, $until, $by_account)"
    )
    params = {"all_vas": all_vas, "va_id": of_va, "since": since, "until": until}
    rows = con.execute(sql, {**params, "by_account": by_account}).fetchall()
    key = 1 if by_account else 0
    return {r[key]: rounded([r[2:]])[0] for r in rows}


def expected(posts: list[Post], by_account: bool) -> dict:
    groups = defaultdict(list)
    for p in posts:
        groups[p.account if by_account else owner(p)].append(p)
    return {key: rounded([measures(ps)])[0] for key, ps in groups.items()}


OCT = date(2025, 10, 1)
SCOPES = [
    pytest.param(*ALL, None, None, id="everything"),
    pytest.param(False, "carla", None, None, id="one-va"),
    pytest.param(False, "kent", OCT + timedelta(4), OCT + timedelta(5), id="va-and-days"),
    pytest.param(*NO_VA, None, None, id="accounts-with-no-va"),
    pytest.param(*NO_VA, OCT + timedelta(6), OCT + timedelta(6), id="no-va-one-day"),
    pytest.param(*ALL, OCT, OCT, id="first-day-only"),
    pytest.param(*ALL, OCT + timedelta(4), None, id="since"),
    pytest.param(*ALL, None, OCT + timedelta(5), id="until"),
    pytest.param(*ALL, OCT + timedelta(30), None, id="no-posts"),
]


@pytest.mark.parametrize(("all_vas", "of_va", "since", "until"), SCOPES)
def test_scoped_posts_are_the_posts_of_the_window_and_the_va(con, all_vas, of_va, since, until):
    expected_ids = sorted(p.post_id for p in kept(POSTS, all_vas, of_va, since, until))
    assert scoped_ids(con, all_vas, of_va, since, until) == expected_ids


def test_the_scopes_above_keep_some_posts_and_leave_out_others():
    """Each scope tested keeps a proper part of the posts (or none, on purpose), and the
    bounds fall on days with posts, so an off-by-one day changes the result."""
    for param in SCOPES:
        all_vas, of_va, since, until = param.values
        n = len(kept(POSTS, all_vas, of_va, since, until))
        assert (n == 0) == (param.id == "no-posts"), param.id
        assert n < len(POSTS) or param.id == "everything", param.id
        for day in (since, until):
            assert (
                day is None or param.id == "no-posts" or any(p.created.date() == day for p in POSTS)
            ), param.id
    assert any(owner(p) is None for p in POSTS)  # an account with no VA
    assert len({p.va for p in POSTS if p.account == "alphaacct"}) > 1  # rows naming other VAs


@pytest.mark.parametrize(("all_vas", "of_va", "since", "until"), SCOPES)
@pytest.mark.parametrize("by_account", [False, True], ids=["per-va", "per-account"])
def test_scoped_measures_are_the_measures_of_the_scoped_posts(
    con, all_vas, of_va, since, until, by_account
):
    got = measured(con, all_vas, of_va, since, until, by_account)
    assert got == expected(kept(POSTS, all_vas, of_va, since, until), by_account)


def test_the_engagement_rate_uses_only_posts_with_views_and_engagement(con):
    """The row of the accounts with no VA holds a post with no view count and one with
    no engagement: leaving either in would change its rate."""
    gamma = kept(POSTS, *NO_VA)
    assert any(p.views is None and p.engagement is not None for p in gamma)
    assert any(p.views is not None and p.engagement is None for p in gamma)
    both = [p for p in gamma if p.views is not None and p.engagement is not None]
    rate = 100 * sum(p.engagement for p in both) / sum(p.views for p in both)
    ((got,),) = con.execute(
        "SELECT engagement_rate FROM scoped_measures(false, NULL, NULL, NULL, false)"
    ).fetchall()
    assert got == pytest.approx(rate, rel=1e-12)


def test_over_every_post_the_measures_are_the_va_performance_view_row_for_row(con):
    """va_performance is the build's own SQL over all posts; scoped_measures with no
    window and every VA must give exactly its rows (EXCEPT ALL both ways: every row,
    and every duplicate, on each side is on the other)."""
    columns = ", ".join(("va_id", "display_name", *MEASURES))
    macro = f"SELECT {columns} FROM scoped_measures(true, NULL, NULL, NULL, false)"
    view = f"SELECT {columns} FROM main.va_performance"
    for first, second in ((macro, view), (view, macro)):
        assert con.execute(f"({first}) EXCEPT ALL ({second})").fetchall() == []
    rows = con.execute(view).fetchall()
    assert len(rows) == len({owner(p) for p in POSTS})
    assert None in {r[0] for r in rows}  # the row of the accounts with no VA
    assert {r[3] for r in rows} & {None} == set()  # every VA has known views ...
    assert any(p.views is None for p in POSTS)  # ... though some posts have none
    views = [p.views for p in POSTS if p.views is not None]
    assert len(views) > len(set(views))  # tied view counts


def test_the_reports_scope_without_a_va_is_every_post_and_with_one_only_its(con):
    """The report has no "accounts with no VA" scope: its va_id None means every VA."""

    def ids(scope: Scope) -> list[int]:
        sql = "SELECT post_id FROM scoped_posts($all_vas, $va_id, $since, $until) ORDER BY 1"
        return [r[0] for r in con.execute(sql, scope.params()).fetchall()]

    assert ids(Scope()) == sorted(p.post_id for p in POSTS)
    assert ids(Scope("kent")) == sorted(p.post_id for p in kept(POSTS, False, "kent"))
    day = OCT + timedelta(5)
    assert ids(Scope(None, day, day)) == sorted(p.post_id for p in kept(POSTS, *ALL, day, day))


# --- the window's edges: a minute either side of midnight ---------------------------------

FIRST, LAST = date(2025, 10, 3), date(2025, 10, 4)
EDGES = (
    Post(1, "2025-10-02 23:59", "edgeacct", "Carla", 100),
    Post(2, "2025-10-03 00:00", "edgeacct", "Carla", 200),
    Post(3, "2025-10-04 23:59", "edgeacct", "Carla", 300),
    Post(4, "2025-10-05 00:00", "edgeacct", "Carla", 400),
    Post(5, "2025-10-03 12:00", "loneacct", "", 500),
)


@pytest.fixture(scope="module")
def edges(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("edges")
    db = run_build(tmp, write_csv(tmp / "master.csv", [p.row() for p in EDGES])).db_path
    con = connect_read_only(db)
    define_scope(con)
    yield con
    con.close()


def test_the_window_is_utc_days_both_included(edges):
    ids = {p.n: p.post_id for p in EDGES}
    assert scoped_ids(edges, True, None, FIRST, LAST) == sorted([ids[2], ids[3], ids[5]])
    assert scoped_ids(edges, True, None, FIRST, None) == sorted([ids[2], ids[3], ids[4], ids[5]])
    assert scoped_ids(edges, True, None, None, LAST) == sorted([ids[1], ids[2], ids[3], ids[5]])
    assert scoped_ids(edges, False, None, FIRST, LAST) == [ids[5]]  # no VA
    assert scoped_ids(edges, False, "carla", FIRST, LAST) == sorted([ids[2], ids[3]])


def test_the_measures_of_a_window_count_only_its_posts(edges):
    row = edges.execute(
        "SELECT posts, total_views, active_days "
        "FROM scoped_measures(false, 'carla', $since, $until, false)",
        {"since": FIRST, "until": LAST},
    ).fetchall()
    assert row == [(2, 200 + 300, 2)]


# --- the readers of the macros ---------------------------------------------------------------


def sheet(con, name: str, scope, window) -> list[dict]:
    (wanted,) = [s for s in SHEETS if s.name == name]
    with sheet_reader(con, wanted, scope, window, 1000) as reader:
        return reader.read_all().to_pylist()


@pytest.mark.parametrize(
    "window",
    [Window(), Window(OCT + timedelta(4), OCT + timedelta(6)), Window(OCT + timedelta(30))],
    ids=["everything", "days", "no-posts"],
)
def test_every_sheet_of_an_export_covers_the_posts_of_its_posts_sheet(con, window):
    """For the whole agency and for each VA's files (the no-VA ones too), the Summary,
    Accounts, Top posts and Daily sheets count exactly the posts of the Posts sheet,
    which are the posts of the scope."""
    for scope in [EVERYONE, *scopes(con, True, window)]:
        posts = sheet(con, "posts", scope, window)
        all_vas, of_va = scope.all_vas, scope.va_id
        assert sorted(r["post_id"] for r in posts) == sorted(
            p.post_id for p in kept(POSTS, all_vas, of_va, window.since, window.until)
        ), scope.stem
        assert sum(r["posts"] for r in sheet(con, "summary", scope, window)) == len(posts)
        by_account = Counter(r["account"] for r in posts)
        accounts = sheet(con, "accounts", scope, window)
        assert {r["account"]: r["posts"] for r in accounts} == by_account, scope.stem
        days = Counter((r["account"], r["created_day"]) for r in posts)
        daily = sheet(con, "daily", scope, window)
        assert {(r["account"], r["day"]): r["posts"] for r in daily} == days, scope.stem
        top = {r["post_id"] for r in sheet(con, "top_posts", scope, window)}
        assert top == {r["post_id"] for r in posts if r["views"] is not None}, scope.stem
    assert any(s.stem == "no-va" for s in scopes(con, True, Window()))


def test_the_headline_engagement_rate_is_the_measures_one(con):
    for scope in (Scope(), Scope("kent"), Scope(None, OCT + timedelta(6), OCT + timedelta(6))):
        (headline,) = query(con, "headline", Headline, **scope.params())
        posts = kept(POSTS, scope.va_id is None, scope.va_id, scope.since, scope.until)
        assert headline.engagement_rate == pytest.approx(engagement_rate(posts), rel=1e-12)
