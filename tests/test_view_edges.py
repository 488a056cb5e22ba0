"""Accounts and the analytics views on the edges a tidy fixture misses (tests/agency.py):
an account whose rows name several VAs, tied views, Sunday posts, missing metrics.

Each expectation is computed in Python from the fixture's rows (agency.expected_*).
"""

from __future__ import annotations

import agency
import pytest
from agency import differences, rounded
from conftest import query


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    result = agency.build(tmp_path_factory.mktemp("agency"))
    return result.db_path


def test_an_accounts_va_is_the_one_named_on_most_of_its_rows(db):
    got = query(db, "SELECT account, va_id, va_count, posts FROM accounts ORDER BY account")
    assert got == agency.expected_accounts(), differences(got, agency.expected_accounts())
    # Read as a person would: alphaacct names carla on 10 rows and kent on 1; betaacct
    # kent on 9, zoe on 1; deltaacct amy and zoe once each (a tie: alphabetical first).
    assert [(a, va) for a, va, _, _ in got] == [
        ("alphaacct", "carla"),
        ("betaacct", "kent"),
        ("deltaacct", "amy"),
        ("gammaacct", None),
    ]


def test_va_performance_credits_every_post_to_its_accounts_va(db):
    columns = ["posts", "accounts", "total_views", "median_views", "engagement_rate"]
    columns.append("pct_posts_10k")
    got = query(db, f"SELECT va_id, {', '.join(columns)} FROM va_performance")
    board = agency.expected_va_board()
    # The view's order: total views, most first.
    order = sorted(board, key=lambda va: -(board[va]["total_views"] or 0))
    expected = [(va, *(board[va][c] for c in columns)) for va in order]
    assert rounded(got) == rounded(expected), differences(rounded(got), rounded(expected))
    # zoe is named on two rows but runs no account: no leaderboard row of her own.
    assert "zoe" not in {r[0] for r in got}
    assert query(db, "SELECT va_id, display_name FROM vas ORDER BY va_id") == sorted(
        agency.display_names().items()
    )


def test_posting_hours_counts_every_post_in_its_iso_weekday_and_hour(db):
    got = rounded(query(db, "SELECT * FROM posting_hours ORDER BY weekday, hour"))
    expected = rounded(agency.expected_posting_hours())
    assert got == expected, differences(got, expected)
    cells = {(r[0], r[2]): r for r in got}
    # By hand: Sunday is weekday 7, and 11 posts went out on Sundays at 14h UTC.
    assert cells[(7, 14)][1:4] == ("Sunday", 14, 11)
    assert sum(r[3] for r in got) == len(agency.POSTS) == 38


def test_posting_hours_engagement_rate_uses_only_posts_with_views_and_engagement(db):
    # Tuesday 20h: post 31 (1000 views, 50 + 5 + 1 = 56 engagement), post 32 (no views,
    # 9 engagement), post 33 (3000 views, no engagement). Only post 31 has both: 5.6 %.
    (row,) = query(
        db,
        "SELECT posts, total_views, total_engagement, engagement_rate FROM posting_hours "
        "WHERE weekday = 2 AND hour = 20",
    )
    assert row[:3] == (3, 4000, 65)
    assert row[3] == pytest.approx(5.6, rel=1e-12)


def test_post_ranks_share_a_rank_on_tied_views(db):
    got = query(
        db, "SELECT post_id, va_id, rank_in_va, rank_in_day FROM post_performance ORDER BY post_id"
    )
    expected = agency.expected_post_ranks()
    assert got == expected, differences(got, expected)
    # By hand: kent's accounts' posts with 5000, 5000, 3000, 3000 views rank 1, 1, 3, 3.
    ranked = {pid: rank for pid, _, rank, _ in got}
    assert [ranked[agency.BY_N[n].post_id] for n in (2, 6, 8, 12)] == [1, 1, 3, 3]
