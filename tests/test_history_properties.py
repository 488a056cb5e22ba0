"""A build from the parse cache is identical to one that parses everything again.

Hypothesis makes up a sequence of changes to a folder of snapshots: a snapshot added
(with posts appearing, growing, missing, duplicated or broken), one changed (the file
and its sidecar replaced by new content) or one removed. After each change the folder is
built twice: into a warehouse whose cache lives across the whole sequence, and with
--no-cache into another. Every published table must hold the same rows in both
(EXCEPT ALL, both ways), apart from what describes the run itself: import_log and
check_results, and snapshots.reused.
"""

from __future__ import annotations

import hashlib
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
from conftest import VIEWS, make_row, write_csv
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tikdb.contract import PUBLISHED_TABLES
from tikdb.pipeline.build import BuildOptions, build
from tikdb.pipeline.guards import PublishGuards
from tikdb.pipeline.raw import SnapshotFile

FIRST = datetime(2025, 10, 1, 6, 0)
POSTS = range(1, 9)
RUN_ONLY = {"import_log", "check_results"}

# What one post looks like in one export.
ROW = st.sampled_from(["missing", "plain", "plain", "plain", "duplicate", "bad_metric"])
CONTENT = st.tuples(st.lists(ROW, min_size=len(POSTS), max_size=len(POSTS)), st.booleans())
STEP = st.one_of(
    st.tuples(st.just("add"), CONTENT),
    st.tuples(st.just("change"), st.integers(0, 10), CONTENT),
    st.tuples(st.just("remove"), st.integers(0, 10)),
)


def export_rows(content, growth: int) -> tuple[list[dict], str]:
    kinds, broken = content
    if all(kind == "missing" for kind in kinds):
        kinds = ["plain", *kinds[1:]]  # an export with no records is an input error
    rows = []
    for n, kind in zip(POSTS, kinds, strict=True):
        if kind == "missing":
            continue
        views = 1000 + 10 * n + growth
        row = make_row(
            n,
            views=str(views),
            engagement_rate=str(round(100 * (50 + n % 7 + 5 + n % 2) / views, 2)),
        )
        if kind == "duplicate":
            rows.append(make_row(n, views="7"))
        if kind == "bad_metric":
            row["likes"] = "many"
        rows.append(row)
    return rows, '2025-10-01,09:00:00,"never closed\r\n' if broken else ""


def write_snapshot(folder: Path, index: int, content, version: int) -> SnapshotFile:
    observed = FIRST + timedelta(days=index)
    path = folder / f"day{index:02d}.csv"
    rows, tail = export_rows(content, growth=100 * index + version)
    write_csv(path, rows)
    if tail:
        with path.open("a", encoding="utf-8", newline="") as f:
            f.write(tail)
    data = path.read_bytes()
    return SnapshotFile(path, observed, hashlib.sha256(data).hexdigest(), len(data))


def differences(a: Path, b: Path) -> dict[str, tuple[int, int]]:
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{a}' AS a (READ_ONLY); ATTACH '{b}' AS b (READ_ONLY)")
        found = {}
        for table in PUBLISHED_TABLES + VIEWS:
            if table in RUN_ONLY:
                continue
            columns = "* EXCLUDE (reused)" if table == "snapshots" else "*"
            one = f"SELECT {columns} FROM a.main.{table}"
            two = f"SELECT {columns} FROM b.main.{table}"
            only_a = con.execute(f"SELECT count(*) FROM ({one} EXCEPT ALL {two})").fetchone()[0]
            only_b = con.execute(f"SELECT count(*) FROM ({two} EXCEPT ALL {one})").fetchone()[0]
            if only_a or only_b:
                found[table] = (only_a, only_b)
        return found
    finally:
        con.close()


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(steps=st.lists(STEP, min_size=2, max_size=4))
@example(
    steps=[
        ("add", (["plain"] * 8, False)),
        ("add", (["duplicate", "missing", "bad_metric", *["plain"] * 5], True)),
        ("change", 0, (["missing", *["plain"] * 7], False)),
        ("remove", 1),
    ]
)
def test_a_build_from_the_cache_equals_a_build_without_it(steps):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "snapshots"
        snapshots: dict[int, SnapshotFile] = {}
        next_index = 0
        previous: set[tuple[Path, str]] = set()
        for number, step in enumerate(steps):
            if step[0] == "add":
                snapshots[next_index] = write_snapshot(folder, next_index, step[1], number)
                next_index += 1
            elif snapshots and step[0] == "change":
                index = sorted(snapshots)[step[1] % len(snapshots)]
                snapshots[index] = write_snapshot(folder, index, step[2], number)
            elif snapshots and step[0] == "remove":
                index = sorted(snapshots)[step[1] % len(snapshots)]
                snapshots.pop(index).path.unlink()
            if not snapshots:
                continue
            files = tuple(snapshots[i] for i in sorted(snapshots))
            built = {}
            for label, use_cache in (("cached", True), ("parsed", False)):
                options = BuildOptions(
                    None,
                    None,
                    root / label,
                    threads=2,
                    snapshots=files,
                    snapshots_dir=folder,
                    use_cache=use_cache,
                    # Any sequence is built, however many rejects or lost posts it has.
                    guards=PublishGuards(refuse_reject_rate=1, allow_shrink=True),
                )
                result = build(options)
                built[label] = result.db_path.resolve()
                if use_cache:
                    # Reused exactly when the same file was in the last build, unchanged.
                    expected = [(f.path, f.sha256) in previous for f in files]
                    assert [p.reused for p in result.parsed] == expected, step
            previous = {(f.path, f.sha256) for f in files}
            assert differences(built["cached"], built["parsed"]) == {}, step
