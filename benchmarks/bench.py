"""Benchmark ``tikdb build`` and ``tikdb check`` against a floor, and time analyst queries.

    uv run python benchmarks/bench.py [--sizes 45077,1000000] [--ten-million] [--runs 3]
                                      [--ten-million-runs 1] [--out benchmarks/results.md]

For each size: generate a dataset with ``tikdb generate`` (cached under
``benchmarks/.data/<posts>-<seed>/``), then time whole processes, one warm-up and then
``--runs`` timed runs each (at 10M posts ``--ten-million-runs`` and no warm-up), floor
and build interleaved so machine noise hits both:
``benchmarks/floor.py`` (the least work any such build must do), ``tikdb build`` and
``tikdb check``. One extra ``tikdb build --verbose`` timestamps each phase line. The
analyst queries in ``benchmarks/queries.sql`` are timed in one warm Python process.
Results, ratios to the floor and the issue's targets go to ``--out`` (overwritten).

Peak memory is each child's own ``ru_maxrss`` from ``os.wait4``. Linux counts the
parent's high-water RSS into a freshly exec'd child, so this process never loads an
engine (DuckDB, Polars, PyArrow, numpy): the queries run in a child process too, and of
tikdb it imports only ``tikdb.engine.profiling``, which reads the JSON profiles with ``json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from tikdb.engine.profiling import Profile, profile_path, read_profile

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
TIKDB = Path(sys.executable).parent / "tikdb"
FLOOR = BENCH_DIR / "floor.py"
QUERIES = BENCH_DIR / "queries.sql"
DEFAULT_SIZES = (45_077, 1_000_000)
TEN_MILLION = 10_000_000
PHASES = ("reading", "transforming", "checking", "writing", "publishing")
PHASE_NOTES = {
    "startup": "process start, imports, argument parsing",
    "reading": "scan the CSV records, Polars writes them to Parquet, DuckDB types and judges "
    "them (sql/parse/), read the OCR JSON",
    "transforming": "the SQL models (published tables go into the staged file), import log",
    "checking": "the check rules, on the staged warehouse",
    "writing": "row counts, Parquet files and the final checkpoint, two at a time",
    "publishing": "swap into place, then process exit",
}
MB = 2**20
STEP_LINE = re.compile(r"^  (?P<name>.+): (?P<seconds>\d+\.\d+)s$")
SLOWEST_STEPS = 10
PROFILED_STEPS = 4  # the slowest SQL steps whose query plans the results show
PLAN_OPERATORS = 4  # operators shown per plan, slowest first


class BenchError(Exception):
    """A benchmarked command failed; the message says which and shows its stderr."""


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_kb: int  # the child's own ru_maxrss (KiB on Linux)


@dataclass
class Series:
    """Timed runs of one command."""

    label: str
    runs: list[Run] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def low(self) -> float:
        return min(r.seconds for r in self.runs)

    @property
    def high(self) -> float:
        return max(r.seconds for r in self.runs)

    @property
    def peak_mb(self) -> float:
        """The highest peak of the timed runs, in MiB."""
        return max(r.peak_kb for r in self.runs) / 1024


@dataclass(frozen=True)
class Dataset:
    posts: int
    seed: int
    root: Path
    generate_command: list[str]
    generate_seconds: float | None  # None: reused from the cache

    @property
    def csv(self) -> Path:
        return self.root / "MASTER_TIKTOK_DATABASE.csv"

    @property
    def ocr(self) -> Path:
        return self.root / "october_ocr_data"


@dataclass(frozen=True)
class QueryTiming:
    name: str
    runs_ms: list[float]
    rows: int

    @property
    def median_ms(self) -> float:
        return statistics.median(self.runs_ms)


@dataclass
class SizeResult:
    dataset: Dataset
    floor: Series
    build: Series
    check: Series
    commands: dict[str, list[str]]
    phases: list[tuple[str, float]]  # (phase, seconds), startup first
    phase_run: Run
    queries: list[QueryTiming]
    steps: list[tuple[str, str, float]] = field(default_factory=list)  # (phase, step, s)
    profiles: dict[str, Profile] = field(default_factory=dict)  # step -> its DuckDB profile

    @property
    def time_ratio(self) -> float:
        return self.build.median / self.floor.median

    @property
    def peak_ratio(self) -> float:
        return self.build.peak_mb / self.floor.peak_mb


# --- running children -------------------------------------------------------------------


def _display(cmd: Sequence[str | Path]) -> str:
    """A command as a shell line, with paths inside the repository made relative."""
    parts = []
    for part in map(str, cmd):
        path = Path(part)
        if path.is_absolute() and path.is_relative_to(ROOT):
            part = str(path.relative_to(ROOT))
        parts.append(shlex.quote(part))
    return " ".join(parts)


def _wait(proc: subprocess.Popen, started: float) -> tuple[int, Run]:
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, Run(seconds, usage.ru_maxrss)


def run_child(cmd: Sequence[str | Path]) -> Run:
    """Run cmd to completion; its wall time and its own peak RSS."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(map(str, cmd)), stdout=subprocess.DEVNULL, stderr=err)
        code, run = _wait(proc, started)
        if code != 0:
            err.seek(0)
            _fail(cmd, code, err.read().decode("utf-8", errors="replace"))
    return run


def run_phases(
    cmd: Sequence[str | Path],
) -> tuple[Run, list[tuple[str, float]], list[tuple[str, str, float]]]:
    """Run a ``tikdb build --verbose``, timestamping each phase line as it arrives and
    collecting the step lines (``  <step>: <seconds>s``) under each phase."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(map(str, cmd)), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    marks: list[tuple[str, float]] = [("startup", 0.0)]
    lines = []
    assert proc.stderr is not None
    steps: list[tuple[str, str, float]] = []
    for line in proc.stderr:
        lines.append(line)
        if line.strip() in PHASES:
            marks.append((line.strip(), time.perf_counter() - started))
        elif step := STEP_LINE.match(line):
            steps.append((marks[-1][0], step["name"], float(step["seconds"])))
    proc.stderr.close()
    code, run = _wait(proc, started)
    if code != 0:
        _fail(cmd, code, "".join(lines))
    ends = [t for _, t in marks[1:]] + [run.seconds]
    phases = [(name, end - start) for (name, start), end in zip(marks, ends, strict=True)]
    return run, phases, steps


def _fail(cmd: Sequence[str | Path], code: int, stderr: str) -> None:
    tail = "\n".join(stderr.strip().splitlines()[-15:])
    raise BenchError(f"`{_display(cmd)}` exited with {code}:\n{tail}")


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --- the benchmark ----------------------------------------------------------------------


def ensure_dataset(posts: int, seed: int, data_dir: Path) -> Dataset:
    """The generated dataset for (posts, seed), generating it unless it is cached."""
    root = data_dir / f"{posts}-{seed}"
    command = [TIKDB, "generate", root, "--posts", str(posts), "--seed", str(seed)]
    if (root / "MASTER_TIKTOK_DATABASE.csv").is_file():
        return Dataset(posts, seed, root, list(map(str, command)), None)
    # Generate beside the cache entry and rename, so an interrupted run is never reused.
    partial = root.with_name(root.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    log(f"generating {posts:,} posts (seed {seed}) into {root}")
    run = run_child([TIKDB, "generate", partial, "--posts", str(posts), "--seed", str(seed)])
    partial.rename(root)
    return Dataset(posts, seed, root, list(map(str, command)), run.seconds)


def timed(label: str, cmd: list, out: Path | None, warmups: int, runs: int) -> Series:
    series = Series(label)
    for i in range(warmups + runs):
        if out is not None:
            shutil.rmtree(out, ignore_errors=True)
        run = run_child(cmd)
        if i >= warmups:
            series.runs.append(run)
    return series


def bench_size(dataset: Dataset, args: argparse.Namespace, work: Path) -> SizeResult:
    floor_out, wh = work / "floor", work / "warehouse"
    db = wh / "tikdb.duckdb"
    commands = {
        "floor": [sys.executable, FLOOR, dataset.csv, floor_out],
        "build": [TIKDB, "build", "--csv", dataset.csv, "--ocr", dataset.ocr, "--out", wh],
        "check": [TIKDB, "check", "--db", db],
    }
    profile_dir = work / "profile"
    commands["phases"] = [*commands["build"], "--verbose", "--profile", profile_dir]
    commands["queries"] = [
        sys.executable,
        Path(__file__).resolve(),
        "--queries-db",
        db,
        "--query-runs",
        str(args.query_runs),
    ]
    floor, build = Series("floor"), Series("tikdb build")
    warmups, runs = runs_for(dataset.posts, args)
    # Floor and build alternate, so a noisy neighbour slows both rather than one.
    for i in range(warmups + runs):
        kind = "warm-up" if i < warmups else f"run {i - warmups + 1}/{runs}"
        for series, cmd, out in (
            (floor, commands["floor"], floor_out),
            (build, commands["build"], wh),
        ):
            log(f"{dataset.posts:,} posts: {series.label}, {kind}")
            shutil.rmtree(out, ignore_errors=True)
            run = run_child(cmd)
            if i >= warmups:
                series.runs.append(run)
    shutil.rmtree(floor_out, ignore_errors=True)
    log(f"{dataset.posts:,} posts: tikdb build --verbose (phases)")
    shutil.rmtree(wh, ignore_errors=True)
    shutil.rmtree(profile_dir, ignore_errors=True)
    phase_run, phases, steps = run_phases(commands["phases"])
    profiles = {
        name: read_profile(profile_path(profile_dir, name))
        for _, name, _ in steps
        if profile_path(profile_dir, name).is_file()
    }
    log(f"{dataset.posts:,} posts: tikdb check")
    check = timed("tikdb check", commands["check"], None, warmups, runs)
    log(f"{dataset.posts:,} posts: analyst queries")
    queries = run_queries_child(commands["queries"])
    return SizeResult(
        dataset, floor, build, check, commands, phases, phase_run, queries, steps, profiles
    )


def runs_for(posts: int, args: argparse.Namespace) -> tuple[int, int]:
    """(warm-ups, timed runs) for a size: ``--ten-million-runs`` and no warm-up at 10M
    posts, where one build takes minutes; ``--warmups`` and ``--runs`` below."""
    if posts >= TEN_MILLION:
        return 0, args.ten_million_runs
    return args.warmups, args.runs


def run_queries_child(cmd: list) -> list[QueryTiming]:
    done = subprocess.run(list(map(str, cmd)), capture_output=True, text=True)
    if done.returncode != 0:
        _fail(cmd, done.returncode, done.stderr)
    return [QueryTiming(**q) for q in json.loads(done.stdout)]


def load_queries(path: Path = QUERIES) -> list[tuple[str, str]]:
    """(name, sql) for each ``-- name:`` section of queries.sql."""
    queries: list[tuple[str, list[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("-- name:"):
            queries.append((line.removeprefix("-- name:").strip(), []))
        elif queries:
            queries[-1][1].append(line)
    return [(name, "\n".join(lines).strip().rstrip(";")) for name, lines in queries]


def time_queries(db: Path, runs: int) -> list[dict]:
    """Warm, in-process latency: one read-only connection, a warm-up, then ``runs`` runs.

    Each run executes the query and fetches the whole result as an Arrow table.
    """
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    timings = []
    for name, sql in load_queries():
        rows = con.execute(sql).to_arrow_table().num_rows
        runs_ms = []
        for _ in range(runs):
            started = time.perf_counter()
            con.execute(sql).to_arrow_table()
            runs_ms.append((time.perf_counter() - started) * 1000)
        timings.append({"name": name, "runs_ms": runs_ms, "rows": rows})
    con.close()
    return timings


# --- the report -------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_kb = 0
    with open("/proc/meminfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                ram_kb = int(line.split()[1])
    return {
        "cores": str(os.cpu_count()),
        "RAM": f"{ram_kb / 2**20:.1f} GiB",
        "CPU": cpu,
        "OS": f"{platform.system()} {platform.release()}",
    }


def versions() -> dict[str, str]:
    found = {"Python": platform.python_version()}
    for package in ("duckdb", "polars", "pyarrow", "tikdb"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    found["tikdb"] += f" ({git_state()})"
    return found


def git_state() -> str:
    def git(*cmd: str) -> str:
        done = subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "not a git checkout"
    dirty = git("status", "--porcelain", "--", "tikdb", "sql")
    return f"git {commit}" + (", with uncommitted changes in tikdb/ or sql/" if dirty else "")


def code_changed_since(moment: float) -> list[str]:
    """tikdb/ and sql/ files modified after ``moment`` (others edit the tree in parallel)."""
    files = [*ROOT.joinpath("tikdb").rglob("*.py"), *ROOT.joinpath("sql").rglob("*.sql")]
    return sorted(str(f.relative_to(ROOT)) for f in files if f.stat().st_mtime > moment)


def _status(measured: float, limit: float, unit: str, fmt: str = ".2f") -> str:
    if measured <= limit:
        return f"met ({limit - measured:{fmt}}{unit} to spare)"
    over = measured - limit
    return f"**missed** by {over:{fmt}}{unit} ({100 * over / limit:+.0f}%)"


def targets(results: dict[int, SizeResult]) -> list[tuple[str, str, str, str]]:
    """(size, target, measured, status) for each of the issue's targets."""
    rows: list[tuple[str, str, str, str]] = []

    def missing(size: int, *names: str) -> None:
        why = "needs --ten-million" if size == TEN_MILLION else f"--sizes lacks {size}"
        rows.extend((f"{size:,}", name, "not measured", why) for name in names)

    small = results.get(45_077)
    if small:
        b, c, r = small.build.median, small.check.median, small.time_ratio
        rows += [
            ("45,077", "build ≤ 2 s wall", f"{b:.2f} s", _status(b, 2.0, " s")),
            ("45,077", "build ≤ 1.3× floor", f"{r:.2f}×", _status(r, 1.3, "×")),
            ("45,077", "check ≤ 1 s", f"{c:.2f} s", _status(c, 1.0, " s")),
        ]
    else:
        missing(45_077, "build ≤ 2 s wall", "build ≤ 1.3× floor", "check ≤ 1 s")
    big = results.get(1_000_000)
    if big:
        r, p, c = big.time_ratio, big.build.peak_mb, big.check.median
        rows += [
            ("1,000,000", "build ≤ 1.5× floor", f"{r:.2f}×", _status(r, 1.5, "×")),
            ("1,000,000", "build peak ≤ 1.5 GB", f"{p:,.0f} MB", _status(p, 1536, " MB", ",.0f")),
            ("1,000,000", "check ≤ 3 s", f"{c:.2f} s", _status(c, 3.0, " s")),
        ]
        for q in big.queries:
            rows.append(
                (
                    "1,000,000",
                    f"`{q.name}` ≤ 100 ms median",
                    f"{q.median_ms:.1f} ms",
                    _status(q.median_ms, 100, " ms", ".1f"),
                )
            )
    else:
        missing(1_000_000, "build ≤ 1.5× floor", "build peak ≤ 1.5 GB", "check ≤ 3 s")
        missing(1_000_000, "each analyst query ≤ 100 ms median")
    huge = results.get(TEN_MILLION)
    if huge:
        p = huge.build.peak_mb
        rows.append(
            ("10,000,000", "build peak ≤ 4 GB", f"{p:,.0f} MB", _status(p, 4096, " MB", ",.0f"))
        )
        if big:
            x = huge.build.median / big.build.median
            rows.append(
                ("10,000,000", "build ≤ 11× the 1M build", f"{x:.2f}×", _status(x, 11, "×"))
            )
        else:
            missing(TEN_MILLION, "build ≤ 11× the 1M build")
    else:
        missing(TEN_MILLION, "build peak ≤ 4 GB", "build ≤ 11× the 1M build")
    return rows


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    align = ["---:" if i in right else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _size_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def size_section(res: SizeResult, args: argparse.Namespace) -> str:
    ds = res.dataset
    made = (
        f"generated in {ds.generate_seconds:.1f} s"
        if ds.generate_seconds is not None
        else f"reused from `{_display([ds.root])}/`"
    )
    out = [
        f"## {ds.posts:,} posts",
        "",
        f"Dataset: seed {ds.seed}, CSV {_size_bytes(ds.csv) / MB:,.1f} MB, "
        f"OCR {_size_bytes(ds.ocr) / MB:,.1f} MB, {made}.",
        "",
        f"Median of {len(res.build.runs)} timed run(s) after "
        f"{runs_for(ds.posts, args)[0]} warm-up(s); peak MB is the highest of the timed "
        "runs. Ratios are tikdb ÷ floor.",
        "",
    ]
    rows = []
    for s in (res.floor, res.build, res.check):
        if s is res.check:
            ratios = ["—", "—"]
        elif s is res.floor:
            ratios = ["1.00", "1.00"]
        else:
            ratios = [f"{res.time_ratio:.2f}", f"{res.peak_ratio:.2f}"]
        rows.append(
            [s.label, f"{s.median:.3f}", f"{s.low:.3f}–{s.high:.3f}", f"{s.peak_mb:,.1f}", *ratios]
        )
    header = ["step", "median s", "min–max s", "peak MB", "time ÷ floor", "peak ÷ floor"]
    out += [_table(header, rows, right=(1, 2, 3, 4, 5)), ""]

    total = res.phase_run.seconds
    out += [
        "### Build phases",
        "",
        f"One extra `tikdb build --verbose` run: {total:.2f} s, peak "
        f"{res.phase_run.peak_kb / 1024:,.1f} MB. Each phase runs from its line on stderr "
        "to the next one.",
        "",
    ]
    rows = [
        [name, f"{secs:.2f}", f"{100 * secs / total:.0f}%", PHASE_NOTES.get(name, "")]
        for name, secs in res.phases
    ]
    out += [_table(["phase", "s", "share", "what"], rows, right=(1, 2)), ""]

    slowest = sorted(res.steps, key=lambda step: -step[2])[:SLOWEST_STEPS]
    out += [
        "### Slowest steps",
        "",
        f"The {len(slowest)} longest of the {len(res.steps)} steps the same run printed "
        "(`  <step>: <seconds>s` under its phase): SQL models by table, check rules, "
        "Parquet files, the checkpoint. Below 128 MB of CSV, models and file writes run two "
        "at a time, so steps overlap and their shares can add up to more than 100%.",
        "",
    ]
    rows = [
        [name, phase, f"{secs:.2f}", f"{100 * secs / total:.0f}%"] for phase, name, secs in slowest
    ]
    out += [_table(["step", "phase", "s", "share"], rows, right=(2, 3)), ""]
    out += plans_section(res, slowest)

    out += [
        "### Analyst queries",
        "",
        f"Warm, in-process latency: one Python process, one read-only `duckdb.connect`, a "
        f"warm-up, then the median of {args.query_runs} run(s); each run fetches the whole "
        "result as Arrow. SQL: `benchmarks/queries.sql`.",
        "",
    ]
    rows = [
        [
            f"`{q.name}`",
            f"{q.median_ms:.1f}",
            f"{min(q.runs_ms):.1f}–{max(q.runs_ms):.1f}",
            f"{q.rows:,}",
        ]
        for q in res.queries
    ]
    out += [_table(["query", "median ms", "min–max ms", "rows"], rows, right=(1, 2, 3)), ""]

    gen = "(cached) " if ds.generate_seconds is None else ""
    lines = [f"{gen}{_display(ds.generate_command)}"]
    lines += [_display(res.commands[k]) for k in ("floor", "build", "phases", "check", "queries")]
    out += ["Commands:", "", "```sh", *lines, "```", ""]
    return "\n".join(out)


def plans_section(res: SizeResult, slowest: list[tuple[str, str, float]]) -> list[str]:
    """Where the time of the slowest SQL steps went, from their DuckDB profiles."""
    profiled = [(name, secs) for _, name, secs in slowest if name in res.profiles]
    profiled = profiled[:PROFILED_STEPS]
    if not profiled:
        return []
    out = [
        "### Query plans of the slowest steps",
        "",
        "From DuckDB's JSON profile of each step (`tikdb build --profile DIR`, same run). "
        "Operator seconds are summed over the threads that ran them (so they can exceed "
        "the step's wall time); share is of all operators' seconds in the query. "
        "`CREATE_TABLE_AS` and `COPY_TO_FILE` include compressing and writing the data.",
        "",
    ]
    for name, secs in profiled:
        prof = res.profiles[name]
        out += [
            f"**{name}**: {secs:.2f} s wall; DuckDB CPU {prof.cpu_seconds:.2f} s, peak buffer "
            f"{prof.peak_buffer_bytes / MB:,.0f} MB, spilled {prof.spilled_bytes / MB:,.0f} MB.",
            "",
        ]
        rows = [
            [
                f"`{op.name}`",
                f"{op.rows:,}",
                f"{op.seconds:.2f}",
                f"{100 * op.share:.0f}%",
                _cell(op.detail),
            ]
            for op in prof.operators[:PLAN_OPERATORS]
        ]
        out += [_table(["operator", "rows", "s", "share", "detail"], rows, right=(1, 2, 3)), ""]
    return out


def _cell(text: str) -> str:
    """Text for a Markdown table cell: pipes escaped, code spans for SQL fragments."""
    return text.replace("|", "\\|").replace("`", "'")


def render(results: dict[int, SizeResult], args: argparse.Namespace, started: datetime) -> str:
    bench_cmd = _display(["uv", "run", "python", "benchmarks/bench.py", *args.argv])
    parent_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    out = [
        "# tikdb benchmark",
        "",
        "Written by `benchmarks/bench.py` (rewritten on every run; the sections other "
        "benchmarks write below it are kept). Started "
        f"{started:%Y-%m-%d %H:%M} UTC, finished {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "```sh",
        bench_cmd,
        "```",
        "",
    ]
    changed = code_changed_since(started.timestamp())
    if changed:
        out += [
            f"**Warning:** tikdb code changed during this run, so its runs may mix versions: "
            f"{', '.join(f'`{c}`' for c in changed)}.",
            "",
        ]
    if len(results) < len(args.size_list):
        out += [f"**Incomplete:** {len(results)} of {len(args.size_list)} sizes done.", ""]
    rows = [[k, v] for k, v in {**machine(), **versions()}.items()]
    rows.append(["load average at the start", args.load_at_start])
    rows.append(["load average at the end", load])
    out += ["## Machine", "", _table(["", "value"], rows), ""]
    out += [
        "## Method",
        "",
        "- Every timing is a whole process: the venv's `tikdb` console script (no `uv run` "
        "overhead) or `python benchmarks/floor.py`, from spawn to exit, into a fresh output "
        "directory.",
        "- The floor (`benchmarks/floor.py`) is DuckDB alone doing the unavoidable work: a "
        "pinned-dialect `read_csv`, metrics typed with `TRY_CAST`, slides exploded, both "
        "tables written to a v1.2 `.duckdb` file and zstd Parquet (level 1, as tikdb "
        "writes), on all cores with half the RAM as its memory limit (tikdb's default is "
        "1-2 GB). It reads no OCR and runs no checks.",
        "- Peak MB (MiB) is each child's own `ru_maxrss` from `os.wait4`. Linux counts the "
        "parent's high-water RSS into an exec'd child, so no peak below the bench process's "
        f"own ({parent_mb:,.0f} MB) is measurable.",
        "- The machine is shared: absolute seconds move between runs, ratios within one run "
        "are the comparison. Timings are not asserted in tests.",
        "",
    ]
    out += [size_section(results[n], args) for n in args.size_list if n in results]
    out += [
        "## Targets",
        "",
        "From issue 4. Build and check times are medians; GB = 1024 MB.",
        "",
        _table(["posts", "target", "measured", "status"], targets(results)),
        "",
    ]
    return "\n".join(out)


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# The other benchmarks (exports, history) write their own sections of results.md between
# <!-- NAME:start --> and <!-- NAME:end --> lines; a run of any one keeps the others'.
SECTION = re.compile(r"<!-- ([\w-]+):start -->\n.*?<!-- \1:end -->", re.DOTALL)


def marked_sections(text: str) -> list[str]:
    """The marked sections of a results file, in order, markers included."""
    return [m.group(0) for m in SECTION.finditer(text)]


def section_body(path: Path, name: str) -> str | None:
    """The text between a section's markers in ``path``; None when it has none."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    for section in marked_sections(text):
        if section.startswith(f"<!-- {name}:start -->\n"):
            return section.split("\n", 1)[1].rsplit("\n", 1)[0]
    return None


def splice(path: Path, name: str, body: str) -> None:
    """Put ``body`` in ``path`` as the section ``name``: in place of the old one, or at the
    end when there is none."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    new = f"{start}\n{body.strip(chr(10))}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    old = next((s for s in marked_sections(text) if s.startswith(start + "\n")), None)
    if old is not None:
        text = text.replace(old, new, 1)
    else:
        text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + new + "\n"
    write_atomically(path, text)


# --- command line -----------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark tikdb build/check against a floor; write a Markdown report.",
        epilog="Example: uv run python benchmarks/bench.py --sizes 45077 --runs 5",
    )
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="Comma-separated post counts [default: %(default)s].",
    )
    parser.add_argument("--ten-million", action="store_true", help="Also run 10,000,000 posts.")
    parser.add_argument("--runs", type=int, default=3, help="Timed runs per command [3].")
    parser.add_argument(
        "--ten-million-runs",
        type=int,
        default=1,
        help="Timed runs per command at 10,000,000 posts, without warm-up [1].",
    )
    parser.add_argument("--warmups", type=int, default=1, help="Untimed runs first [1].")
    parser.add_argument("--query-runs", type=int, default=5, help="Timed runs per query [5].")
    parser.add_argument("--seed", type=int, default=1, help="Generator seed [1].")
    parser.add_argument(
        "--out", type=Path, default=BENCH_DIR / "results.md", help="The report [%(default)s]."
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=BENCH_DIR / ".data",
        help="Cache of generated datasets and scratch space [%(default)s].",
    )
    # Internal: the warm query process started by the benchmark itself.
    parser.add_argument("--queries-db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes: expected comma-separated integers, got {args.sizes!r}")
    if args.ten_million and TEN_MILLION not in sizes:
        sizes.append(TEN_MILLION)
    if not sizes or min(sizes) < 1:
        parser.error("--sizes: give at least one positive post count")
    if min(args.runs, args.ten_million_runs, args.query_runs) < 1 or args.warmups < 0:
        parser.error("--runs, --ten-million-runs and --query-runs must be ≥ 1, --warmups ≥ 0")
    args.size_list = sizes
    args.argv = argv
    return args


def compile_bytecode() -> None:
    """Compile the environment's Python files once, as an installed tool has them.

    Where bytecode is not written at import (PYTHONDONTWRITEBYTECODE, read-only
    installs) every timed process would otherwise compile Polars, DuckDB and PyArrow
    from source (~0.8 s of a 45k-post build); `uv run` no longer does it on each call.
    """
    for folder in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}:
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", "-j", "0", folder],
            check=True,
            stdout=subprocess.DEVNULL,
        )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.queries_db is not None:
        print(json.dumps(time_queries(args.queries_db, args.query_runs)))
        return 0
    if not TIKDB.exists():
        print(f"Error: {TIKDB} not found; run this with `uv run python ...`.", file=sys.stderr)
        return 2
    compile_bytecode()
    started = datetime.now(UTC)
    args.load_at_start = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    args.data_dir.mkdir(parents=True, exist_ok=True)
    results: dict[int, SizeResult] = {}
    try:
        for posts in args.size_list:
            dataset = ensure_dataset(posts, args.seed, args.data_dir)
            # A fixed scratch path keeps the commands in the report copy-pasteable.
            work = args.data_dir / f"work-{posts}-{args.seed}"
            shutil.rmtree(work, ignore_errors=True)
            try:
                results[posts] = bench_size(dataset, args, work)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            others = (
                marked_sections(args.out.read_text(encoding="utf-8")) if args.out.exists() else []
            )
            text = "\n\n".join([render(results, args, started).rstrip("\n"), *others]) + "\n"
            write_atomically(args.out, text)
    except BenchError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
