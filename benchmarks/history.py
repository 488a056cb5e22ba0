"""Benchmark builds from snapshot history: cold, and with one snapshot added to a warm cache.

    uv run python benchmarks/history.py [--posts 45077] [--snapshots 30] [--runs 3]
                                        [--big-posts 1000000] [--big-snapshots 10] [--no-big]
                                        [--out benchmarks/results.md]

Generates ``--snapshots`` + 1 daily exports of ``--posts`` posts with
``tikdb generate --snapshots`` (cached under ``benchmarks/.data/``), then times whole
``tikdb build`` processes:

- **single**: ``--csv`` of the newest export (one snapshot, no cache), the yardstick;
- **cold**: ``--snapshots`` of the first K exports into an empty warehouse (every export
  parsed, the cache filled);
- **warm add**: the (K+1)-th export added to those K, built on the warm cache (one export
  parsed, K reused). Before each timed run an untimed build of the K exports puts the
  cache back to K entries.

Then the same cold build for ``--big-snapshots`` exports of ``--big-posts`` posts, once.
Peak memory is each child's own ``ru_maxrss`` (see bench.py). The results are the
"history-bench" section of ``--out`` (the rest of the file is kept).
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    BENCH_DIR,
    ROOT,
    TIKDB,
    Run,
    _table,
    git_state,
    log,
    machine,
    run_child,
    run_phases,
    section_body,
    splice,
    versions,
)

SECTION_NAME = "history-bench"  # its section of results.md

TARGET_COLD = 30.0  # cold build of 30 exports <= 30 x a single-export build
TARGET_WARM = 2.0  # adding a 31st export with the cache warm <= 2 x a single-export build
TARGET_PEAK_MB = 1536.0  # peak memory < 1.5 GB


def ensure_history(posts: int, exports: int, seed: int, data_dir: Path) -> Path:
    """The generated exports (cached), as a folder holding snapshots/ and the OCR."""
    root = data_dir / f"history-{posts}-{exports}-{seed}"
    if (root / "snapshots").is_dir():
        return root
    partial = root.with_name(root.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    log(f"generating {exports} exports of {posts:,} posts into {root}")
    run_child(
        [TIKDB, "generate", partial, "--posts", posts, "--seed", seed, "--snapshots", exports]
    )
    partial.rename(root)
    return root


def exports_of(root: Path) -> list[Path]:
    return sorted((root / "snapshots").glob("MASTER_*.csv"))


def link_exports(exports: list[Path], folder: Path) -> None:
    """Make ``folder`` hold exactly these exports (hard links, with their sidecars)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for export in exports:
        for path in (export, export.with_suffix(".json")):
            os.link(path, folder / path.name)


def build_cmd(snapshots: Path | None, csv: Path | None, ocr: Path, out: Path) -> list:
    source = ["--snapshots", snapshots] if snapshots else ["--csv", csv]
    return [TIKDB, "build", *source, "--ocr", ocr, "--out", out]


def median(runs: list[Run]) -> float:
    return statistics.median(r.seconds for r in runs)


def peak_mb(runs: list[Run]) -> float:
    return max(r.peak_kb for r in runs) / 1024


def bench_history(args: argparse.Namespace) -> dict:
    root = ensure_history(args.posts, args.snapshots + 1, args.seed, args.data_dir)
    exports, ocr = exports_of(root), root / "october_ocr_data"
    work = args.data_dir / f"work-history-{args.posts}"
    shutil.rmtree(work, ignore_errors=True)
    folder, wh = work / "snapshots", work / "warehouse"

    log("single-export builds")
    single = []
    for _ in range(args.runs):
        shutil.rmtree(work / "single", ignore_errors=True)
        single.append(run_child(build_cmd(None, exports[-1], ocr, work / "single")))

    log(f"cold builds of {args.snapshots} exports")
    link_exports(exports[:-1], folder)
    cold = []
    for _ in range(args.runs):
        shutil.rmtree(wh, ignore_errors=True)
        cold.append(run_child(build_cmd(folder, None, ocr, wh)))

    log("warm builds adding one export")
    warm = []
    for _ in range(args.runs):
        link_exports(exports[:-1], folder)
        run_child(build_cmd(folder, None, ocr, wh))  # the cache holds the K exports again
        link_exports(exports, folder)
        warm.append(run_child(build_cmd(folder, None, ocr, wh)))

    log("one more of each with --verbose, for the phases")
    link_exports(exports[:-1], folder)
    shutil.rmtree(wh, ignore_errors=True)
    _, cold_phases, cold_steps = run_phases([*build_cmd(folder, None, ocr, wh), "--verbose"])
    link_exports(exports, folder)
    _, warm_phases, warm_steps = run_phases([*build_cmd(folder, None, ocr, wh), "--verbose"])
    cache_bytes = sum(p.stat().st_size for p in (wh / ".tikdb-cache").rglob("*") if p.is_file())
    return {
        "root": root,
        "exports": exports,
        "single": single,
        "cold": cold,
        "warm": warm,
        "cold_phases": cold_phases,
        "warm_phases": warm_phases,
        "warm_steps": warm_steps,
        "cold_steps": cold_steps,
        "cache_bytes": cache_bytes,
        "csv_bytes": sum(p.stat().st_size for p in exports[:-1]),
    }


def bench_big(args: argparse.Namespace) -> dict:
    root = ensure_history(args.big_posts, args.big_snapshots, args.seed, args.data_dir)
    exports, ocr = exports_of(root), root / "october_ocr_data"
    work = args.data_dir / f"work-history-{args.big_posts}"
    shutil.rmtree(work, ignore_errors=True)
    log(f"one cold build of {len(exports)} exports of {args.big_posts:,} posts")
    run, phases, _ = run_phases([*build_cmd(root / "snapshots", None, ocr, work), "--verbose"])
    log("one build of the same with the cache warm")
    again = run_child(build_cmd(root / "snapshots", None, ocr, work))
    single = run_child(build_cmd(None, exports[-1], ocr, work / "single"))
    return {
        "exports": exports,
        "cold": run,
        "warm": again,
        "single": single,
        "phases": phases,
        "csv_bytes": sum(p.stat().st_size for p in exports),
    }


def _status(ok: bool) -> str:
    return "met" if ok else "**not met**"


def render(h: dict, big: dict | None, args: argparse.Namespace, started: datetime) -> str:
    single, cold, warm = median(h["single"]), median(h["cold"]), median(h["warm"])
    k = args.snapshots
    lines = [
        "## Builds from snapshot history (issue 12)",
        "",
        f"Measured {started:%Y-%m-%d %H:%M} UTC by `uv run python benchmarks/history.py` "
        f"({git_state()}); medians of {args.runs} runs. Machine: "
        + ", ".join(f"{key} {value}" for key, value in machine().items())
        + "; "
        + ", ".join(f"{key} {value}" for key, value in versions().items())
        + ".",
        "",
        f"Data: `tikdb generate --posts {args.posts} --snapshots {k + 1} --seed {args.seed}` "
        f"(daily exports; the newest holds {records_in(h['exports'][-1]):,} posts, "
        f"{h['exports'][-1].stat().st_size / 2**20:.0f} MB; the first {k} total "
        f"{h['csv_bytes'] / 2**20:,.0f} MB). The parse cache of {k} exports takes "
        f"{h['cache_bytes'] / 2**20:,.0f} MB.",
        "",
        _table(
            ["build", "median", "runs", "× single", "peak memory"],
            [
                [
                    "single export (`--csv` the newest)",
                    f"{single:.2f} s",
                    ", ".join(f"{r.seconds:.2f}" for r in h["single"]),
                    "1.00",
                    f"{peak_mb(h['single']):,.0f} MB",
                ],
                [
                    f"cold, {k} exports",
                    f"{cold:.2f} s",
                    ", ".join(f"{r.seconds:.2f}" for r in h["cold"]),
                    f"{cold / single:.2f}",
                    f"{peak_mb(h['cold']):,.0f} MB",
                ],
                [
                    f"warm, export {k + 1} added",
                    f"{warm:.2f} s",
                    ", ".join(f"{r.seconds:.2f}" for r in h["warm"]),
                    f"{warm / single:.2f}",
                    f"{peak_mb(h['warm']):,.0f} MB",
                ],
            ],
            right=(1, 3, 4),
        ),
        "",
        "### Targets",
        "",
        _table(
            ["target", "measured", "status"],
            [
                [
                    f"cold build of {k} exports ≤ {TARGET_COLD:.0f}× a single-export build",
                    f"{cold / single:.2f}×",
                    _status(cold / single <= TARGET_COLD),
                ],
                [
                    f"adding export {k + 1}, cache warm ≤ {TARGET_WARM:.0f}× a single-export build",
                    f"{warm / single:.2f}×",
                    _status(warm / single <= TARGET_WARM),
                ],
                [
                    "peak memory < 1.5 GB",
                    f"{max(peak_mb(h['cold']), peak_mb(h['warm'])):,.0f} MB",
                    _status(max(peak_mb(h["cold"]), peak_mb(h["warm"])) < TARGET_PEAK_MB),
                ],
            ],
        ),
        "",
        "### Where the time goes",
        "",
        "Phases of one more run of each, with `--verbose` (seconds):",
        "",
        _table(
            ["phase", "cold", "warm add"],
            [
                [name, f"{c:.2f}", f"{w:.2f}"]
                for (name, c), (_, w) in zip(h["cold_phases"], h["warm_phases"], strict=True)
            ],
            right=(1, 2),
        ),
        "",
        "The slowest steps of the warm build:",
        "",
        _table(
            ["step", "phase", "seconds"],
            [
                [name, phase, f"{s:.2f}"]
                for phase, name, s in sorted(h["warm_steps"], key=lambda x: -x[2])[:10]
            ],
            right=(2,),
        ),
    ]
    if big:
        lines += render_big(big, args)
    return "\n".join(lines) + "\n"


def render_big(big: dict, args: argparse.Namespace) -> list[str]:
    """The section of the big measurement (its lines)."""
    n = len(big["exports"])
    lines = [
        "",
        f"### {n} exports of {args.big_posts:,} posts",
        "",
        f"`tikdb generate --posts {args.big_posts} --snapshots {n} --seed {args.seed}` "
        f"({big['csv_bytes'] / 2**30:.1f} GB of CSV); one run each:",
        "",
        _table(
            ["build", "seconds", "× single", "peak memory"],
            [
                [
                    "single export (`--csv` the newest)",
                    f"{big['single'].seconds:.1f}",
                    "1.00",
                    f"{big['single'].peak_kb / 1024:,.0f} MB",
                ],
                [
                    f"cold, {n} exports",
                    f"{big['cold'].seconds:.1f}",
                    f"{big['cold'].seconds / big['single'].seconds:.2f}",
                    f"{big['cold'].peak_kb / 1024:,.0f} MB",
                ],
                [
                    f"again, {n} exports all cached",
                    f"{big['warm'].seconds:.1f}",
                    f"{big['warm'].seconds / big['single'].seconds:.2f}",
                    f"{big['warm'].peak_kb / 1024:,.0f} MB",
                ],
            ],
            right=(1, 2, 3),
        ),
        "",
        "Phases of the cold build (seconds): "
        + ", ".join(f"{name} {s:.1f}" for name, s in big["phases"])
        + ".",
    ]
    return lines


def records_in(path: Path) -> int:
    """The records of an export (captions may hold line breaks, so they are parsed)."""
    with path.open(newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=45_077)
    parser.add_argument("--snapshots", type=int, default=30, help="K: exports in the cold build")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--big-posts", type=int, default=1_000_000)
    parser.add_argument("--big-snapshots", type=int, default=10)
    parser.add_argument("--no-big", action="store_true", help="Skip the big measurement.")
    parser.add_argument(
        "--big-only",
        action="store_true",
        help="Only the big measurement, appended to --out (written by an earlier run).",
    )
    parser.add_argument("--data-dir", type=Path, default=BENCH_DIR / ".data")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results.md")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = datetime.now(UTC)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    if args.big_only:
        earlier = section_body(args.out, SECTION_NAME)
        if earlier is None:
            print(f"Error: {args.out} has no history section; run without --big-only first.")
            return 2
        # Keep everything but an earlier big measurement (the last ### subsection).
        kept = [
            part for part in earlier.split("\n### ") if " exports of " not in part.split("\n")[0]
        ]
        text = "\n### ".join(kept).rstrip("\n") + "\n"
        splice(args.out, SECTION_NAME, text + "\n".join(render_big(bench_big(args), args)))
        return 0
    history = bench_history(args)
    # Written now and again after the big measurement, which takes much longer.
    splice(args.out, SECTION_NAME, render(history, None, args, started))
    big = None if args.no_big else bench_big(args)
    splice(args.out, SECTION_NAME, render(history, big, args, started))
    log(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
