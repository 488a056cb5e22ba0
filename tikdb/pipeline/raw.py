"""The raw layer: what Python read from the inputs, handed to DuckDB as ``raw.*`` tables.

``raw.build`` (one row: the inputs' paths, sizes, hashes and record counts),
``raw.snapshots`` (one row per snapshot, or the one --csv file),
``raw.snapshot_rows`` (a view over the parsed rows of every snapshot, see
tikdb.pipeline.parse), ``raw.csv_problems`` (records the scanner found malformed),
``raw.ocr_records`` and ``raw.ocr_file_problems``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from tikdb import __version__
from tikdb.engine.sqlfiles import read_sql, sql_string
from tikdb.engine.tables import create_from_arrow, insert_from_arrow
from tikdb.sources.files import path_text
from tikdb.sources.ocr import OcrInput

if TYPE_CHECKING:
    from tikdb.pipeline.cache import Parsed

# The raw tables loaded by Python; the SQL models read them.
RAW_INPUTS = (
    "raw.build",
    "raw.snapshots",
    "raw.snapshot_rows",
    "raw.csv_problems",
    "raw.ocr_records",
    "raw.ocr_file_problems",
)


@dataclass(frozen=True)
class SnapshotFile:
    """A master CSV to build from, and when that export was taken."""

    path: Path
    observed_at: datetime  # naive, UTC
    sha256: str | None = None  # what its sidecar says; None for a --csv file
    bytes: int | None = None


def load_raw(
    con: duckdb.DuckDBPyConnection,
    csv_input: Path,
    files: list[SnapshotFile],
    parsed: list[Parsed],
    ocr: OcrInput,
    run_id: str,
    started: datetime,
    warnings: list[str],
) -> None:
    """Create the raw tables. ``csv_input`` is the --csv file or the snapshots folder;
    ``parsed[i]`` is the parse of ``files[i]``."""
    # raw.build takes its columns and types from import_log's definition (sql/schema/).
    con.execute(read_sql("schema", "import_log.sql"))
    con.execute(read_sql("schema", "build.sql"))
    results = [p.result for p in parsed]
    ignored = list(dict.fromkeys(c for r in results for c in r.ignored_columns))
    build_row = pa.Table.from_pylist(
        [
            {
                "run_id": run_id,
                "started_at": started,
                "finished_at": started,
                "tikdb_version": __version__,
                "csv_path": path_text(csv_input),
                "csv_bytes": sum(r.bytes for r in results),
                "csv_sha256": _snapshots_sha256(files, parsed),
                "csv_records": sum(r.records for r in results),
                "csv_blank_lines": sum(r.blank_lines for r in results),
                "csv_ignored_columns": ignored,
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
    insert_from_arrow(con, "memory.raw.build", build_row)
    snapshots = pa.table(
        {
            "snapshot_no": pa.array(range(1, len(files) + 1), pa.int32()),
            "snapshot": pa.array([path_text(f.path.name) for f in files], pa.string()),
            "path": pa.array([path_text(f.path) for f in files], pa.string()),
            "observed_at": pa.array([f.observed_at for f in files], pa.timestamp("us")),
            "bytes": pa.array([r.bytes for r in results], pa.int64()),
            "sha256": pa.array([r.sha256 for r in results], pa.string()),
            "records": pa.array([r.records for r in results], pa.int64()),
            "blank_lines": pa.array([r.blank_lines for r in results], pa.int64()),
            "reused": pa.array([p.reused for p in parsed], pa.bool_()),
            "rows_file": pa.array([str(p.rows_file) for p in parsed], pa.string()),
            "problems_file": pa.array([str(p.problems_file) for p in parsed], pa.string()),
        }
    )
    create_from_arrow(con, "memory.raw.snapshots", snapshots)
    create_from_arrow(con, "memory.raw.ocr_records", ocr.records_table())
    create_from_arrow(con, "memory.raw.ocr_file_problems", ocr.file_problems_table())
    # The parsed rows stay on disk, in Parquet files DuckDB scans on all cores when the
    # models read them (the paths are tikdb's: the cache or the staging area).
    rows_files = ", ".join(sql_string(str(p.rows_file)) for p in parsed)
    con.execute(
        "CREATE VIEW memory.raw.snapshot_rows AS "
        "SELECT snapshots.snapshot_no, parsed.* EXCLUDE (filename) "
        f"FROM read_parquet([{rows_files}], filename = true) AS parsed "
        "JOIN memory.raw.snapshots AS snapshots ON parsed.filename = snapshots.rows_file"
    )
    problem_files = ", ".join(sql_string(str(p.problems_file)) for p in parsed)
    con.execute(
        "CREATE TABLE memory.raw.csv_problems AS "
        "SELECT snapshots.snapshot_no, problems.* EXCLUDE (filename) "
        f"FROM read_parquet([{problem_files}], filename = true) AS problems "
        "JOIN memory.raw.snapshots AS snapshots ON problems.filename = snapshots.problems_file"
    )


def _snapshots_sha256(files: list[SnapshotFile], parsed: list[Parsed]) -> str:
    """The --csv file's sha256; for snapshots one digest over their names and hashes."""
    if len(files) == 1:
        return parsed[0].result.sha256
    digest = hashlib.sha256()
    for f, p in zip(files, parsed, strict=True):
        digest.update(f"{f.path.name}\0{p.result.sha256}\n".encode())
    return digest.hexdigest()


def _combined_sha256(ocr: OcrInput) -> str | None:
    """One digest over the OCR files (path and content hash of each, in order)."""
    if not ocr.files:
        return None
    digest = hashlib.sha256()
    for f in ocr.files:
        digest.update(f"{path_text(f.path.relative_to(ocr.root))}\0{f.sha256}\n".encode())
    return digest.hexdigest()
