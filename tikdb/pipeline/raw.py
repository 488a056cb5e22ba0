"""The raw layer: what Python read from the inputs, handed to DuckDB as ``raw.*`` tables.

``raw.build`` (one row: the inputs' paths, sizes, hashes and record counts),
``raw.csv_problems`` (records the scanner found malformed), ``raw.csv_records`` (a view
over the good records, written to Parquet by Polars), ``raw.ocr_records`` and
``raw.ocr_file_problems``. Also the two steps that go back to the CSV's bytes: the raw
text of records the SQL rules reject, and the proof that the parser and the scanner
split the file the same way.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from tikdb import __version__
from tikdb.engine.models import PythonModel
from tikdb.engine.sqlfiles import read_sql, sql_string
from tikdb.errors import BuildError
from tikdb.sources.csv import CsvInput, write_records
from tikdb.sources.files import path_text
from tikdb.sources.ocr import OcrInput

# The raw tables loaded by Python; the SQL models read them.
RAW_INPUTS = (
    "raw.build",
    "raw.csv_records",
    "raw.csv_problems",
    "raw.ocr_records",
    "raw.ocr_file_problems",
)


def load_raw(
    con: duckdb.DuckDBPyConnection,
    csv: CsvInput,
    ocr: OcrInput,
    run_id: str,
    started: datetime,
    warnings: list[str],
    records_file: Path,
) -> None:
    """Create the raw tables; the CSV's good records go to ``records_file`` first."""
    # raw.build takes its columns and types from import_log's definition (sql/schema/).
    con.execute(read_sql("schema", "import_log.sql"))
    con.execute(read_sql("schema", "build.sql"))
    build_row = pa.Table.from_pylist(
        [
            {
                "run_id": run_id,
                "started_at": started,
                "finished_at": started,
                "tikdb_version": __version__,
                "csv_path": path_text(csv.path),
                "csv_bytes": csv.scan.size,
                "csv_sha256": csv.scan.sha256,
                "csv_records": csv.scan.records,
                "csv_blank_lines": csv.scan.blank_lines,
                "csv_ignored_columns": list(csv.ignored_columns),
                "ocr_path": path_text(ocr.root) if ocr.found else None,
                "ocr_found": ocr.found,
                "ocr_files": len(ocr.files),
                "ocr_bytes": sum(f.size for f in ocr.files),
                "ocr_sha256": _combined_sha256(ocr),
                "ocr_records": ocr.record_count,
                "ocr_inputs": [
                    {
                        "path": path_text(f.path),
                        "bytes": f.size,
                        "sha256": f.sha256,
                        "records": f.records,
                    }
                    for f in ocr.files
                ],
                "warnings": list(warnings),
            }
        ]
    )
    _insert_from_arrow(con, "memory.raw.build", build_row)
    problems = pa.table(
        {
            "line": pa.array([p.line for p in csv.scan.problems], pa.int64()),
            "last_line": pa.array([p.last_line for p in csv.scan.problems], pa.int64()),
            "reason": pa.array([p.reason for p in csv.scan.problems], pa.string()),
            "message": pa.array([p.message for p in csv.scan.problems], pa.string()),
            "raw_text": pa.array(
                [p.raw.decode("utf-8", errors="replace") for p in csv.scan.problems], pa.string()
            ),
        }
    )
    tables = {
        "raw.csv_problems": problems,
        "raw.ocr_records": ocr.records_table(),
        "raw.ocr_file_problems": ocr.file_problems_table(),
    }
    for name, table in tables.items():
        create_from_arrow(con, f"memory.{name}", table)
    # The records stay on disk, in a Parquet file DuckDB scans on all cores when the
    # models read them; only the typed, narrower tables are held in memory.
    records = write_records(csv, records_file)
    con.execute(
        "CREATE VIEW memory.raw.csv_records AS "
        f"SELECT * FROM read_parquet({sql_string(str(records))})"
    )


def create_from_arrow(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """``CREATE TABLE name`` with the Arrow table's rows and types."""
    _from_arrow(con, f"CREATE TABLE {name} AS SELECT * FROM {{view}}", table)


def _insert_from_arrow(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """Insert the Arrow table's rows into an existing table, by column name (cast to the
    table's types)."""
    _from_arrow(con, f"INSERT INTO {name} BY NAME SELECT * FROM {{view}}", table)


def _from_arrow(con: duckdb.DuckDBPyConnection, statement: str, table: pa.Table) -> None:
    view = "_tikdb_arrow_input"
    con.register(view, table)
    try:
        con.execute(statement.format(view=view))
    finally:
        con.unregister(view)


def _combined_sha256(ocr: OcrInput) -> str | None:
    """One digest over the OCR files (path and content hash of each, in order)."""
    if not ocr.files:
        return None
    digest = hashlib.sha256()
    for f in ocr.files:
        digest.update(f"{path_text(f.path.relative_to(ocr.root))}\0{f.sha256}\n".encode())
    return digest.hexdigest()


def reject_text_model(csv: CsvInput) -> PythonModel:
    """The Python step that reads back the raw text of CSV records rejected in SQL."""
    return PythonModel(
        "raw.csv_reject_text",
        frozenset({"staging.csv_posts", "staging.post_rows"}),
        lambda con: _load_reject_text(con, csv),
    )


def _load_reject_text(con: duckdb.DuckDBPyConnection, csv: CsvInput) -> None:
    rows = con.execute(
        "SELECT record_no FROM staging.csv_posts WHERE reject_reason IS NOT NULL "
        "UNION ALL SELECT record_no FROM staging.post_rows WHERE NOT is_kept ORDER BY 1"
    ).fetchall()
    record_nos = [r[0] for r in rows]
    texts = []
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
    create_from_arrow(con, "memory.raw.csv_reject_text", table)


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
        "FROM staging.csv_posts)"
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
