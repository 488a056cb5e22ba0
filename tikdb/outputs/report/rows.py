"""Query results as named rows: each column lands in the field of the same name.

A report section reads its rows by field name (``row.total_views``), never by position,
so the SQL's column order and the Python code cannot drift apart silently: a column
without a field, or a field without a column, stops the report with a message that
names both sides.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

import duckdb

Row = TypeVar("Row")


def fetch(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    row_type: type[Row],
    params: Mapping[str, Any] | None = None,
    *,
    source: str = "the query",
) -> list[Row]:
    """The rows of sql (run with its named ``$parameters``) as row_type instances.

    row_type is a dataclass whose fields are the query's column names, in any order.
    A mismatch is a bug in tikdb (the SQL file and its row type disagree), so it raises
    TypeError, naming source, the row type and the names on each side.
    """
    cursor = con.execute(sql, dict(params or {}))
    columns = [d[0] for d in cursor.description or []]
    check_columns(columns, row_type, source)
    return [row_type(**dict(zip(columns, values, strict=True))) for values in cursor.fetchall()]


def check_columns(columns: list[str], row_type: type, source: str) -> None:
    """Raise TypeError unless columns name each field of the dataclass row_type once."""
    if not dataclasses.is_dataclass(row_type):
        raise TypeError(f"{row_type.__name__} is not a dataclass; rows are read by field name.")
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        raise TypeError(
            f"{source}: returns the column(s) {', '.join(twice)} more than once; "
            f"give each column of {row_type.__name__} its own name."
        )
    fields = [f.name for f in dataclasses.fields(row_type)]
    missing = [f for f in fields if f not in columns]
    extra = [c for c in columns if c not in fields]
    if missing or extra:
        raise TypeError(
            f"{source}: its columns do not match the fields of {row_type.__name__} "
            f"(no column for: {', '.join(missing) or '-'}; no field for: "
            f"{', '.join(extra) or '-'}). Name each column after a field (… AS field)."
        )
