"""Values become text here, never markup: query results as a terminal table, TSV, CSV,
JSON or Markdown, and the one function that makes untrusted text safe for a terminal.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from tikdb.outputs.warehouse import QueryResult
from tikdb.terminal import safe_text


def text_value(value: Any, null: str = "NULL") -> str:
    """A value as DuckDB's shell shows it (lists as [a, b], structs as {'k': v})."""
    if value is None:
        return null
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return "".join(chr(b) if 32 <= b < 127 and b != 92 else f"\\x{b:02X}" for b in bytes(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(text_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"'{k}': {text_value(v)}" for k, v in value.items()) + "}"
    return str(value)


# The integers a JavaScript (IEEE double) JSON reader keeps exactly: |n| <= 2^53 - 1.
# Beyond it 7502407048114605354 reads back as 7502407048114605000, so such integers
# (the 19-digit post ids) are written as strings.
MAX_SAFE_JSON_INTEGER = 2**53 - 1


def _json_int(value: int) -> int | str:
    return value if abs(value) <= MAX_SAFE_JSON_INTEGER else str(value)


def json_value(value: Any) -> Any:
    """A value as JSON: integers beyond 2^53 - 1 as strings, timestamps in ISO 8601,
    NaN and infinities as null."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return _json_int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return _json_int(int(value))
        return float(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return text_value(value)


def render_csv(result: QueryResult) -> str:
    """RFC 4180 CSV with a header; NULL is an empty field; text is written as it is."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow([text_value(v, null="") for v in row])
    return out.getvalue()


def render_json(result: QueryResult) -> str:
    """A JSON array with one object per row; timestamps in ISO 8601; integers beyond
    2^53 - 1 (the 19-digit post ids) as strings, so JavaScript keeps every digit."""
    records = [
        {name: json_value(v) for name, v in zip(result.columns, row, strict=True)}
        for row in result.rows
    ]
    return json.dumps(records, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def render_markdown(result: QueryResult) -> str:
    """A GitHub-flavoured Markdown table; numeric columns are right-aligned."""

    def cell(text: str) -> str:
        return safe_text(text).replace("|", "\\|")

    lines = [
        "| " + " | ".join(cell(c) for c in result.columns) + " |",
        "|"
        + "|".join("---:" if result.is_numeric(i) else "---" for i in range(len(result.columns)))
        + "|",
    ]
    for row in result.rows:
        lines.append("| " + " | ".join(cell(text_value(v)) for v in row) + " |")
    return "\n".join(lines) + "\n"


def render_tsv(result: QueryResult) -> str:
    """Tab-separated lines with a header, for `--format table` when not on a terminal."""
    lines = ["\t".join(safe_text(c) for c in result.columns)]
    lines.extend("\t".join(safe_text(text_value(v)) for v in row) for row in result.rows)
    return "\n".join(lines) + "\n"


def rich_table(result: QueryResult):
    """A rich Table whose every cell is a plain Text: data is never read as markup."""
    from rich.table import Table
    from rich.text import Text

    table = Table(caption=Text(f"{len(result.rows):,} rows"), caption_justify="right")
    for i, name in enumerate(result.columns):
        table.add_column(Text(safe_text(name)), justify="right" if result.is_numeric(i) else "left")
    for row in result.rows:
        table.add_row(*(Text(safe_text(text_value(v))) for v in row))
    return table
