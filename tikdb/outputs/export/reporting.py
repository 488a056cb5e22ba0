"""The reporting export: the sheets of ``tables`` as an Excel workbook, CSV files or
Parquet files, for the whole agency or one set per VA."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import duckdb

from tikdb.errors import InputError, QueryError, one_line
from tikdb.outputs.export.tables import SHEETS, Window, latest_run_id, scopes
from tikdb.outputs.warehouse import connect_read_only, define_scope


class FileFormat(StrEnum):
    xlsx = "xlsx"
    csv = "csv"
    parquet = "parquet"


@dataclass
class WrittenFile:
    path: Path
    rows: list[tuple[str, int]]  # (sheet title or file's sheet name, data rows)


@dataclass
class ExportReport:
    files: list[WrittenFile] = field(default_factory=list)
    cut_cells: int = 0  # XLSX cells cut to Excel's 32,767 characters


def export_files(
    db: Path,
    file_format: FileFormat,
    out_dir: Path,
    per_va: bool = False,
    window: Window | None = None,
    max_sheet_rows: int | None = None,
) -> ExportReport:
    """Write the reporting export of the warehouse ``db`` into ``out_dir``.

    xlsx: ``tikdb.xlsx`` (per VA: ``va-<name>.xlsx``, ``no-va.xlsx``); csv and parquet:
    ``<sheet>.csv`` (per VA: in a folder ``va-<name>/``). Files of the same name are
    replaced, each only once it is completely written.
    """
    window = window or Window()
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: is a file; pass a folder to write the export into.")
    con = connect_read_only(db)
    report = ExportReport()
    try:
        run_id = latest_run_id(con)
        try:
            define_scope(con)
        except duckdb.Error as exc:
            raise QueryError(
                f"{db}: {one_line(exc)} It is not a complete tikdb warehouse; rebuild it "
                "with `tikdb build`, or pass --db PATH of one."
            ) from exc
        out_dir.mkdir(parents=True, exist_ok=True)
        for scope in scopes(con, per_va, window):
            if file_format is FileFormat.xlsx:
                from tikdb.outputs.export.xlsx import EXCEL_MAX_ROWS, write_workbook

                book = write_workbook(
                    con,
                    scope,
                    window,
                    out_dir / f"{scope.stem}.xlsx",
                    run_id,
                    max_sheet_rows or EXCEL_MAX_ROWS,
                )
                sheets = [(s.title, s.rows) for s in book.sheets]
                report.files.append(WrittenFile(book.path, sheets))
                report.cut_cells += book.cut_cells
                continue
            folder = out_dir / scope.stem if per_va else out_dir
            if file_format is FileFormat.csv:
                from tikdb.outputs.export.csv import write_csv_files as write
            else:
                from tikdb.outputs.export.parquet import write_parquet_files as write
            written = write(con, scope, window, folder)
            for (path, rows), sheet in zip(written, SHEETS, strict=True):
                report.files.append(WrittenFile(path, [(sheet.name, rows)]))
    finally:
        con.close()
    return report
