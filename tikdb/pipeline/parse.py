"""Parsing one snapshot: the expensive, deterministic part of a build, done once per file.

The byte scanner finds the records, their line numbers and the malformed ones
(tikdb.sources.csv_scan); Polars reads the good records into a Parquet file
(tikdb.sources.csv); DuckDB types and judges them (the models of sql/parse/). What comes
out depends only on the file's bytes, its observed_at and tikdb's code, so the parse
cache (tikdb.pipeline.cache) keeps it for every later build:

    rows.parquet      every well-formed record, typed, with its reject reason, line and
                      raw text (sql/parse/snapshot_rows.sql)
    problems.parquet  the malformed records the scanner found, with their raw text
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from tikdb.engine.connection import connect_for_parse, default_memory_limit
from tikdb.engine.models import (
    PARSE_FOLDER,
    PythonModel,
    execution_order,
    load_models,
    run_models,
)
from tikdb.engine.sqlfiles import sql_string
from tikdb.engine.steps import UNTIMED, Steps
from tikdb.engine.tables import create_from_arrow
from tikdb.errors import BuildError, one_line
from tikdb.sources.csv import CsvInput, open_csv, write_records

ROWS_FILE = "rows.parquet"
PROBLEMS_FILE = "problems.parquet"
# The inputs of the parse models, loaded by Python.
PARSE_INPUTS = ("raw.parse_input", "raw.csv_records")
# zstd level 1: the cache is read back at every build; level 1 decompresses as fast as
# higher levels and writes several times faster.
PARQUET_OPTIONS = "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1"
PROBLEMS_SCHEMA = pa.schema(
    [
        ("line", pa.int64()),
        ("last_line", pa.int64()),
        ("reason", pa.string()),
        ("message", pa.string()),
        ("raw_text", pa.string()),
    ]
)


@dataclass(frozen=True)
class ParseResult:
    """What parsing a file found, beside its two Parquet files."""

    sha256: str
    bytes: int
    records: int  # data records: well-formed ones plus malformed ones
    blank_lines: int
    ignored_columns: tuple[str, ...]


def parse_snapshot(
    path: Path,
    observed_at: datetime,
    target: Path,
    work_dir: Path,
    threads: int,
    memory_limit: str | None = None,
    steps: Steps = UNTIMED,
    profile_dir: Path | None = None,
) -> ParseResult:
    """Parse the master CSV at ``path``, an export taken at ``observed_at`` (naive UTC),
    into ``target``/rows.parquet and ``target``/problems.parquet.

    ``work_dir`` holds the intermediate files (removed before returning). Raises
    InputError for a file that is not a usable master CSV.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    target.mkdir(parents=True, exist_ok=True)
    try:
        with steps("scan the CSV"):
            csv = open_csv(Path(path), work_dir, threads)
        with steps("CSV records to Parquet (Polars)"):
            records = write_records(csv, work_dir / "records.parquet")
        limit = memory_limit or default_memory_limit(csv.scan.size)
        _type_and_judge(
            csv, records, observed_at, target, work_dir, threads, limit, steps, profile_dir
        )
        _write_problems(csv, target / PROBLEMS_FILE)
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(work_dir)
    return ParseResult(
        sha256=csv.scan.sha256,
        bytes=csv.scan.size,
        records=csv.scan.records,
        blank_lines=csv.scan.blank_lines,
        ignored_columns=tuple(csv.ignored_columns),
    )


def _type_and_judge(
    csv: CsvInput,
    records: Path,
    observed_at: datetime,
    target: Path,
    work_dir: Path,
    threads: int,
    memory_limit: str,
    steps: Steps,
    profile_dir: Path | None,
) -> None:
    try:
        con = connect_for_parse(work_dir / "spill", memory_limit, threads)
    except duckdb.Error as exc:
        raise BuildError(f"{csv.path}: parsing failed in DuckDB: {one_line(exc)}") from exc
    try:
        create_from_arrow(
            con,
            "raw.parse_input",
            pa.table({"observed_at": pa.array([observed_at], pa.timestamp("us"))}),
        )
        con.execute(
            f"CREATE VIEW raw.csv_records AS SELECT * FROM read_parquet({sql_string(str(records))})"
        )
        models = load_models(folders=(PARSE_FOLDER,))
        run_models(
            con,
            execution_order([*models, reject_text_model(csv)], PARSE_INPUTS),
            steps=steps,
            profile_dir=profile_dir,
        )
        assert_csv_alignment(con, csv)
        with steps("parse.snapshot_rows to Parquet"):
            # The joins run as written: every record streams past the small tables
            # (duplicates, reject texts) in file order. Left to choose, DuckDB builds its
            # hash table on the records instead (at 1M posts: 2.4x slower, a 1 GB spill,
            # and an ORDER BY to restore the order).
            con.execute("SET disabled_optimizers = 'build_side_probe_side'")
            destination = sql_string(str(target / ROWS_FILE))
            con.execute(f"COPY parse.snapshot_rows TO {destination} ({PARQUET_OPTIONS})")
    except duckdb.Error as exc:
        raise BuildError(f"{csv.path}: parsing failed in DuckDB: {one_line(exc)}") from exc
    finally:
        con.close()


def _write_problems(csv: CsvInput, target: Path) -> None:
    problems = csv.scan.problems
    table = pa.table(
        [
            pa.array([p.line for p in problems], pa.int64()),
            pa.array([p.last_line for p in problems], pa.int64()),
            pa.array([p.reason for p in problems], pa.string()),
            pa.array([p.message for p in problems], pa.string()),
            pa.array([p.raw.decode("utf-8", errors="replace") for p in problems], pa.string()),
        ],
        schema=PROBLEMS_SCHEMA,
    )
    pq.write_table(table, target, compression="zstd")


def reject_text_model(csv: CsvInput) -> PythonModel:
    """The Python step that reads back the raw text of CSV records rejected in SQL."""
    return PythonModel(
        "raw.csv_reject_text",
        frozenset({"parse.csv_posts", "parse.post_rows"}),
        lambda con: _load_reject_text(con, csv),
    )


def _load_reject_text(con: duckdb.DuckDBPyConnection, csv: CsvInput) -> None:
    rows = con.execute(
        "SELECT record_no FROM parse.csv_posts WHERE reject_reason IS NOT NULL "
        "UNION ALL SELECT record_no FROM parse.post_rows WHERE NOT is_kept ORDER BY 1"
    ).fetchall()
    record_nos = [r[0] for r in rows]
    starts, ends = csv.scan.good_starts, csv.scan.good_ends
    raw = []
    with csv.reopen() as f:
        for record_no in record_nos:
            start, end = int(starts[record_no]), int(ends[record_no])
            f.seek(start)
            raw.append(f.read(end - start).rstrip(b"\r\n"))
    csv.require_unchanged()  # else these bytes need not be the records scanned
    texts = [text.decode("utf-8") for text in raw]
    table = pa.table(
        {"record_no": pa.array(record_nos, pa.int64()), "raw_text": pa.array(texts, pa.string())}
    )
    create_from_arrow(con, "raw.csv_reject_text", table)


def assert_csv_alignment(con: duckdb.DuckDBPyConnection, csv: CsvInput) -> None:
    """Prove that the CSV parser saw exactly the records the scanner found.

    Same number of records, and in each one as many newlines inside fields as the record
    has extra lines. A mismatch would put wrong line numbers on rows, so it stops the build.
    """
    expected = len(csv.scan.good_starts)
    # Every read of the file is done: the records loaded are the ones scanned.
    csv.require_unchanged()
    # A side that ran out of records is padded with NULLs, hence IS DISTINCT FROM.
    got, misaligned, first_bad = con.execute(
        "SELECT count(*), count(*) FILTER (misaligned), min(record_no) FILTER (misaligned) "
        "FROM (SELECT record_no, field_newlines IS DISTINCT FROM line_span - 1 AS misaligned "
        "FROM parse.csv_posts)"
    ).fetchone()
    if got != expected or misaligned:
        lines = csv.scan.good_lines
        if first_bad is not None and first_bad < len(lines):
            where = f"near line {int(lines[first_bad])}"
        else:
            where = ""
        raise BuildError(
            f"{csv.path}: the CSV parser read {got} records but the scanner found {expected} "
            f"{where}; the line numbers would be wrong, so nothing was published. "
            "Please report this with the file."
        )
