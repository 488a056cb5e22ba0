"""Parquet files, one per sheet, typed as the warehouse's own Parquet files are
(TIMESTAMP in microseconds, DATE, BIGINT, DOUBLE; zstd), with the text exactly as stored."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from tikdb.outputs.export.tables import Scope, Window, write_sheet_files

BATCH_ROWS = 100_000


def write_parquet_files(
    con: duckdb.DuckDBPyConnection, scope: Scope, window: Window, folder: Path
) -> list[tuple[Path, int]]:
    """Write ``folder/<sheet>.parquet`` for every sheet; the files and their rows."""
    return write_sheet_files(con, scope, window, folder, ".parquet", BATCH_ROWS, write_parquet)


def write_parquet(reader: pa.RecordBatchReader, path: Path) -> int:
    """Write the reader's rows to the Parquet file at path; the rows."""
    rows = 0
    with pq.ParquetWriter(path, reader.schema, compression="zstd", compression_level=1) as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows
