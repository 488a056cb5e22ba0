"""Read-only access to a published warehouse: the one place that opens it for reading.

The commands that read (``sql``, ``check``, ``report``, ``shell``) and the report share
this, so a missing or locked warehouse gets the same words and exit code everywhere.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tikdb.engine.checks import CheckReport, CheckSettings, load_rules, run_rules
from tikdb.errors import InputError, QueryError, TikdbError, one_line

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
    """Open the warehouse read-only; an InputError (exit 2) when it cannot be opened."""
    db = require_warehouse(db)
    try:
        return duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        raise InputError(f"{db}: cannot be opened read-only: {one_line(exc)}") from exc


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


def check_published(
    db: Path, select: str | None = None, settings: CheckSettings | None = None
) -> CheckReport:
    """Run the check rules against a published warehouse, opened read-only."""
    rules = load_rules(select)
    con = connect_read_only(db)
    try:
        return run_rules(con, rules, settings)
    finally:
        con.close()
