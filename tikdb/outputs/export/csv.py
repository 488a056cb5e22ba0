"""CSV files, one per sheet, written for Excel: UTF-8 with a byte-order mark (without it
Excel reads UTF-8 as the local code page), CRLF line ends, RFC 4180 quoting.

Text that Excel would run as a formula (starting with = + - @, a tab or a carriage
return) gets a leading apostrophe; see ``cells.csv_text``. For exact text, export
Parquet or use ``tikdb sql --format csv``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pyarrow as pa

from tikdb.outputs.export.cells import csv_text
from tikdb.outputs.export.tables import Scope, Window, write_sheet_files

BATCH_ROWS = 10_000


def write_csv_files(
    con: duckdb.DuckDBPyConnection, scope: Scope, window: Window, folder: Path
) -> list[tuple[Path, int]]:
    """Write ``folder/<sheet>.csv`` for every sheet; the files and their data rows."""
    return write_sheet_files(con, scope, window, folder, ".csv", BATCH_ROWS, write_csv)


def write_csv(reader: pa.RecordBatchReader, path: Path) -> int:
    """Write the header and the reader's rows to the CSV file at path; the data rows."""
    rows = 0
    # utf-8-sig writes the byte-order mark first.
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(reader.schema.names)
        for batch in reader:
            columns = [c.to_pylist() for c in batch.columns]
            rows_of_batch = zip(*columns, strict=True)
            writer.writerows([csv_text(v) for v in row] for row in rows_of_batch)
            rows += batch.num_rows
    return rows
