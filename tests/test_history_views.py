"""The analytics over time (post_growth, post_velocity, outliers, repost_candidates).

The SQL runs on hand-made published tables (posts, accounts, metrics_history, slides,
post_ocr) in an in-memory DuckDB, with the real slide_reuse and ocr_text_reuse models
it reads. Every expected value is computed here, in plain Python, from the same
fixture: never from the SQL under test.

The fixture: daily exports at 06:00 UTC from 2025-09-01 to 2025-10-20. Account alpha
posts every day at 09:00, beta every other day at 18:00 (so its ages at the exports are
12 h, 36 h, ...: equally near two exports, at the edge of the tolerance), gamma a few
posts with gaps in its observations. Some alpha posts are spikes (ten times the usual
views); other accounts reuse their images or hook text at chosen times.
"""

from __future__ import annotations

import hashlib
import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb
import pyarrow as pa
import pytest

from tikdb.engine.models import execution_order, load_models, run_models
from tikdb.engine.sqlfiles import read_sql

FIRST_EXPORT = datetime(2025, 9, 1, 6, 0)
LAST_EXPORT = datetime(2025, 10, 20, 6, 0)
AGES = {1: timedelta(hours=12), 3: timedelta(hours=12), 7: timedelta(days=1), 30: timedelta(days=2)}
VAS = {"alpha": "carla", "beta": "kent", "gamma": None}


@dataclass
class Post:
    post_id: int
    account: str
    created_at: datetime
    peak: int  # the views the post tends to
    images: list[str] = field(default_factory=list)
    text: str | None = None
    observations: list[tuple[datetime, int | None, int, int]] = field(default_factory=list)


def image(name: str) -> str:
    return hashlib.md5(name.encode()).hexdigest()


def exports() -> list[datetime]:
    days = (LAST_EXPORT - FIRST_EXPORT).days
    return [FIRST_EXPORT + timedelta(days=d) for d in range(days + 1)]


def make_posts() -> list[Post]:
    posts: list[Post] = []

    def add(account: str, created: datetime, peak: int, **kw) -> Post:
        post = Post(7_500_000_000_000_000_000 + len(posts), account, created, peak, **kw)
        post.images = post.images or [image(f"{post.post_id}-{k}") for k in range(2)]
        posts.append(post)
        return post

    spikes = {8, 10, 12, 14, 18, 35}  # days of September (35 = October 5) with a spike
    for day in range(1, 41):
        created = datetime(2025, 9, 1, 9, 0) + timedelta(days=day - 1)
        peak = 10_000 if day in spikes else 2_000 if day == 16 else 800 + 37 * (day % 7)
        add("alpha", created, peak)  # day 16: twice the usual, not a strong outlier
    for day in range(1, 45, 2):
        add("beta", datetime(2025, 9, 1, 18, 0) + timedelta(days=day - 1), 500 + 11 * day)
    for day in (2, 5, 9, 30):
        add("gamma", datetime(2025, 9, 1, 13, 30) + timedelta(days=day - 1), 300)
    add("beta", datetime(2025, 10, 19, 22, 0), 400)  # 8 h old at the last export: no 1-day value

    by_day = {
        p.created_at.day: p for p in posts if p.account == "alpha" and p.created_at.month == 9
    }
    # Reuse of the spikes' images and hook texts by other posts:
    beta_recent = next(
        p for p in posts if p.account == "beta" and p.created_at.date().isoformat() == "2025-10-05"
    )
    beta_recent.images[1] = by_day[10].images[0]  # another account, recently: 09-10 is out
    beta_old = next(
        p for p in posts if p.account == "beta" and p.created_at.date().isoformat() == "2025-09-15"
    )
    beta_old.images[0] = by_day[12].images[1]  # another account, long ago: 09-12 stays
    by_day[14].text = "wait for the last slide"
    gamma_recent = next(p for p in posts if p.account == "gamma" and p.created_at.day == 30)
    gamma_recent.text = "wait for the last slide"  # the same hook, recently: 09-14 is out
    alpha_later = next(
        p for p in posts if p.account == "alpha" and p.created_at.date().isoformat() == "2025-10-02"
    )
    alpha_later.images[0] = by_day[8].images[0]  # the same account: 09-08 stays
    by_day[18].text = "   "  # a blank hook is no hook
    posts[3].text = "a hook nobody else used"

    for post in posts:
        for n, at in enumerate(exports()):
            if at < post.created_at:
                continue
            if post.account == "gamma" and n % 3 == 1:
                continue  # gaps: some exports missed gamma's posts
            age_h = (at - post.created_at).total_seconds() / 3600
            views = round(post.peak * (1 - math.exp(-age_h / 20)))
            likes = views // 20
            post.observations.append((at, views, likes, likes // 10))
    # Views unknown in one export, and a count that falls once.
    at, _, likes, comments = posts[5].observations[2]
    posts[5].observations[2] = (at, None, likes, comments)
    at, views, likes, comments = posts[6].observations[4]
    posts[6].observations[4] = (at, views - 100, likes, comments)
    # A deleted post: no longer in the exports after its fifth day.
    del posts[7].observations[5:]
    return posts


POSTS = make_posts()


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    con.execute(read_sql("macros.sql"))
    tables = {
        "posts": pa.Table.from_pylist(
            [
                {
                    "post_id": p.post_id,
                    "post_url": f"https://www.tiktok.com/@{p.account}/video/{p.post_id}",
                    "account": p.account,
                    "created_at": p.created_at,
                    "views": p.observations[-1][1],
                }
                for p in POSTS
            ]
        ),
        "accounts": pa.Table.from_pylist(
            [{"account": a, "va_id": va} for a, va in VAS.items()],
            schema=pa.schema([("account", pa.string()), ("va_id", pa.string())]),
        ),
        "metrics_history": pa.Table.from_pylist(
            [
                {
                    "post_id": p.post_id,
                    "observed_at": at,
                    "views": views,
                    "likes": likes,
                    "comments": comments,
                    "shares": 0,
                    "engagement": likes + comments,
                    "snapshot": f"{at:%Y%m%dT%H%M%SZ}.csv",
                }
                for p in POSTS
                for at, views, likes, comments in p.observations
            ]
        ),
        "slides": pa.Table.from_pylist(
            [
                {"post_id": p.post_id, "slide_index": i + 1, "image_id": img}
                for p in POSTS
                for i, img in enumerate(p.images)
            ]
        ),
        "post_ocr": pa.Table.from_pylist(
            [
                {
                    "post_id": p.post_id,
                    "ocr_text": p.text,
                    "text_hash": hashlib.md5(p.text.encode()).hexdigest(),
                }
                for p in POSTS
                if p.text is not None
            ]
        ),
    }
    for name, table in tables.items():
        con.register("_input", table)
        con.execute(f"CREATE TABLE main.{name} AS SELECT * FROM _input")
        con.unregister("_input")
    wanted = {
        "main.slide_reuse",
        "main.ocr_text_reuse",
        "main.post_growth",
        "main.post_velocity",
        "main.outliers",
        "main.repost_candidates",
    }
    models = [m for m in load_models() if m.name in wanted]
    run_models(con, execution_order(models, [f"main.{name}" for name in tables]))
    yield con
    con.close()


def rows(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- independent derivations ---------------------------------------------------------


def nearest(post: Post, days: int):
    target = post.created_at + timedelta(days=days)
    near = [o for o in post.observations if abs(o[0] - target) <= AGES[days]]
    return min(near, key=lambda o: (abs(o[0] - target), o[0])) if near else None


def views_at(post: Post, days: int) -> int | None:
    found = nearest(post, days)
    return found[1] if found else None


def expected_outliers() -> dict[int, tuple[int, int, float | None, float | None]]:
    out = {}
    for post in POSTS:
        views = views_at(post, 3)
        if views is None:
            continue
        before = [
            views_at(q, 3)
            for q in POSTS
            if q.account == post.account
            and post.created_at - timedelta(days=30) <= q.created_at < post.created_at
            and views_at(q, 3) is not None
        ]
        median = statistics.median(before) if before else None
        score = views / median - 1 if len(before) >= 3 and median else None
        out[post.post_id] = (views, len(before), median, score)
    return out


# --- the tests -----------------------------------------------------------------------


def test_post_growth_takes_the_nearest_observation_within_the_tolerance(con):
    got = {r["post_id"]: r for r in rows(con, "FROM post_growth")}
    assert set(got) == {p.post_id for p in POSTS}
    filled = dict.fromkeys(AGES, 0)
    for post in POSTS:
        row = got[post.post_id]
        assert (row["account"], row["va_id"], row["created_at"]) == (
            post.account,
            VAS[post.account],
            post.created_at,
        )
        for days in AGES:
            found = nearest(post, days)
            want = (
                (found[0], found[1], found[2], found[2] + found[3])
                if found
                else (None, None, None, None)
            )
            assert (
                row[f"observed_{days}d_at"],
                row[f"views_{days}d"],
                row[f"likes_{days}d"],
                row[f"engagement_{days}d"],
            ) == want, (post.post_id, days)
            filled[days] += found is not None
    # The fixture exercises both sides: ages found and ages without an observation.
    assert all(0 < n < len(POSTS) for n in filled.values()), filled


def test_post_growth_ties_go_to_the_earlier_observation_at_the_tolerance_edge(con):
    # beta posts at 18:00; the exports at 06:00 are 12 h either side of one day old.
    beta = next(p for p in POSTS if p.account == "beta")
    row = rows(
        con,
        f"SELECT observed_1d_at, observed_3d_at FROM post_growth WHERE post_id = {beta.post_id}",
    )
    assert row == [
        {
            "observed_1d_at": beta.created_at + timedelta(hours=12),
            "observed_3d_at": beta.created_at + timedelta(hours=60),
        }
    ]


def test_post_growth_is_null_past_the_last_observation(con):
    deleted = POSTS[7]  # no longer exported after its fifth day
    row = rows(
        con,
        f"SELECT views_3d, views_7d, views_30d FROM post_growth WHERE post_id = {deleted.post_id}",
    )
    assert row == [{"views_3d": views_at(deleted, 3), "views_7d": None, "views_30d": None}]
    assert views_at(deleted, 3) is not None


def test_post_velocity_is_the_views_gained_per_hour_between_consecutive_observations(con):
    got = rows(
        con,
        "SELECT post_id, from_observed_at, to_observed_at, hours, age_hours, views_from, "
        "views_to, views_gained, views_per_hour FROM post_velocity ORDER BY post_id, to_observed_at",
    )
    want = []
    for post in sorted(POSTS, key=lambda p: p.post_id):
        for before, after in zip(post.observations, post.observations[1:], strict=False):
            hours = (after[0] - before[0]).total_seconds() / 3600
            gained = None if before[1] is None or after[1] is None else after[1] - before[1]
            want.append(
                {
                    "post_id": post.post_id,
                    "from_observed_at": before[0],
                    "to_observed_at": after[0],
                    "hours": pytest.approx(hours),
                    "age_hours": pytest.approx((after[0] - post.created_at).total_seconds() / 3600),
                    "views_from": before[1],
                    "views_to": after[1],
                    "views_gained": gained,
                    "views_per_hour": None if gained is None else pytest.approx(gained / hours),
                }
            )
    assert got == want
    assert any(r["views_gained"] is not None and r["views_gained"] < 0 for r in got)
    assert any(r["hours"] == 48 for r in got)  # gamma's gaps


def test_outliers_compare_with_the_accounts_median_of_the_30_days_before(con):
    got = {
        r["post_id"]: (
            r["views_at_age"],
            r["baseline_posts"],
            r["baseline_median_views"],
            r["outlier_score"],
        )
        for r in rows(con, "FROM outliers")
    }
    want = expected_outliers()
    assert got.keys() == want.keys()
    for post_id, (views, n, median, score) in want.items():
        assert got[post_id][:2] == (views, n), post_id
        assert got[post_id][2] == (None if median is None else pytest.approx(median)), post_id
        assert got[post_id][3] == (None if score is None else pytest.approx(score)), post_id
    scores = [w[3] for w in want.values()]
    assert None in scores and max(s for s in scores if s is not None) > 2
    # A post with 1 or 2 earlier posts has no score even when its median is known.
    assert any(n in (1, 2) and score is None for _, n, _, score in want.values())


def expected_candidates() -> list[tuple]:
    """(post_id, views_at_age, median, score, hook_text, last_used_elsewhere_at), best first."""
    as_of = LAST_EXPORT
    scores = expected_outliers()
    by_id = {p.post_id: p for p in POSTS}
    want = []
    for post_id, (views_at_age, _, median, score) in scores.items():
        post = by_id[post_id]
        if score is None or score < 2 or post.created_at > as_of - timedelta(days=30):
            continue
        uses = [
            q.created_at
            for q in POSTS
            if q.account != post.account
            and (
                set(q.images) & set(post.images)
                or (post.text and post.text.strip() and q.text == post.text)
            )
        ]
        last = max(uses, default=None)
        if last is not None and last >= as_of - timedelta(days=30):
            continue
        hook = post.text if post.text and post.text.strip() else None
        want.append((post_id, views_at_age, median, score, hook, last))
    return sorted(want, key=lambda w: (-w[3], w[0]))


def test_repost_candidates_are_old_strong_outliers_not_reused_elsewhere_recently(con):
    by_id = {p.post_id: p for p in POSTS}
    want = [
        (pid, views, pytest.approx(median), pytest.approx(score), hook, last)
        for pid, views, median, score, hook, last in expected_candidates()
    ]
    got = rows(con, "FROM repost_candidates")
    assert [
        (
            r["post_id"],
            r["views_at_age"],
            r["baseline_median_views"],
            r["outlier_score"],
            r["hook_text"],
            r["last_used_elsewhere_at"],
        )
        for r in got
    ] == want
    days = {by_id[r["post_id"]].created_at.date().isoformat() for r in got}
    # 09-10 (image reused recently) and 09-14 (hook reused recently) are out; 09-12 (reused
    # long ago) and 09-08 (reused by its own account) stay; 10-05 is too recent.
    assert {"2025-09-08", "2025-09-12"} <= days
    assert not {"2025-09-10", "2025-09-14", "2025-10-05"} & days
    assert all(
        r["va_id"] == "carla" and r["views"] == by_id[r["post_id"]].observations[-1][1] for r in got
    )


# --- the README's examples of these views, on the same fixture --------------------------


def test_the_readme_examples_of_the_analytics_over_time_return_the_right_rows(con):
    from test_readme_examples import EXAMPLES

    def median(values):
        known = [v for v in values if v is not None]
        return statistics.median(known) if known else None

    by_va: dict = {}
    for post in POSTS:
        by_va.setdefault(VAS[post.account], []).append(post)
    growth = [
        (
            va,
            sum(views_at(p, 7) is not None for p in posts),
            median(views_at(p, 1) for p in posts),
            median(views_at(p, 3) for p in posts),
            median(views_at(p, 7) for p in posts),
        )
        for va, posts in by_va.items()
    ]
    growth.sort(key=lambda r: (r[4] is None, -(r[4] or 0)))

    last_steps = []
    for post in POSTS:
        steps = list(zip(post.observations, post.observations[1:], strict=False))
        if steps and steps[-1][1][0] == LAST_EXPORT:
            (_, before, *_), (at, after, *_) = steps[-1]
            hours = (at - steps[-1][0][0]).total_seconds() / 3600
            gained = None if before is None or after is None else after - before
            age = (at - post.created_at).total_seconds() / 3600
            rate = None if gained is None else gained / hours
            last_steps.append((post.post_id, post.account, age, gained, rate))
    last_steps.sort(key=lambda r: (r[4] is None, -(r[4] or 0), r[0]))

    scores = expected_outliers()
    best = []
    for account in sorted(VAS):
        mine = [(pid, s) for pid, s in scores.items() if s[3] is not None]
        mine = [
            (pid, s)
            for pid, s in mine
            if next(p for p in POSTS if p.post_id == pid).account == account
        ]
        for pid, (views, _, median_views, score) in sorted(mine, key=lambda m: (-m[1][3], m[0]))[
            :3
        ]:
            best.append((account, pid, views, median_views, round(score, 1)))

    expected = {
        "post_growth": growth,
        "post_velocity": last_steps[:20],
        "outliers": best,
        "repost_candidates": [
            (
                next(p.account for p in POSTS if p.post_id == pid),
                f"https://www.tiktok.com/@{next(p.account for p in POSTS if p.post_id == pid)}/video/{pid}",
                round(score, 1),
                hook,
            )
            for pid, _, _, score, hook, _ in expected_candidates()
        ],
    }
    for view, want in expected.items():
        got = con.execute(EXAMPLES[view]).fetchall()
        assert len(want) > 1, view
        assert got == [
            tuple(pytest.approx(v) if isinstance(v, float) else v for v in w) for w in want
        ], view
