"""Excel workbooks: one sheet per export sheet, header frozen, formats set, ids as text.

Written with xlsxwriter in constant-memory mode (each row is flushed once written), so a
million-post workbook needs no more memory than one batch of rows. A sheet holds at most
1,048,576 rows (header included): a longer one continues on ``Posts (2)``, ``Posts
(3)``, … with the same header, so nothing is left out.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from tikdb.outputs.export.cells import MAX_EXACT_NUMBER, cut_text, is_id_column
from tikdb.outputs.export.tables import SHEETS, Scope, Window, sheet_reader
from tikdb.outputs.render import text_value

EXCEL_MAX_ROWS = 1_048_576  # per sheet, the header row included
EXCEL_MAX_CELL = 32_767  # UTF-16 units per cell
BATCH_ROWS = 10_000
_MIN_WIDTH, _MAX_WIDTH = 8, 50


@dataclass
class WrittenSheet:
    title: str
    rows: int  # data rows, without the header


@dataclass
class Workbook:
    path: Path
    sheets: list[WrittenSheet] = field(default_factory=list)
    cut_cells: int = 0  # texts longer than a cell holds, cut with a marker


def write_workbook(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    window: Window,
    path: Path,
    run_id: str | None,
    max_rows: int = EXCEL_MAX_ROWS,
) -> Workbook:
    """Write the workbook of one scope to ``path`` (through a temporary file beside it,
    renamed into place once complete)."""
    if max_rows < 2:
        raise ValueError("a sheet needs room for its header and one row")
    partial = path.with_name(path.name + ".partial")
    book = xlsxwriter.Workbook(
        str(partial),
        {
            "constant_memory": True,
            # Data is never interpreted: text stays text, whatever it looks like.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    book.set_properties(
        {
            "title": f"tikdb export: {scope.label}",
            "subject": window.describe(),
            "comments": f"build {run_id}" if run_id else "",
        }
    )
    formats = _Formats(book)
    result = Workbook(path)
    try:
        for sheet in SHEETS:
            with sheet_reader(con, sheet, scope, window, BATCH_ROWS) as reader:
                _write_sheet(book, formats, sheet.title, reader, max_rows, result)
        book.close()
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return result


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.header = book.add_format({"bold": True, "bottom": 1})
        self.integer = book.add_format({"num_format": "#,##0"})
        self.decimal = book.add_format({"num_format": "#,##0.00"})
        self.timestamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.day = book.add_format({"num_format": "yyyy-mm-dd"})


def _write_sheet(
    book: xlsxwriter.Workbook,
    formats: _Formats,
    title: str,
    reader: pa.RecordBatchReader,
    max_rows: int,
    result: Workbook,
) -> None:
    schema = reader.schema
    writers = [_cell_writer(f, formats, result) for f in schema]
    part, row, sheet = 1, 0, None
    widths = [len(name) for name in schema.names]

    def new_part() -> Any:
        name = title if part == 1 else f"{title} ({part})"
        ws = book.add_worksheet(name)
        ws.freeze_panes(1, 0)
        for col, column in enumerate(schema.names):
            ws.write_string(0, col, column, formats.header)
        for col, f in enumerate(schema):
            if is_id_column(f.name) and pa.types.is_integer(f.type):
                letter = xl_col_to_name(col)
                ws.ignore_errors({"number_stored_as_text": f"{letter}:{letter}"})
        result.sheets.append(WrittenSheet(name, 0))
        return ws

    def finish(ws: Any, rows: int) -> None:
        for col, width in enumerate(widths):
            ws.set_column(col, col, min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH))
        ws.autofilter(0, 0, max(rows, 1), len(widths) - 1)

    sheet = new_part()
    sized = False
    for batch in reader:
        columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        if not sized:  # the first rows size the columns; later ones rarely differ much
            for col, values in enumerate(columns):
                widths[col] = max([widths[col], *(_shown_width(v) for v in values[:1000])])
            sized = True
        for i in range(batch.num_rows):
            if row == max_rows - 1:
                finish(sheet, row)
                part, row = part + 1, 0
                sheet = new_part()
            row += 1
            for col, write in enumerate(writers):
                value = columns[col][i]
                if value is not None:
                    write(sheet, row, col, value)
            result.sheets[-1].rows = row
    finish(sheet, row)


def _shown_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    if isinstance(value, int | float):
        return len(f"{value:,.2f}")
    return len(text_value(value))


Writer = Callable[[Any, int, int, Any], None]


def _cell_writer(f: pa.Field, formats: _Formats, result: Workbook) -> Writer:
    """The function that writes one non-null value of column ``f`` into a cell."""
    t = f.type

    def as_text(ws: Any, row: int, col: int, value: Any) -> None:
        text = value if isinstance(value, str) else text_value(value)
        cut = cut_text(text, EXCEL_MAX_CELL)
        if cut is not None:
            result.cut_cells += 1
            text = cut
        ws.write_string(row, col, text)

    if pa.types.is_integer(t) and is_id_column(f.name):
        return as_text
    if pa.types.is_integer(t):

        def integer(ws: Any, row: int, col: int, value: int) -> None:
            if abs(value) <= MAX_EXACT_NUMBER:
                ws.write_number(row, col, value, formats.integer)
            else:
                as_text(ws, row, col, str(value))

        return integer
    if pa.types.is_floating(t):

        def decimal(ws: Any, row: int, col: int, value: float) -> None:
            if math.isfinite(value):
                ws.write_number(row, col, value, formats.decimal)
            else:
                as_text(ws, row, col, str(value))

        return decimal
    if pa.types.is_boolean(t):
        return lambda ws, row, col, value: ws.write_boolean(row, col, value)
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        fmt = formats.timestamp if pa.types.is_timestamp(t) else formats.day

        def moment(ws: Any, row: int, col: int, value: date) -> None:
            if value.year >= 1900:  # Excel's calendar starts in 1900
                ws.write_datetime(row, col, value, fmt)
            else:
                as_text(ws, row, col, str(value))

        return moment
    return as_text
