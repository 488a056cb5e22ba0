"""DuckDB query profiles of a build's SQL steps: written on request, read back in short.

``tikdb build --profile DIR`` saves DuckDB's JSON profile of every SQL model, check rule
and Parquet file write as ``DIR/<step>.json`` (operator tree with per-operator time and rows,
bytes spilled to disk, peak buffer memory). ``read_profile`` reduces one to what explains
a slow step: the operators that took the time.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tikdb.engine.sqlfiles import sql_string

if TYPE_CHECKING:  # the benchmark reads profiles without loading DuckDB (see bench.py)
    import duckdb

# The operator details worth a glance, in the order they are looked for.
_DETAIL_KEYS = (
    "Table",
    "Function",
    "Join Type",
    "Conditions",
    "Groups",
    "Aggregates",
    "Partitions",
    "Orders",
    "Expression",
    "Projections",
)
_DETAIL_CHARS = 70
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def profile_path(profile_dir: Path, step: str) -> Path:
    """``<dir>/<step>.json``, the step's name made safe for a file name."""
    return profile_dir / f"{_UNSAFE.sub('_', step).strip('_')}.json"


@contextlib.contextmanager
def profiled(con: duckdb.DuckDBPyConnection, profile_dir: Path | None, step: str) -> Iterator[None]:
    """Write the JSON profile of the statements run inside the block to the step's file
    in ``profile_dir`` (each one replaces the last); do nothing when ``profile_dir`` is
    None. Profiling is a setting of the connection (each cursor has its own), switched
    off again afterwards."""
    if profile_dir is None:
        yield
        return
    con.execute("PRAGMA enable_profiling = 'json'")
    con.execute(f"SET profiling_output = {sql_string(str(profile_path(profile_dir, step)))}")
    try:
        yield
    except BaseException:
        # The block's own error is the one to report, even if the connection is gone.
        with contextlib.suppress(Exception):
            con.execute("PRAGMA disable_profiling")
        raise
    con.execute("PRAGMA disable_profiling")


@dataclass(frozen=True)
class OperatorTime:
    name: str  # DuckDB's operator name, e.g. HASH_GROUP_BY
    seconds: float  # summed over the threads that ran it
    rows: int  # rows it produced
    share: float  # of all operators' seconds in the query
    detail: str  # a short extract of what it did (table, join condition, groups...)


@dataclass(frozen=True)
class Profile:
    sql: str
    seconds: float  # the query's wall time as DuckDB measured it
    cpu_seconds: float
    spilled_bytes: int
    peak_buffer_bytes: int
    operators: list[OperatorTime]  # every operator, slowest first


def read_profile(path: Path) -> Profile:
    """The summary of one JSON profile written by ``profiled``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    nodes = list(_walk(data.get("operator", [])))
    total = sum(float(node.get("timing", 0.0)) for node in nodes) or 1.0
    operators = sorted(
        (
            OperatorTime(
                name=str(node.get("name", "?")),
                seconds=float(node.get("timing", 0.0)),
                rows=int(node.get("intermediate_rows", 0)),
                share=float(node.get("timing", 0.0)) / total,
                detail=_detail(node.get("extra_info") or {}),
            )
            for node in nodes
        ),
        key=lambda op: -op.seconds,
    )
    query, system = data.get("query", {}), data.get("system", {})
    return Profile(
        sql=str(query.get("sql", "")),
        seconds=float(query.get("total_time", 0.0)),
        cpu_seconds=float(query.get("cpu_time", 0.0)),
        spilled_bytes=int(system.get("total_bytes_spilled", 0)),
        peak_buffer_bytes=int(system.get("peak_buffer_memory", 0)),
        operators=operators,
    )


def _walk(nodes: list[dict]) -> Iterator[dict]:
    for node in nodes:
        yield node
        yield from _walk(node.get("children", []))


def _detail(extra: dict) -> str:
    for key in _DETAIL_KEYS:
        value = extra.get(key)
        if value:
            text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            text = " ".join(text.split())
            if len(text) > _DETAIL_CHARS:
                text = text[: _DETAIL_CHARS - 1] + "…"
            return f"{key}: {text}"
    return ""
