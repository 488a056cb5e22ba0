"""SQL models: discover the .sql files, order them by their references, and run them.

A model is one SELECT in ``sql/<schema>/<table>.sql``; the runner wraps it in
``CREATE TABLE <schema>.<table> AS``. Files in ``sql/views/`` become views in ``main``
(the analytics views), created after the tables they read; a header line
``-- materialized: view`` or ``-- materialized: table`` overrides the default.
Dependencies are read from the SQL itself: any ``raw.x``, ``parse.x``, ``staging.x`` or
``main.x`` it mentions. ``raw`` tables are inputs loaded by
Python; a few steps that need Python (reading bytes back from the CSV) are registered
as Python models with their dependencies, and run at their place in the order.
``sql/parse/`` holds the models run once per snapshot file (tikdb.pipeline.parse), not
by the build's own run.
"""

from __future__ import annotations

import graphlib
import re
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tikdb.engine.profiling import profiled
from tikdb.engine.sqlfiles import sql_dir
from tikdb.engine.steps import UNTIMED, Steps
from tikdb.errors import BuildError, one_line

SCHEMAS = ("staging", "main")
VIEW_FOLDER = "views"  # sql/views/<name>.sql -> CREATE VIEW main.<name>
PARSE_FOLDER = "parse"  # sql/parse/<name>.sql -> parse.<name>, run once per snapshot
BUILD_FOLDERS = (*SCHEMAS, VIEW_FOLDER)
_REFERENCE = re.compile(r"\b(raw|parse|staging|main)\.([a-z_][a-z0-9_]*)\b", re.IGNORECASE)
_LINE_COMMENT = re.compile(r"--[^\n]*")
_STRING = re.compile(r"'(?:[^']|'')*'")
# A header line "-- materialized: view" or "-- materialized: table" overrides the default
# (tables for staging/ and main/, views for views/).
_MATERIALIZED = re.compile(r"^--\s*materialized:\s*(view|table)\b", re.MULTILINE)


@dataclass(frozen=True)
class Model:
    name: str  # schema.table
    path: Path
    sql: str
    deps: frozenset[str]
    is_view: bool = False

    @property
    def is_published_view(self) -> bool:
        """An analytics view (sql/views/), published in the file and as Parquet."""
        return self.path.parent.name == VIEW_FOLDER


@dataclass(frozen=True)
class PythonModel:
    name: str
    deps: frozenset[str]
    run: Callable[[duckdb.DuckDBPyConnection], None]


def references(sql: str) -> set[str]:
    """The schema-qualified tables a SQL text mentions, outside comments and strings."""
    code = _STRING.sub("''", _LINE_COMMENT.sub("", sql))
    return {f"{schema.lower()}.{table.lower()}" for schema, table in _REFERENCE.findall(code)}


def load_models(root: Path | None = None, folders: tuple[str, ...] = BUILD_FOLDERS) -> list[Model]:
    """The models of ``folders`` (by default the build's: staging, main, views)."""
    root = root or sql_dir()
    models = []
    for folder in folders:
        is_view = folder == VIEW_FOLDER
        schema = "main" if is_view else folder
        for path in sorted((root / folder).glob("*.sql")):
            sql = path.read_text(encoding="utf-8")
            name = f"{schema}.{path.stem}"
            deps = frozenset(references(sql) - {name})
            declared = _MATERIALIZED.search(sql)
            as_view = declared.group(1) == "view" if declared else is_view
            models.append(Model(name, path, sql, deps, as_view))
    return models


def execution_order(
    models: Iterable[Model | PythonModel], inputs: Iterable[str]
) -> list[Model | PythonModel]:
    """Models in dependency order (ties broken by name, so the order is deterministic)."""
    by_name = {m.name: m for m in models}
    known = set(by_name) | set(inputs)
    for model in by_name.values():
        unknown = sorted(model.deps - known)
        if unknown:
            where = getattr(model, "path", model.name)
            raise BuildError(
                f"{where}: refers to {', '.join(unknown)}, which no model or input defines."
            )
    sorter = graphlib.TopologicalSorter({m.name: m.deps & set(by_name) for m in by_name.values()})
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        raise BuildError(f"SQL models form a cycle: {' -> '.join(exc.args[1])}.") from exc
    order = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order.extend(by_name[name] for name in ready)
        sorter.done(*ready)
    return order


def run_models(
    con: duckdb.DuckDBPyConnection,
    ordered: list[Model | PythonModel],
    catalogs: dict[str, str] | None = None,
    workers: int = 1,
    prepare_cursor: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
    steps: Steps = UNTIMED,
    profile_dir: Path | None = None,
) -> None:
    """Create each model after the models it reads; ``catalogs`` maps a schema to the
    database it lives in.

    With ``workers`` > 1, models whose inputs are ready run at the same time, each on
    its own cursor (a connection of its own, made ready by ``prepare_cursor``: temporary
    macros and settings are per connection). The first failure stops the run. Each
    model is a step of ``steps``. With ``profile_dir``, each SQL table model's DuckDB
    profile goes to ``<profile_dir>/<schema>.<table>.json``.
    """

    def run_one(con: duckdb.DuckDBPyConnection, model: Model | PythonModel) -> None:
        _run_model(con, model, steps, catalogs, profile_dir)

    if workers <= 1:
        for model in ordered:
            run_one(con, model)
        return

    by_name = {m.name: m for m in ordered}
    sorter = graphlib.TopologicalSorter({m.name: m.deps & set(by_name) for m in ordered})
    sorter.prepare()
    local = threading.local()
    cursors: list[duckdb.DuckDBPyConnection] = []
    lock = threading.Lock()

    def run(name: str) -> str:
        cursor = getattr(local, "cursor", None)
        if cursor is None:
            cursor = local.cursor = con.cursor()
            with lock:
                cursors.append(cursor)
            if prepare_cursor:
                prepare_cursor(cursor)
        run_one(cursor, by_name[name])
        return name

    try:
        with ThreadPoolExecutor(workers) as pool:
            running: set[Future[str]] = set()
            while sorter.is_active():
                # Sorted, so the order of submission is stable.
                running |= {pool.submit(run, name) for name in sorted(sorter.get_ready())}
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    sorter.done(future.result())
    finally:
        for cursor in cursors:
            cursor.close()


def _run_model(
    con: duckdb.DuckDBPyConnection,
    model: Model | PythonModel,
    steps: Steps,
    catalogs: dict[str, str] | None,
    profile_dir: Path | None,
) -> None:
    # Views and Python steps run no query worth a profile.
    worth_profiling = isinstance(model, Model) and not model.is_view
    with steps(model.name), profiled(con, profile_dir if worth_profiling else None, model.name):
        _create(con, model, catalogs)


def _create(
    con: duckdb.DuckDBPyConnection, model: Model | PythonModel, catalogs: dict[str, str] | None
) -> None:
    if isinstance(model, PythonModel):
        model.run(con)
        return
    kind = "VIEW" if model.is_view else "TABLE"
    schema = model.name.split(".", 1)[0]
    target = f"{catalogs[schema]}.{model.name}" if catalogs else model.name
    try:
        con.execute(f"CREATE OR REPLACE {kind} {target} AS\n{model.sql}")
    except duckdb.Error as exc:
        raise BuildError(f"{model.path}: {one_line(exc)}") from exc
