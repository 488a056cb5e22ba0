"""The README's SQL examples ("Querying the warehouse") return the right rows.

Each example runs on the hand-made agency of tests/agency.py; what it should return is
computed in Python from the agency's rows. An example is matched to its expectation by
the one analytics view it reads, so the test fails when an example stops running, when
one is added without an expectation, and when a view returns wrong numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

import agency
import duckdb
import pytest
from agency import differences, rounded
from conftest import VIEWS

from tikdb.outputs.warehouse import run_query

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def readme_examples() -> dict[str, str]:
    """view name -> the README statement that reads it."""
    section = README[README.index("## Querying the warehouse") : README.index("## Development")]
    blocks = re.findall(r"```sql\n(.*?)```", section, re.DOTALL)
    examples = {}
    for statement in (s.query for b in blocks for s in duckdb.extract_statements(b)):
        views = [v for v in VIEWS if re.search(rf"\b{v}\b", statement)]
        assert len(views) == 1, f"an example should read one view, this reads {views}: {statement}"
        assert views[0] not in examples, f"two examples read {views[0]}"
        examples[views[0]] = statement
    return examples


EXAMPLES = readme_examples()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return agency.build(tmp_path_factory.mktemp("readme")).db_path


def expected_va_performance() -> list[tuple]:
    """VAs by reach: (va, posts, total_views, median_views, pct_posts_10k)."""
    board, names = agency.expected_va_board(), agency.display_names()
    totals = [b["total_views"] for b in board.values()]
    assert len(set(totals)) == len(totals), "the fixture's VA totals must differ (ORDER BY)"
    return [
        (
            names[va] if va else "(no VA)",
            b["posts"],
            b["total_views"],
            b["median_views"],
            b["pct_posts_10k"],
        )
        for va, b in sorted(board.items(), key=lambda item: -item[1]["total_views"])
    ]


def expected_account_daily() -> list[tuple]:
    """Each account's last 7 posting days: (account, day, posts, views, engagement_rate)."""
    days = agency.expected_account_days()
    assert max(len(d) for d in days.values()) > 7, "some account must post on more than 7 days"
    return [(account, *day) for account in sorted(days) for day in days[account][-7:]]


def expected_post_performance() -> list[tuple]:
    """Each VA's three best posts: (va_id, rank_in_va, views, post_url, hook_text)."""
    ranks = agency.ranks(agency.owner)
    return [
        (agency.owner(p), ranks[p.n], p.views, p.post_url, agency.hook(p))
        for p in agency.POSTS
        if ranks[p.n] <= 3
    ]


def expected_slide_reuse() -> list[tuple]:
    """Images shared across accounts: (image_id, posts, account_list, views_per_post)."""
    rows = [
        (image, len(posts), sorted({p.account for p in posts}), [p.views for p in posts])
        for image, posts in agency.expected_image_uses().items()
        if len({p.account for p in posts}) > 1
    ]
    assert len({r[1] for r in rows}) == len(rows), "use counts must differ (ORDER BY posts)"
    return sorted(rows, key=lambda r: -r[1])[:20]


def expected_ocr_text_reuse() -> list[tuple]:
    """The most reused hooks: (ocr_text, posts, total_views, max_views)."""
    rows = [
        (text, len(posts), agency.total(p.views for p in posts), max(p.views for p in posts))
        for text, posts in agency.expected_text_uses().items()
    ]
    assert len({r[1] for r in rows}) == len(rows), "use counts must differ (ORDER BY posts)"
    return sorted(rows, key=lambda r: -r[1])[:20]


def expected_posting_hours() -> list[tuple]:
    """Cells with at least 10 posts, best median first: (weekday_name, hour, posts, median)."""
    cells = [r for r in agency.expected_posting_hours() if r[3] >= 10]
    assert 0 < len(cells) < sum(1 for r in agency.expected_posting_hours() if r[3] >= 9)
    return [(r[1], r[2], r[3], r[5]) for r in sorted(cells, key=lambda r: -r[5])][:10]


EXPECTED = {
    "va_performance": expected_va_performance,
    "account_daily": expected_account_daily,
    "post_performance": expected_post_performance,
    "slide_reuse": expected_slide_reuse,
    "ocr_text_reuse": expected_ocr_text_reuse,
    "posting_hours": expected_posting_hours,
}
# Examples whose ORDER BY leaves ties (posts sharing a rank): compared as sets of rows,
# and the order checked on the sort key alone.
TIED_ORDER = {"post_performance": lambda row: (row[0] is None, row[0] or "", row[1])}


# The analytics over time need observations from several snapshots: their examples are
# checked in test_history_views.py, on a fixture with history.
HISTORY_VIEWS = ("outliers", "post_growth", "post_velocity", "repost_candidates")


def test_every_view_has_one_readme_example():
    assert sorted(EXAMPLES) == sorted(VIEWS) == sorted([*EXPECTED, *HISTORY_VIEWS])


@pytest.mark.parametrize("view", sorted(EXPECTED))
def test_the_readme_example_returns_the_right_rows(db, view):
    got = rounded(run_query(db, EXAMPLES[view]).rows)  # as `tikdb sql` runs it
    expected = rounded(EXPECTED[view]())
    assert expected, f"the fixture gives the {view} example nothing to return"
    if view in TIED_ORDER:
        key = TIED_ORDER[view]
        assert [key(r) for r in got] == sorted(key(r) for r in got), f"{view} example order"
        got, expected = sorted(got, key=repr), sorted(expected, key=repr)
    assert got == expected, f"{EXAMPLES[view]}\n{differences(got, expected)}"
