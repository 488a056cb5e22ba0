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
from tikdb.engine.models import PARSE_FOLDER, execution_order, load_models, run_models
from tikdb.engine.sqlfiles import sql_string
from tikdb.engine.steps import UNTIMED, Steps
from tikdb.errors import BuildError, one_line
from tikdb.pipeline.raw import assert_csv_alignment, create_from_arrow, reject_text_model
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
