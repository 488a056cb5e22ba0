"""The DuckDB connection a build runs on: memory, threads, spill folder, storage format."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from tikdb.engine.sqlfiles import read_sql, sql_string

# DuckDB file format readable by DuckDB 1.2 and newer (the duckdb-cli 1.5 shell included);
# DuckDB 2.0's default format is refused by every 1.x reader.
STORAGE_VERSION = "v1.2.0"
# Below this much CSV (~170k posts) independent models run two at a time.
PARALLEL_MODELS_BELOW = 128 * 2**20
# Where each schema's tables are created: intermediates in memory, published in the file.
CATALOGS = {"raw": "memory", "staging": "memory", "main": "wh"}


def default_memory_limit(input_bytes: int = 0) -> str:
    """DuckDB's memory limit: about the size of the input, at least 1 GiB and at most
    2 GiB or a quarter of the machine. Past it, DuckDB spills to the staging area, so
    a build never takes most of the machine and peak memory stays flat as data grows
    (see benchmarks/results-10m.md for the peak at 10M posts)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        total = 8 * 2**30
    ceiling = max(2**30, min(2 * 2**30, total // 4))
    limit = min(max(input_bytes, 2**30), ceiling)
    return f"{limit // 2**20}MB"


def jobs_at_once(threads: int, input_bytes: int = 0) -> int:
    """Statements run at once on separate cursors: two, unless one thread was asked for.

    Pass ``input_bytes`` for the models: they run two at once only on small inputs,
    where DuckDB runs each statement on one thread (a table under ~120k rows is one row
    group). Big inputs already use every thread per statement, and two models at once
    would only add memory pressure.
    """
    if threads < 2 or input_bytes >= PARALLEL_MODELS_BELOW:
        return 1
    return 2


def connect_for_build(
    staged_db: Path, spill_dir: Path, memory_limit: str, threads: int
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB (schemas raw and staging) with the staged warehouse file
    attached as ``wh`` in the portable storage format."""
    con = duckdb.connect(
        config={
            "memory_limit": memory_limit,
            "threads": threads,
            "temp_directory": str(spill_dir),
            "preserve_insertion_order": True,
            # Big tables are written to the file as they are built; small ones wait in
            # the WAL for the final checkpoint, which runs beside the Parquet writes
            # instead of stalling a model (45k posts: ~0.2 s faster).
            "checkpoint_threshold": "1GB",
        }
    )
    try:
        con.execute(
            f"ATTACH {sql_string(str(staged_db))} AS wh (STORAGE_VERSION '{STORAGE_VERSION}')"
        )
        con.execute("CREATE SCHEMA memory.raw; CREATE SCHEMA memory.staging;")
        prepare_cursor(con)
    except BaseException:
        con.close()
        raise
    return con


def prepare_cursor(con: duckdb.DuckDBPyConnection) -> None:
    """Name resolution and the helper macros the models need (both per connection)."""
    con.execute("USE wh")
    con.execute("SET search_path = 'wh.main,memory.staging,memory.raw'")
    con.execute(read_sql("macros.sql"))


def connect_for_parse(
    spill_dir: Path, memory_limit: str, threads: int
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the schemas raw and parse, for parsing one snapshot."""
    con = duckdb.connect(
        config={
            "memory_limit": memory_limit,
            "threads": threads,
            "temp_directory": str(spill_dir),
            "preserve_insertion_order": True,
        }
    )
    try:
        con.execute("CREATE SCHEMA raw; CREATE SCHEMA parse;")
        con.execute(read_sql("macros.sql"))
    except BaseException:
        con.close()
        raise
    return con
