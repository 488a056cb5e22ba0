"""The build's own history: this build's ``import_log`` row, and the build and check
history carried over from the warehouse being replaced."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from tikdb.contract import HISTORY_TABLES
from tikdb.engine.sqlfiles import read_sql, sql_string
from tikdb.errors import BuildError, InputError, one_line
from tikdb.sources.files import file_kind


def write_import_log(con: duckdb.DuckDBPyConnection, live_db: Path, warnings: list[str]) -> None:
    """Carry the previous history into the staged file, then add this build's row."""
    for table in HISTORY_TABLES:
        con.execute(read_sql("schema", f"{table}.sql"))
    warning = _copy_history(con, live_db)
    if warning:
        warnings.append(warning)
    finished = datetime.now(UTC).replace(tzinfo=None)
    con.execute("UPDATE memory.raw.build SET finished_at = ?, warnings = ?", [finished, warnings])
    con.execute(read_sql("schema", "import_log_row.sql"))


def _copy_history(con: duckdb.DuckDBPyConnection, live_db: Path) -> str | None:
    """Carry the build and check history of the warehouse being replaced into the new one.

    Returns a warning when the previous warehouse exists but cannot be read.
    """
    if not live_db.exists():
        return None
    mode = live_db.stat().st_mode
    if not stat.S_ISREG(mode):
        # DuckDB would wait forever to open a FIFO.
        raise InputError(
            f"{live_db}: is {file_kind(mode)}, not a tikdb warehouse. Move it away or pass "
            "another --out DIR."
        )
    try:
        con.execute(f"ATTACH {sql_string(str(live_db))} AS previous (READ_ONLY)")
    except duckdb.Error as exc:
        message = one_line(exc)
        if "lock" in message.lower():
            raise BuildError(
                f"{live_db}: is open for writing by another process; close it (or open it "
                "with -readonly) and build again."
            ) from exc
        return (
            f"{live_db}: the previous warehouse cannot be read ({message}); "
            "its build history is not carried over"
        )
    try:
        present = {
            row[0]
            for row in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'previous' "
                "AND schema_name = 'main'"
            ).fetchall()
        }
        for table in HISTORY_TABLES:
            if table in present:
                con.execute(f"INSERT INTO main.{table} BY NAME SELECT * FROM previous.main.{table}")
    finally:
        con.execute("DETACH previous")
    return None
