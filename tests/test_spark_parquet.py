"""Spark (pyspark in local mode) reads the warehouse's Parquet files, single and
hive-partitioned by month, exactly as DuckDB has them.

One JVM for the whole module; the session's time zone is deliberately not UTC, so a
timestamp Spark read as a local time would come back shifted and fail the comparison.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
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

from tikdb.contract import PUBLISHED_TABLES
from tikdb.pipeline.build import BuildOptions, build

pytestmark = pytest.mark.slow
NOVEMBER, DECEMBER = 2600, 5300  # created 2025-11-01 and 2025-12-02

# What each Parquet type must read as in Spark (and nothing else may appear).
SPARK_TYPES = {
    "int32": "IntegerType()",
    "int64": "LongType()",
    "double": "DoubleType()",
    "bool": "BooleanType()",
    "string": "StringType()",
    "large_string": "StringType()",
    "date32[day]": "DateType()",
    "timestamp[us]": "TimestampNTZType()",
}


@pytest.fixture(scope="module")
def spark():
    if shutil.which("java") is None:
        pytest.fail("Java is not installed; .ci/run installs default-jre-headless")
    from pyspark.sql import SparkSession

    # Spark stays on the loopback interface: no traffic leaves this machine.
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    session = (
        SparkSession.builder.master("local[1]")
        .appName("tikdb-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "America/Los_Angeles")
        .config("spark.driver.memory", "512m")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("spark")
    numbers = [1, 2, 3, 4, 5, 6, NOVEMBER, NOVEMBER + 1, NOVEMBER + 2, DECEMBER]
    rows = [make_row(n) for n in numbers]
    rows[1]["views"] = ""  # unknown views: left out of the sums
    rows[2]["slides"] = rows[0]["slides"]  # a reused image: slide_reuse is not empty
    rows[3]["slides"] = "|".join([slide_url(7), "not a url"])  # a slide reject
    rows.append(make_row(7, va="", account_handle="novaacct"))  # an account with no VA
    rows.append(make_row(8, likes="lots"))  # a post reject
    csv_path = write_csv(tmp / "master.csv", rows)
    ocr = write_ocr(
        tmp / "ocr",
        {"Carla": [ocr_record(rows[0], "same hook"), ocr_record(rows[6], "same hook")]},
    )
    options = BuildOptions(csv_path, ocr, tmp / "wh", threads=2, partition_by_month=True)
    return build(options)


def plain(value):
    """A Spark value as DuckDB's Python API returns it (Rows as dicts, lists as lists)."""
    from pyspark.sql import Row

    if isinstance(value, Row):
        return {k: plain(v) for k, v in value.asDict().items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def canonical(rows) -> list[tuple]:
    return sorted((tuple(r) for r in rows), key=repr)


def test_posts_and_views_per_va_per_month_equal_duckdbs(spark, warehouse):
    from pyspark.sql import functions as F

    db, parquet = warehouse.db_path, warehouse.out_dir / "parquet"
    expected = query(
        db,
        "SELECT accounts.va_id, strftime(posts.created_at, '%Y-%m') AS month, count(*), sum(posts.views) "
        "FROM posts LEFT JOIN accounts USING (account) GROUP BY ALL",
    )
    assert len({r[1] for r in expected}) == 3 and None in {r[0] for r in expected}
    assert any(r[3] is not None and r[2] > 1 for r in expected)
    accounts = spark.read.parquet(str(parquet / "accounts.parquet")).select(
        "account", F.col("va_id").alias("account_va")
    )
    single = spark.read.parquet(str(parquet / "posts.parquet"))
    partitioned = spark.read.parquet(str(parquet / "posts"))  # month=YYYY-MM folders
    assert partitioned.schema["month"].dataType.simpleString() == "string"

    for posts, month in (
        (single, F.date_format("created_at", "yyyy-MM")),
        (partitioned, F.col("month")),
    ):
        got = (
            posts.join(accounts, "account", "left")
            .groupBy("account_va", month.alias("month"))
            .agg(F.count(F.lit(1)).alias("posts"), F.sum("views").alias("views"))
            .collect()
        )
        assert canonical(tuple(r) for r in got) == canonical(expected)


def parquet_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.parquet"))


def test_every_published_file_covers_every_table_and_view(warehouse):
    names = {p.name for p in parquet_files(warehouse.out_dir / "parquet")}
    assert {f"{n}.parquet" for n in PUBLISHED_TABLES + VIEWS} <= names
    assert "data_0.parquet" in names  # and the month partitions


def test_no_column_type_spark_refuses_or_misreads(spark, warehouse):
    """Every column of every Parquet file has a type Spark reads as itself: no TIME,
    unsigned, nanosecond, time-zoned or decimal (ids beyond 2^63) columns."""
    root = warehouse.out_dir / "parquet"
    seen = set()
    for path in parquet_files(root):
        schema = pq.read_schema(path)
        frame = spark.read.parquet(str(path))
        spark_types = {f.name: f.dataType for f in frame.schema.fields}
        for field in schema:
            seen |= check_field(
                field, spark_types[field.name], f"{path.relative_to(root)}:{field.name}"
            )
    # The test data reaches every kind of column the warehouse publishes.
    assert {"int32", "int64", "double", "bool", "string", "date32[day]", "timestamp[us]"} <= seen
    assert {"list", "struct"} <= seen


def check_field(field: pa.Field, spark_type, where: str) -> set[str]:
    t = field.type
    if pa.types.is_list(t):
        assert type(spark_type).__name__ == "ArrayType", where
        return {"list"} | check_field(t.value_field, spark_type.elementType, where + "[]")
    if pa.types.is_struct(t):
        assert type(spark_type).__name__ == "StructType", where
        inner = {f.name: f.dataType for f in spark_type.fields}
        kinds = {"struct"}
        for i in range(t.num_fields):
            kinds |= check_field(t.field(i), inner[t.field(i).name], f"{where}.{t.field(i).name}")
        return kinds
    assert str(t) in SPARK_TYPES, f"{where}: {t} is not a type Spark reads as itself"
    assert repr(spark_type) == SPARK_TYPES[str(t)], (where, t, spark_type)
    return {str(t)}


@pytest.mark.parametrize("name", PUBLISHED_TABLES + VIEWS)
def test_spark_reads_every_file_exactly(spark, warehouse, name):
    expected = query(warehouse.db_path, f"SELECT * FROM {name}")
    if name not in NEED_HISTORY:
        assert expected, f"{name} is empty; the test data should fill it"
    frame = spark.read.parquet(str(warehouse.out_dir / "parquet" / f"{name}.parquet"))
    got = [tuple(plain(v) for v in row) for row in frame.collect()]
    assert canonical(got) == canonical(expected)
    # Times come back as the same wall-clock values, whatever the session time zone.
    for row in got:
        for value in row:
            if isinstance(value, datetime):
                assert value.tzinfo is None
            assert not isinstance(value, date) or value.year > 2000


def test_partitioned_posts_and_slides_read_back_whole(spark, warehouse):
    db, parquet = warehouse.db_path, warehouse.out_dir / "parquet"
    sources = {
        "posts": "SELECT *, strftime(created_at, '%Y-%m') FROM posts",
        "slides": "SELECT s.*, strftime(p.created_at, '%Y-%m') FROM slides AS s JOIN posts AS p USING (post_id)",
    }
    for table, sql in sources.items():
        frame = spark.read.parquet(str(parquet / table))
        got = [tuple(plain(v) for v in row) for row in frame.collect()]
        assert canonical(got) == canonical(query(db, sql)), table


def readme_blocks(after: str, count: int) -> list[str]:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    blocks, at = [], readme.index(after)
    for _ in range(count):
        start = readme.index("```python\n", at) + len("```python\n")
        at = readme.index("```", start)
        blocks.append(readme[start:at])
        at += 3
    return blocks


def test_the_readme_parquet_snippets_run(spark, warehouse, tmp_path, monkeypatch, capsys):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "warehouse").symlink_to(warehouse.out_dir)
    monkeypatch.chdir(tmp_path)
    with_duckdb, with_spark = readme_blocks("### Parquet, one file or by month", 2)
    exec(with_duckdb, {})
    # The JVM resolves relative paths against its own working directory, fixed at start.
    exec(with_spark.replace('"data/', f'"{tmp_path}/data/'), {"spark": spark})
    out = capsys.readouterr().out
    db = warehouse.db_path
    assert re.search(rf"│\s*{query(db, 'SELECT count(*) FROM posts')[0][0]}\s*│", out), out
    months = query(db, "SELECT strftime(created_at, '%Y-%m'), count(*) FROM posts GROUP BY 1")
    assert len(months) == 3
    for month, n in months:
        assert re.search(rf"│\s*{month}\s*│\s*{n}\s*│", out), (month, n, out)
    october = query(
        db,
        "SELECT va_id, count(*) FROM posts WHERE strftime(created_at, '%Y-%m') = '2025-10' "
        "GROUP BY 1",
    )
    for va_id, n in october:
        assert re.search(rf"\|\s*{va_id or 'NULL'}\s*\|\s*{n}\s*\|", out), (va_id, n, out)
