"""The floor: the least work any CSV → DuckDB + Parquet warehouse build must do.

    python benchmarks/floor.py CSV OUT_DIR [--threads N] [--memory-limit 12GB]

A pinned-dialect DuckDB ``read_csv`` of the master CSV (every column VARCHAR);
``posts`` typed with TRY_CAST (no cleaning, no rejects, no checks, no OCR); ``slides``
exploded from the ``|`` list with generate_subscripts/unnest; both tables written to
``OUT_DIR/floor.duckdb`` (in the v1.2 storage format tikdb publishes) and to zstd
Parquet at the level tikdb writes (1). ``bench.py`` times ``tikdb build`` against this,
so the ratio says what tikdb's own work (scanning, cleaning, rejects, OCR, checks,
atomic publish) costs.

The CSV is a view, so it is scanned twice (posts: every column but ``slides``; slides:
``post_url`` and ``slides``): DuckDB pushes the projection into the scan, and on 1M posts
this was as fast as materializing one raw table and needed half the peak memory.

Deliberately imports nothing but DuckDB (and tikdb.contract, which imports nothing
heavy), and uses tikdb's default threads and memory limit (all cores, half the RAM)
unless told otherwise.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import duckdb

from tikdb.contract import COLUMNS  # imports nothing heavy

METRICS = ("views", "likes", "comments", "shares", "engagement")


def default_memory_limit() -> str:
    """Half the machine's RAM: the floor runs with DuckDB's memory unconstrained, so it
    is never slowed by the tighter, input-scaled limit tikdb uses by default."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return f"{max(1, total // 2 // 2**30)}GB"


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def build_floor(csv: Path, out_dir: Path, threads: int, memory_limit: str) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "parquet").mkdir(exist_ok=True)
    con = duckdb.connect(
        config={
            "threads": threads,
            "memory_limit": memory_limit,
            "temp_directory": str(out_dir / "tmp"),
            "preserve_insertion_order": False,
        }
    )
    columns = "{" + ", ".join(f"{quote(c)}: 'VARCHAR'" for c in COLUMNS) + "}"
    con.execute(
        f"""
        CREATE VIEW raw AS
        SELECT * FROM read_csv({quote(str(csv))}, columns = {columns},
            delim = ',', quote = '"', escape = '"', header = true,
            auto_detect = false, strict_mode = false)
        """
    )
    metrics = ", ".join(f"TRY_CAST({m} AS BIGINT) AS {m}" for m in METRICS)
    con.execute(f"ATTACH {quote(str(out_dir / 'floor.duckdb'))} AS w (STORAGE_VERSION 'v1.2.0')")
    con.execute(
        f"""
        CREATE TABLE w.posts AS
        SELECT
            TRY_CAST(regexp_extract(post_url, '/video/(\\d+)', 1) AS BIGINT) AS post_id,
            post_url, account, va,
            TRY_CAST(created_date || ' ' || created_time AS TIMESTAMP) AS created_at,
            {metrics},
            TRY_CAST(engagement_rate AS DOUBLE) AS engagement_rate,
            hashtags, sound, source
        FROM raw
        """
    )
    con.execute(
        """
        CREATE TABLE w.slides AS
        SELECT post_id, generate_subscripts(parts, 1) AS slide_index, unnest(parts) AS slide_url
        FROM (
            SELECT TRY_CAST(regexp_extract(post_url, '/video/(\\d+)', 1) AS BIGINT) AS post_id,
                string_split(slides, '|') AS parts
            FROM raw
        )
        """
    )
    for table in ("posts", "slides"):
        target = quote(str(out_dir / "parquet" / f"{table}.parquet"))
        con.execute(
            f"COPY w.{table} TO {target} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)"
        )
    con.execute("CHECKPOINT w")
    con.execute("DETACH w")
    con.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--memory-limit", default=default_memory_limit())
    args = parser.parse_args(argv)
    build_floor(args.csv, args.out_dir, args.threads, args.memory_limit)


if __name__ == "__main__":
    main()
