"""The model runner: dependency order, running independent models at once, failures."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pytest
from conftest import make_row, query, write_csv

from tikdb.engine import connection
from tikdb.engine.models import Model, PythonModel, execution_order, run_models
from tikdb.engine.steps import Steps
from tikdb.errors import BuildError
from tikdb.pipeline.build import BuildOptions, build


def _model(name: str, sql: str, *deps: str) -> Model:
    return Model(name, Path(f"sql/{name}.sql"), sql, frozenset(deps))


def _chain_and_branch() -> list[Model | PythonModel]:
    return [
        _model("main.a", "SELECT 1 AS x"),
        _model("main.b", "SELECT x + 1 AS x FROM main.a", "main.a"),
        _model("main.c", "SELECT x * 10 AS x FROM main.a", "main.a"),
        _model("main.d", "SELECT b.x + c.x AS x FROM main.b, main.c", "main.b", "main.c"),
    ]


@pytest.mark.parametrize("workers", [1, 2])
def test_models_run_after_what_they_read(workers):
    con = duckdb.connect()
    seen: list[str] = []
    steps = Steps(lambda name, _seconds: seen.append(name))  # told as each model ends
    run_models(con, execution_order(_chain_and_branch(), []), workers=workers, steps=steps)
    assert con.execute("SELECT x FROM main.d").fetchall() == [(12,)]
    assert seen.index("main.a") < seen.index("main.b") < seen.index("main.d")
    assert seen.index("main.c") < seen.index("main.d")


def test_independent_models_run_at_the_same_time_on_their_own_cursors():
    con = duckdb.connect()
    both_started = threading.Barrier(2, timeout=10)
    connections = []

    def meet(table: str):
        def run(cursor):
            connections.append(cursor)
            both_started.wait()  # times out (BrokenBarrierError) unless both run at once
            cursor.execute(f"CREATE TABLE main.{table} AS SELECT 1 AS x")

        return run

    models = [
        PythonModel("main.left", frozenset(), meet("left")),
        PythonModel("main.right", frozenset(), meet("right")),
    ]
    prepared = []
    run_models(con, models, workers=2, prepare_cursor=prepared.append)
    assert len(connections) == 2 and connections[0] is not connections[1]
    assert all(c is not con for c in connections)
    assert {id(c) for c in prepared} == {id(c) for c in connections}
    assert con.execute("SELECT count(*) FROM main.left, main.right").fetchall() == [(1,)]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_model_names_its_file_and_stops_the_run(workers):
    con = duckdb.connect()
    models = [
        _model("main.a", "SELECT 1 AS x"),
        _model("main.bad", "SELECT no_such_column FROM main.a", "main.a"),
        _model("main.after", "SELECT * FROM main.bad", "main.bad"),
    ]
    with pytest.raises(BuildError, match=r"sql/main\.bad\.sql: .*no_such_column"):
        run_models(con, execution_order(models, []), workers=workers)
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "after" not in tables


def test_a_build_publishes_the_same_tables_however_many_statements_run_at_once(
    tmp_path, monkeypatch
):
    rows = [make_row(n) for n in range(1, 40)]
    rows[5]["post_url"] = rows[4]["post_url"]  # a duplicate
    rows[7]["views"] = "lots"  # a reject
    rows[9]["slides"] = rows[9]["slides"] + "| not a url |"  # a slide reject
    csv_path = write_csv(tmp_path / "master.csv", rows)
    tables = ("posts", "slides", "vas", "accounts", "rejects", "va_performance", "slide_reuse")
    results = {}
    for label, below, threads in (
        ("sequential", 0, 2),
        ("parallel", 2**40, 2),
        ("one thread", 2**40, 1),
    ):
        monkeypatch.setattr(connection, "PARALLEL_MODELS_BELOW", below)
        options = BuildOptions(csv_path, None, tmp_path / label, threads=threads)
        out = build(options).db_path
        # Without the times each build observed the posts at.
        results[label] = {
            t: query(out, f"SELECT * EXCLUDE (first_seen_at, last_seen_at) FROM {t} ORDER BY ALL")
            if t == "posts"
            else query(out, f"SELECT * FROM {t} ORDER BY ALL")
            for t in tables
        }
    assert results["sequential"] == results["parallel"] == results["one thread"]
    assert results["parallel"]["rejects"]  # the fixture did exercise the reject paths


def test_one_thread_means_one_statement_at_a_time():
    from tikdb.engine.connection import PARALLEL_MODELS_BELOW
    from tikdb.engine.connection import jobs_at_once as _jobs_at_once

    assert _jobs_at_once(1) == 1
    assert _jobs_at_once(1, input_bytes=1000) == 1
    assert _jobs_at_once(2) == 2
    assert _jobs_at_once(8, input_bytes=1000) == 2
    assert _jobs_at_once(8, input_bytes=PARALLEL_MODELS_BELOW) == 1
