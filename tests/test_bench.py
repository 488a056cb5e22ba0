"""The benchmark script runs end to end on a tiny dataset and writes a well-formed report.

Timings are never asserted (the machine is shared); the structure and the arithmetic are.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tikdb.engine.connection import default_memory_limit
from tikdb.engine.models import load_models

BENCH_DIR = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


bench = _load("bench")
floor = _load("floor")


def _rows(text: str, heading: str) -> list[list[str]]:
    """The body rows of the first Markdown table after `heading`."""
    section = text.split(heading + "\n", 1)[1]
    table = re.search(r"(?m)^\|.*\|\n\|[ :|-]+\|\n((?:\|.*\|\n?)*)", section)
    assert table, f"no table after {heading!r}"
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in table.group(1).splitlines()
    ]


def _number(cell: str) -> float:
    return float(cell.replace(",", ""))


def test_the_bench_process_loads_no_engine():
    # Linux counts the parent's high-water RSS into each exec'd child, so an engine
    # imported by bench.py itself would inflate every peak it measures.
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('bench', {str(BENCH_DIR / 'bench.py')!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "sys.modules['bench'] = module\n"
        "spec.loader.exec_module(module)\n"
        "print(sorted({'duckdb', 'polars', 'pyarrow', 'numpy'} & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_floor_memory_limit_is_never_below_tikdbs_default():
    # The floor must not be handicapped: its limit is at least what tikdb gets.
    def mb(limit: str) -> float:
        value, unit = float(limit[:-2]), limit[-2:]
        return value * (1024 if unit == "GB" else 1)

    assert mb(floor.default_memory_limit()) >= mb(default_memory_limit(10 * 2**30))


def test_queries_file_has_the_analyst_queries():
    names = [name for name, _ in bench.load_queries()]
    assert names == [
        "va_leaderboard",
        "account_daily_views",
        "top_posts_with_ocr",
        "reused_slides",
        "engagement_by_hour",
    ]
    for _, sql in bench.load_queries():
        assert "SELECT" in sql and ";" not in sql


def test_ten_million_posts_get_their_own_run_count_and_no_warm_up():
    args = bench.parse_args(["--ten-million", "--runs", "3", "--warmups", "1"])
    assert args.size_list == [45_077, 1_000_000, 10_000_000]
    assert bench.runs_for(1_000_000, args) == (1, 3)
    assert bench.runs_for(10_000_000, args) == (0, 1)
    args = bench.parse_args(["--ten-million", "--ten-million-runs", "2"])
    assert bench.runs_for(10_000_000, args) == (0, 2)
    with pytest.raises(SystemExit):
        bench.parse_args(["--ten-million-runs", "0"])


def test_status_says_met_or_missed_by_how_much():
    assert bench._status(1.5, 2.0, " s") == "met (0.50 s to spare)"
    assert bench._status(3.0, 2.0, " s") == "**missed** by 1.00 s (+50%)"


@pytest.mark.slow
def test_bench_writes_a_complete_report(tmp_path):
    out = tmp_path / "results.md"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH_DIR / "bench.py"),
            "--sizes",
            "300",
            "--runs",
            "1",
            "--warmups",
            "0",
            "--query-runs",
            "1",
            "--out",
            str(out),
            "--data-dir",
            str(tmp_path / "data"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    for heading in (
        "# tikdb benchmark",
        "## Machine",
        "## Method",
        "## 300 posts",
        "### Build phases",
        "### Slowest steps",
        "### Analyst queries",
        "## Targets",
    ):
        assert re.search(rf"(?m)^{re.escape(heading)}$", text), heading
    assert "--sizes 300 --runs 1" in text
    assert "Median of 1 timed run(s) after 0 warm-up(s)" in text

    machine = {row[0]: row[1] for row in _rows(text, "## Machine")}
    assert {"cores", "RAM", "CPU", "Python", "duckdb", "polars", "tikdb"} <= machine.keys()

    steps = {row[0]: row for row in _rows(text, "## 300 posts")}
    assert list(steps) == ["floor", "tikdb build", "tikdb check"]
    floor_s, floor_mb = _number(steps["floor"][1]), _number(steps["floor"][3])
    build_s, build_mb = _number(steps["tikdb build"][1]), _number(steps["tikdb build"][3])
    assert floor_s > 0 and build_s > 0 and floor_mb > 0 and build_mb > 0

    # Ratios are tikdb ÷ floor, from the numbers printed beside them: each printed
    # number is rounded (seconds to 0.001, MB to 0.1, ratios to 0.01), so the ratio
    # must lie between the ratios of the rounding bounds.
    def within_rounding(ratio: float, top: float, bottom: float, unit: float) -> bool:
        low = (top - unit / 2) / (bottom + unit / 2) - 0.005
        high = (top + unit / 2) / (bottom - unit / 2) + 0.005
        return low <= ratio <= high

    assert within_rounding(_number(steps["tikdb build"][4]), build_s, floor_s, 0.001)
    assert within_rounding(_number(steps["tikdb build"][5]), build_mb, floor_mb, 0.1)
    assert steps["floor"][4:] == ["1.00", "1.00"]

    phases = _rows(text, "### Build phases")
    assert [row[0] for row in phases] == ["startup", *bench.PHASES]
    total = float(re.search(r"--verbose` run: ([\d.]+) s", text).group(1))
    assert sum(_number(row[1]) for row in phases) == pytest.approx(total, abs=0.05)

    # The slowest steps of that run, longest first, each under a phase of the build.
    slowest = _rows(text, "### Slowest steps")
    assert len(slowest) == bench.SLOWEST_STEPS
    assert {row[1] for row in slowest} <= set(bench.PHASES)
    seconds = [_number(row[2]) for row in slowest]
    assert seconds == sorted(seconds, reverse=True)
    # Each is a model, a Parquet file or one of the build's named steps.
    named = {
        "scan the CSV",
        "read the OCR",
        "CSV records to Parquet (Polars)",
        "parse.snapshot_rows to Parquet",
        "load the raw tables",
        "warnings, import log",
        "checkpoint tikdb.duckdb",
    }
    for name, *_ in slowest:
        pattern = r"(raw|parse|staging|main)\.\w+|\w+\.parquet|check \w+"
        assert re.fullmatch(pattern, name) or name in named, name

    # The query plans of the slowest SQL steps, from the same run's DuckDB profiles.
    plans = text.split("### Query plans of the slowest steps\n", 1)[1].split("### ", 1)[0]
    planned = re.findall(r"(?m)^\*\*(.+?)\*\*: ([\d.]+) s wall; DuckDB CPU", plans)
    # Profiled: SQL table models, check rules and Parquet files (not views, not Python).
    models = load_models() + load_models(folders=("parse",))
    tables = {m.name for m in models if not m.is_view}
    profiled = [
        row[0]
        for row in slowest
        if row[0] in tables or re.fullmatch(r"\w+\.parquet|check \w+", row[0])
    ]
    assert [name for name, _ in planned] == profiled[: bench.PROFILED_STEPS]
    for name, _ in planned:
        title = next(line for line in plans.splitlines() if line.startswith(f"**{name}**"))
        operators = _rows(plans, title)
        assert 1 <= len(operators) <= bench.PLAN_OPERATORS
        shares = [_number(row[3].rstrip("%")) for row in operators]
        assert shares == sorted(shares, reverse=True) and sum(shares) <= 100 + len(shares)

    queries = _rows(text, "### Analyst queries")
    assert [row[0].strip("`") for row in queries] == [n for n, _ in bench.load_queries()]
    assert all(_number(row[1]) > 0 for row in queries)

    targets = _rows(text, "## Targets")
    assert {row[0] for row in targets} == {"45,077", "1,000,000", "10,000,000"}
    assert all(row[2] == "not measured" for row in targets)
    # The generated dataset is cached and the scratch space is cleaned up.
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["300-1"]
