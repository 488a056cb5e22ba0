"""CSV files, one per sheet, written for Excel: UTF-8 with a byte-order mark (without it
Excel reads UTF-8 as the local code page), CRLF line ends, RFC 4180 quoting.

Text that Excel would run as a formula (starting with = + - @, a tab or a carriage
return) gets a leading apostrophe; see ``cells.csv_text``. For exact text, export
Parquet or use ``tikdb sql --format csv``.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import duckdb

from tikdb.outputs.export.cells import csv_text
from tikdb.outputs.export.tables import SHEETS, Scope, Window, sheet_reader

BATCH_ROWS = 10_000


def write_csv_files(
    con: duckdb.DuckDBPyConnection, scope: Scope, window: Window, folder: Path
) -> list[tuple[Path, int]]:
    """Write ``folder/<sheet>.csv`` for every sheet; the files and their data rows."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for sheet in SHEETS:
        path = folder / f"{sheet.name}.csv"
        partial = path.with_name(path.name + ".partial")
        rows = 0
        try:
            # utf-8-sig writes the byte-order mark first.
            with (
                partial.open("w", encoding="utf-8-sig", newline="") as out,
                sheet_reader(con, sheet, scope, window, BATCH_ROWS) as reader,
            ):
                writer = csv.writer(out, lineterminator="\r\n")
                writer.writerow(reader.schema.names)
                for batch in reader:
                    columns = [c.to_pylist() for c in batch.columns]
                    rows_of_batch = zip(*columns, strict=True)
                    writer.writerows([csv_text(v) for v in row] for row in rows_of_batch)
                    rows += batch.num_rows
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        written.append((path, rows))
    return written
