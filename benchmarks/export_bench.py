"""Time ``tikdb export`` (Iceberg, Parquet, CSV, Excel) on generated warehouses.

    uv run python benchmarks/export_bench.py [--sizes 45077,1000000] [--runs 3] [--file-runs 1]

For each size: generate a dataset (cached under ``benchmarks/.data/<posts>-<seed>/``,
as ``bench.py`` does), build it once, then time whole ``tikdb export`` processes after
one warm-up: ``--runs`` times an Iceberg export into a new SQLite catalog (it creates
every table) and the next export into the same catalog (an overwrite snapshot of every
table); ``--file-runs`` times the Parquet, CSV and Excel exports. Only the section
between the markers in ``benchmarks/results.md`` is replaced (the rest of that file is
``bench.py``'s: run this after it).

Peak memory is each child's own ``ru_maxrss`` from ``os.wait4``; this process loads no
engine, so the parent's RSS does not leak into the children's numbers.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench import splice

BENCH_DIR = Path(__file__).resolve().parent
TIKDB = Path(sys.executable).parent / "tikdb"


# Children cache compiled bytecode, as an installed tikdb does: without it every process
# would compile pyiceberg, SQLAlchemy and pydantic again (seconds of each export).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(cmd: Sequence[str | Path]) -> tuple[float, float]:
    """Run cmd to completion: wall seconds and its own peak RSS in MiB."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(map(str, cmd)), stdout=subprocess.DEVNULL, stderr=err, env=CHILD_ENV
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            sys.exit(f"{' '.join(map(str, cmd))} failed:\n{err.read().decode(errors='replace')}")
    return seconds, usage.ru_maxrss / 1024


def dataset(posts: int, seed: int, data_dir: Path) -> Path:
    root = data_dir / f"{posts}-{seed}"
    if not root.exists():
        partial = data_dir / f"{posts}-{seed}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        run([TIKDB, "generate", partial, "--posts", str(posts), "--seed", str(seed)])
        partial.rename(root)
    return root


def measure(
    posts: int, seed: int, runs: int, file_runs: int, data_dir: Path, work: Path
) -> list[tuple]:
    data = dataset(posts, seed, data_dir)
    wh = work / f"wh-{posts}"
    shutil.rmtree(wh, ignore_errors=True)
    build = [TIKDB, "build", "--csv", data / "MASTER_TIKTOK_DATABASE.csv"]
    run([*build, "--ocr", data / "october_ocr_data", "--out", wh])
    db = wh / "tikdb.duckdb"
    timings: dict[str, list[tuple[float, float]]] = {}

    def time_it(step: str, cmd: list) -> None:
        measured = run(cmd)
        if i >= 0:
            timings.setdefault(step, []).append(measured)

    for i in range(-1, runs):  # run -1 is a warm-up: not timed
        lake = work / f"lake-{posts}-{i}"
        shutil.rmtree(lake, ignore_errors=True)
        iceberg = [TIKDB, "export", "--format", "iceberg", "--db", db]
        iceberg += ["--catalog", f"sqlite:///{lake / 'catalog.db'}", "--location", lake]
        time_it("iceberg, new catalog (creates the tables)", iceberg)
        time_it("iceberg, next export (overwrite snapshots)", iceberg)
        shutil.rmtree(lake)
        if i < 0 or i >= file_runs:
            continue
        for fmt in ("parquet", "csv", "xlsx"):
            out = work / f"{fmt}-{posts}"
            shutil.rmtree(out, ignore_errors=True)
            time_it(fmt, [TIKDB, "export", "--format", fmt, "--out", out, "--db", db])
            shutil.rmtree(out)
    return [
        (
            step,
            statistics.median(s for s, _ in t),
            min(s for s, _ in t),
            max(s for s, _ in t),
            max(m for _, m in t),
        )
        for step, t in timings.items()
    ]


def section(results: dict[int, list[tuple]], runs: int, file_runs: int, started: datetime) -> str:
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        "## Exports (`tikdb export`)",
        "",
        f"Written by `benchmarks/export_bench.py` (started {started:%Y-%m-%d %H:%M} UTC, "
        f"{platform.python_version()}, {os.cpu_count()} cores, load average at the end {load}).",
        f"Median of {runs} runs (Iceberg) and {file_runs} (files) of whole `tikdb export` "
        "processes after one warm-up, on a warehouse built from `tikdb generate DIR "
        "--posts N --seed 1`; Iceberg into a SQLite catalog in a local folder. The machine "
        "is shared: compare rows of one table, not absolute seconds.",
        "",
    ]
    for posts, rows in results.items():
        lines += [
            f"### {posts:,} posts",
            "",
            "| export | median s | min–max s | peak MB |",
            "| --- | ---: | ---: | ---: |",
        ]
        lines += [f"| {s} | {m:.2f} | {lo:.2f}–{hi:.2f} | {mb:,.0f} |" for s, m, lo, hi, mb in rows]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="45077,1000000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="Iceberg runs [3].")
    parser.add_argument("--file-runs", type=int, default=1, help="xlsx/csv/parquet runs [1].")
    parser.add_argument("--data-dir", type=Path, default=BENCH_DIR / ".data")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results.md")
    args = parser.parse_args()
    started = datetime.now(UTC)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tikdb-export-bench-") as work:
        results = {
            int(n): measure(int(n), args.seed, args.runs, args.file_runs, args.data_dir, Path(work))
            for n in args.sizes.split(",")
        }
    new = section(results, args.runs, args.file_runs, started)
    splice(args.out, "export-bench", new)
    print(new)


if __name__ == "__main__":
    main()
