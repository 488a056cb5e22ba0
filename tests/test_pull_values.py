"""Sheet values that lie, as the build sees them in a snapshot: formula errors in a
metric and an id column that disagrees with post_url become rejects, never data."""

from __future__ import annotations

from conftest import make_row, query, run_build, write_csv

from tikdb.contract import COLUMNS
from tikdb.pipeline.guards import PublishGuards

FORMULA_ERRORS = ("#REF!", "#N/A", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#ERROR!")
METRICS = ("views", "likes", "comments", "shares", "engagement", "engagement_rate")


def url_id(row: dict[str, str]) -> str:
    return row["post_url"].rsplit("/", 1)[1]


def test_a_formula_error_in_a_metric_is_a_bad_metric_reject(tmp_path):
    rows = [make_row(n) for n in range(1, len(FORMULA_ERRORS) + 2)]
    # Each error in one row, cycling through the metric columns; the last row is sound.
    broken = [(error, METRICS[i % len(METRICS)]) for i, error in enumerate(FORMULA_ERRORS)]
    for row, (error, metric) in zip(rows, broken, strict=False):
        row[metric] = error
    # All rows but one are rejects: the publish guard would refuse such a build.
    guards = PublishGuards(refuse_reject_rate=1)
    db = run_build(tmp_path, write_csv(tmp_path / "m.csv", rows), guards=guards).db_path
    rejects = query(db, "SELECT line, reason, message, raw_text FROM rejects ORDER BY line")
    assert [(line, reason) for line, reason, _, _ in rejects] == [
        (n, "bad_metric") for n in range(2, 2 + len(FORMULA_ERRORS))
    ]
    for (_, _, message, raw), (error, metric) in zip(rejects, broken, strict=True):
        assert (
            message
            == f'{metric} "{error}" is not a whole number >= 0 (or a rate for engagement_rate)'
        )
        assert error in raw
    assert query(db, "SELECT count(*) FROM posts") == [(1,)]


def test_an_id_column_that_disagrees_with_post_url_is_an_id_mismatch_reject(tmp_path):
    rows = [make_row(n) for n in range(1, 5)]
    for row in rows:
        row["video_id"] = url_id(row)
    good_id = url_id(rows[1])
    # What a spreadsheet number keeps of a 19-digit id: the nearest double.
    rows[1]["video_id"] = str(int(float(good_id)))
    assert rows[1]["video_id"] != good_id
    rows[2]["video_id"] = ""  # no id: post_url alone decides
    path = write_csv(tmp_path / "m.csv", rows, [*COLUMNS, "video_id"])
    result = run_build(tmp_path, path)
    db = result.db_path
    assert query(db, "SELECT line, reason, message FROM rejects") == [
        (
            3,
            "id_mismatch",
            f'video_id "{rows[1]["video_id"]}" differs from the id {good_id} in post_url; '
            "correct the id column or the URL",
        )
    ]
    # The post keeps no id but its URL's: the rejected row is not loaded under either id.
    assert query(db, "SELECT post_id FROM posts ORDER BY csv_line") == [
        (int(url_id(rows[n])),) for n in (0, 2, 3)
    ]
    # video_id is a known column now: no "ignored unknown column" warning.
    assert not any("ignored unknown column" in w for w in result.warnings)


def test_a_file_without_an_id_column_builds_as_before(tmp_path):
    rows = [make_row(n) for n in range(1, 4)]
    db = run_build(tmp_path, write_csv(tmp_path / "m.csv", rows)).db_path
    assert query(db, "SELECT count(*) FROM posts") == [(3,)]
    assert query(db, "SELECT count(*) FROM rejects") == [(0,)]
