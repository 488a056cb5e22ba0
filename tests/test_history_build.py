"""Builds from several snapshots: observations, latest rows, per-snapshot accounting, the cache.

Three daily exports of the same account (what each export holds, by post number n):

    export           observed (UTC)     rows
    day1.csv         09-01 06:00        n = 1, 2, 3, 4
    day2.csv         09-02 06:00        n = 1, 2 (twice: the last line wins), 3 with views
                                        "lots" (a bad_metric reject), 4, 5
    day3.csv         09-03 06:00        n = 1 (new slides), 2, 5, 6, and a malformed record

Views grow by 100 a day. Post 3 was loaded only from day1, post 4 last seen on day2.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import make_row, query, slide_url, video_id, write_csv

from tikdb.errors import InputError
from tikdb.pipeline.build import BuildOptions, build
from tikdb.pipeline.cache import CACHE_DIR
from tikdb.pipeline.raw import SnapshotFile

DAY1 = datetime(2025, 9, 1, 6, 0)
BASE = datetime(2025, 8, 30, 8, 0)  # post n is created at BASE + 3 n hours


def row(n: int, day: int, **overrides: str) -> dict[str, str]:
    created = BASE + timedelta(hours=3 * n)
    fields = {
        "created_date": created.strftime("%Y-%m-%d"),
        "created_time": created.strftime("%H:%M:%S"),
    }
    views = 1000 * n + 100 * day
    likes = 10 * n + day
    metrics = {
        "views": str(views),
        "likes": str(likes),
        "comments": "1",
        "shares": "0",
        "engagement": str(likes + 1),
        "engagement_rate": str(round(100 * (likes + 1) / views, 2)),
    }
    base = make_row(n, account_handle="alpha01glow", va="Carla")
    # make_row's post_url carries its own created time; rebuild it for this created_at.
    base["post_url"] = f"https://www.tiktok.com/@alpha01glow/video/{video_id(created, n)}"
    return base | fields | metrics | overrides


def pid(n: int) -> int:
    return int(row(n, 1)["post_url"].rsplit("/", 1)[1])


def snapshot(path: Path, rows: list[dict], observed_at: datetime, tail: str = "") -> SnapshotFile:
    """Write a CSV export and describe it as its sidecar would."""
    write_csv(path, rows)
    if tail:
        with path.open("a", encoding="utf-8", newline="") as f:
            f.write(tail)
    data = path.read_bytes()
    return SnapshotFile(path, observed_at, hashlib.sha256(data).hexdigest(), len(data))


@pytest.fixture
def exports(tmp_path) -> list[SnapshotFile]:
    folder = tmp_path / "snapshots"
    day3_first = row(1, 3, slides="|".join([slide_url(900), slide_url(901), slide_url(902)]))
    return [
        snapshot(folder / "day1.csv", [row(n, 1) for n in (1, 2, 3, 4)], DAY1),
        snapshot(
            folder / "day2.csv",
            [
                row(1, 2),
                row(2, 2, views="5"),
                row(3, 2, views="lots"),
                row(4, 2),
                row(2, 2),
                row(5, 2),
            ],
            DAY1 + timedelta(days=1),
        ),
        snapshot(
            folder / "day3.csv",
            [day3_first, row(2, 3), row(5, 3), row(6, 3)],
            DAY1 + timedelta(days=2),
            tail='2025-09-01,08:00:00,"broken\r\n',
        ),
    ]


def run(tmp_path: Path, exports: list[SnapshotFile], **options):
    return build(
        BuildOptions(
            None,
            None,
            options.pop("out", tmp_path / "wh"),
            threads=2,
            snapshots=tuple(exports),
            snapshots_dir=tmp_path / "snapshots",
            **options,
        )
    )


def test_metrics_history_has_one_row_per_post_per_snapshot_that_loaded_it(tmp_path, exports):
    db = run(tmp_path, exports).db_path
    got = query(db, "SELECT * FROM metrics_history ORDER BY observed_at, post_id")
    loaded = {1: (1, 2, 3, 4), 2: (1, 2, 4, 5), 3: (1, 2, 5, 6)}
    want = []
    for day, ns in loaded.items():
        for n in ns:
            r = row(n, day)
            want.append(
                (
                    pid(n),
                    DAY1 + timedelta(days=day - 1),
                    int(r["views"]),
                    int(r["likes"]),
                    1,
                    0,
                    int(r["engagement"]),
                    f"day{day}.csv",
                )
            )
    assert got == sorted(want, key=lambda w: (w[1], w[0]))


def test_posts_hold_their_latest_observation_and_when_they_were_seen(tmp_path, exports):
    db = run(tmp_path, exports).db_path
    got = query(
        db,
        "SELECT post_id, views, snapshot, csv_line, first_seen_at, last_seen_at, observations "
        "FROM posts ORDER BY post_id",
    )
    day = [None, DAY1, DAY1 + timedelta(days=1), DAY1 + timedelta(days=2)]
    want = [
        (pid(1), 1300, "day3.csv", 2, day[1], day[3], 3),
        (pid(2), 2300, "day3.csv", 3, day[1], day[3], 3),  # day2's last line of post 2 won
        (pid(3), 3100, "day1.csv", 4, day[1], day[1], 1),  # rejected on day2, gone on day3
        (pid(4), 4200, "day2.csv", 5, day[1], day[2], 2),
        (pid(5), 5300, "day3.csv", 4, day[2], day[3], 2),
        (pid(6), 6300, "day3.csv", 5, day[3], day[3], 1),
    ]
    assert got == sorted(want)
    # Slides come from the latest row too: post 1 got three new images on day 3.
    slides = query(
        db, "SELECT slide_url FROM slides WHERE post_id = ? ORDER BY slide_index", [pid(1)]
    )
    assert slides == [(slide_url(900),), (slide_url(901),), (slide_url(902),)]


def test_every_reject_names_its_snapshot_and_line(tmp_path, exports):
    db = run(tmp_path, exports).db_path
    got = query(
        db,
        "SELECT source_file, line, reason, post_id, kept_line FROM rejects ORDER BY source_file, line",
    )
    day2, day3 = (str(e.path) for e in exports[1:])
    assert got == [
        (day2, 3, "duplicate_post", pid(2), 6),
        (day2, 4, "bad_metric", pid(3), None),
        (day3, 6, "unterminated_quote", None, None),
    ]


def test_the_snapshots_table_accounts_for_every_record_of_each_snapshot(tmp_path, exports):
    db = run(tmp_path, exports).db_path
    got = query(
        db,
        "SELECT snapshot, observed_at, path, bytes, sha256, records, loaded, duplicates, "
        "rejected, reused FROM snapshots ORDER BY observed_at",
    )
    counts = [(4, 4, 0, 0), (6, 4, 1, 1), (5, 4, 0, 1)]
    assert got == [
        (e.path.name, e.observed_at, str(e.path), e.bytes, e.sha256, *c, False)
        for e, c in zip(exports, counts, strict=True)
    ]
    log = query(
        db, "SELECT csv_path, csv_records, csv_loaded, csv_duplicates, csv_rejected FROM import_log"
    )
    assert log == [(str(tmp_path / "snapshots"), 15, 12, 1, 2)]


def test_a_second_build_reuses_every_parse_and_publishes_the_same_tables(tmp_path, exports):
    first = run(tmp_path, exports)
    tables = ("posts", "metrics_history", "slides", "rejects", "vas", "accounts", "post_growth")
    before = {t: query(first.db_path, f"SELECT * FROM {t} ORDER BY ALL") for t in tables}
    second = run(tmp_path, exports)
    assert [p.reused for p in second.parsed] == [True, True, True]
    assert query(second.db_path, "SELECT reused FROM snapshots") == [(True,)] * 3
    assert {t: query(second.db_path, f"SELECT * FROM {t} ORDER BY ALL") for t in tables} == before


def test_adding_a_snapshot_parses_only_that_one_and_removing_one_drops_its_cache(tmp_path, exports):
    run(tmp_path, exports[:2])
    cache = tmp_path / "wh" / CACHE_DIR
    assert len(list(cache.iterdir())) == 2
    grown = run(tmp_path, exports)
    assert [p.reused for p in grown.parsed] == [True, True, False]
    shrunk = run(tmp_path, exports[1:])
    assert [p.reused for p in shrunk.parsed] == [True, True]
    assert sorted(p.name for p in cache.iterdir()) == sorted(
        p.directory.name for p in shrunk.parsed
    )
    assert query(shrunk.db_path, "SELECT min(observed_at) FROM metrics_history") == [
        (exports[1].observed_at,)
    ]


def test_no_cache_parses_everything_and_writes_no_cache(tmp_path, exports):
    result = run(tmp_path, exports, use_cache=False)
    assert [p.reused for p in result.parsed] == [False, False, False]
    assert not (tmp_path / "wh" / CACHE_DIR).exists()


def test_a_damaged_cache_entry_is_parsed_again_with_a_warning(tmp_path, exports):
    first = run(tmp_path, exports)
    rows_file = first.parsed[1].rows_file
    rows_file.write_bytes(rows_file.read_bytes()[:-10])
    second = run(tmp_path, exports)
    assert [p.reused for p in second.parsed] == [True, False, True]
    assert second.warnings == [
        f"{first.parsed[1].directory}: the cached parse of day2.csv is damaged "
        "(rows.parquet changed); it was parsed again"
    ]
    assert query(second.db_path, "SELECT count(*) FROM metrics_history") == [(12,)]


def test_a_snapshot_changed_after_it_was_taken_is_an_input_error(tmp_path, exports):
    run(tmp_path, exports)
    path = exports[0].path
    path.write_bytes(path.read_bytes() + b"\r\n")
    with pytest.raises(InputError) as caught:
        run(tmp_path, exports)
    assert str(caught.value) == (
        f"{path}: is {exports[0].bytes + 2} bytes, its sidecar says {exports[0].bytes}; the "
        "snapshot was changed after it was taken. Restore it from a backup, or move it and "
        "its sidecar out of the folder."
    )
    # Same size, other bytes: a build that parses it (here without the cache) finds out.
    data = bytearray(path.read_bytes()[:-2])
    data[-3] = ord("9") if data[-3] != ord("9") else ord("8")
    path.write_bytes(bytes(data))
    with pytest.raises(InputError) as caught:
        run(tmp_path, exports, use_cache=False)
    assert str(caught.value) == (
        f"{path}: its content no longer matches the sha256 in its sidecar; the snapshot was "
        "changed after it was taken. Restore it from a backup, or move it and its sidecar "
        "out of the folder."
    )


def test_two_snapshots_observed_at_the_same_time_are_an_input_error(tmp_path, exports):
    same = SnapshotFile(
        exports[1].path, exports[0].observed_at, exports[1].sha256, exports[1].bytes
    )
    with pytest.raises(InputError) as caught:
        run(tmp_path, [exports[0], same])
    assert str(caught.value) == (
        f"{tmp_path / 'snapshots'}: snapshots day1.csv, day2.csv were all observed at "
        "2025-09-01T06:00:00Z; a post can have one observation at a time. Move all but one "
        "of them out of the folder."
    )


def test_a_post_created_after_its_snapshot_was_taken_is_rejected_there(tmp_path, exports):
    # Post 23 is created on 09-02 05:00: more than a day after the early export was
    # taken (09-01 04:00), before the later one (09-02 06:00).
    late = row(23, 1)
    early = snapshot(
        tmp_path / "snapshots" / "early.csv", [row(1, 1), late], DAY1 - timedelta(hours=2)
    )
    day2 = snapshot(
        tmp_path / "snapshots" / "later.csv", [row(1, 2), row(23, 2)], DAY1 + timedelta(days=1)
    )
    db = run(tmp_path, [early, day2]).db_path
    assert query(db, "SELECT source_file, reason FROM rejects") == [
        (str(early.path), "created_at_out_of_range")
    ]
    assert query(
        db, "SELECT post_id, snapshot FROM metrics_history WHERE post_id = ?", [pid(23)]
    ) == [(pid(23), "later.csv")]


def test_a_csv_build_is_one_snapshot_observed_when_the_build_starts(tmp_path, rows):
    before = datetime.utcnow()
    csv_path = write_csv(tmp_path / "master.csv", rows)
    result = build(BuildOptions(csv_path, None, tmp_path / "wh", threads=2))
    ((observed, snapshot_name, reused),) = query(
        result.db_path, "SELECT observed_at, snapshot, reused FROM snapshots"
    )
    assert (snapshot_name, reused) == ("master.csv", False)
    assert before <= observed <= datetime.utcnow()
    assert query(
        result.db_path, "SELECT count(DISTINCT observed_at), count(*) FROM metrics_history"
    ) == [(1, len(rows))]
    assert not (tmp_path / "wh" / CACHE_DIR).exists()
