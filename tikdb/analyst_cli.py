"""The analyst's commands: ``tikdb shell``, ``tikdb sql`` and ``tikdb report``.

The library functions here (``run_query``, the ``render_*`` functions, ``shell_command``)
never print; the Typer commands registered by ``register`` render their results. Every
command opens the published warehouse read-only, so it can run while another process
reads it, and can never change it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import sys
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer

from tikdb.errors import InputError, TikdbError

DEFAULT_DB = Path("data/warehouse/tikdb.duckdb")
_NUMERIC_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "FLOAT",
    "DOUBLE",
}


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


class QueryError(TikdbError):
    """DuckDB refused or failed the user's SQL (exit code 1)."""

    exit_code = 1


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    types: list[str]  # DuckDB type names, e.g. "BIGINT", "VARCHAR[]"
    rows: list[tuple]

    def is_numeric(self, index: int) -> bool:
        name = self.types[index]
        return name in _NUMERIC_TYPES or name.startswith("DECIMAL")


def require_warehouse(db: Path) -> Path:
    """The warehouse file, or an InputError saying how to get one."""
    db = Path(db)
    if db.is_dir():
        raise InputError(
            f"{db}: is a directory; pass the database file, e.g. --db {db / 'tikdb.duckdb'}."
        )
    if not db.exists():
        raise InputError(
            f"{db}: no warehouse here. Build it with `tikdb build`, or pass --db PATH."
        )
    return db


def connect_read_only(db: Path) -> duckdb.DuckDBPyConnection:
    db = require_warehouse(db)
    try:
        return duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        raise InputError(f"{db}: cannot be opened: {one_line(exc)}") from exc


def one_line(exc: BaseException) -> str:
    """DuckDB's message on one line: its lines joined, without the 'LINE n:' pointer."""
    kept = []
    for line in str(exc).strip().splitlines():
        if line.startswith("LINE "):
            break  # the statement excerpt and the ^^^ marker below it
        if line.strip():
            kept.append(line.strip())
    return " ".join(kept) or type(exc).__name__


def run_query(db: Path, sql: str) -> QueryResult:
    """Run one SQL statement on the warehouse, read-only, and return its result."""
    con = connect_read_only(db)
    try:
        try:
            statements = con.extract_statements(sql)
        except duckdb.Error as exc:
            raise QueryError(one_line(exc)) from exc
        if len(statements) != 1:
            raise InputError(
                f"pass exactly one SQL statement (got {len(statements)}); "
                "use `tikdb shell` for a session."
            )
        try:
            cursor = con.execute(sql)
            description = cursor.description or []
            rows = cursor.fetchall() if description else []
        except duckdb.Error as exc:
            raise QueryError(one_line(exc)) from exc
        return QueryResult([d[0] for d in description], [str(d[1]) for d in description], rows)
    finally:
        con.close()


def duckdb_executable() -> str:
    """The DuckDB shell installed with tikdb (beside this Python), else the one on PATH."""
    beside = Path(sys.executable).parent / "duckdb"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("duckdb")
    if found:
        return found
    raise TikdbError(
        "the DuckDB shell (duckdb) is not installed beside tikdb nor on PATH. "
        "Reinstall tikdb (uv sync installs duckdb-cli) or install the DuckDB CLI."
    )


def shell_command(db: Path) -> list[str]:
    """The argv that opens the warehouse read-only in the DuckDB shell."""
    db = require_warehouse(db)
    return [duckdb_executable(), "-readonly", str(db)]


# ---- rendering: values become text here, never markup ----


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


def safe_text(text: str) -> str:
    """Text for a terminal or a Markdown cell: control characters shown as escapes.

    Data can hold newlines, tabs and ANSI escape sequences; printed raw they would break
    the layout or drive the terminal.
    """
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif code < 32 or 127 <= code < 160 or code in (0x2028, 0x2029):
            out.append(f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
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
    """A JSON array with one object per row; timestamps in ISO 8601."""
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


# ---- the commands ----


def register(app: typer.Typer) -> None:
    """Add the analyst's commands to the tikdb app."""
    app.command("shell")(shell)
    app.command("sql")(sql)
    app.command("report")(report)


def shell(
    db: Annotated[Path, typer.Option(readable=False, help="The warehouse database.")] = DEFAULT_DB,
) -> None:
    """Open the warehouse read-only in the DuckDB shell (tables and analytics views).

    Example: tikdb shell, then: SELECT * FROM va_performance;
    """
    from tikdb.cli import _call

    argv = _call(lambda: shell_command(db))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)


def sql(
    query: Annotated[str, typer.Argument(metavar="SQL", help="One SQL statement.")],
    db: Annotated[Path, typer.Option(readable=False, help="The warehouse database.")] = DEFAULT_DB,
    output: Annotated[
        Format,
        typer.Option(
            "--format",
            help="table (a table on a terminal, tab-separated otherwise), csv, json or markdown.",
        ),
    ] = Format.table,
) -> None:
    """Run one SQL statement on the warehouse, read-only, and print the result.

    Example: tikdb sql "SELECT va_id, total_views FROM va_performance" --format csv
    """
    from tikdb.cli import _call, stdout

    result = _call(lambda: run_query(db, query))
    if output is Format.table and stdout.is_terminal:
        stdout.print(rich_table(result))
        return
    render = {
        Format.table: render_tsv,
        Format.csv: render_csv,
        Format.json: render_json,
        Format.markdown: render_markdown,
    }[output]
    typer.echo(render(result), nl=False)


def report(
    db: Annotated[Path, typer.Option(readable=False, help="The warehouse database.")] = DEFAULT_DB,
    out: Annotated[
        Path | None,
        typer.Option(help="The HTML file to write [default: report.html beside the database]."),
    ] = None,
) -> None:
    """Write a self-contained HTML report (charts, leaderboard, checks, build history).

    Example: tikdb report --out /tmp/report.html
    """
    from tikdb.cli import _call
    from tikdb.report import write_report

    target = out or Path(db).parent / "report.html"
    written = _call(lambda: write_report(db, target))
    typer.echo(f"wrote {written}")
