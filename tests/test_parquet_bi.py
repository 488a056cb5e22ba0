"""The Parquet files as BI tools read them: same rows as DuckDB, BI-friendly types, and the
optional month partitioning of posts and slides."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from conftest import (
    NEED_HISTORY,
    VIEWS,
    make_row,
    ocr_record,
    query,
    slide_url,
    write_csv,
    write_ocr,
)
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.contract import PUBLISHED_TABLES
from tikdb.pipeline.build import BuildOptions, build

# created = 2025-10-01 08:00 + 17 n minutes: n = 2600 is 2025-11-01 16:40
NOVEMBER = 2600


def inputs(tmp: Path) -> tuple[Path, Path]:
    rows = [make_row(n) for n in (1, 2, 3, NOVEMBER, NOVEMBER + 1)]
    rows[4]["slides"] = "|".join([slide_url(100, sig="again"), "not a url", slide_url(7)])
    rows.append(make_row(5, likes="lots"))  # a bad_metric reject
    csv_path = write_csv(tmp / "master.csv", rows)
    stray = ocr_record(make_row(9), "no such post")  # an ocr_unknown_post reject
    ocr = write_ocr(
        tmp / "ocr",
        {"Carla": [ocr_record(rows[0], "same text"), ocr_record(rows[3], "same text"), stray]},
    )
    return csv_path, ocr


@pytest.fixture(scope="module")
def partitioned(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bi")
    csv_path, ocr = inputs(tmp)
    return build(BuildOptions(csv_path, ocr, tmp / "wh", threads=2, partition_by_month=True))


def duckdb_rows(db: Path, name: str) -> tuple[list[str], list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cursor = con.execute(f"SELECT * FROM main.{name}")
        return [d[0] for d in cursor.description], cursor.fetchall()
    finally:
        con.close()


def canonical(rows) -> list[tuple]:
    """Rows as a sorted list (a multiset), so the comparison ignores row order."""
    return sorted((tuple(r) for r in rows), key=repr)


@pytest.mark.parametrize("name", PUBLISHED_TABLES + VIEWS)
def test_parquet_reads_back_equal_to_duckdb(partitioned, name):
    path = partitioned.out_dir / "parquet" / f"{name}.parquet"
    columns, expected = duckdb_rows(partitioned.db_path, name)
    if name not in NEED_HISTORY:
        assert expected, f"{name} is empty; the test data should fill every table and view"

    arrow = pq.read_table(path)
    assert arrow.column_names == columns
    assert canonical(tuple(r.values()) for r in arrow.to_pylist()) == canonical(expected)

    frame = pl.read_parquet(path)
    assert frame.columns == columns
    assert canonical(frame.rows()) == canonical(expected)


def _bad_types(field: pa.Field, where: str) -> list[str]:
    t = field.type
    here = f"{where}.{field.name}" if where else field.name
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return _bad_types(t.value_field, here)
    if pa.types.is_struct(t):
        return [p for i in range(t.num_fields) for p in _bad_types(t.field(i), here)]
    if pa.types.is_time(t):
        return [f"{here}: TIME ({t}); Spark 4 refuses it, publish a TIMESTAMP"]
    if pa.types.is_unsigned_integer(t):
        return [f"{here}: unsigned {t}; use BIGINT"]
    if pa.types.is_decimal(t) or pa.types.is_null(t) or pa.types.is_float16(t):
        return [f"{here}: {t}; use DOUBLE or BIGINT"]
    if pa.types.is_timestamp(t) and (t.tz is not None or t.unit != "us"):
        return [f"{here}: {t}; expected a naive timestamp[us] (UTC by convention)"]
    return []


@pytest.mark.parametrize("name", PUBLISHED_TABLES + VIEWS)
def test_parquet_types_are_bi_friendly(partitioned, name):
    schema = pq.read_schema(partitioned.out_dir / "parquet" / f"{name}.parquet")
    assert [p for f in schema for p in _bad_types(f, "")] == []
    for f in schema:
        if f.name.endswith("_at"):
            assert pa.types.is_timestamp(f.type), f"{name}.{f.name} is {f.type}"
        if f.name in ("day", "created_day"):
            assert pa.types.is_date32(f.type), f"{name}.{f.name} is {f.type}"


def test_timestamps_keep_their_wall_clock_time(partitioned):
    """A naive timestamp must not be shifted by a reader's time zone."""
    ids = query(partitioned.db_path, "SELECT post_id, created_at FROM posts ORDER BY 1")
    frame = pl.read_parquet(partitioned.out_dir / "parquet" / "posts.parquet")
    assert frame.schema["created_at"] == pl.Datetime("us", None)
    assert sorted(frame.select("post_id", "created_at").rows()) == ids


def test_month_partitions_hold_posts_and_their_slides(partitioned):
    root = partitioned.out_dir / "parquet"
    for table in ("posts", "slides"):
        layout = sorted(p.relative_to(root / table).as_posix() for p in (root / table).rglob("*"))
        assert layout == [
            "month=2025-10",
            "month=2025-10/data_0.parquet",
            "month=2025-11",
            "month=2025-11/data_0.parquet",
        ], table
    db = partitioned.db_path
    expected_posts = query(db, "SELECT *, strftime(created_at, '%Y-%m') FROM posts")
    expected_slides = query(
        db,
        "SELECT s.*, strftime(p.created_at, '%Y-%m') FROM slides AS s JOIN posts AS p USING (post_id)",
    )
    assert len(expected_posts) == 5 and len(expected_slides) == 2 * 4 + 2
    for table, expected in (("posts", expected_posts), ("slides", expected_slides)):
        arrow = ds.dataset(root / table, format="parquet", partitioning="hive").to_table()
        assert arrow.column_names[-1] == "month"
        assert canonical(tuple(r.values()) for r in arrow.to_pylist()) == canonical(expected)
        frame = pl.read_parquet(root / table / "**" / "*.parquet", hive_partitioning=True)
        assert frame.columns[-1] == "month"
        assert canonical(frame.rows()) == canonical(expected)
        con = duckdb.connect()
        got = con.execute(
            "SELECT * FROM read_parquet(?, hive_partitioning = true)",
            [str(root / table / "*" / "*.parquet")],
        ).fetchall()
        assert canonical(got) == canonical(expected)
    # single-file copies are still written beside the partitioned directories
    assert pq.ParquetFile(root / "posts.parquet").metadata.num_rows == 5


def test_a_build_without_the_option_leaves_no_partitions_behind(tmp_path):
    csv_path, ocr = inputs(tmp_path)
    out = tmp_path / "wh"
    runner = CliRunner()
    args = ["build", "--csv", str(csv_path), "--ocr", str(ocr), "--out", str(out)]
    first = runner.invoke(app, [*args, "--partition-by-month"])
    assert first.exit_code == 0, first.output
    assert (out / "parquet" / "posts" / "month=2025-11" / "data_0.parquet").is_file()
    assert (out / "parquet" / "slides" / "month=2025-10" / "data_0.parquet").is_file()
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    parquet = out / "parquet"
    assert sorted(p.name for p in parquet.iterdir() if p.is_dir()) == []
    assert sorted(p.stem for p in parquet.glob("*.parquet")) == sorted(PUBLISHED_TABLES + VIEWS)
