"""The report reads query results by column name: a column and a field that do not match
stop it with a message naming both, instead of showing one number under another's header."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pytest

from tikdb.outputs.report.rows import fetch


@dataclass(frozen=True, slots=True)
class Pair:
    views: int
    account: str


@pytest.fixture
def con():
    con = duckdb.connect()
    yield con
    con.close()


def test_columns_land_in_the_field_of_the_same_name_whatever_their_order(con):
    rows = fetch(con, "SELECT 'kent01' AS account, 42 AS views UNION ALL SELECT 'a', 7", Pair)
    assert rows == [Pair(views=42, account="kent01"), Pair(views=7, account="a")]


def test_named_parameters_reach_the_query(con):
    rows = fetch(con, "SELECT $n * 2 AS views, $who AS account", Pair, {"n": 21, "who": "x"})
    assert rows == [Pair(views=42, account="x")]


def test_a_column_without_a_field_and_a_field_without_a_column_are_both_named(con):
    with pytest.raises(TypeError) as caught:
        fetch(con, "SELECT 42 AS total_views, 'x' AS account", Pair, source="sql/report/x.sql")
    assert str(caught.value) == (
        "sql/report/x.sql: its columns do not match the fields of Pair "
        "(no column for: views; no field for: total_views). "
        "Name each column after a field (… AS field)."
    )


def test_a_missing_column_alone_is_named(con):
    with pytest.raises(TypeError) as caught:
        fetch(con, "SELECT 42 AS views", Pair, source="q.sql")
    assert str(caught.value) == (
        "q.sql: its columns do not match the fields of Pair "
        "(no column for: account; no field for: -). Name each column after a field (… AS field)."
    )


def test_an_extra_column_alone_is_named(con):
    # The same values in a different order would not be caught by a positional check either.
    with pytest.raises(TypeError) as caught:
        fetch(con, "SELECT 42 AS views, 'x' AS account, 1 AS likes", Pair, source="q.sql")
    assert str(caught.value) == (
        "q.sql: its columns do not match the fields of Pair "
        "(no column for: -; no field for: likes). Name each column after a field (… AS field)."
    )


def test_a_column_name_used_twice_is_refused(con):
    # An unnamed expression gets a generated name; two columns may end up with the same one.
    with pytest.raises(TypeError) as caught:
        fetch(con, "SELECT 1 AS views, 'x' AS account, 2 AS views", Pair, source="q.sql")
    assert str(caught.value) == (
        "q.sql: returns the column(s) views more than once; give each column of Pair its own name."
    )


def test_the_check_runs_even_when_the_query_returns_no_rows(con):
    with pytest.raises(TypeError, match="no column for: account"):
        fetch(con, "SELECT 1 AS views WHERE false", Pair)


def test_a_row_type_must_be_a_dataclass(con):
    with pytest.raises(TypeError) as caught:
        fetch(con, "SELECT 1 AS views", tuple)
    assert str(caught.value) == "tuple is not a dataclass; rows are read by field name."
