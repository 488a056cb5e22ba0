"""Parquet files, one per sheet, typed as the warehouse's own Parquet files are
(TIMESTAMP in microseconds, DATE, BIGINT, DOUBLE; zstd), with the text exactly as stored."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from tikdb.outputs.export.tables import SHEETS, Scope, Window, sheet_reader

BATCH_ROWS = 100_000


def write_parquet_files(
    con: duckdb.DuckDBPyConnection, scope: Scope, window: Window, folder: Path
) -> list[tuple[Path, int]]:
    """Write ``folder/<sheet>.parquet`` for every sheet; the files and their rows."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for sheet in SHEETS:
        path = folder / f"{sheet.name}.parquet"
        partial = path.with_name(path.name + ".partial")
        rows = 0
        try:
            with sheet_reader(con, sheet, scope, window, BATCH_ROWS) as reader:
                writer = pq.ParquetWriter(
                    partial, reader.schema, compression="zstd", compression_level=1
                )
                with writer:
                    for batch in reader:
                        writer.write_batch(batch)
                        rows += batch.num_rows
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        written.append((path, rows))
    return written
