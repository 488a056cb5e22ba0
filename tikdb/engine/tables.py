"""Arrow tables into DuckDB tables, without their data ever passing through SQL text."""

from __future__ import annotations

import duckdb
import pyarrow as pa


def create_from_arrow(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """``CREATE TABLE name`` with the Arrow table's rows and types."""
    _from_arrow(con, f"CREATE TABLE {name} AS SELECT * FROM {{view}}", table)


def insert_from_arrow(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """Insert the Arrow table's rows into an existing table, by column name (cast to the
    table's types)."""
    _from_arrow(con, f"INSERT INTO {name} BY NAME SELECT * FROM {{view}}", table)


def _from_arrow(con: duckdb.DuckDBPyConnection, statement: str, table: pa.Table) -> None:
    view = "_tikdb_arrow_input"
    con.register(view, table)
    try:
        con.execute(statement.format(view=view))
    finally:
        con.unregister(view)
