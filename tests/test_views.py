"""The analytics views (sql/views/): exact values on a tiny hand-made warehouse.

Six posts, built through the real build:

    n   account  va on row  created (UTC)     views   engagement  slides (images)
    1   alpha    Carla      Wed 10-01 08:17   12000   112         A, B
    2   alpha    (empty)    Wed 10-01 08:34    3000    56         A (re-signed), C
    3   beta     Kent       Wed 10-01 08:51     500    20         A, D, D
    90  alpha    carla      Thu 10-02 09:30   20000  1000         B, E
    91  gamma    (empty)    Thu 10-02 09:47     100     1         (none)
    92  beta     Kent       Thu 10-02 10:04   (empty)    5         D

Account VAs: alpha -> carla (post 2 counts for carla), beta -> kent, gamma -> none.
OCR: posts 1 and 90 read "Hook one", post 2 "Second hook", post 3 is blank.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import VIEWS, make_row, ocr_record, query, run_build, slide_url, write_csv, write_ocr


def approx(x: float):
    return pytest.approx(x, rel=1e-12)


def image_id(n: int) -> str:
    return hashlib.md5(str(n).encode()).hexdigest()


def metrics(views: str, likes: int, comments: int, shares: int) -> dict[str, str]:
    engagement = likes + comments + shares
    rate = "" if not views else str(round(100 * engagement / int(views), 2))
    return {
        "views": views,
        "likes": str(likes),
        "comments": str(comments),
        "shares": str(shares),
        "engagement": str(engagement),
        "engagement_rate": rate,
    }


A, B, C, D, E = 1, 2, 3, 4, 5  # image numbers for slide_url


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("views")
    rows = {
        1: make_row(
            1,
            account_handle="alpha",
            va="Carla",
            **metrics("12000", 100, 10, 2),
            slides="|".join([slide_url(A), slide_url(B)]),
        ),
        2: make_row(
            2,
            account_handle="alpha",
            va="",
            **metrics("3000", 50, 5, 1),
            slides="|".join([slide_url(A, sig="zz"), slide_url(C)]),
        ),
        3: make_row(
            3,
            account_handle="beta",
            va="Kent",
            **metrics("500", 20, 0, 0),
            slides="|".join([slide_url(A, sig="yy"), slide_url(D), slide_url(D, sig="x")]),
        ),
        90: make_row(
            90,
            account_handle="alpha",
            va="carla",
            **metrics("20000", 900, 90, 10),
            slides="|".join([slide_url(B, sig="w"), slide_url(E)]),
        ),
        91: make_row(91, account_handle="gamma", va="", **metrics("100", 1, 0, 0), slides=""),
        92: make_row(
            92,
            account_handle="beta",
            va="Kent",
            **metrics("", 5, 0, 0),
            slides=slide_url(D, sig="v"),
        ),
    }
    csv_path = write_csv(tmp / "master.csv", list(rows.values()))
    ocr = write_ocr(
        tmp / "ocr",
        {
            "Carla": [
                ocr_record(rows[1], "Hook one"),
                ocr_record(rows[90], "Hook one"),
                ocr_record(rows[2], "Second hook"),
            ],
            "Kent": [ocr_record(rows[3], "")],
        },
    )
    result = run_build(tmp, csv_path, ocr)
    ids = {n: int(r["post_url"].rsplit("/", 1)[1]) for n, r in rows.items()}
    return result, ids


def ts(day: int, hh: int, mm: int) -> datetime:
    return datetime(2025, 10, day, hh, mm)


def test_va_performance_counts_each_post_for_its_accounts_va(warehouse):
    result, _ = warehouse
    got = query(result.db_path, "SELECT * FROM va_performance")
    assert got == [
        (
            "carla",
            "Carla",
            3,
            1,
            35000,
            12000.0,
            approx(35000 / 3),
            1168,
            approx(100 * 1168 / 35000),
            2,
            approx(100 * 2 / 3),
            ts(1, 8, 17),
            ts(2, 9, 30),
            2,
            1.5,
        ),
        # post 92 has no view count: left out of the view sums, rate and 10k share
        (
            "kent",
            "Kent",
            2,
            1,
            500,
            500.0,
            500.0,
            25,
            approx(100 * 20 / 500),
            0,
            0.0,
            ts(1, 8, 51),
            ts(2, 10, 4),
            2,
            1.0,
        ),
        (None, None, 1, 1, 100, 100.0, 100.0, 1, 1.0, 0, 0.0, ts(2, 9, 47), ts(2, 9, 47), 1, 1.0),
    ]


def test_account_daily_sums_each_accounts_utc_day(warehouse):
    result, _ = warehouse
    got = query(result.db_path, "SELECT * FROM account_daily")
    assert got == [
        ("alpha", "carla", date(2025, 10, 1), 2, 15000, 150, 15, 3, 168, approx(100 * 168 / 15000)),
        ("alpha", "carla", date(2025, 10, 2), 1, 20000, 900, 90, 10, 1000, 5.0),
        ("beta", "kent", date(2025, 10, 1), 1, 500, 20, 0, 0, 20, 4.0),
        ("beta", "kent", date(2025, 10, 2), 1, None, 5, 0, 0, 5, None),
        ("gamma", None, date(2025, 10, 2), 1, 100, 1, 0, 0, 1, 1.0),
    ]


def test_post_performance_ranks_within_va_and_day(warehouse):
    result, ids = warehouse
    got = query(
        result.db_path,
        "SELECT post_id, account, va_id, post_va_id, created_day, views, slide_count, hook_text, "
        "rank_in_va, rank_in_day FROM post_performance ORDER BY created_at, post_id",
    )
    day1, day2 = date(2025, 10, 1), date(2025, 10, 2)
    assert got == [
        (ids[1], "alpha", "carla", "carla", day1, 12000, 2, "Hook one", 2, 1),
        (ids[2], "alpha", "carla", None, day1, 3000, 2, "Second hook", 3, 2),
        (ids[3], "beta", "kent", "kent", day1, 500, 3, None, 1, 3),
        (ids[90], "alpha", "carla", "carla", day2, 20000, 2, "Hook one", 1, 1),
        (ids[91], "gamma", None, None, day2, 100, 0, None, 1, 2),
        (ids[92], "beta", "kent", "kent", day2, None, 1, None, 2, 3),
    ]


def test_slide_reuse_lists_each_image_used_by_several_posts(warehouse):
    result, ids = warehouse
    got = query(
        result.db_path, "SELECT * FROM slide_reuse ORDER BY posts DESC, total_views DESC, image_id"
    )
    assert got == [
        (
            image_id(A),
            3,
            2,
            2,
            ["alpha", "beta"],
            ["carla", "kent"],
            15500,
            12000,
            [12000, 3000, 500],
            [ids[1], ids[2], ids[3]],
            ts(1, 8, 17),
            ts(1, 8, 51),
        ),
        (
            image_id(B),
            2,
            1,
            1,
            ["alpha"],
            ["carla"],
            32000,
            20000,
            [12000, 20000],
            [ids[1], ids[90]],
            ts(1, 8, 17),
            ts(2, 9, 30),
        ),
        # D appears twice in post 3: one use of that post, not two.
        (
            image_id(D),
            2,
            1,
            1,
            ["beta"],
            ["kent"],
            500,
            500,
            [500, None],
            [ids[3], ids[92]],
            ts(1, 8, 51),
            ts(2, 10, 4),
        ),
    ]


def test_ocr_text_reuse_groups_identical_non_blank_text(warehouse):
    result, ids = warehouse
    got = query(result.db_path, "SELECT * FROM ocr_text_reuse")
    assert got == [
        (
            hashlib.md5(b"Hook one").hexdigest(),
            "Hook one",
            2,
            1,
            ["alpha"],
            ["carla"],
            32000,
            20000,
            [12000, 20000],
            [ids[1], ids[90]],
            ts(1, 8, 17),
            ts(2, 9, 30),
        ),
    ]


def columns(db, view: str) -> list[str]:
    got = query(
        db,
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
        [view],
    )
    return [name for (name,) in got]


def test_the_reuse_views_name_the_same_ideas_the_same_way(warehouse):
    result, _ = warehouse
    slide = columns(result.db_path, "slide_reuse")
    text = columns(result.db_path, "ocr_text_reuse")
    assert slide == [
        "image_id",
        "posts",
        "accounts",
        "vas",
        "account_list",
        "va_list",
        "total_views",
        "max_views",
        "views_per_post",
        "post_ids",
        "first_post_at",
        "last_post_at",
    ]
    # Apart from what is reused (and the VA count), the two views have the same columns.
    assert [c for c in slide if c not in ("image_id", "vas")] == [
        c for c in text if c not in ("text_hash", "ocr_text")
    ]


def test_the_readme_names_only_columns_the_views_have(warehouse):
    result, _ = warehouse
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("| view | one row per | columns |", 1)[1].split("\n\n", 1)[0]
    rows = dict(re.findall(r"^\| `([a-z_]+)` \|(.*)\|$", table, re.MULTILINE))
    assert sorted(rows) == sorted(VIEWS)
    for view, cells in rows.items():
        named = set(re.findall(r"`([a-z_0-9]+)`", cells))
        assert named <= set(columns(result.db_path, view)), (view, named)


def test_posting_hours_has_every_weekday_and_hour(warehouse):
    result, _ = warehouse
    db = result.db_path
    assert query(db, "SELECT count(*), sum(posts) FROM posting_hours") == [(168, 6)]
    assert query(db, "SELECT DISTINCT weekday, weekday_name FROM posting_hours ORDER BY 1") == [
        (1, "Monday"),
        (2, "Tuesday"),
        (3, "Wednesday"),
        (4, "Thursday"),
        (5, "Friday"),
        (6, "Saturday"),
        (7, "Sunday"),
    ]
    assert query(db, "SELECT min(hour), max(hour), count(DISTINCT hour) FROM posting_hours") == [
        (0, 23, 24)
    ]
    got = query(db, "SELECT * FROM posting_hours WHERE posts > 0 OR (weekday, hour) = (1, 0)")
    assert got == [
        (1, "Monday", 0, 0, 0, None, None, 0, None),
        (3, "Wednesday", 8, 3, 15500, 3000.0, approx(15500 / 3), 188, approx(100 * 188 / 15500)),
        (4, "Thursday", 9, 2, 20100, 10050.0, 10050.0, 1001, approx(100 * 1001 / 20100)),
        (4, "Thursday", 10, 1, None, None, None, 5, None),
    ]


def test_every_view_is_in_the_database_and_in_parquet(warehouse):
    result, _ = warehouse
    db = result.db_path
    # Aggregates are materialized as tables at build time; per-post views stay views.
    kinds = query(
        db,
        "SELECT view_name, 'view' FROM duckdb_views() WHERE NOT internal AND schema_name = 'main' "
        "UNION ALL SELECT table_name, 'table' FROM duckdb_tables() WHERE schema_name = 'main' "
        "ORDER BY 1",
    )
    kinds = {name: kind for name, kind in kinds if name in VIEWS}
    assert kinds == {
        "account_daily": "table",
        "ocr_text_reuse": "table",
        "outliers": "table",
        "post_growth": "table",
        "post_performance": "view",
        "post_velocity": "view",
        "repost_candidates": "table",
        "posting_hours": "table",
        "slide_reuse": "table",
        "va_performance": "table",
    }
    for name in VIEWS:
        path = result.out_dir / "parquet" / f"{name}.parquet"
        (rows,) = query(db, f"SELECT count(*) FROM {name}")[0]
        assert pq.ParquetFile(path).metadata.num_rows == rows, name


def test_views_hold_no_lambdas_or_temp_macros():
    """The view SQL is re-bound by whichever DuckDB opens the file (1.2 and newer)."""
    from tikdb.engine.sqlfiles import sql_dir

    for path in sorted((sql_dir() / "views").glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        assert "lambda" not in text.lower() and "->" not in text, path
        assert "tikdb_" not in text, path  # the build's macros are TEMP, absent from the file
    assert sorted(p.stem for p in (sql_dir() / "views").glob("*.sql")) == list(VIEWS)


def test_an_image_repeated_inside_one_post_only_is_not_reused(tmp_path):
    rows = [
        make_row(1, slides="|".join([slide_url(7), slide_url(7, sig="again"), slide_url(8)])),
        make_row(2, slides="|".join([slide_url(8, sig="other"), slide_url(9)])),
    ]
    result = run_build(tmp_path, write_csv(tmp_path / "master.csv", rows))
    got = query(result.db_path, "SELECT image_id, posts FROM slide_reuse")
    assert got == [(image_id(8), 2)]
